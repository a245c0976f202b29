//! `iam-refine check-not-granted`: for each rule (the `--action` / `--resource` patterns,
//! or each entry of a `--rules` file, [`crate::rules`]), prove that the policies allow no
//! request for those actions on those resources whatever its context, or show one they
//! allow, re-checked by the library's evaluator ([`crate::recheck`]): the policies must
//! allow it, and the rule's access (an `Allow` of its actions on its resources, evaluated
//! by the same evaluator) must contain it. One line per rule; the exit code is the worst
//! rule's; the verdicts are a [`report::Report`], so `--format json|sarif|junit` and the
//! GitHub annotations come as for `verify`.

use anyhow::Result;
use serde_json::{json, Value};

use iam_refine_verify::compare::{
    Access, CompareError, CompareOptions, Comparer, Side as ProverSide,
};
use iam_refine_verify::Z3Worker;

use crate::args::ReportFormat;
use crate::compare_cmd::{located, read_files, recheck_side, request_text, shell_line};
use crate::config::{CheckConfig, Checks, Common};
use crate::console::Console;
use crate::exit::Exit;
use crate::recheck::{self, Claim, Recheck};
use crate::report::{self, Report, Subject, Verdict, Witness as ReportWitness};
use crate::rules::{read_rules_bounded, Rule};
use crate::simulate_cmd::aws_argv;

/// The id of the one rule `--action` / `--resource` give.
const GIVEN_ID: &str = "command-line";

pub fn run(config: &CheckConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let limit = common.max_input_bytes;
    let rules = match &config.checks {
        Checks::Given { actions, resources } => vec![Rule {
            id: GIVEN_ID.to_string(),
            description: None,
            actions: actions.clone(),
            resources: resources.clone(),
        }],
        Checks::Rules(path) => read_rules_bounded(path, limit)?,
    };
    let files = read_files(&config.policies, limit)?;
    let documents: Vec<Value> = files.iter().map(|f| f.document.clone()).collect();
    let side = recheck_side("the policies", &files, &config.unknowns);
    let inputs: Vec<String> = files.iter().map(|f| f.aws_input.clone()).collect();
    let options = CompareOptions {
        timeout: Some(config.timeout),
        rlimit: config.rlimit,
        unknowns: config.unknowns.clone(),
    };
    let mut worker = Z3Worker::new();
    let mut report = Report::new("check-not-granted");
    let mut text = String::new();
    for rule in &rules {
        let found = Comparer::new().check_not_granted(
            &mut worker,
            &documents,
            &rule.actions,
            &rule.resources,
            &options,
        );
        let access = match found {
            Ok(r) => r.access,
            // A bad pattern is this rule's problem; anything else is the policies'.
            Err(e @ CompareError::InvalidPattern { .. }) => {
                let why = e.to_string();
                text.push_str(&format!("{}: error: {why}\n", rule.id));
                report
                    .subjects
                    .push(subject(&files, rule, Verdict::Error, None, vec![why]));
                continue;
            }
            Err(e) => return Err(located(e, &[(ProverSide::Policies, &files)])),
        };
        let (verdict, witness, reasons) = match access {
            Access::NotGranted => (Verdict::Proved, None, Vec::new()),
            Access::Unknown { reasons } => (Verdict::Unknown, None, reasons),
            Access::Granted(w) => {
                let access =
                    recheck::Side::of_values(format!("rule `{}`", rule.id), &[rule_document(rule)]);
                match recheck::recheck(&w, &[(&side, Claim::Allowed), (&access, Claim::Allowed)])? {
                    Recheck::Confirmed => (Verdict::Refuted, Some(w), Vec::new()),
                    Recheck::Undetermined(why) => (Verdict::Unknown, None, vec![why]),
                }
            }
        };
        match (&verdict, &witness) {
            (Verdict::Refuted, Some(w)) => {
                text.push_str(&format!("{}: granted:\n{}", rule.id, request_text(w)));
                let request = recheck::to_request(w)?;
                text.push_str(&format!(
                    "  re-check with AWS:\n    {}\n",
                    shell_line(&aws_argv(&inputs, &request))
                ));
            }
            (Verdict::Unknown, _) => {
                text.push_str(&format!("{}: unknown: {}\n", rule.id, reasons.join("; ")))
            }
            _ => text.push_str(&format!("{}: not granted\n", rule.id)),
        }
        report.subjects.push(subject(
            &files,
            rule,
            verdict,
            witness.map(|w| w.to_json()),
            reasons,
        ));
    }
    let exit = report.exit();
    match config.format {
        ReportFormat::Text => console.out(&text)?,
        _ => {
            for line in text.lines() {
                console.info(line);
            }
        }
    }
    report::emit(&report, config.format, config.compact, common, console)?;
    Ok(exit)
}

/// The rule's access as a policy the library's evaluator reads: no `Version`, so `${` is
/// text, as the prover takes the patterns.
fn rule_document(rule: &Rule) -> Value {
    json!({"Statement": [{"Effect": "Allow", "Action": rule.actions, "Resource": rule.resources}]})
}

fn subject(
    files: &[crate::compare_cmd::PolicyFile],
    rule: &Rule,
    verdict: Verdict,
    witness: Option<Value>,
    mut reasons: Vec<String>,
) -> Subject {
    if let Some(d) = &rule.description {
        reasons.insert(0, d.clone());
    }
    Subject {
        // Code scanning places a result in one file: the policy when there is one.
        file: match files {
            [one] => Some(one.name.clone()),
            _ => None,
        },
        line: None,
        original: None,
        policy_id: Some(rule.id.clone()),
        principal: None,
        check: "not-granted",
        rule: match verdict {
            Verdict::Refuted => Some("access-granted"),
            Verdict::Unknown => Some("unknown"),
            Verdict::Error => Some("error"),
            _ => None,
        },
        verdict,
        witness: witness.map(ReportWitness::request),
        reasons,
    }
}
