//! Policies of many wildcards that IAM accepts but that are costly to match (`*x*y*?*`,
//! `**`, `?*?*` runs): the refiner stays exact over the catalog and inside the original
//! over all strings, checked against a plain dynamic-programming matcher that shares no
//! code with the library. How fast it does so is measured (a release build refines 600
//! entries like `*x*y*?*` in under a second), not asserted here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::HashSet;

use iam_refine::{refine, Catalog, Findings, Policy};

/// `*` any run, `?` one character, ASCII case-insensitive: the textbook table.
fn glob(p: &str, s: &str) -> bool {
    let p: Vec<char> = p.chars().map(|c| c.to_ascii_lowercase()).collect();
    let s: Vec<char> = s.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row = vec![false; s.len() + 1];
    row[0] = true;
    for &c in &p {
        let mut next = vec![false; s.len() + 1];
        for j in 0..=s.len() {
            next[j] = match c {
                '*' => row[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && row[j - 1],
                c => j > 0 && row[j - 1] && s[j - 1] == c,
            };
        }
        row = next;
    }
    row[s.len()]
}

/// Does `o` match every string that starts with `p`? (`p` followed by `n` characters `o`
/// never mentions, for every `n` up to `o`'s length plus one, is the whole question.)
fn contains_prefix(o: &str, p: &str) -> bool {
    (0..=o.len() + 1).all(|n| glob(o, &format!("{p}{}", "~".repeat(n))))
}

#[test]
fn many_costly_wildcards_refine_exactly() {
    let catalog = Catalog::embedded();
    let letters = b"aeiostrcdl";
    let mut patterns = Vec::new();
    for (k, a) in letters.iter().enumerate() {
        for b in &letters[..4] {
            let (a, b) = (*a as char, *b as char);
            patterns.push(match k % 4 {
                0 => format!("*{a}*{b}*?*"),
                1 => format!("*{a}**{b}*?*?*"),
                2 => format!("?*{a}*{b}?"),
                _ => format!("s3:*{a}*{b}*"),
            });
        }
    }
    // Repeats in other spellings, served from the cache.
    patterns.push("*A*E*?*".into());
    patterns.push("*a*e?*".into());
    let doc = serde_json::json!({"Statement": [
        {"Effect": "Allow", "Action": patterns, "Resource": "*"},
        {"Effect": "Deny", "Action": ["*x*y*?*"], "Resource": "*"}]});
    let policy = Policy::parse(&doc.to_string()).expect("valid");
    // Every 7th action is unused.
    let unused: Vec<String> = (0..catalog.len())
        .step_by(7)
        .map(|i| catalog.name(i).to_string())
        .collect();
    let findings = Findings::from_names(&unused, &[]);
    let unused_set: HashSet<String> = unused.iter().map(|u| u.to_ascii_lowercase()).collect();
    let r = refine(&policy, &findings.resolve(&catalog));
    assert_eq!(r.policy.statements.len(), 2);
    assert_eq!(
        r.policy.statements[1].to_value(),
        policy.statements[1].to_value(),
        "Deny untouched"
    );
    let original = &policy.statements[0].patterns;
    let refined = &r.policy.statements[0].patterns;
    // The refined list is long: its literals and `p*` entries are looked up by text (what
    // they match is plain), the rest go through the table matcher.
    let lower = |e: &String| e.to_ascii_lowercase();
    let literals: HashSet<String> = refined
        .iter()
        .filter(|e| !e.contains(['*', '?']))
        .map(lower)
        .collect();
    let prefixes: HashSet<String> = refined
        .iter()
        .filter_map(|e| e.strip_suffix('*'))
        .filter(|p| !p.contains(['*', '?']))
        .map(str::to_ascii_lowercase)
        .collect();
    let others: Vec<&String> = refined
        .iter()
        .filter(|e| {
            e.contains(['*', '?']) && e.strip_suffix('*').is_none_or(|p| p.contains(['*', '?']))
        })
        .collect();
    for i in 0..catalog.len() {
        let name = catalog.lower(i);
        let want = original.iter().any(|p| glob(p, name)) && !unused_set.contains(name);
        let got = literals.contains(name)
            || (0..=name.len()).any(|k| name.is_char_boundary(k) && prefixes.contains(&name[..k]))
            || others.iter().any(|p| glob(p, name));
        assert_eq!(got, want, "`{name}`");
    }
    for e in refined {
        if original.contains(e) {
            continue;
        }
        let inside = match e.strip_suffix('*') {
            Some(p) if !p.contains(['*', '?']) => original.iter().any(|o| contains_prefix(o, p)),
            _ if !e.contains(['*', '?']) => original.iter().any(|o| glob(o, e)),
            _ => false,
        };
        assert!(inside, "`{e}` is not inside an original entry");
    }
}
