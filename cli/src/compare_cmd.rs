//! `iam-refine compare`: how two sets of identity-based policies relate over every
//! request, by the prover (`iam_refine_verify::compare`), each witness re-checked by the
//! library's evaluator ([`crate::recheck`]) before it is printed. This file reads the
//! files, calls the prover and says what it found; the semantics and the proof are the
//! prover's (its crate docs).
//!
//! A direction ("NEW allows a request OLD denies", and the converse) *holds* only when the
//! prover proved it; it is *refuted* by a witness both the prover's own evaluation and the
//! library's confirm; anything else (not modelled, over budget, a witness the library's
//! evaluator cannot decide) is *undecided*, and so is the relation.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use iam_refine_verify::compare::{
    CompareError, CompareOptions, Comparer, Comparison, Side as ProverSide, Verdict, Witness,
};
use iam_refine_verify::Z3Worker;

use crate::args::{CompareFormat, Relation, ReportFormat};
use crate::config::{Common, CompareConfig};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{display_name, read_input};
use crate::recheck::{self, Claim, Recheck};
use crate::report::{self, Report, Subject, Verdict as ReportVerdict, Witness as ReportWitness};
use crate::simulate_cmd::{aws_argv, aws_input, shell_quote};

/// The `schemaVersion` of `compare --format json`.
const SCHEMA_VERSION: u32 = 1;

/// One policy file, read.
pub struct PolicyFile {
    pub name: String,
    pub text: String,
    /// The document as the prover reads it (envelopes removed).
    pub document: Value,
    /// How `aws iam simulate-custom-policy --policy-input-list` takes it.
    pub aws_input: String,
}

/// Reads policy files as every prover command does ([`crate::document::policy`]).
pub fn read_files(paths: &[PathBuf], limit: u64) -> Result<Vec<PolicyFile>> {
    paths
        .iter()
        .map(|path| {
            let name = display_name(path);
            let text = read_input(path, limit)?;
            let document = crate::document::policy(&text).with_context(|| name.clone())?;
            let aws_input = aws_input(path, &text).with_context(|| name.clone())?;
            Ok(PolicyFile {
                name,
                text,
                document,
                aws_input,
            })
        })
        .collect()
}

/// The side of the library's re-check.
pub fn recheck_side(label: &str, files: &[PolicyFile], unknowns: &[String]) -> recheck::Side {
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    recheck::Side::read(format!("{label} ({})", names.join(", ")), &texts, unknowns)
}

/// A prover error, naming the file (and statement) it is about.
pub fn located(e: CompareError, sides: &[(ProverSide, &[PolicyFile])]) -> anyhow::Error {
    let file = |side: ProverSide, document: usize| {
        sides
            .iter()
            .find(|(s, _)| *s == side)
            .and_then(|(_, files)| files.get(document))
            .map_or_else(
                || format!("{side} document {}", document + 1),
                |f| f.name.clone(),
            )
    };
    match &e {
        CompareError::Document {
            side,
            document,
            message,
        } => anyhow::anyhow!("{}: {message}", file(*side, *document)),
        CompareError::Statement { place, message } => anyhow::anyhow!(
            "{}: statement {}: {message}",
            file(place.side, place.document),
            place.statement + 1
        ),
        CompareError::UnsupportedCharacter { place, .. } => anyhow::anyhow!(
            "{}: statement {}: {e}",
            file(place.side, place.document),
            place.statement + 1
        ),
        _ => anyhow::Error::new(e),
    }
}

/// What is known of one direction.
#[derive(Debug, Clone)]
enum Direction {
    Holds,
    Refuted(Witness),
    Undecided,
}

impl Direction {
    fn witness(&self) -> Option<&Witness> {
        match self {
            Direction::Refuted(w) => Some(w),
            _ => None,
        }
    }
}

/// The relation the two directions make.
fn relation(more: &Direction, less: &Direction) -> &'static str {
    match (more, less) {
        (Direction::Holds, Direction::Holds) => "equivalent",
        (Direction::Holds, Direction::Refuted(_)) => "noNewAccess",
        (Direction::Refuted(_), Direction::Holds) => "newAllowsMore",
        (Direction::Refuted(_), Direction::Refuted(_)) => "incomparable",
        _ => "unknown",
    }
}

/// The two directions of a comparison, as far as the prover decided them: a direction
/// without a witness holds only when the verdict says so (an Unknown verdict names no
/// direction it proved).
fn directions(c: &Comparison) -> (Direction, Direction, Vec<String>) {
    let (more_holds, less_holds, reasons) = match &c.verdict {
        Verdict::Equivalent => (true, true, Vec::new()),
        Verdict::NoNewAccess => (true, false, Vec::new()),
        Verdict::NewAllowsMore => (false, true, Vec::new()),
        Verdict::Incomparable => (false, false, Vec::new()),
        Verdict::Unknown { reasons } => (false, false, reasons.clone()),
    };
    let one = |holds: bool, w: &Option<Witness>| match (w, holds) {
        (Some(w), _) => Direction::Refuted(w.clone()),
        (None, true) => Direction::Holds,
        (None, false) => Direction::Undecided,
    };
    (
        one(more_holds, &c.new_allows),
        one(less_holds, &c.old_allows),
        reasons,
    )
}

/// The library's evaluator confirms a refuting witness, or the direction is undecided;
/// a contradiction is an error.
fn confirm(
    direction: Direction,
    allowing: &recheck::Side,
    denying: &recheck::Side,
    reasons: &mut Vec<String>,
) -> Result<Direction> {
    let Direction::Refuted(w) = direction else {
        return Ok(direction);
    };
    match recheck::recheck(&w, &[(allowing, Claim::Allowed), (denying, Claim::Denied)])? {
        Recheck::Confirmed => Ok(Direction::Refuted(w)),
        Recheck::Undetermined(why) => {
            reasons.push(why);
            Ok(Direction::Undecided)
        }
    }
}

pub fn run(config: &CompareConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let limit = common.max_input_bytes;
    let old = read_files(&config.old, limit)?;
    let new = read_files(&config.new, limit)?;
    let options = CompareOptions {
        timeout: Some(config.timeout),
        rlimit: config.rlimit,
        unknowns: config.unknowns.clone(),
    };
    let documents =
        |files: &[PolicyFile]| files.iter().map(|f| f.document.clone()).collect::<Vec<_>>();
    let comparison = Comparer::new()
        .compare(
            &mut Z3Worker::new(),
            &documents(&old),
            &documents(&new),
            &options,
        )
        .map_err(|e| located(e, &[(ProverSide::Old, &old), (ProverSide::New, &new)]))?;
    let (more, less, mut reasons) = directions(&comparison);
    let old_side = recheck_side("OLD", &old, &config.unknowns);
    let new_side = recheck_side("NEW", &new, &config.unknowns);
    let more = confirm(more, &new_side, &old_side, &mut reasons)?;
    let less = confirm(less, &old_side, &new_side, &mut reasons)?;
    let outcome = Outcome {
        relation: relation(&more, &less),
        more,
        less,
        reasons,
        expect: config.expect,
    };
    let exit = outcome.exit();
    let out = Printed {
        old: &old,
        new: &new,
        outcome: &outcome,
    };
    match config.format {
        CompareFormat::Text => console.out(&out.text())?,
        CompareFormat::Json => {
            let value = out.json(exit, comparison.queries, comparison.elapsed);
            console.out(&crate::render::json_text(&value, config.compact))?;
        }
        CompareFormat::Sarif | CompareFormat::Junit => {
            for line in out.text().lines() {
                console.info(line);
            }
            let format = match config.format {
                CompareFormat::Sarif => ReportFormat::Sarif,
                _ => ReportFormat::Junit,
            };
            let report = out.report();
            report::emit(&report, format, config.compact, common, console)?;
        }
    }
    if exit != Exit::Ok {
        console.flush()?;
        console.notice(&outcome.gate_line());
    }
    Ok(exit)
}

/// What was found, re-checked.
struct Outcome {
    relation: &'static str,
    /// NEW allows a request OLD denies?
    more: Direction,
    /// OLD allows a request NEW denies?
    less: Direction,
    reasons: Vec<String>,
    expect: Option<Relation>,
}

impl Outcome {
    /// Whether the expectation holds: `None` when undecided or not asked.
    fn holds(&self) -> Option<bool> {
        let both = [&self.more, &self.less];
        let looked: &[&Direction] = match self.expect? {
            Relation::Equivalent => &both,
            Relation::NoNewAccess => &both[..1],
        };
        if looked.iter().any(|d| matches!(d, Direction::Refuted(_))) {
            Some(false)
        } else if looked.iter().any(|d| matches!(d, Direction::Undecided)) {
            None
        } else {
            Some(true)
        }
    }

    fn exit(&self) -> Exit {
        match (self.expect, self.holds()) {
            (Some(_), Some(true)) => Exit::Ok,
            (Some(_), Some(false)) => Exit::Counterexample,
            (Some(_), None) => Exit::Unknown,
            (None, _) if self.relation == "unknown" => Exit::Unknown,
            (None, _) => Exit::Ok,
        }
    }

    /// The stderr line explaining a failing exit code.
    fn gate_line(&self) -> String {
        let expected = match self.expect {
            Some(Relation::Equivalent) => "equivalent",
            Some(Relation::NoNewAccess) => "no new access",
            None => {
                return "iam-refine: the relation could not be decided: nothing is claimed"
                    .to_string()
            }
        };
        match self.holds() {
            Some(false) if self.relation != "unknown" => format!(
                "iam-refine: expected {expected}, but {}",
                relation_words(self.relation)
            ),
            Some(false) if self.more.witness().is_some() => format!(
                "iam-refine: expected {expected}, but NEW allows a request OLD denies (printed)"
            ),
            Some(false) => format!(
                "iam-refine: expected {expected}, but OLD allows a request NEW denies (printed)"
            ),
            _ => format!("iam-refine: expected {expected}, but that could not be decided: nothing is claimed"),
        }
    }
}

fn relation_words(relation: &str) -> &'static str {
    match relation {
        "equivalent" => "OLD and NEW are equivalent: they allow the same requests",
        "noNewAccess" => "NEW allows less: no new access, and OLD allows a request NEW denies",
        "newAllowsMore" => {
            "NEW allows more: it allows a request OLD denies, and everything OLD allows"
        }
        "incomparable" => "OLD and NEW are incomparable: each allows a request the other denies",
        _ => "the relation could not be decided: nothing is claimed",
    }
}

struct Printed<'a> {
    old: &'a [PolicyFile],
    new: &'a [PolicyFile],
    outcome: &'a Outcome,
}

impl Printed<'_> {
    /// The `aws` commands that re-check `w`: against the side that allows it, then the
    /// side that denies it.
    fn aws(
        &self,
        w: &Witness,
        allowing: &[PolicyFile],
        denying: &[PolicyFile],
    ) -> [Vec<String>; 2] {
        let inputs = |files: &[PolicyFile]| {
            files
                .iter()
                .map(|f| f.aws_input.clone())
                .collect::<Vec<_>>()
        };
        // A witness the library could not read was refused before printing.
        let request =
            recheck::to_request(w).unwrap_or_else(|_| iam_refine::request::Request::new("", ""));
        [
            aws_argv(&inputs(allowing), &request),
            aws_argv(&inputs(denying), &request),
        ]
    }

    fn text(&self) -> String {
        let o = self.outcome;
        let mut out = format!("{}\n", relation_words(o.relation));
        let dirs = [
            (&o.more, "NEW", "OLD", self.new, self.old),
            (&o.less, "OLD", "NEW", self.old, self.new),
        ];
        for (d, yes, no, allowing, denying) in dirs {
            match d {
                Direction::Refuted(w) => {
                    out.push_str(&format!("{yes} allows, {no} denies:\n"));
                    out.push_str(&request_text(w));
                    let [a, b] = self.aws(w, allowing, denying);
                    out.push_str(&format!(
                        "  re-check with AWS ({yes}: allowed, {no}: denied):\n    {}\n    {}\n",
                        shell_line(&a),
                        shell_line(&b)
                    ));
                    if !w.unknowns.is_empty() {
                        // AWS would read `${NAME}` as a policy variable.
                        out.push_str("  (first write the assumed values in place of the `${NAME}`s in the documents)\n");
                    }
                }
                Direction::Undecided => out.push_str(&format!(
                    "whether {yes} allows a request {no} denies: unknown\n"
                )),
                Direction::Holds => {}
            }
        }
        if !o.reasons.is_empty() {
            out.push_str("because:\n");
            for r in &o.reasons {
                out.push_str(&format!("  {r}\n"));
            }
        }
        out
    }

    /// The gate as a one-subject report (`--expect` is required for it): NEW judged
    /// against OLD.
    fn report(&self) -> Report {
        let o = self.outcome;
        let names = |files: &[PolicyFile]| files.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        let (verdict, rule, witness) = match o.holds() {
            Some(true) => match o.expect {
                Some(Relation::Equivalent) => (ReportVerdict::Equivalent, None, None),
                _ => (ReportVerdict::NoNewAccess, None, None),
            },
            Some(false) => match &o.more {
                Direction::Refuted(w) => (ReportVerdict::Refuted, Some("new-access"), Some(w)),
                _ => (
                    ReportVerdict::Refuted,
                    Some("access-removed"),
                    o.less.witness(),
                ),
            },
            None => (ReportVerdict::Unknown, Some("unknown"), None),
        };
        let mut reasons = Vec::new();
        if verdict == ReportVerdict::Refuted {
            reasons.push(relation_words(o.relation).to_string());
        }
        reasons.extend(o.reasons.iter().cloned());
        let mut r = Report::new("compare");
        r.subjects.push(Subject {
            // Code scanning places a result in one file: NEW's, when it is one.
            file: match self.new {
                [one] => Some(one.name.clone()),
                _ => None,
            },
            line: None,
            original: Some(names(self.old).join(", ")),
            policy_id: None,
            principal: None,
            check: "compare",
            verdict,
            rule,
            witness: witness.map(|w| ReportWitness::request(w.request.to_json())),
            reasons,
        });
        r
    }

    fn json(&self, exit: Exit, queries: usize, elapsed: Duration) -> Value {
        let o = self.outcome;
        let names = |files: &[PolicyFile]| files.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        let side = |d: &Direction,
                    allowing: &[PolicyFile],
                    denying: &[PolicyFile],
                    yes: &str,
                    no: &str| {
            d.witness().map(|w| {
                let [a, b] = self.aws(w, allowing, denying);
                json!({
                    "request": w.request.to_json(),
                    "unknowns": w.unknowns,
                    "awsCli": {yes: a, no: b},
                })
            })
        };
        let decided = |d: &Direction| match d {
            Direction::Holds => Value::Bool(true),
            Direction::Refuted(_) => Value::Bool(false),
            Direction::Undecided => Value::Null,
        };
        let equivalent = match (&o.more, &o.less) {
            (Direction::Refuted(_), _) | (_, Direction::Refuted(_)) => Value::Bool(false),
            (Direction::Holds, Direction::Holds) => Value::Bool(true),
            _ => Value::Null,
        };
        json!({
            "schemaVersion": SCHEMA_VERSION,
            "command": "compare",
            "old": names(self.old),
            "new": names(self.new),
            "relation": o.relation,
            "equivalent": equivalent,
            "noNewAccess": decided(&o.more),
            "newAllows": side(&o.more, self.new, self.old, "new", "old"),
            "oldAllows": side(&o.less, self.old, self.new, "old", "new"),
            "reasons": o.reasons,
            "expect": o.expect.map(|x| match x {
                Relation::Equivalent => "equivalent",
                Relation::NoNewAccess => "no-new-access",
            }),
            "holds": o.holds(),
            "exitCode": exit as u8,
            "queries": queries,
            "elapsedMs": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        })
    }
}

/// The request, one field a line, context values with their types.
pub fn request_text(w: &Witness) -> String {
    let r = &w.request;
    let mut out = format!("  action    {}\n  resource  {}\n", r.action, r.resource);
    if r.context.is_empty() {
        out.push_str("  context   (none: every condition key absent)\n");
    }
    for (key, value) in &r.context {
        out.push_str(&format!(
            "  context   {key} ({}) = {}\n",
            value.kind.name(),
            value
                .values
                .iter()
                .map(|v| shown(v))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (name, value) in &w.unknowns {
        out.push_str(&format!("  assuming  ${{{name}}} = {value}\n"));
    }
    out
}

/// A value as text, quoted as JSON when it is empty or could be misread (spaces at its
/// ends, a comma, a quote, a control character).
fn shown(v: &str) -> String {
    if v.is_empty() || v.trim() != v || v.contains([',', '"']) || v.chars().any(char::is_control) {
        Value::String(v.to_string()).to_string()
    } else {
        v.to_string()
    }
}

/// Arguments as one shell line.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}
