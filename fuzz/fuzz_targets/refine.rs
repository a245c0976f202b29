//! The refiner against a brute-force model, over a small catalog built from the input.
//!
//! For arbitrary policies and findings, the refined policy must be:
//! - exact over the catalog: each refined Allow statement allows exactly what its original
//!   allowed minus the unused actions (also over the names the policy writes literally that
//!   the catalog does not know), and a removed statement allowed only unused actions;
//! - contained over all strings: no refined statement allows a string its original did
//!   not: checked on sampled strings, and, for every new entry, with the definition of
//!   containment (a literal is matched by an original entry; `p*` lies inside an original
//!   entry `o` when `o` matches `p` followed by any `n` characters it never mentions, for
//!   every `n` up to its length plus one);
//! - Deny statements untouched, every statement's other keys untouched, order kept.
//!
//! The model's matcher is `iam_refine_verify::glob_match`, the prover crate's reference
//! matcher, which shares no code with the refiner.
#![no_main]

use arbitrary::Arbitrary;
use iam_refine::{refine, AccessLevel, ActionKey, Catalog, CatalogInfo, Effect, Entry, Findings, Policy};
use iam_refine_verify::glob_match;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const SERVICES: [&str; 4] = ["a", "ab", "a-b", "s3"];
const WORDS: [&str; 12] = [
    "Get", "Gets", "Object", "Obj", "Objects", "DB", "DBS", "Instance", "V2", "X", "Acl", "a",
];

#[derive(Debug, Arbitrary)]
struct Input {
    catalog: Vec<(u8, Vec<u8>)>,
    statements: Vec<Stmt>,
    unused: Vec<u8>,
    unknown_unused: Vec<(u8, Vec<u8>)>,
    unused_services: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct Stmt {
    deny: bool,
    not_action: bool,
    patterns: Vec<Vec<Piece>>,
}

#[derive(Debug, Arbitrary)]
enum Piece {
    Service(u8),
    Colon,
    Word(u8),
    Star,
    Question,
    Letter(u8),
    /// An action of the catalog, by index, written in some case.
    Action(u8, bool),
}

fn action_name(words: &[u8]) -> String {
    let mut s: String = words
        .iter()
        .take(3)
        .map(|&w| WORDS[w as usize % WORDS.len()])
        .collect();
    if s.is_empty() {
        s.push_str("Do");
    }
    s
}

fn pattern_text(pieces: &[Piece], names: &[String]) -> String {
    let mut s = String::new();
    for p in pieces.iter().take(8) {
        match p {
            Piece::Service(i) => s.push_str(SERVICES[*i as usize % SERVICES.len()]),
            Piece::Colon => s.push(':'),
            Piece::Word(i) => s.push_str(WORDS[*i as usize % WORDS.len()]),
            Piece::Star => s.push('*'),
            Piece::Question => s.push('?'),
            Piece::Letter(b) => s.push(b"abgoxdiS-:"[*b as usize % 10] as char),
            Piece::Action(i, upper) if !names.is_empty() => {
                let n = &names[*i as usize % names.len()];
                s.push_str(&if *upper { n.to_ascii_uppercase() } else { n.clone() });
            }
            Piece::Action(..) => s.push('*'),
        }
    }
    if s.is_empty() {
        s.push('*');
    }
    s
}

/// What a statement allows of `name`.
fn allows(key: ActionKey, patterns: &[String], name: &str) -> bool {
    let hit = patterns.iter().any(|p| glob_match(p, name));
    match key {
        ActionKey::Action => hit,
        ActionKey::NotAction => !hit,
    }
}

/// Does `o` contain every string that starts with `p`? With `z` a character `o` never
/// mentions, the states `o` reaches after `p` accept every suffix iff they accept `z^n`
/// for every `n` (a state with a literal left rejects `z^n`; the others accept by length
/// only), and lengths past `o`'s own plus one add nothing.
fn contains_prefix(o: &str, p: &str) -> bool {
    let z = ['~', '#', '%', '\u{1}']
        .into_iter()
        .find(|c| !o.contains(*c) && !p.contains(*c))
        .unwrap_or('\u{2}');
    (0..=o.chars().count() + 1).all(|n| {
        let s: String = p.chars().chain(std::iter::repeat(z).take(n)).collect();
        glob_match(o, &s)
    })
}

/// Strings matched by `pattern`: its wildcards filled in a few ways.
fn instances(pattern: &str, seed: usize) -> Vec<String> {
    let fills = ["", "a", "Get", "x:y", "Object", "~", "DBS", "-"];
    (0..4)
        .map(|k| {
            let mut s = String::new();
            for (i, c) in pattern.chars().enumerate() {
                match c {
                    '*' => s.push_str(fills[(seed + i + k * 3) % fills.len()]),
                    '?' => s.push(['a', 'B', ':', 'z'][(seed + i + k) % 4]),
                    c => s.push(c),
                }
            }
            s
        })
        .collect()
}

fuzz_target!(|input: Input| {
    let mut entries = Vec::new();
    for (s, words) in input.catalog.iter().take(40) {
        entries.push(Entry {
            service: SERVICES[*s as usize % SERVICES.len()].to_string(),
            action: action_name(words),
            level: AccessLevel::Read,
        });
    }
    let Ok(catalog) = Catalog::from_entries(entries, CatalogInfo::default()) else {
        return;
    };
    let names: Vec<String> = (0..catalog.len()).map(|i| catalog.name(i).to_string()).collect();

    let statements: Vec<Value> = input
        .statements
        .iter()
        .take(4)
        .enumerate()
        .filter(|(_, s)| !s.patterns.is_empty())
        .map(|(k, s)| {
            let patterns: Vec<String> = s
                .patterns
                .iter()
                .take(6)
                .map(|p| pattern_text(p, &names))
                .collect();
            let key = if s.not_action { "NotAction" } else { "Action" };
            json!({"Sid": format!("S{k}"), "Effect": if s.deny { "Deny" } else { "Allow" },
                   key: patterns, "Resource": "*", "Condition": {"NumericEquals": {"n": ["NUMBER"]}}})
        })
        .collect();
    if statements.is_empty() {
        return;
    }
    // A number as IAM users write them, which must come out as written.
    let doc = json!({"Version": "2012-10-17", "Statement": statements})
        .to_string()
        .replace("\"NUMBER\"", "1e3");
    let policy = match Policy::parse(&doc) {
        Ok(p) => p,
        Err(e) => panic!("generated policy does not parse: {e}\n{doc}"),
    };

    let mut unused_names: Vec<String> = input
        .unused
        .iter()
        .take(20)
        .filter(|_| !names.is_empty())
        .map(|&i| names[i as usize % names.len()].clone())
        .collect();
    for (s, words) in input.unknown_unused.iter().take(3) {
        unused_names.push(format!(
            "{}:{}Zz",
            SERVICES[*s as usize % SERVICES.len()],
            action_name(words)
        ));
    }
    let services: Vec<String> = input
        .unused_services
        .iter()
        .take(2)
        .map(|&s| ["ab", "zz", "a-b"][s as usize % 3].to_string())
        .collect();
    let findings = Findings::from_names(&unused_names, &services);
    let unused = findings.resolve(&catalog);
    let is_unused = |name: &str| {
        // A name without `:` belongs to no service.
        let lower = name.to_ascii_lowercase();
        let service = lower.split_once(':').map(|(s, _)| s);
        services.iter().any(|s| Some(s.as_str()) == service)
            || unused_names.iter().any(|u| u.eq_ignore_ascii_case(name))
    };

    let refinement = refine(&policy, &unused);
    let refined = &refinement.policy;
    assert_eq!(refinement.detach, refined.statements.is_empty());

    // Names to judge exactness on: the catalog, and literal names of the policy.
    let mut judged: Vec<String> = names.clone();
    for s in &policy.statements {
        for p in &s.patterns {
            if !p.contains(['*', '?']) {
                judged.push(p.clone());
            }
        }
    }
    // Strings to judge containment on: the above, unused names, and instances of every
    // pattern, original and refined.
    let mut sampled: Vec<String> = judged.clone();
    sampled.extend(unused_names.iter().cloned());
    for (k, s) in policy.statements.iter().chain(&refined.statements).enumerate() {
        for p in &s.patterns {
            sampled.extend(instances(p, k));
        }
    }

    let sid = |s: &iam_refine::Statement| s.to_value()["Sid"].clone();
    let mut next = 0;
    for original in &policy.statements {
        let paired = refined
            .statements
            .get(next)
            .filter(|r| sid(r) == sid(original));
        if original.effect == Effect::Deny {
            let r = paired.unwrap_or_else(|| panic!("a Deny statement was removed\n{doc}"));
            assert_eq!(r.to_value(), original.to_value(), "a Deny statement changed\n{doc}");
            next += 1;
            continue;
        }
        let Some(r) = paired else {
            // Removed: it allowed nothing that is in use.
            for name in &judged {
                assert!(
                    !allows(original.key, &original.patterns, name) || is_unused(name),
                    "statement {:?} was removed but allowed `{name}`, which is used\n{doc}",
                    sid(original)
                );
            }
            continue;
        };
        next += 1;
        assert_eq!(r.key, original.key);
        let mut without = r.to_value();
        let mut original_without = original.to_value();
        for v in [&mut without, &mut original_without] {
            if let Some(o) = v.as_object_mut() {
                o.remove("Action");
                o.remove("NotAction");
            }
        }
        assert_eq!(without, original_without, "a key other than the action list changed");
        for name in &judged {
            let want = allows(original.key, &original.patterns, name) && !is_unused(name);
            assert_eq!(
                allows(r.key, &r.patterns, name),
                want,
                "statement {:?}: `{name}` should be {}allowed: {:?} -> {:?}\n{doc}",
                sid(original),
                if want { "" } else { "not " },
                original.patterns,
                r.patterns
            );
        }
        for s in &sampled {
            if allows(r.key, &r.patterns, s) {
                assert!(
                    allows(original.key, &original.patterns, s),
                    "statement {:?}: refined allows `{s}`, the original does not: {:?} -> {:?}\n{doc}",
                    sid(original),
                    original.patterns,
                    r.patterns
                );
            }
        }
        if r.key == ActionKey::Action {
            for e in &r.patterns {
                if original.patterns.contains(e) {
                    continue;
                }
                let inside = match e.strip_suffix('*') {
                    Some(p) if !p.contains(['*', '?']) => {
                        original.patterns.iter().any(|o| contains_prefix(o, p))
                    }
                    _ if !e.contains(['*', '?']) => {
                        original.patterns.iter().any(|o| glob_match(o, e))
                    }
                    _ => false,
                };
                assert!(
                    inside,
                    "statement {:?}: new entry `{e}` is not inside an original entry {:?}\n{doc}",
                    sid(original),
                    original.patterns
                );
            }
        } else {
            // NotAction only grows: every original exclusion is still excluded.
            for o in &original.patterns {
                for s in instances(o, 0) {
                    assert!(!allows(r.key, &r.patterns, &s), "`{s}` is allowed again");
                }
            }
        }
    }
    assert_eq!(next, refined.statements.len(), "statements were added or reordered");
    // The refined policy prints and reads back.
    let printed = refined.to_pretty_json();
    if !refinement.detach {
        let again = Policy::parse(&printed).expect("the refined policy parses");
        assert_eq!(again.statements, refined.statements);
        assert!(printed.contains("1e3"), "a number changed: {printed}");
    }
});
