//! How results look: unified diffs of an original and a refined document (as Access
//! Analyzer's console shows a recommendation), colour decided once per run (`--color`,
//! `NO_COLOR`, whether stdout is a terminal), and JSON pretty or minified.
//!
//! The diff comes from `similar` (Myers' algorithm, unified format with three lines of
//! context) and the colours from `anstyle`, rather than hand-written code.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};
use serde_json::Value;
use similar::TextDiff;

use crate::args::ColorWhen;

/// Whether to colour what goes to stdout: `always`, `never`, or with `auto` on a terminal
/// unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
pub fn color_enabled(when: ColorWhen) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    decide_color(when, std::io::stdout().is_terminal(), no_color)
}

fn decide_color(when: ColorWhen, terminal: bool, no_color: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && !no_color,
    }
}

/// A unified diff from `old` (named `old_name` in the header) to `new`; empty when the
/// two texts are equal. Each line ends with a newline, so diffs can be concatenated.
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str, color: bool) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .missing_newline_hint(false)
        .to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if color {
        paint(&text)
    } else {
        text
    }
}

/// Colours a unified diff's lines: headers bold, hunk ranges cyan, removals red,
/// additions green, context as is.
fn paint(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            Style::new().bold()
        } else if line.starts_with("@@") {
            AnsiColor::Cyan.on_default()
        } else if line.starts_with('-') {
            AnsiColor::Red.on_default()
        } else if line.starts_with('+') {
            AnsiColor::Green.on_default()
        } else {
            out.push_str(line);
            continue;
        };
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.push_str(&format!("{}{body}{}", style.render(), style.render_reset()));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// JSON text with a final newline: pretty with a two-space indent, or on one line with
/// `compact`. Numbers come out as they were written (serde_json's `arbitrary_precision`).
pub fn json_text(value: &Value, compact: bool) -> String {
    let mut text = if compact {
        serde_json::to_string(value)
    } else {
        serde_json::to_string_pretty(value)
    }
    // Serialising a `Value` to a string cannot fail: its map keys are strings.
    .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_the_terminal_and_no_color() {
        assert!(decide_color(ColorWhen::Always, false, true));
        assert!(!decide_color(ColorWhen::Never, true, false));
        assert!(decide_color(ColorWhen::Auto, true, false));
        assert!(!decide_color(ColorWhen::Auto, true, true));
        assert!(!decide_color(ColorWhen::Auto, false, false));
    }

    #[test]
    fn a_diff_shows_removed_and_added_lines_with_context() {
        let old = "{\n  \"Action\": [\n    \"s3:Get*\",\n    \"s3:List*\"\n  ]\n}\n";
        let new = "{\n  \"Action\": [\n    \"s3:GetObject\",\n    \"s3:List*\"\n  ]\n}\n";
        let diff = unified_diff("a/p.json", "b/p.json", old, new, false);
        assert!(
            diff.starts_with("--- a/p.json\n+++ b/p.json\n@@ "),
            "{diff}"
        );
        assert!(
            diff.contains("\n-    \"s3:Get*\",\n+    \"s3:GetObject\",\n"),
            "{diff}"
        );
        assert!(diff.contains("\n     \"s3:List*\"\n"), "{diff}");
        assert!(!diff.contains('\u{1b}'));
        assert_eq!(unified_diff("a", "b", old, old, true), "");
    }

    #[test]
    fn a_coloured_diff_marks_each_kind_of_line() {
        let diff = unified_diff("a", "b", "x\ny\n", "x\nz\n", true);
        let red = AnsiColor::Red.on_default();
        let green = AnsiColor::Green.on_default();
        assert!(diff.contains(&format!("{}-y{}\n", red.render(), red.render_reset())));
        assert!(diff.contains(&format!("{}+z{}\n", green.render(), green.render_reset())));
        assert!(diff.contains(" x\n"));
    }

    #[test]
    fn json_keeps_numbers_as_written() {
        let value: Value =
            iam_refine::parse_json_text(r#"{"n": 1e3, "big": 100000000000000000000001}"#).unwrap();
        assert_eq!(
            json_text(&value, true),
            "{\"n\":1e3,\"big\":100000000000000000000001}\n"
        );
        assert!(json_text(&value, false).contains("\n  \"n\": 1e3,\n"));
    }
}
