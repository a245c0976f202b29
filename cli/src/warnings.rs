//! Warnings summarised: a policy with a million names the catalog does not know prints a
//! few of them and a count, not a million lines.

use std::collections::HashMap;

use iam_refine::thousands;

/// A kind of warning with more than this many instances is summarised.
const SHOW_ALL_UP_TO: usize = 5;
/// How many instances of a summarised kind are shown.
const EXAMPLES: usize = 3;

/// The lines to print for `warnings`, each after `prefix` (`p.json: `): every warning when a kind
/// has few, else the first few of the kind and one line counting the rest. Kinds keep the
/// order in which they first appear.
pub fn summarise<'a>(prefix: &str, warnings: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut kinds: Vec<(String, Vec<&str>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for w in warnings {
        let key = kind(w);
        match index.get(&key) {
            Some(&i) => kinds[i].1.push(w),
            None => {
                index.insert(key.clone(), kinds.len());
                kinds.push((key, vec![w]));
            }
        }
    }
    let mut lines = Vec::new();
    for (key, list) in kinds {
        if list.len() <= SHOW_ALL_UP_TO {
            lines.extend(list.iter().map(|w| format!("{prefix}{w}")));
            continue;
        }
        lines.extend(list[..EXAMPLES].iter().map(|w| format!("{prefix}{w}")));
        lines.push(format!(
            "{prefix}{} more like these ({key})",
            thousands(list.len() - EXAMPLES)
        ));
    }
    lines
}

/// A warning with what varies taken out: the statement number and every `quoted` part.
fn kind(warning: &str) -> String {
    let rest = warning
        .strip_prefix("statement ")
        .and_then(|r| r.split_once(": "))
        .filter(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()))
        .map_or(warning, |(_, r)| r);
    let mut out = String::with_capacity(rest.len());
    let mut parts = rest.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Odd parts are inside backquotes.
    for (i, part) in parts.enumerate() {
        if i % 2 == 0 {
            out.push_str("`…");
        } else {
            out.push('`');
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_ignore_statement_numbers_and_quoted_names() {
        assert_eq!(
            kind("statement 12: `svc:A` is not in the catalog; kept as written"),
            "`…` is not in the catalog; kept as written"
        );
        assert_eq!(kind("`a` and `b`"), "`…` and `…`");
        assert_eq!(kind("no quotes"), "no quotes");
        assert_eq!(kind("statement x: `a`"), "statement x: `…`");
    }

    #[test]
    fn few_are_shown_many_are_counted() {
        let few: Vec<String> = (0..5)
            .map(|i| format!("statement 1: `a{i}` is odd"))
            .collect();
        assert_eq!(summarise("p: ", few.iter().map(String::as_str)).len(), 5);
        let mut many: Vec<String> = (0..1000)
            .map(|i| format!("statement {i}: `a{i}` is odd"))
            .collect();
        many.insert(500, "statement 3: `b` is something else".to_string());
        let lines = summarise("p: ", many.iter().map(String::as_str));
        assert_eq!(
            lines,
            [
                "p: statement 0: `a0` is odd",
                "p: statement 1: `a1` is odd",
                "p: statement 2: `a2` is odd",
                "p: 997 more like these (`…` is odd)",
                "p: statement 3: `b` is something else",
            ]
        );
    }
}
