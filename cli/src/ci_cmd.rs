//! `iam-refine ci`: the gate for a change of infrastructure as code. Every policy of HEAD
//! matched with its base ([`crate::ci_inputs`]), then one verdict per policy:
//!
//! | change | verdict |
//! | --- | --- |
//! | the same document (and unknowns) on both sides | `equivalent` (unchanged; no proof needed) |
//! | changed | `equivalent` or `no-new-access` when proved ([`crate::ci_check`]: no new access, and no Deny that denies less); `refuted` with a re-checked witness request; `unknown` naming what was not decided |
//! | added | `new` (and the rules) |
//! | removed | `deleted`, or `refuted` (`deny-narrowed`) when it had Deny statements |
//! | known only after apply (a whole document `${NAME}`) | `unknown`, naming it |
//!
//! With `--rules`, every policy of HEAD is also checked against each rule (check
//! `never-grant`; a rule granted is `refuted` under `access-granted`, as for
//! `check-not-granted`).
//! One line per policy and check; the exit code is the worst verdict's; `--format` gives
//! the same verdicts as JSON, SARIF or JUnit ([`crate::report`]).

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::Value;

use iam_refine_iac::{Change, FoundPolicy};

use crate::args::ReportFormat;
use crate::ci_check::{Checker, Found};
use crate::ci_config::CiConfig;
use crate::ci_inputs::{self, Item};
use crate::config::Common;
use crate::console::Console;
use crate::exit::Exit;
use crate::report::{self, Subject, Verdict};
use crate::rules::Rule;

pub fn run(config: &CiConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let mut report = report::Report::new("ci");
    let done = gate(config, common, console, &mut report);
    if let Err(e) = &done {
        report.failure = Some(crate::app::one_line(e));
    }
    report::emit(&report, config.format, config.compact, common, console)?;
    done.map(|()| report.exit())
}

fn gate(
    config: &CiConfig,
    common: Common,
    console: &mut Console,
    report: &mut report::Report,
) -> Result<()> {
    let inputs = ci_inputs::read(
        &config.head,
        config.base.as_deref(),
        &config.options,
        common.max_input_bytes,
    )?;
    let rules = match &config.rules {
        Some(path) => load_rules(path, common.max_input_bytes)?,
        None => Vec::new(),
    };
    for note in &inputs.notes {
        console.warn(note);
    }
    let text = config.format == ReportFormat::Text;
    let mut checker = Checker::new(config.timeout, config.rlimit);
    for item in &inputs.items {
        let subject = judge(item, &mut checker);
        print(&subject, text, common.quiet, console)?;
        report.subjects.push(subject);
        if let (Some(head), false) = (&item.head, rules.is_empty()) {
            for subject in judge_rules(item, head, &rules, &mut checker) {
                print(&subject, text, common.quiet, console)?;
                report.subjects.push(subject);
            }
        }
    }
    let counts: Vec<String> = Verdict::ALL
        .iter()
        .filter_map(|&v| {
            let n = report
                .subjects
                .iter()
                .filter(|s| s.check == "no-new-access" && s.verdict == v)
                .count();
            (n > 0).then(|| format!("{n} {}", v.name()))
        })
        .collect();
    let policies = inputs.items.len();
    let mut line = format!(
        "iam-refine ci: {policies} {}{}{}",
        if policies == 1 { "policy" } else { "policies" },
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    );
    if !rules.is_empty() {
        let of = |v: Verdict| {
            report
                .subjects
                .iter()
                .filter(|s| s.check == "never-grant" && s.verdict == v)
                .count()
        };
        line.push_str(&format!(
            "; {} {}: {} granted, {} unknown, {} error",
            rules.len(),
            if rules.len() == 1 { "rule" } else { "rules" },
            of(Verdict::Refuted),
            of(Verdict::Unknown),
            of(Verdict::Error)
        ));
    }
    console.flush()?;
    console.info(&line);
    Ok(())
}

/// The rules file (`cli/src/rules.rs`, shared with `check-not-granted`).
fn load_rules(path: &std::path::Path, limit: u64) -> Result<Vec<Rule>> {
    Ok(crate::rules::read_rules_bounded(path, limit)?)
}

/// One line: `FILE:LINE: KEY: MESSAGE` (and the AWS command that asks the same).
fn print(s: &Subject, text: bool, quiet: bool, console: &mut Console) -> Result<()> {
    let place = match (&s.file, s.line) {
        (Some(f), Some(l)) => format!("{f}:{l}: "),
        (Some(f), None) => format!("{f}: "),
        _ => String::new(),
    };
    let line = format!(
        "{place}{}{}: {}",
        s.policy_id.as_deref().unwrap_or("policy"),
        if s.check == "never-grant" {
            " [rules]"
        } else {
            ""
        },
        s.message()
    );
    // `text`: the lines are the output (stdout; `--quiet` keeps the failing ones); other
    // formats own stdout, and the lines go to stderr.
    match (text, s.verdict.passed()) {
        (true, true) if quiet => {}
        (true, _) => {
            console.out(&format!("{line}\n"))?;
            if let Some(w) = &s.witness {
                console.out(&format!("    {}\n", simulate_command(w.value())))?;
            }
        }
        (false, true) => console.info(&line),
        (false, false) => console.notice(&line),
    }
    Ok(())
}

fn subject(item: &Item, check: &'static str) -> Subject {
    let (file, line) = item.place();
    let original = match (&item.base, &item.head) {
        (Some(b), Some(h)) if b.file != h.file => Some(b.file.clone()),
        _ => None,
    };
    Subject {
        file: file.map(str::to_string),
        line,
        original,
        policy_id: Some(item.key.clone()),
        principal: None,
        check,
        verdict: Verdict::Error,
        rule: None,
        witness: None,
        reasons: Vec::new(),
    }
}

/// The names of the declared unknowns of both sides.
fn unknowns_of(sides: &[Option<&FoundPolicy>]) -> BTreeSet<String> {
    sides
        .iter()
        .flatten()
        .flat_map(|p| p.unknowns.iter().map(|u| u.name.clone()))
        .collect()
}

/// `Some(reason)` when the document is wholly unknown (the string `"${NAME}"`).
fn wholly_unknown(p: &FoundPolicy) -> Option<String> {
    let Value::String(s) = &p.document else {
        return None;
    };
    let expression = p
        .unknowns
        .iter()
        .map(|u| format!("${{{}}} = {}", u.name, u.expression))
        .collect::<Vec<_>>()
        .join(", ");
    Some(if expression.is_empty() {
        format!("the policy is not known until deployment: {s}")
    } else {
        format!("the policy is not known until deployment: {expression}")
    })
}

fn condition_note(p: &FoundPolicy) -> Option<String> {
    p.condition.as_ref().map(|c| {
        format!("it exists only if condition {c} holds, which the template and the given --parameter / --pseudo values do not decide")
    })
}

fn judge(item: &Item, checker: &mut Checker) -> Subject {
    let mut s = subject(item, "no-new-access");
    let base = item.base.as_ref();
    let head = item.head.as_ref();
    let unknowns = unknowns_of(&[base, head]);
    match (base, head) {
        (None, None) => {
            s.verdict = Verdict::Error;
            s.rule = Some("error");
            s.reasons.push("no side of the change has a policy".into());
        }
        (None, Some(h)) => {
            s.verdict = Verdict::New;
            s.reasons.push(match item.change {
                Some(Change::Read) => "a policy document read by a data source: not compared (the policies using it are)".to_string(),
                Some(c) => format!("the plan's change is {}: not compared", c.name()),
                None => "not in BASE: not compared".to_string(),
            });
            s.reasons.extend(condition_note(h));
        }
        (Some(_), None) if item.change == Some(Change::Forget) => {
            // Removed from the state, not destroyed: the policy, Deny statements and all,
            // stays in AWS as it was.
            s.verdict = Verdict::Deleted;
            s.reasons.push(
                "forgotten: removed from the Terraform state, the policy stays in AWS unchanged"
                    .to_string(),
            );
        }
        (Some(b), None) => {
            if let Some(why) = wholly_unknown(b) {
                unknown(
                    &mut s,
                    vec![format!(
                        "deleted, but its Deny statements cannot be checked: {why}"
                    )],
                );
                return s;
            }
            match checker.deny_kept(&b.document, None, &unknowns) {
                Ok(Found::Holds(_)) => {
                    s.verdict = Verdict::Deleted;
                    s.reasons.push(match item.change {
                        Some(Change::Forget) => {
                            "forgotten: removed from the Terraform state, the policy stays in AWS"
                                .to_string()
                        }
                        Some(c) => format!("the plan's change is {}", c.name()),
                        None => "not in HEAD".to_string(),
                    });
                }
                other => deny_outcome(&mut s, other, "deleted"),
            }
        }
        (Some(b), Some(h)) => compare(&mut s, b, h, &unknowns, checker),
    }
    s
}

fn unknown(s: &mut Subject, reasons: Vec<String>) {
    s.verdict = Verdict::Unknown;
    s.rule = Some("unknown");
    s.reasons = reasons;
}

fn error(s: &mut Subject, reason: String) {
    s.verdict = Verdict::Error;
    s.rule = Some("error");
    s.reasons = vec![reason];
}

fn refuted(
    s: &mut Subject,
    rule: &'static str,
    reason: String,
    w: &iam_refine_verify::compare::Witness,
) {
    s.verdict = Verdict::Refuted;
    s.rule = Some(rule);
    s.reasons.insert(0, reason);
    s.witness = Some(report::Witness::request(w.to_json()));
}

/// `aws iam simulate-custom-policy` asking AWS about a witness request (the policy input is
/// the user's: the resolved document, with values for the unknowns it assumed).
fn simulate_command(w: &Value) -> String {
    let text = |k: &str| w.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut out = format!(
        "ask AWS: aws iam simulate-custom-policy --policy-input-list file://POLICY.json --action-names {} --resource-arns {}",
        shell_quote(text("action")),
        shell_quote(text("resource"))
    );
    if let Some(Value::Object(context)) = w.get("context") {
        let entries: Vec<Value> = context
            .iter()
            .map(|(k, e)| {
                serde_json::json!({
                    "ContextKeyName": k,
                    "ContextKeyValues": e.get("values").cloned().unwrap_or_default(),
                    "ContextKeyType": e.get("type").cloned().unwrap_or_default(),
                })
            })
            .collect();
        if !entries.is_empty() {
            out.push_str(&format!(
                " --context-entries {}",
                shell_quote(&Value::Array(entries).to_string())
            ));
        }
    }
    out
}

fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+*".contains(&b))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The Deny check's outcome when it did not hold.
fn deny_outcome(s: &mut Subject, found: Result<Found, String>, what: &str) {
    match found {
        Ok(Found::Holds(_)) => {}
        Ok(Found::Fails(w)) => refuted(
            s,
            "deny-narrowed",
            format!("{what}: its Deny statements no longer deny a request they denied, which another policy of the principal may allow"),
            &w,
        ),
        Ok(Found::Unknown(reasons)) => unknown(s, reasons),
        Err(e) => error(s, e),
    }
}

fn compare(
    s: &mut Subject,
    b: &FoundPolicy,
    h: &FoundPolicy,
    unknowns: &BTreeSet<String>,
    checker: &mut Checker,
) {
    if let Some(why) = wholly_unknown(h) {
        return unknown(s, vec![why]);
    }
    if let Some(why) = wholly_unknown(b) {
        return unknown(s, vec![format!("the base {why}")]);
    }
    let same_unknowns = b.unknowns == h.unknowns;
    let unchanged = b.document == h.document && same_unknowns && b.condition == h.condition;
    // A base whose existence is not decided may not have been deployed at all: nothing
    // can be proved against it (a witness of new access stands whatever it is).
    let base_maybe_absent = condition_note(b).map(|n| format!("the base: {n}"));
    if unchanged && base_maybe_absent.is_none() {
        s.verdict = Verdict::Equivalent;
        s.reasons.push("unchanged".into());
        return;
    }
    let equivalent = match checker.no_new_access(&b.document, &h.document, unknowns) {
        Ok(Found::Fails(w)) => {
            let mut reason = "the change allows a request the base denied".to_string();
            if let Some(n) = condition_note(h) {
                reason.push_str(&format!(" ({n})"));
            }
            refuted(s, "new-access", reason, &w);
            return;
        }
        Ok(Found::Unknown(reasons)) => return unknown(s, reasons),
        Err(e) => return error(s, e),
        Ok(Found::Holds(equivalent)) => equivalent,
    };
    match checker.deny_kept(&b.document, Some(&h.document), unknowns) {
        Ok(Found::Holds(_)) => {}
        other => return deny_outcome(s, other, "changed"),
    }
    if let Some(n) = base_maybe_absent {
        return unknown(
            s,
            vec![format!("it allows nothing new against the base, but {n}")],
        );
    }
    // Both checks hold.
    if equivalent {
        s.verdict = Verdict::Equivalent;
        s.reasons.push(if unchanged {
            "unchanged".to_string()
        } else {
            "proved: changed, but allows exactly the requests the base allowed".to_string()
        });
    } else {
        s.verdict = Verdict::NoNewAccess;
        s.reasons.push("proved: allows no request the base denied (and less than it), and its Deny statements deny every request they denied".to_string());
    }
}

fn judge_rules(
    item: &Item,
    head: &FoundPolicy,
    rules: &[Rule],
    checker: &mut Checker,
) -> Vec<Subject> {
    let mut base = subject(item, "never-grant");
    // The rules are about HEAD: its file and line.
    base.file = Some(head.file.clone());
    base.line = head.line;
    base.original = None;
    if let Some(why) = wholly_unknown(head) {
        let mut s = base;
        unknown(&mut s, vec![why]);
        return vec![s];
    }
    let unknowns = unknowns_of(&[Some(head)]);
    let mut out = Vec::new();
    for rule in rules {
        let name = match &rule.description {
            Some(d) => format!("rule {} ({d})", rule.id),
            None => format!("rule {}", rule.id),
        };
        let mut s = base.clone();
        match checker.not_granted(&head.document, &rule.actions, &rule.resources, &unknowns) {
            Ok(Found::Holds(_)) => continue,
            Ok(Found::Fails(w)) => {
                let mut reason = format!("grants what {name} forbids");
                if let Some(n) = condition_note(head) {
                    reason.push_str(&format!(" ({n})"));
                }
                refuted(&mut s, "access-granted", reason, &w);
            }
            Ok(Found::Unknown(reasons)) => {
                unknown(&mut s, reasons);
                s.reasons.insert(0, format!("{name}: not decided"));
            }
            Err(e) => error(&mut s, format!("{name}: {e}")),
        }
        out.push(s);
    }
    if out.is_empty() {
        let mut s = base;
        s.verdict = Verdict::Proved;
        s.reasons.push(format!(
            "grants none of the {} {}",
            rules.len(),
            if rules.len() == 1 { "rule" } else { "rules" }
        ));
        out.push(s);
    }
    out
}
