//! On GitHub Actions (`GITHUB_ACTIONS=true`, which GitHub sets on every runner): an
//! annotation per subject that does not pass, and a Markdown summary of the run.
//!
//! - **Annotations** are workflow commands, `::error file=F,line=L,title=T::MESSAGE` (`::warning`
//!   for an unknown verdict), written to stderr: GitHub documents the commands on stdout,
//!   and its runner reads them from both streams (actions/runner hands both to the same
//!   command processor); stderr keeps stdout for the report or the witnesses. Their values
//!   are escaped as GitHub's toolkit escapes them (`%`, CR and LF; in properties also `:`
//!   and `,`), so no text of an input can end the command or start another.
//! - **The summary**, a Markdown table of every subject, is appended to the file
//!   `$GITHUB_STEP_SUMMARY` names, in one write; when it cannot be, a warning says so and
//!   the verdicts stand.
//! - **Every other line** printed on GitHub (stderr's messages, stdout's witnesses) that
//!   the runner would take for a command (a line starting, after blanks, with `::` or `##[`:
//!   a policy's `Sid` or action can hold a line break) is printed behind `> `
//!   ([`neutralise`]), so an input cannot issue workflow commands through our output.

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use super::{Report, Subject, Verdict};

/// Whether this process runs as a GitHub Actions step.
pub fn enabled() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// The annotations of `report`, one workflow command per line (each ends with a newline).
pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    for s in report.subjects.iter().filter(|s| !s.verdict.passed()) {
        out.push_str(&annotation(report.command, s));
        out.push('\n');
    }
    if let Some(failure) = &report.failure {
        out.push_str(&format!(
            "::error title={}::{}\n",
            property(&format!("iam-refine {}", report.command)),
            data(failure)
        ));
    }
    out
}

fn annotation(command: &str, s: &Subject) -> String {
    let level = if s.verdict == Verdict::Unknown {
        "warning"
    } else {
        "error"
    };
    let mut props = Vec::new();
    if let Some(file) = s.file.as_deref().filter(|f| *f != "<stdin>") {
        props.push(format!("file={}", property(file)));
        if let Some(line) = s.line {
            props.push(format!("line={line}"));
        }
    }
    let title = match s.rule {
        Some(rule) => format!("iam-refine {command}: {} ({rule})", s.verdict.name()),
        None => format!("iam-refine {command}: {}", s.verdict.name()),
    };
    props.push(format!("title={}", property(&title)));
    format!(
        "::{level} {}::{}",
        props.join(","),
        data(&format!("{}: {}", s.name(), s.message()))
    )
}

/// A command's message, as GitHub's toolkit escapes it (`escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value, as GitHub's toolkit escapes it (`escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown summary of `report`.
pub fn summary(report: &Report) -> String {
    let mut out = format!(
        "### iam-refine {}: {}\n\n",
        report.command,
        report.verdict().name()
    );
    let counts: Vec<String> = Verdict::ALL
        .iter()
        .map(|v| (v, report.count(*v)))
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.name()))
        .collect();
    let n = report.subjects.len();
    out.push_str(&format!(
        "{n} {}{}{}.\n\n",
        if n == 1 { "subject" } else { "subjects" },
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    ));
    if let Some(failure) = &report.failure {
        out.push_str(&format!("**Stopped:** {}\n\n", cell(failure)));
    }
    if n > 0 {
        out.push_str(
            "| Verdict | Policy | Where | Witness | Reasons |\n| --- | --- | --- | --- | --- |\n",
        );
        for s in &report.subjects {
            let mark = match s.verdict {
                v if v.passed() => "✅",
                Verdict::Unknown => "⚠️",
                _ => "❌",
            };
            let verdict = match s.rule {
                Some(rule) => format!("{mark} {} ({rule})", s.verdict.name()),
                None => format!("{mark} {}", s.verdict.name()),
            };
            let place = match (&s.file, s.line) {
                (Some(f), Some(l)) => format!("{f}:{l}"),
                (Some(f), None) => f.clone(),
                (None, _) => String::new(),
            };
            let witness = s
                .witness
                .as_ref()
                .map(|w| format!("<code>{}</code>", cell(&w.text())))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {verdict} | {} | {} | {witness} | {} |\n",
                cell(&s.name()),
                cell(&place),
                cell(&s.reasons.join("; "))
            ));
        }
        out.push('\n');
    }
    out
}

/// Text in a Markdown table cell: HTML's metacharacters as entities, Markdown's
/// punctuation escaped, line breaks as spaces.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Appends `markdown` to `$GITHUB_STEP_SUMMARY`, if set, in one write. `Ok(None)` when
/// the variable is not set.
pub fn append_summary(markdown: &str) -> std::io::Result<Option<PathBuf>> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let mut file = OpenOptions::new().append(true).create(true).open(&path)?;
    file.write_all(markdown.as_bytes())?;
    Ok(Some(path))
}

/// `text` as printed on GitHub: each line the runner would read as a workflow command
/// (one starting, after blanks, with `::` or `##[`; a line ends at LF or CR, as .NET's
/// `ReadLine` ends it) behind `> `.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let command = |line: &str| {
        let t = line.trim_start();
        t.starts_with("::") || t.starts_with("##[")
    };
    let lines = || text.split(['\n', '\r']);
    if !lines().any(command) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut start = 0;
    for (i, c) in text
        .char_indices()
        .filter(|(_, c)| matches!(c, '\n' | '\r'))
    {
        let line = &text[start..i];
        if command(line) {
            out.push_str("> ");
        }
        out.push_str(line);
        out.push(c);
        start = i + 1;
    }
    let last = &text[start..];
    if command(last) {
        out.push_str("> ");
    }
    out.push_str(last);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_end_a_command() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c\n"), "a%3Ab%2Cc%0A");
    }

    #[test]
    fn lines_that_look_like_commands_are_quoted() {
        assert_eq!(neutralise("plain"), "plain");
        assert_eq!(
            neutralise("x\n  ::add-mask::s\r##[error]e\nok"),
            "x\n>   ::add-mask::s\r> ##[error]e\nok"
        );
    }

    #[test]
    fn cells_stay_in_their_cell() {
        assert_eq!(cell("a|b\n<x>`*"), "a\\|b &lt;x&gt;\\`\\*");
    }
}
