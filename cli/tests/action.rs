//! The packaging runs what it says: the GitHub Action's gate step (`action.yml`), the
//! pre-commit hook (`.pre-commit-hooks.yaml`) and the Docker image's runtime libraries
//! (`Dockerfile`), each read from its file and run (or checked) against the fixtures of
//! `cli/tests/data/ci/` with the binaries this build made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::sarif::assert_valid_sarif;
use common::{bin_path, text, write, yaml};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// PATH with this build's binaries first, as the action's install step and a user's
/// `cargo install` put them.
fn path_with_binaries() -> String {
    let dir = bin_path().parent().unwrap().to_path_buf();
    assert!(
        dir.join("iam-refine-prover").is_file(),
        "build iam-refine-prover too"
    );
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn action() -> Value {
    yaml::load(&std::fs::read_to_string(root().join("action.yml")).unwrap())
}

/// Runs the action's `gate` step as the runner does: its `env` with the inputs given (or
/// their defaults) substituted, its script through `bash --noprofile --norc -eo pipefail`
/// (GitHub's `shell: bash`), in the repository's root. Returns the output and what the
/// step wrote to `$GITHUB_OUTPUT`.
fn run_gate(inputs: &[(&str, &str)], dir: &Path) -> (Output, String) {
    let action = action();
    let steps = action["runs"]["steps"].as_array().unwrap();
    let gate = steps
        .iter()
        .find(|s| s["id"] == "gate")
        .expect("a step `gate`");
    assert_eq!(gate["shell"], "bash");
    let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
    let mut env = BTreeMap::new();
    for (name, value) in gate["env"].as_object().unwrap() {
        let value = value.as_str().unwrap();
        let input = value
            .strip_prefix("${{ inputs.")
            .and_then(|v| v.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("{name}: {value}"));
        let spec = &action["inputs"][input];
        assert!(spec.is_object(), "input {input} is declared");
        let v = given
            .get(input)
            .map(|v| v.to_string())
            .or_else(|| spec["default"].as_str().map(str::to_string))
            .unwrap_or_default();
        env.insert(name.clone(), v);
    }
    for name in given.keys() {
        assert!(action["inputs"][*name].is_object(), "input {name}");
    }
    let script = write(dir, "gate.sh", gate["run"].as_str().unwrap());
    let github_output = write(dir, "github_output", "");
    let summary = write(dir, "summary.md", "");
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(root())
        .envs(&env)
        .env("PATH", path_with_binaries())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &github_output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    (out, std::fs::read_to_string(&github_output).unwrap())
}

#[test]
fn the_action_fails_a_widening_change_with_a_valid_sarif_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("iam-refine.sarif");
    let (out, outputs) = run_gate(
        &[
            ("head", "cli/tests/data/ci/cloudformation/head"),
            ("base", "cli/tests/data/ci/cloudformation/base"),
            ("rules", "cli/tests/data/ci/rules.json"),
            ("output", report.to_str().unwrap()),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        outputs,
        format!("exit-code=3\nreport={}\n", report.display())
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_valid_sarif(&log);
    let rules: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["new-access", "access-granted"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("::error file=cli/tests/data/ci/cloudformation/head/app.yaml,line=26,"),
        "{stderr}"
    );
}

#[test]
fn the_action_passes_a_plan_that_only_narrows_and_takes_more_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("cli/tests/data/ci/terraform/plan.json")).unwrap(),
    )
    .unwrap();
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .retain(|c| {
            c["address"] == "module.storage.aws_iam_policy.reader"
                || c["address"] == "module.app.aws_iam_user_policy.deploy"
        });
    let plan = write(dir.path(), "plan.json", &plan.to_string());
    let report = dir.path().join("report.json");
    let (out, outputs) = run_gate(
        &[
            ("head", plan.to_str().unwrap()),
            ("format", "json"),
            ("output", report.to_str().unwrap()),
            ("args", "-q --timeout 30"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(outputs.starts_with("exit-code=0\n"));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["verdict"], "no-new-access");
}

#[test]
fn the_action_installs_both_binaries_from_its_own_sources() {
    let action = action();
    let steps = action["runs"]["steps"].as_array().unwrap();
    let install = steps
        .iter()
        .find_map(|s| s["run"].as_str().filter(|r| r.contains("cargo install")))
        .unwrap();
    for (dir, binary) in [("cli", "iam-refine"), ("prover", "iam-refine-prover")] {
        assert!(
            install.contains(&format!(
                "cargo install --locked --root \"$ROOT\" --path \"$SOURCES/{dir}\""
            )),
            "{install}"
        );
        let manifest = std::fs::read_to_string(root().join(dir).join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("name = \"{binary}\"")), "{dir}");
    }
    assert!(install.contains("apt-get install -y -q libz3-dev libclang-dev"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

/// Runs the hook as pre-commit does: its entry (a script of this repository), its args,
/// then the file names, in the user's repository.
fn run_hook(repo: &Path, args: &[&str], files: &[&str]) -> Output {
    let hooks =
        yaml::load(&std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap());
    let hook = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "iam-refine-ci")
        .unwrap();
    assert_eq!(hook["language"], "script");
    assert_eq!(hook["files"], r"\.(json|ya?ml|template)$");
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
    Command::new(root().join(entry[0]))
        .args(&entry[1..])
        .args(args)
        .args(files)
        .current_dir(repo)
        .env("PATH", path_with_binaries())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

#[test]
fn the_pre_commit_hook_compares_the_staged_templates_with_the_last_commit() {
    let data = root().join("cli/tests/data/ci");
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("infra")).unwrap();
    let base = std::fs::read_to_string(data.join("cloudformation/base/app.yaml")).unwrap();
    write(&repo.join("infra"), "app.yaml", &base);
    std::fs::copy(data.join("rules.json"), repo.join("iam-rules.json")).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);

    // Reformatted only: passes.
    write(
        &repo.join("infra"),
        "app.yaml",
        &base.replace("Action: logs:PutLogEvents", "Action: [logs:PutLogEvents]"),
    );
    let out = run_hook(repo, &["-q"], &["infra/app.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // Widened: fails with the witness; the rules file is the repository's.
    let head = std::fs::read_to_string(data.join("cloudformation/head/app.yaml")).unwrap();
    write(&repo.join("infra"), "app.yaml", &head);
    write(repo, "other.json", r#"{"not": "a template"}"#);
    let out = run_hook(
        repo,
        &["--rules", "iam-rules.json"],
        &["infra/app.yaml", "other.json"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("head/infra/app.yaml:26: infra/app.yaml: AppRole/Policies/read-reports: refuted (new-access)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("infra/app.yaml: Admin [rules]: refuted (access-granted)"),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("other.json: skipped: not a CloudFormation template"));

    // A template new in this commit: only the rules.
    write(&repo.join("infra"), "new.yaml", &head);
    let out = run_hook(repo, &["--rules", "iam-rules.json"], &["infra/new.yaml"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("infra/new.yaml: Admin [rules]: refuted"));
    assert!(text(&out.stdout).contains("infra/new.yaml: LogsPolicy: new"));
}

#[test]
fn the_docker_image_installs_the_libraries_the_binaries_link() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let runtime = dockerfile.split("\nFROM ").last().expect("a runtime stage");
    assert!(runtime.starts_with("debian:bookworm-slim"), "{runtime}");
    // The build stage builds both binaries, the runtime stage copies both.
    assert!(dockerfile
        .contains("cargo build --release --locked -p iam-refine-cli -p iam-refine-prover"));
    assert!(runtime.contains(
        "COPY --from=build /src/target/release/iam-refine /src/target/release/iam-refine-prover /usr/local/bin/"
    ));
    assert!(
        runtime.contains("COPY scripts/docker-entrypoint.sh /usr/local/bin/iam-refine-entrypoint")
    );
    assert!(runtime.contains("ENTRYPOINT [\"iam-refine-entrypoint\"]"));
    // The entry point runs a subcommand, or a shell for job runners.
    let entry = |args: &[&str]| {
        Command::new(root().join("scripts/docker-entrypoint.sh"))
            .args(args)
            .env("PATH", path_with_binaries())
            .env("SHARD", "3")
            .output()
            .unwrap()
    };
    let out = entry(&["--version"]);
    assert!(
        text(&out.stdout).starts_with("iam-refine 0.1.0 (sources "),
        "{}",
        text(&out.stdout)
    );
    let out = entry(&[
        "sh",
        "-c",
        "iam-refine catalog >/dev/null && echo shard $SHARD",
    ]);
    assert_eq!(text(&out.stdout), "shard 3\n");
    let out = entry(&["expand", "s3:GetObjectT*"]);
    assert!(
        text(&out.stdout).contains("s3:GetObjectTagging"),
        "{}",
        text(&out.stdout)
    );
    let installed: Vec<&str> = runtime
        .lines()
        .filter_map(|l| l.split("--no-install-recommends").nth(1))
        .flat_map(|rest| {
            rest.split_whitespace()
                .take_while(|w| *w != "\\" && *w != "&&")
        })
        .collect();
    assert_eq!(installed, ["libz3-4"]);
    // Every shared library the prover links comes from a package installed there, one of
    // its dependencies, or one every Debian image has.
    let (Ok(ldd), Ok(_)) = (
        Command::new("ldd")
            .arg(bin_path().with_file_name("iam-refine-prover"))
            .output(),
        Command::new("dpkg-query").arg("--version").output(),
    ) else {
        eprintln!("no ldd or dpkg-query here: the libraries are not checked");
        return;
    };
    let mut provided: Vec<String> = vec!["libc6".into(), "libgcc-s1".into()];
    for package in &installed {
        provided.push(package.to_string());
        let depends = Command::new("dpkg-query")
            .args(["-W", "-f=${Depends}", package])
            .output()
            .unwrap();
        for dep in text(&depends.stdout).split(',') {
            if let Some(name) = dep.split_whitespace().next() {
                provided.push(name.to_string());
            }
        }
    }
    for line in text(&ldd.stdout).lines() {
        let Some(path) = line.split(" => ").nth(1).and_then(|r| r.split(' ').next()) else {
            continue;
        };
        // dpkg knows a file by the path its package installed it at: with merged /usr,
        // `/lib/...` or `/usr/lib/...`, and the link or its target.
        let real = std::fs::canonicalize(path).unwrap();
        let mut candidates = vec![PathBuf::from(path), real.clone()];
        for p in [PathBuf::from(path), real.clone()] {
            let s = p.to_string_lossy().to_string();
            candidates.push(match s.strip_prefix("/usr") {
                Some(rest) => PathBuf::from(rest),
                None => PathBuf::from(format!("/usr{s}")),
            });
        }
        let package = candidates
            .iter()
            .find_map(|c| {
                let out = Command::new("dpkg").arg("-S").arg(c).output().unwrap();
                out.status.success().then(|| {
                    text(&out.stdout)
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
            })
            .unwrap_or_else(|| panic!("no package owns {path}"));
        assert!(
            provided.contains(&package),
            "{} ({package}) is not installed in the image: {provided:?}",
            real.display()
        );
    }
}
