//! `--format junit`: the report as JUnit XML, the test-report format CI systems show
//! (GitLab, Jenkins, Azure Pipelines, CircleCI, GitHub test-report actions).
//!
//! One `<testsuite>` named after the command, one `<testcase>` per subject: `name` is the
//! policy's id (else the file), `classname` the file judged (else the principal). A refuted
//! subject is a `<failure>` whose `type` is the rule broken and whose text holds the
//! reasons and the witness; an unknown or unjudged one an `<error>` (the check could not be
//! carried out); a proved one passes. A run that stopped before judging everything has one
//! more test case, `run`, with the reason as an `<error>`.
//!
//! Written by hand rather than with an XML crate: the format is a handful of elements, and
//! escaping is the only thing to get right ([`escape`]): the five XML metacharacters, and
//! characters XML 1.0 cannot hold at all (most control characters, which a policy's text
//! may contain), replaced by U+FFFD.

use super::{Report, Subject, Verdict};

/// The report as JUnit XML, ending with a newline.
pub fn render(report: &Report) -> String {
    let suite = format!("iam-refine {}", report.command);
    let cases: Vec<String> = report.subjects.iter().map(case).collect();
    let failures = report.count(Verdict::Refuted);
    let mut errors = report.count(Verdict::Unknown) + report.count(Verdict::Error);
    let mut tests = report.subjects.len();
    let mut cases = cases.concat();
    if let Some(failure) = &report.failure {
        tests += 1;
        errors += 1;
        cases.push_str(&format!(
            "    <testcase name=\"run\" classname=\"{}\">\n      <error type=\"error\" message=\"{}\">{}</error>\n    </testcase>\n",
            escape(&suite),
            escape(failure),
            escape(failure)
        ));
    }
    let counts =
        format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\"");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{name}\" {counts}>\n  <testsuite name=\"{name}\" {counts}>\n{cases}  </testsuite>\n</testsuites>\n",
        name = escape(&suite),
    )
}

fn case(s: &Subject) -> String {
    let name = s
        .policy_id
        .clone()
        .or_else(|| s.file.clone())
        .unwrap_or_default();
    let class = s
        .file
        .clone()
        .or_else(|| s.principal.clone())
        .unwrap_or_default();
    let open = format!(
        "    <testcase name=\"{}\" classname=\"{}\"",
        escape(&name),
        escape(&class)
    );
    let element = match s.verdict {
        v if v.passed() => return format!("{open}/>\n"),
        Verdict::Refuted => "failure",
        _ => "error",
    };
    let kind = s.rule.unwrap_or(s.verdict.name());
    let mut body = s.reasons.join("\n");
    if let Some(w) = &s.witness {
        body.push_str(&format!("\nwitness: {}", w.text()));
    }
    format!(
        "{open}>\n      <{element} type=\"{}\" message=\"{}\">{}</{element}>\n    </testcase>\n",
        escape(kind),
        escape(&s.message()),
        escape(body.trim_start()),
    )
}

/// Text as XML 1.0 character data or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept as characters, not references: a newline in an attribute is normalised
            // to a space by XML parsers, which is what a one-line message wants.
            '\t' | '\n' | '\r' => out.push(c),
            // XML 1.0's Char production: no other C0 control, no surrogate (a Rust `char`
            // never is one), no U+FFFE / U+FFFF.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_metacharacters_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\u{1}y\u{FFFF}"), "x\u{FFFD}y\u{FFFD}");
        assert_eq!(escape("l1\nl2"), "l1\nl2");
    }
}
