//! Warnings summarised: a policy with a million names the catalog does not know prints a
//! few of them and a count, not a million lines; an account with hundreds of policies over
//! IAM's quotas prints one line per quota with a count and the first few names
//! ([`quota_lines`]). Every warning stays in full where machines read it (`--format json`,
//! the recommendations' `iamRefine.warnings`).

use std::collections::HashMap;

use iam_refine::{thousands, PlanWarning};

/// How many principals (and policies) a grouped quota line names.
const NAMED: usize = 5;

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

/// Which quota a warning is over: (a managed policy's?, the inline aggregate's principal
/// kind, the quota).
type QuotaKind<'a> = (bool, &'a str, usize);

/// The lines for principals' quota warnings, `(who, warning)` with `who` as `role `name``:
/// one line per quota (managed policies over 6,144 characters; a role's, a user's inline
/// policies over their aggregate), counting them and naming the first [`NAMED`], in the
/// order given. A quota with a single warning prints it as it is, with who it is about.
/// Warnings not about a quota are left out (they are [`summarise`]d).
pub fn quota_lines<'a>(
    warnings: impl IntoIterator<Item = (&'a str, &'a PlanWarning)>,
) -> Vec<String> {
    // Per quota: each warning as the grouped line names it, and as it reads alone.
    let mut groups: Vec<(QuotaKind<'_>, Vec<(String, String)>)> = Vec::new();
    for (who, w) in warnings {
        let (key, named) = match w {
            PlanWarning::ManagedQuota {
                policy,
                size,
                quota,
            } => (
                (true, "", *quota),
                format!("`{policy}` ({who}, {})", thousands(*size)),
            ),
            PlanWarning::InlineQuota { kind, size, quota } => (
                (false, *kind, *quota),
                format!("{who} ({})", thousands(*size)),
            ),
            _ => continue,
        };
        let item = (named, format!("{w} ({who})"));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    let mut lines = Vec::new();
    for ((managed, kind, quota), mut list) in groups {
        if list.len() == 1 {
            lines.extend(list.pop().map(|(_, alone)| alone));
            continue;
        }
        let (n, quota) = (thousands(list.len()), thousands(quota));
        let head = if managed {
            format!("{n} managed policies are over IAM's {quota}-character quota for a managed policy after refinement (--fit-quota makes them fit)")
        } else {
            format!("{n} {kind}s have inline policies totalling over IAM's {quota}-character quota after refinement (--fit-quota rewrites them smaller)")
        };
        let named = list.into_iter().map(|(named, _)| named).collect();
        lines.push(format!(
            "{head}: {}; --format json lists each",
            first_few(named, NAMED, ", ")
        ));
    }
    lines
}

/// The first `shown` of `items` joined by `separator`, then `and N more` for the rest.
pub fn first_few(items: Vec<String>, shown: usize, separator: &str) -> String {
    let count = items.len();
    let mut out: Vec<String> = items.into_iter().take(shown).collect();
    if count > shown {
        out.push(format!("and {} more", thousands(count - shown)));
    }
    out.join(separator)
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

    fn managed(policy: &str, size: usize) -> PlanWarning {
        PlanWarning::ManagedQuota {
            policy: policy.to_string(),
            size,
            quota: 6_144,
        }
    }

    #[test]
    fn quota_warnings_are_one_line_per_quota() {
        let ws: Vec<(String, PlanWarning)> = (0..8)
            .map(|i| {
                (
                    format!("role `r{i}`"),
                    managed(&format!("arn:p{i}"), 7_000 + i),
                )
            })
            .chain([(
                "user `u`".to_string(),
                PlanWarning::InlineQuota {
                    kind: "user",
                    size: 2_100,
                    quota: 2_048,
                },
            )])
            .chain([(
                "user `v`".to_string(),
                PlanWarning::MissingGroup {
                    group: "g".to_string(),
                },
            )])
            .collect();
        let lines = quota_lines(ws.iter().map(|(who, w)| (who.as_str(), w)));
        assert_eq!(
            lines,
            [
                "8 managed policies are over IAM's 6,144-character quota for a managed policy after refinement (--fit-quota makes them fit): `arn:p0` (role `r0`, 7,000), `arn:p1` (role `r1`, 7,001), `arn:p2` (role `r2`, 7,002), `arn:p3` (role `r3`, 7,003), `arn:p4` (role `r4`, 7,004), and 3 more; --format json lists each",
                "the user's inline policies total 2100 characters after refinement, over IAM's 2048-character quota (--fit-quota rewrites them smaller) (user `u`)",
            ]
        );
        // Two of a kind: both named, no "more"; another quota is another line.
        let two = [
            ("role `a`", managed("arn:a", 7_000)),
            ("role `b`", managed("arn:b", 8_000)),
            (
                "role `c`",
                PlanWarning::ManagedQuota {
                    policy: "arn:c".to_string(),
                    size: 9_000,
                    quota: 9_999,
                },
            ),
        ];
        let lines = quota_lines(two.iter().map(|(who, w)| (*who, w)));
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("2 managed policies")
                && lines[0].ends_with("`arn:b` (role `b`, 8,000); --format json lists each"),
            "{lines:?}"
        );
        assert!(lines[1].ends_with("(role `c`)"), "{lines:?}");
        assert!(quota_lines(std::iter::empty()).is_empty());
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
