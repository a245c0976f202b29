//! Languages and scopes: the regular language of a statement, restricted to one namespace or
//! not, and the sound syntactic rules that say which strings a statement cannot match.

use crate::policy::Statement;
use crate::regex::{self, Re};

/// The namespace of a lower-cased name: the text before its first `:`.
pub(crate) fn namespace_of(name: &str) -> Option<&str> {
    name.split_once(':').map(|(ns, _)| ns)
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
