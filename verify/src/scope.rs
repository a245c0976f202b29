//! Languages and scopes: the regular language of a statement, restricted to one namespace or
//! not, and the sound syntactic rules that say which strings a statement cannot match.

use crate::policy::Statement;
use crate::regex::{self, Re};

/// The namespace of a lower-cased name: the text before its first `:`.
pub(crate) fn namespace_of(name: &str) -> Option<&str> {
    name.split_once(':').map(|(ns, _)| ns)
}

/// The longest common prefix of some strings (empty if there are none).
pub(crate) fn common_prefix<'a>(mut strings: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = strings.next() else {
        return String::new();
    };
    let mut len = first.len();
    for s in strings {
        len = first
            .bytes()
            .zip(s.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    first[..len].to_string()
}

pub(crate) fn scope_of(namespace: Option<&str>) -> Scope<'_> {
    namespace.map_or(Scope::All, Scope::Namespace)
}

/// Which strings a language is restricted to (see [`lang`]).
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    All,
    /// Strings starting with `namespace:`.
    Namespace(&'a str),
}

impl Scope<'_> {
    pub fn admits_name(&self, lower_name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespace(ns) => namespace_of(lower_name) == Some(ns),
        }
    }
    pub fn admits_namespace(&self, namespace: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespace(ns) => *ns == namespace,
        }
    }
}

/// The language of a statement, restricted to `scope`.
///
/// `Scope::All`: exactly the statement's language (over Σ). `Scope::Namespace(ns)`: a language
/// that agrees with the statement on every string starting with `ns:` (it may contain more
/// strings outside `ns:`, which every caller intersects away): only patterns that can touch
/// `ns` are kept, and a `NotAction` complement is taken inside `ns:Σ*`.
pub(crate) fn lang(stmt: &Statement, scope: Scope) -> Re {
    let patterns = stmt.patterns.iter().filter(|p| match scope {
        Scope::All => true,
        Scope::Namespace(ns) => p.touches(ns),
    });
    let set = regex::glob_set(patterns.map(|p| p.low.as_str()));
    if !stmt.not_action {
        return set;
    }
    let universe = match scope {
        Scope::All => Re::AnyStar,
        Scope::Namespace(ns) => Re::concat(vec![Re::Lit(format!("{ns}:")), Re::AnyStar]),
    };
    Re::diff(universe, set)
}

/// Whether some statement among `statements` can match the lower-cased name `name`, by a
/// sound syntactic over-approximation: a `NotAction` statement can match anything; an
/// `Action` pattern only strings that start with its literal prefix (the text before its
/// first wildcard, the whole pattern if it has none). Leaving out names for which this is
/// false changes no query's answer: the languages involved cannot contain them.
pub(crate) fn could_match(statements: &[&Statement], name: &str) -> bool {
    statements.iter().any(|s| {
        s.not_action
            || s.patterns
                .iter()
                .any(|p| name.starts_with(p.literal_prefix.as_str()))
    })
}

/// `R Δ (O ∖ U)` written with only single complements:
/// `(R ∩ ¬O) ∪ (R ∩ U) ∪ (O ∩ ¬(R ∪ U))`.
pub(crate) fn exactness_delta(r: Re, o: Re, u: Re) -> Re {
    Re::union(vec![
        Re::diff(r.clone(), o.clone()),
        Re::inter(vec![r.clone(), u.clone()]),
        Re::diff(o, Re::union(vec![r, u])),
    ])
}
