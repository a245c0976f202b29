//! This crate's own minimal reading of policy documents: `Statement`, `Effect`, `Action` /
//! `NotAction`, and the rest of each statement kept as its pairing key. Independent of the
//! refiner's parser on purpose.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::automata::FxBuild;
use crate::error::{Document, VerifyError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// One entry of an `Action` / `NotAction` list.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    /// As written.
    pub raw: String,
    /// ASCII-lower-cased and normalised ([`normalize`]): what the solver and every
    /// syntactic rule see. The glob re-check reads `raw`.
    pub low: String,
    /// The lower-cased text before the first `*` or `?` (the whole pattern if it has none).
    pub literal_prefix: String,
    /// `Some(service)` when `literal_prefix` contains a `:`: then the pattern can only match
    /// strings that start with `service:`.
    pub service: Option<String>,
    /// Whether the pattern contains `*` or `?`.
    pub wildcard: bool,
}

impl Pattern {
    pub fn new(raw: &str) -> Pattern {
        let low = normalized(raw.to_ascii_lowercase());
        let cut = low.find(['*', '?']).unwrap_or(low.len());
        let literal_prefix = low[..cut].to_string();
        let service = literal_prefix
            .find(':')
            .map(|colon| literal_prefix[..colon].to_string());
        Pattern {
            raw: raw.to_string(),
            wildcard: cut < low.len(),
            low,
            literal_prefix,
            service,
        }
    }

    /// A sound syntactic over-approximation of matching, for the lower-cased `name`: every
    /// string the pattern matches starts with its literal prefix, contains its other
    /// literal segments (the texts between wildcards) in order without overlap, and ends
    /// with its last segment when the pattern does not end in a wildcard. `false` means
    /// the pattern cannot match `name`; `true` decides nothing.
    pub fn may_match(&self, name: &str) -> bool {
        let Some(mut rest) = name.strip_prefix(self.literal_prefix.as_str()) else {
            return false;
        };
        if !self.wildcard {
            return rest.is_empty();
        }
        let tail = &self.low[self.literal_prefix.len()..];
        let ends_open = tail.ends_with(['*', '?']);
        let mut segments = tail.split(['*', '?']).filter(|s| !s.is_empty()).peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            if last && !ends_open {
                return rest.ends_with(segment);
            }
            match rest.find(segment) {
                Some(at) => rest = &rest[at + segment.len()..],
                None => return false,
            }
        }
        true
    }

    /// Whether the only wildcard is one trailing `*` (`s3:Get*`): then the pattern matches
    /// exactly the strings that start with its literal prefix.
    pub fn is_prefix(&self) -> bool {
        self.low.len() == self.literal_prefix.len() + 1 && self.low.ends_with('*')
    }

    /// Whether this pattern can match some string that starts with `namespace:`
    /// (`namespace` contains no `:`). Over-approximates: never false when it can.
    ///
    /// If the literal prefix contains a `:`, the text before it must be exactly `namespace`.
    /// Otherwise the literal prefix (no `:`) must be a prefix of `namespace:...`, so of
    /// `namespace` itself (it cannot reach past the `:`).
    pub fn touches(&self, namespace: &str) -> bool {
        match &self.service {
            Some(service) => service == namespace,
            None => namespace.starts_with(&self.literal_prefix),
        }
    }
}

/// [`normalized`] of a borrowed text.
#[cfg(test)]
pub(crate) fn normalize(low: &str) -> String {
    normalized(low.to_string())
}

/// Every maximal run of wildcards that holds at least one `*` written as its `?`s followed
/// by one `*`: `**` is `*`, `*?*?*` is `??*`. The same language: such a run matches exactly
/// the strings of at least as many characters as it has `?`s (each `?` takes one, the stars
/// take the rest, also none). A run of `?`s alone is kept. Two spellings of one pattern then
/// compare equal, and the solver never searches through a chain of stars.
///
/// A pattern with no two wildcards side by side (almost every one) is its own normal form,
/// and is returned as it is, without a copy.
fn normalized(low: String) -> String {
    let wildcard = |b: &u8| *b == b'*' || *b == b'?';
    if !low
        .as_bytes()
        .windows(2)
        .any(|w| matches!(w, [a, b] if wildcard(a) && wildcard(b)))
    {
        return low;
    }
    let mut out = String::with_capacity(low.len());
    let (mut ones, mut star) = (0usize, false);
    let flush = |out: &mut String, ones: &mut usize, star: &mut bool| {
        out.extend(std::iter::repeat_n('?', *ones));
        if *star {
            out.push('*');
        }
        (*ones, *star) = (0, false);
    };
    for c in low.chars() {
        match c {
            '*' => star = true,
            '?' => ones += 1,
            c => {
                flush(&mut out, &mut ones, &mut star);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut ones, &mut star);
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::glob::glob_match;

    #[test]
    fn runs_of_wildcards() {
        assert_eq!(normalize("s3:get**"), "s3:get*");
        assert_eq!(normalize("s3:*?*?*get*"), "s3:??*get*");
        assert_eq!(normalize("?*?"), "??*");
        assert_eq!(normalize("a??b"), "a??b");
        assert_eq!(normalize("***"), "*");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("a*b?*c"), "a*b?*c");
    }

    /// `may_match` never rules out a string the pattern matches (random patterns and
    /// strings, glob matcher as the reference).
    #[test]
    fn may_match_over_approximates_matching() {
        let pattern_chars = ['a', 'b', ':', '*', '?'];
        let text_chars = ['a', 'b', ':', 'c'];
        let mut rng = crate::regex::tests::Rng::new(17);
        let (mut matched, mut ruled_out) = (0, 0);
        for _ in 0..3_000 {
            let raw = rng.string(&pattern_chars, 6);
            let p = super::Pattern::new(&raw);
            for _ in 0..20 {
                let text = rng.string(&text_chars, 7);
                if glob_match(&raw, &text) {
                    matched += 1;
                    assert!(p.may_match(&text), "{raw} on {text:?}");
                } else if !p.may_match(&text) {
                    ruled_out += 1;
                }
            }
        }
        assert!(
            matched > 1_000 && ruled_out > 1_000,
            "{matched} {ruled_out}"
        );
    }

    /// The normal form matches exactly what the pattern matches (glob matcher, exhaustively
    /// over short strings).
    #[test]
    fn normal_form_is_equivalent() {
        let patterns = [
            "*?*?*a*", "a**b", "?*?", "*??*", "a?*?b*", "**?**", "?a*?*", "*",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for t in &texts {
                for c in ['a', 'b', 'x'] {
                    next.push(format!("{t}{c}"));
                }
            }
            texts.extend(next.iter().cloned());
            texts.dedup();
        }
        texts.sort();
        texts.dedup();
        for p in patterns {
            let n = normalize(p);
            for t in &texts {
                assert_eq!(glob_match(p, t), glob_match(&n, t), "{p} vs {n} on {t:?}");
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub effect: Effect,
    /// `NotAction` instead of `Action`.
    pub not_action: bool,
    pub patterns: Vec<Pattern>,
    /// Everything but `Action` / `NotAction` (Effect, Sid, Resource, Condition, ...): the
    /// pairing key, compared as JSON values.
    pub key: Map<String, Value>,
    /// Pattern indices by the hash of their literal prefix ([`prefix_hash`]): a name can
    /// only be matched by the patterns whose literal prefix it starts with, and the hashes
    /// of all of a name's prefixes take one pass over it.
    by_prefix: HashMap<u64, Vec<usize>, FxBuild>,
    /// The distinct lengths of the patterns' literal prefixes, ascending: a name's prefixes
    /// of other lengths are no pattern's, so they are not looked up.
    prefix_lengths: Vec<usize>,
}

/// The hash of a string, computed byte by byte so that the hashes of all prefixes of a
/// name come in one pass (a collision only costs a string comparison).
fn prefix_hash(h: u64, byte: u8) -> u64 {
    (h.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

impl Statement {
    pub fn new(
        effect: Effect,
        not_action: bool,
        patterns: Vec<Pattern>,
        key: Map<String, Value>,
    ) -> Statement {
        let mut by_prefix: HashMap<u64, Vec<usize>, FxBuild> = HashMap::default();
        let mut prefix_lengths = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let h = p.literal_prefix.bytes().fold(0, prefix_hash);
            by_prefix.entry(h).or_default().push(i);
            prefix_lengths.push(p.literal_prefix.len());
        }
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        Statement {
            effect,
            not_action,
            patterns,
            key,
            by_prefix,
            prefix_lengths,
        }
    }

    /// The patterns that can match the lower-cased `name` at all, each passed to `f`:
    /// those whose literal prefix `name` starts with (found by the hashes of `name`'s
    /// prefixes of the lengths some literal prefix has), and of those the ones
    /// [`Pattern::may_match`] does not rule out (sound syntactic rules: a pattern left out
    /// cannot match `name`). In the order of the prefixes' lengths, then of the patterns.
    /// A callback, not a list: the ground questions ask this of every unused name and
    /// every statement, and most names have no relevant pattern at all.
    pub fn for_each_relevant<'s>(&'s self, name: &str, mut f: impl FnMut(&'s Pattern)) {
        let bytes = name.as_bytes();
        let (mut h, mut hashed) = (0, 0);
        for &end in &self.prefix_lengths {
            let Some(more) = bytes.get(hashed..end) else {
                break; // longer than `name`, as every later one
            };
            h = more.iter().fold(h, |h, &b| prefix_hash(h, b));
            hashed = end;
            if let Some(indices) = self.by_prefix.get(&h) {
                for p in indices.iter().filter_map(|&i| self.patterns.get(i)) {
                    if p.literal_prefix.len() == end && p.may_match(name) {
                        f(p);
                    }
                }
            }
        }
    }

    /// The reference semantics: does this statement match `action`? Plain glob matching.
    pub fn matches(&self, action: &str) -> bool {
        let hit = self
            .patterns
            .iter()
            .any(|p| crate::glob::glob_match(&p.raw, action));
        hit != self.not_action
    }
}

/// The kind of a JSON value, with its article, for messages (`an object`, `null`).
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The characters a pattern, unused finding or catalog entry may contain: printable ASCII
/// without the backslash (Z3 4.8.12 reads backslash escapes in string literals and prints
/// other characters ambiguously, so they are refused rather than risked).
pub(crate) fn supported_char(c: char) -> bool {
    (' '..='~').contains(&c) && c != '\\'
}

pub(crate) fn first_unsupported(s: &str) -> Option<char> {
    if !any_unsupported_byte(s.as_bytes()) {
        return None;
    }
    s.chars().find(|&c| !supported_char(c))
}

/// Whether some byte is not a supported character (non-ASCII bytes never are): a fold
/// without early exit, so that it is vectorised (a catalog is 22,321 names).
pub(crate) fn any_unsupported_byte(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |bad, &b| {
        bad | (b.wrapping_sub(b' ') > b'~' - b' ') | (b == b'\\')
    })
}

/// A policy document: its statements, and every top-level key but `Statement` (`Version`,
/// `Id`, anything else), which must come out exactly as it went in.
pub(crate) struct PolicyDoc {
    pub statements: Vec<Statement>,
    pub keys: Map<String, Value>,
}

pub(crate) fn parse_document(doc: &Value, which: Document) -> Result<PolicyDoc, VerifyError> {
    let statements = parse(doc, which)?;
    // Every key but `Statement`, in order (not the whole object cloned and `Statement` then
    // removed: its action lists can hold thousands of strings).
    let keys: Map<String, Value> = doc
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "Statement")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(PolicyDoc { statements, keys })
}

pub(crate) fn parse(doc: &Value, which: Document) -> Result<Vec<Statement>, VerifyError> {
    let malformed = |message: String| VerifyError::Malformed {
        document: which,
        message,
    };
    let object = doc.as_object().ok_or_else(|| {
        malformed(format!(
            "the policy document must be a JSON object, got {}",
            kind(doc)
        ))
    })?;
    let statements = object
        .get("Statement")
        .ok_or_else(|| malformed("the policy document has no `Statement`".to_string()))?;
    let list: Vec<&Value> = match statements {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![statements],
        other => {
            return Err(malformed(format!(
                "`Statement` must be an object or an array, got {}",
                kind(other)
            )))
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(index, value)| parse_statement(value, which, index))
        .collect()
}

fn parse_statement(value: &Value, which: Document, index: usize) -> Result<Statement, VerifyError> {
    let bad = |message: String| VerifyError::Statement {
        document: which,
        index,
        message,
    };
    let object = value
        .as_object()
        .ok_or_else(|| bad(format!("must be a JSON object, got {}", kind(value))))?;
    let effect = match object.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(bad(format!(
                "`Effect` must be `Allow` or `Deny`, got `{other}`"
            )))
        }
        None => return Err(bad("has no `Effect`".to_string())),
    };
    let (not_action, list) = match (object.get("Action"), object.get("NotAction")) {
        (Some(list), None) => (false, list),
        (None, Some(list)) => (true, list),
        (Some(_), Some(_)) => return Err(bad("has both `Action` and `NotAction`".to_string())),
        (None, None) => return Err(bad("has neither `Action` nor `NotAction`".to_string())),
    };
    let element = if not_action { "NotAction" } else { "Action" };
    let raw: Vec<&str> = match list {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| {
                    bad(format!("`{element}` entries must be strings, got `{item}`"))
                })
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(bad(format!(
                "`{element}` must be a string or an array of strings, got {}",
                kind(other)
            )))
        }
    };
    let mut patterns = Vec::with_capacity(raw.len());
    for entry in raw {
        if let Some(c) = first_unsupported(entry) {
            return Err(VerifyError::UnsupportedCharacter {
                what: format!("{which} statement {} {element} entry", index + 1),
                text: entry.to_string(),
                character: c,
            });
        }
        patterns.push(Pattern::new(entry));
    }
    // everything but the action list (not cloned: it can hold thousands of entries)
    let key: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| *k != "Action" && *k != "NotAction")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Statement::new(effect, not_action, patterns, key))
}
