//! The verdict report: one model of what a run that gives verdicts (`verify`, `refine
//! --verify`, `account --verify`, and the commands still to come that compare policies)
//! says of each thing it judged, and the machine-readable outputs rendered from it, one
//! file per format:
//!
//! - [`json`]: the model itself, with a `schemaVersion` (docs/reports.md);
//! - [`sarif`]: SARIF 2.1.0 for code scanning, one result per subject not proved;
//! - [`junit`]: JUnit XML, one test case per subject;
//! - [`github`]: on GitHub Actions, workflow commands (`::error file=..,line=..::`) and a
//!   Markdown summary appended to `$GITHUB_STEP_SUMMARY`.
//!
//! A **subject** is one thing judged: a policy against its original (`verify`), later a pair
//! of policies or a policy against a rule. It names where it is (the file judged, the line
//! when the input has lines, the policy's id or address, the principal), its verdict, the
//! rule it breaks (a stable id from [`rules`]), the witness (for `verify` the action; for
//! comparisons a request in `docs/semantics.md` §1's JSON shape) and the reasons, one line
//! each. The run's exit code is the worst verdict's ([`Report::exit`]); a failure that
//! stopped the run before every subject was judged is the report's [`Report::failure`].

pub mod github;
pub mod json;
pub mod junit;
mod rules;
pub mod sarif;

use serde_json::{json, Value};

use crate::args::ReportFormat;
use crate::config::Common;
use crate::console::{Console, StdoutError};
use crate::exit::Exit;
pub use rules::{rule, RULES};

/// What was concluded of one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The theorem holds (`verify`: the refinement is exactly the original minus the unused).
    Proved,
    /// Two policies allow exactly the same requests (`compare`, `ci`).
    Equivalent,
    /// The new policy allows nothing the old one denies (`compare`, `ci`).
    NoNewAccess,
    /// The theorem fails; a witness shows it.
    Refuted,
    /// The solver could not decide; nothing is claimed.
    Unknown,
    /// The subject could not be judged (bad input, a change the command does not judge).
    Error,
    /// A policy the change adds (`ci`): reported, not compared (it is checked against the
    /// rules when there are any).
    New,
    /// A policy the change removes (`ci`): it grants nothing any more (its Deny statements
    /// are checked apart).
    Deleted,
}

impl Verdict {
    /// Every verdict, in the order reports count them.
    pub const ALL: [Verdict; 8] = [
        Verdict::Proved,
        Verdict::Equivalent,
        Verdict::NoNewAccess,
        Verdict::Refuted,
        Verdict::Unknown,
        Verdict::Error,
        Verdict::New,
        Verdict::Deleted,
    ];

    /// As reports write it: `proved`, `equivalent`, `no-new-access`, `refuted`,
    /// `unknown`, `error`, `new`, `deleted`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Equivalent => "equivalent",
            Verdict::NoNewAccess => "no-new-access",
            Verdict::Refuted => "refuted",
            Verdict::Unknown => "unknown",
            Verdict::Error => "error",
            Verdict::New => "new",
            Verdict::Deleted => "deleted",
        }
    }

    /// The key of its count in the JSON report (`noNewAccess`).
    fn count_key(self) -> &'static str {
        match self {
            Verdict::NoNewAccess => "noNewAccess",
            other => other.name(),
        }
    }

    /// Whether the subject passes (a gate holds).
    pub fn passed(self) -> bool {
        matches!(
            self,
            Verdict::Proved
                | Verdict::Equivalent
                | Verdict::NoNewAccess
                | Verdict::New
                | Verdict::Deleted
        )
    }

    /// The exit code it calls for.
    pub fn exit(self) -> Exit {
        match self {
            Verdict::Proved
            | Verdict::Equivalent
            | Verdict::NoNewAccess
            | Verdict::New
            | Verdict::Deleted => Exit::Ok,
            Verdict::Refuted => Exit::Counterexample,
            Verdict::Unknown => Exit::Unknown,
            Verdict::Error => Exit::Error,
        }
    }
}

/// What shows a refutation: a request in `docs/semantics.md` §1's JSON shape (`action`,
/// and where the theorem is about more than actions, `resource` and `context`).
#[derive(Debug, Clone, PartialEq)]
pub struct Witness(Value);

impl Witness {
    /// A witness that is an action alone (`verify`'s theorems are about actions).
    pub fn action(action: &str) -> Witness {
        Witness(json!({ "action": action }))
    }

    /// A whole request, as `docs/semantics.md` §1 writes it.
    pub fn request(request: Value) -> Witness {
        Witness(request)
    }

    /// The JSON object.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// One line: the action, with the resource and context keys when there are any.
    pub fn text(&self) -> String {
        let field = |k: &str| self.0.get(k).and_then(Value::as_str);
        let mut text = field("action").unwrap_or_default().to_string();
        if let Some(resource) = field("resource") {
            text.push_str(&format!(" on {resource}"));
        }
        if let Some(Value::Object(context)) = self.0.get("context") {
            for (key, entry) in context {
                let values: Vec<String> = entry
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|vs| {
                        vs.iter()
                            .map(|v| v.as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                text.push_str(&format!(" {key}={}", values.join(",")));
            }
        }
        // The values it assumed for what is known only after deployment (`ci`).
        if let Some(Value::Object(unknowns)) = self.0.get("unknowns") {
            let assumed: Vec<String> = unknowns
                .iter()
                .map(|(name, v)| format!("${{{name}}}={:?}", v.as_str().unwrap_or_default()))
                .collect();
            if !assumed.is_empty() {
                text.push_str(&format!(" assuming {}", assumed.join(" ")));
            }
        }
        text
    }
}

/// One thing judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// The input judged, as named on the command line (`<stdin>` for `-`): the refined
    /// policy or the recommendation; `None` when the subject is in no file of its own.
    pub file: Option<String>,
    /// The line (from 1) in `file` where the subject is, when the input has lines.
    pub line: Option<usize>,
    /// What it is judged against: the original policy's file, or where it was read from.
    pub original: Option<String>,
    /// The policy's id: a recommendation's `existingPolicyId`, a template's address.
    pub policy_id: Option<String>,
    /// The principal it belongs to (an ARN), when known.
    pub principal: Option<String>,
    /// What was checked: `refinement` for `verify`; for `ci`, `no-new-access` (a policy
    /// against its base) and `never-grant` (a policy against the rules).
    pub check: &'static str,
    pub verdict: Verdict,
    /// The rule it breaks (an id of [`RULES`]), for a verdict that does not pass.
    pub rule: Option<&'static str>,
    pub witness: Option<Witness>,
    /// Why, one line each: the refutation's detail, the solver's reason, the error.
    pub reasons: Vec<String>,
}

impl Subject {
    /// How messages name it: the policy id, else the file, else the principal.
    pub fn name(&self) -> String {
        self.policy_id
            .clone()
            .or_else(|| self.file.clone())
            .or_else(|| self.principal.clone())
            .unwrap_or_else(|| "policy".to_string())
    }

    /// The logical address: `principal/policy` (either alone when the other is unknown).
    pub fn address(&self) -> Option<String> {
        match (&self.principal, &self.policy_id) {
            (Some(p), Some(id)) => Some(format!("{p}/{id}")),
            (Some(p), None) => Some(p.clone()),
            (None, Some(id)) => Some(id.clone()),
            (None, None) => None,
        }
    }

    /// One line for annotations and failures: the verdict, the rule, the reasons and the
    /// witness.
    pub fn message(&self) -> String {
        let mut text = match self.rule {
            Some(rule) => format!("{} ({rule})", self.verdict.name()),
            None => self.verdict.name().to_string(),
        };
        if !self.reasons.is_empty() {
            text.push_str(": ");
            text.push_str(&self.reasons.join("; "));
        }
        if let Some(w) = &self.witness {
            text.push_str(&format!("; witness: {}", w.text()));
        }
        text
    }
}

/// Everything a run judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The subcommand: `verify`, `refine`, `account`, `ci`.
    pub command: &'static str,
    pub subjects: Vec<Subject>,
    /// Why the run stopped before every subject was judged (exit 1); `None` when it did not.
    pub failure: Option<String>,
}

impl Report {
    pub fn new(command: &'static str) -> Report {
        Report {
            command,
            subjects: Vec::new(),
            failure: None,
        }
    }

    /// The worst verdict's exit code (1 with a failure; 0 with no subject).
    pub fn exit(&self) -> Exit {
        let worst = self
            .subjects
            .iter()
            .fold(Exit::Ok, |exit, s| exit.worse(s.verdict.exit()));
        if self.failure.is_some() {
            worst.worse(Exit::Error)
        } else {
            worst
        }
    }

    /// The worst verdict (`error` with a failure; `proved` with no subject).
    pub fn verdict(&self) -> Verdict {
        match self.exit() {
            Exit::Error | Exit::Usage => Verdict::Error,
            Exit::Counterexample => Verdict::Refuted,
            Exit::Unknown => Verdict::Unknown,
            Exit::Ok | Exit::Detach => self
                .subjects
                .iter()
                .map(|s| s.verdict)
                .find(|v| *v != Verdict::Proved)
                .unwrap_or(Verdict::Proved),
        }
    }

    /// How many subjects have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.subjects
            .iter()
            .filter(|s| s.verdict == verdict)
            .count()
    }
}

/// Prints `report` on stdout in `format` (nothing for `text`, whose lines were printed as
/// the verdicts came), and on GitHub Actions its annotations (stderr) and summary.
pub fn emit(
    report: &Report,
    format: ReportFormat,
    compact: bool,
    common: Common,
    console: &mut Console,
) -> Result<(), StdoutError> {
    match format {
        ReportFormat::Text => {}
        ReportFormat::Json => console.out(&json::render(report, compact))?,
        ReportFormat::Sarif => console.out(&sarif::render(report, compact))?,
        ReportFormat::Junit => console.out(&junit::render(report))?,
    }
    if common.github {
        // The report reaches stdout before the annotations reach stderr.
        console.flush()?;
        console.workflow_commands(&github::annotations(report));
        if let Err(e) = github::append_summary(&github::summary(report)) {
            console.warn(&format!(
                "cannot append the summary to $GITHUB_STEP_SUMMARY: {e}"
            ));
        }
    }
    Ok(())
}

/// The version of the tool, as reports name it.
pub fn tool_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The project's home, for reports' links.
pub const HOME: &str = "https://github.com/iam-refine/iam-refine";

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(verdict: Verdict) -> Subject {
        Subject {
            file: Some("p.json".into()),
            line: None,
            original: None,
            policy_id: None,
            principal: None,
            check: "refinement",
            verdict,
            rule: None,
            witness: None,
            reasons: Vec::new(),
        }
    }

    #[test]
    fn the_worst_verdict_decides_the_exit_code() {
        let mut r = Report::new("verify");
        assert_eq!((r.exit(), r.verdict()), (Exit::Ok, Verdict::Proved));
        r.subjects.push(subject(Verdict::Proved));
        r.subjects.push(subject(Verdict::Unknown));
        assert_eq!((r.exit(), r.verdict()), (Exit::Unknown, Verdict::Unknown));
        r.subjects.push(subject(Verdict::Refuted));
        assert_eq!(
            (r.exit(), r.verdict()),
            (Exit::Counterexample, Verdict::Refuted)
        );
        r.failure = Some("bad".into());
        assert_eq!((r.exit(), r.verdict()), (Exit::Error, Verdict::Error));
    }

    #[test]
    fn witnesses_read_as_one_line() {
        assert_eq!(Witness::action("s3:getobject").text(), "s3:getobject");
        let w = Witness::request(json!({
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::b/k",
            "context": {"aws:SourceIp": {"type": "ip", "values": ["203.0.113.7"]}}
        }));
        assert_eq!(
            w.text(),
            "s3:GetObject on arn:aws:s3:::b/k aws:SourceIp=203.0.113.7"
        );
        let w = Witness::request(json!({
            "action": "s3:GetObject",
            "resource": "x/a",
            "unknowns": {"cfn:GetAtt:Bucket.Arn": "x"}
        }));
        assert_eq!(
            w.text(),
            "s3:GetObject on x/a assuming ${cfn:GetAtt:Bucket.Arn}=\"x\""
        );
    }
}
