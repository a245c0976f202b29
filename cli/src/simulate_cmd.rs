//! `iam-refine simulate`: one request against the policies of one principal, by the
//! library's concrete evaluator (`iam_refine::request`, which states the semantics), with
//! the statements that decided and the `aws iam simulate-custom-policy` command that asks
//! AWS the same question. No prover: it runs in the thin binary.

use anyhow::{Context, Result};
use serde_json::{json, Value};

use iam_refine::request::{
    evaluate, ClausePart, Decision, EvalError, EvalPolicy, OpenClause, Outcome, Reason, Request,
    StatementRef,
};
use iam_refine::{policy_document, Effect};

use crate::args::{Expectation, SimulateFormat};
use crate::config::{is_stdin, Common, RequestSource, SimulateConfig};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{display_name, read_input};

/// The `schemaVersion` of `--format json` (2: `undetermined` decisions and `open` clauses).
const SCHEMA_VERSION: u32 = 2;

/// One policy file, read.
struct Source {
    name: String,
    policy: EvalPolicy,
    /// How to hand it to `aws iam simulate-custom-policy --policy-input-list`.
    aws_input: String,
}

pub fn run(config: &SimulateConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let limit = common.max_input_bytes;
    let mut sources = Vec::with_capacity(config.policies.len());
    for path in &config.policies {
        let name = display_name(path);
        let text = read_input(path, limit)?;
        let policy = EvalPolicy::parse_text(&text).with_context(|| name.clone())?;
        for w in policy.warnings() {
            console.warn(&format!("{name}: {w}"));
        }
        // A bare document file is handed to AWS by name; anything else (an envelope,
        // stdin) as the document's text.
        let bare = !is_stdin(path)
            && iam_refine::parse_json_text(&text).is_ok_and(|v| v.get("Statement").is_some());
        let aws_input = if bare {
            format!("file://{}", path.display())
        } else {
            let doc = policy_document(&text).with_context(|| name.clone())?;
            Value::Object(doc).to_string()
        };
        sources.push(Source {
            name,
            policy,
            aws_input,
        });
    }
    let request = match &config.request {
        RequestSource::Given(r) => r.clone(),
        RequestSource::File(path) => {
            let name = display_name(path);
            let text = read_input(path, limit)?;
            Request::from_json(&text).with_context(|| name.clone())?
        }
    };
    let policies: Vec<EvalPolicy> = sources.iter().map(|s| s.policy.clone()).collect();
    let decision = evaluate(&policies, &request).map_err(|e| located(&e, &sources))?;
    for c in decision.open.iter().filter(|c| !c.decisive) {
        console.warn(&format!(
            "{}: {}: {}; it cannot change the decision",
            statement_name(&c.statement, &sources),
            c.part,
            c.reason
        ));
    }
    let undetermined = decision.outcome == Outcome::Undetermined;
    let met = config
        .expect
        .filter(|_| !undetermined)
        .map(|x| meets(x, decision.outcome));
    let aws = aws_command(&sources, &request);
    match config.format {
        SimulateFormat::Text => console.out(&text(&decision, &sources, &aws))?,
        SimulateFormat::Json => {
            let value = json_report(&decision, &sources, &request, config.expect, met, &aws);
            let mut out = serde_json::to_string_pretty(&value)?;
            out.push('\n');
            console.out(&out)?;
        }
    }
    if undetermined {
        console.flush()?;
        console.notice(&match config.expect {
            Some(x) => format!(
                "iam-refine: expected {}, but the decision is undetermined: nothing is claimed",
                expectation_name(x)
            ),
            None => "iam-refine: the decision is undetermined: nothing is claimed".to_string(),
        });
        return Ok(Exit::Unknown);
    }
    if met == Some(false) {
        // The decision first, then what explains the exit code.
        console.flush()?;
        if let Some(x) = config.expect {
            console.notice(&format!(
                "iam-refine: expected {}, but the request is {}",
                expectation_name(x),
                outcome_words(decision.outcome)
            ));
        }
        return Ok(Exit::Counterexample);
    }
    Ok(Exit::Ok)
}

fn meets(expect: Expectation, outcome: Outcome) -> bool {
    match expect {
        Expectation::Allowed => outcome == Outcome::Allowed,
        Expectation::Denied => matches!(outcome, Outcome::ExplicitDeny | Outcome::ImplicitDeny),
    }
}

fn expectation_name(x: Expectation) -> &'static str {
    match x {
        Expectation::Allowed => "allowed",
        Expectation::Denied => "denied",
    }
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "allowed",
        Outcome::ExplicitDeny => "denied (explicit deny)",
        Outcome::ImplicitDeny => "denied (implicit deny: no statement allows it)",
        Outcome::Undetermined => {
            "undetermined: AWS's documentation does not decide this request (nothing is claimed)"
        }
    }
}

fn file_of(document: usize, sources: &[Source]) -> &str {
    sources
        .get(document.saturating_sub(1))
        .map_or("?", |s| s.name.as_str())
}

/// `p.json, statement 2 (Sid `ReadBuckets`)`.
fn statement_name(at: &StatementRef, sources: &[Source]) -> String {
    let mut s = format!(
        "{}, statement {}",
        file_of(at.document, sources),
        at.statement
    );
    if let Some(sid) = &at.sid {
        s.push_str(&format!(" (Sid `{sid}`)"));
    }
    s
}

/// `file, statement N (Sid `x`), `Resource` pattern `p`: undetermined (U4): ...`.
fn open_line(c: &OpenClause, sources: &[Source]) -> String {
    format!(
        "{}, {}: {}",
        statement_name(&c.statement, sources),
        c.part,
        c.reason
    )
}

/// An evaluation error without its document and statement numbers.
fn what(e: &EvalError) -> String {
    match e {
        EvalError::NotModelled { what, .. } => format!("not modelled: {what}"),
        EvalError::NoUnknownValue { name, .. } => {
            format!("no value given for the declared unknown `{name}`")
        }
        other => other.to_string(),
    }
}

/// An evaluation error naming the file and statement.
fn located(e: &EvalError, sources: &[Source]) -> anyhow::Error {
    let (document, statement) = match e {
        EvalError::NotModelled {
            document,
            statement,
            ..
        }
        | EvalError::NoUnknownValue {
            document,
            statement,
            ..
        } => (*document, *statement),
        _ => (0, 0),
    };
    anyhow::anyhow!(
        "{}: statement {statement}: {}",
        file_of(document, sources),
        what(e)
    )
}

fn effect_name(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    }
}

fn text(decision: &Decision, sources: &[Source], aws: &[String]) -> String {
    let mut out = format!("{}\n", outcome_words(decision.outcome));
    for at in decision.deciding() {
        out.push_str(&format!(
            "  {}: {}\n",
            statement_name(at, sources),
            effect_name(at.effect)
        ));
    }
    if decision.outcome == Outcome::Undetermined {
        out.push_str("It depends on:\n");
        for c in decision.depends_on() {
            out.push_str(&format!("  {}\n", open_line(c, sources)));
        }
    }
    out.push_str("Re-check with AWS:\n  ");
    out.push_str(
        &aws.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out.push('\n');
    out
}

fn statement_json(at: &StatementRef, sources: &[Source]) -> Value {
    json!({
        "file": file_of(at.document, sources),
        "document": at.document,
        "statement": at.statement,
        "sid": at.sid,
        "effect": effect_name(at.effect),
    })
}

/// An open clause: its statement, the pattern or the operator and key, the rule (`U1` to
/// `U4`, null when not modelled), why, and whether the decision depends on it.
fn open_json(c: &OpenClause, sources: &[Source]) -> Value {
    let mut v = statement_json(&c.statement, sources);
    match &c.part {
        ClausePart::Resource { element, pattern } => {
            v["element"] = json!(element);
            v["pattern"] = json!(pattern);
        }
        ClausePart::Condition { operator, key } => {
            v["operator"] = json!(operator);
            v["key"] = json!(key);
        }
    }
    v["rule"] = match &c.reason {
        Reason::Undetermined { rule, .. } => json!(rule.code()),
        _ => Value::Null,
    };
    v["reason"] = json!(c.reason.to_string());
    v["decisive"] = json!(c.decisive);
    v
}

fn json_report(
    decision: &Decision,
    sources: &[Source],
    request: &Request,
    expect: Option<Expectation>,
    met: Option<bool>,
    aws: &[String],
) -> Value {
    let mut report = json!({
        "schemaVersion": SCHEMA_VERSION,
        "decision": decision.outcome.name(),
        "allowed": match decision.outcome {
            Outcome::Undetermined => Value::Null,
            _ => Value::Bool(decision.is_allowed()),
        },
        "request": request.to_value(),
        "statements": decision.deciding().into_iter().map(|s| statement_json(s, sources)).collect::<Vec<_>>(),
        "matched": decision.matched.iter().map(|s| statement_json(s, sources)).collect::<Vec<_>>(),
        "open": decision.open.iter().map(|c| open_json(c, sources)).collect::<Vec<_>>(),
        "awsCli": aws,
    });
    if let (Some(x), Some(met)) = (expect, met) {
        report["expect"] = Value::String(expectation_name(x).to_string());
        report["asExpected"] = Value::Bool(met);
    }
    report
}

/// The `aws iam simulate-custom-policy` command for the same request, as arguments.
fn aws_command(sources: &[Source], request: &Request) -> Vec<String> {
    let mut argv: Vec<String> = [
        "aws",
        "iam",
        "simulate-custom-policy",
        "--policy-input-list",
    ]
    .map(String::from)
    .to_vec();
    argv.extend(sources.iter().map(|s| s.aws_input.clone()));
    argv.extend([
        "--action-names".to_string(),
        request.action.clone(),
        "--resource-arns".to_string(),
        request.resource.clone(),
    ]);
    let entries: Vec<_> = request
        .context()
        .iter()
        .filter(|e| !e.values.is_empty())
        .collect();
    if entries.is_empty() {
        return argv;
    }
    argv.push("--context-entries".to_string());
    // The CLI's shorthand cannot hold separators; JSON holds anything.
    let plain = |s: &str| {
        !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || ",=[]{}\"'\\".contains(c))
    };
    if entries
        .iter()
        .all(|e| plain(&e.key) && e.values.iter().all(|v| plain(v)))
    {
        argv.extend(entries.iter().map(|e| {
            format!(
                "ContextKeyName={},ContextKeyValues={},ContextKeyType={}",
                e.key,
                e.values.join(","),
                e.kind
            )
        }));
    } else {
        let list: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({"ContextKeyName": e.key, "ContextKeyValues": e.values, "ContextKeyType": e.kind.name()})
            })
            .collect();
        argv.push(Value::Array(list).to_string());
    }
    argv
}

/// `arg` as a POSIX shell reads it back: bare when it holds only safe characters, else in
/// single quotes.
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("s3:GetObject"), "s3:GetObject");
        assert_eq!(shell_quote("arn:aws:s3:::b/*"), "'arn:aws:s3:::b/*'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn context_entries_in_shorthand_or_json() {
        let r = Request::new("a", "b")
            .with(
                "aws:TagKeys",
                iam_refine::request::ValueType::StringList,
                ["x", "y"],
            )
            .unwrap();
        let argv = aws_command(&[], &r);
        assert_eq!(
            argv.last().unwrap(),
            "ContextKeyName=aws:TagKeys,ContextKeyValues=x,y,ContextKeyType=stringList"
        );
        let r = Request::new("a", "b")
            .with("k", iam_refine::request::ValueType::String, ["a,b"])
            .unwrap();
        let argv = aws_command(&[], &r);
        assert_eq!(
            argv.last().unwrap(),
            r#"[{"ContextKeyName":"k","ContextKeyValues":["a,b"],"ContextKeyType":"string"}]"#
        );
    }
}
