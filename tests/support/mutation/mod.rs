//! Refinements broken on purpose. One operator per way a refinement can go wrong, the
//! classes of `verify/tests/mutations.rs` (unused action added back, kept action dropped,
//! wildcard widened, Deny changed or removed, statement dropped, keys changed, ...), applied
//! at random to a proved refinement. Each operator checks with the brute-force model that
//! its mutant really is wrong (or declines), so a mutant the prover proves is a prover bug,
//! not a harmless edit.
//!
//! Mutants work on the documents as `verify` reads them (plain JSON), on tagged policies
//! (see [`crate::tag_statements`]): a refined statement's `TestId` names its original.

mod allow;
mod deny;
mod not_action;
mod statement;

use iam_refine_verify::Theorem;
use serde_json::Value;

use crate::document::{
    action_key, entries, is_allow, is_deny, set_entries, statements, statements_mut,
};
use crate::rng::Rng;
use crate::universe::Model;
use crate::unused::UnusedSet;

/// A proved refinement to break.
pub struct Case<'a> {
    /// The case's universe: the catalog plus the names the case knows.
    pub model: &'a Model,
    /// The original policy document, tagged.
    pub original: &'a Value,
    /// Its refinement, proved (statements keep their `TestId`).
    pub refined: &'a Value,
    pub unused: &'a UnusedSet,
}

/// A broken refinement.
#[derive(Clone, Debug)]
pub struct Mutant {
    pub class: Class,
    pub document: Value,
    /// What was done, for failure messages.
    pub what: String,
}

/// The ways a refinement is broken on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// An unused action written back into the statement that allowed it, in another casing.
    UnusedAddedBack,
    /// A wildcard (`?`, `*`) that reaches an unused action added to that statement.
    UnusedViaWildcard,
    /// An entry removed whose kept actions no other entry allows.
    KeptDropped,
    /// A wildcard replaced by one of the kept actions it allows.
    WildcardNarrowed,
    /// An entry widened beyond the original statement (`s3:List*` to `s3:L*`).
    WildcardWidened,
    /// `svc:*` of a service the original statement does not wholly allow.
    OtherServiceAdded,
    /// An action of a service the catalog does not know.
    NewServiceAdded,
    /// A kept action of one statement added to another that never allowed it.
    MovedBetweenStatements,
    /// A Deny statement matching less.
    DenyWeakened,
    /// A Deny statement matching more.
    DenyWidened,
    /// A Deny statement removed.
    DenyRemoved,
    /// An Allow statement with kept actions removed.
    StatementDropped,
    /// Two statements swapped.
    StatementsReordered,
    /// `Resource`, `Condition` or `Sid` of a statement changed.
    KeyChanged,
    /// `Action` renamed `NotAction`.
    ActionToNotAction,
    /// A key outside `Statement` dropped or changed (`Version` dropped or `2008-10-17`, an
    /// `Id` added or changed): IAM reads such a document differently.
    TopLevelKeyChanged,
    /// A literal name the catalog does not know dropped.
    LiteralUnknownDropped,
    /// A `NotAction` exclusion of an unused action removed.
    NotActionExclusionDropped,
    /// A kept action added to a `NotAction` list.
    NotActionExcludesMore,
    /// A `NotAction` exclusion of the original narrowed.
    NotActionUnexcluded,
}

impl Class {
    pub const ALL: [Class; 20] = [
        Class::UnusedAddedBack,
        Class::UnusedViaWildcard,
        Class::KeptDropped,
        Class::WildcardNarrowed,
        Class::WildcardWidened,
        Class::OtherServiceAdded,
        Class::NewServiceAdded,
        Class::MovedBetweenStatements,
        Class::DenyWeakened,
        Class::DenyWidened,
        Class::DenyRemoved,
        Class::StatementDropped,
        Class::StatementsReordered,
        Class::KeyChanged,
        Class::ActionToNotAction,
        Class::TopLevelKeyChanged,
        Class::LiteralUnknownDropped,
        Class::NotActionExclusionDropped,
        Class::NotActionExcludesMore,
        Class::NotActionUnexcluded,
    ];

    /// The theorems a refutation of this kind of mutant may name. Where one edit breaks
    /// several theorems, the prover may report any of them.
    pub fn refuted_by(self) -> &'static [Theorem] {
        use Theorem::*;
        match self {
            Class::UnusedAddedBack | Class::NotActionExclusionDropped => &[NoUnused],
            Class::UnusedViaWildcard
            | Class::WildcardWidened
            | Class::OtherServiceAdded
            | Class::NotActionUnexcluded => &[NoUnused, Containment],
            Class::NewServiceAdded | Class::MovedBetweenStatements => &[Containment],
            Class::KeptDropped
            | Class::WildcardNarrowed
            | Class::LiteralUnknownDropped
            | Class::NotActionExcludesMore => &[Exactness],
            Class::DenyWeakened | Class::DenyWidened => &[DenyChanged],
            Class::DenyRemoved => &[DenyRemoved],
            Class::StatementDropped => &[StatementDropped],
            Class::StatementsReordered => &[Unpaired, StatementDropped, DenyRemoved],
            Class::KeyChanged => &[Unpaired, StatementDropped, DenyRemoved],
            Class::ActionToNotAction => &[Exactness, Containment, NoUnused],
            Class::TopLevelKeyChanged => &[TopLevelKey],
        }
    }

    /// A mutant of this class, or `None` when the case offers nothing to break this way
    /// (no Deny statement, a single statement, ...).
    pub fn apply(self, case: &Case, rng: &mut Rng) -> Option<Mutant> {
        let mut m = Mutator {
            case,
            rng,
            doc: case.refined.clone(),
        };
        let what = match self {
            Class::UnusedAddedBack => m.unused_added_back(false),
            Class::UnusedViaWildcard => m.unused_added_back(true),
            Class::KeptDropped => m.kept_dropped(),
            Class::WildcardNarrowed => m.wildcard_narrowed(),
            Class::WildcardWidened => m.wildcard_widened(),
            Class::OtherServiceAdded => m.other_service_added(),
            Class::NewServiceAdded => m.new_service_added(),
            Class::MovedBetweenStatements => m.moved_between_statements(),
            Class::DenyWeakened => m.deny_weakened(),
            Class::DenyWidened => m.deny_widened(),
            Class::DenyRemoved => m.deny_removed(),
            Class::StatementDropped => m.statement_dropped(),
            Class::StatementsReordered => m.statements_reordered(),
            Class::KeyChanged => m.key_changed(),
            Class::ActionToNotAction => m.action_to_not_action(),
            Class::TopLevelKeyChanged => m.top_level_key_changed(),
            Class::LiteralUnknownDropped => m.literal_unknown_dropped(),
            Class::NotActionExclusionDropped => m.not_action_exclusion_dropped(),
            Class::NotActionExcludesMore => m.not_action_excludes_more(),
            Class::NotActionUnexcluded => m.not_action_unexcluded(),
        }?;
        Some(Mutant {
            class: self,
            document: m.doc,
            what,
        })
    }
}

/// How many random candidates an operator looks at before it declines.
const TRIES: usize = 24;

struct Mutator<'c, 'r> {
    case: &'c Case<'c>,
    rng: &'r mut Rng,
    doc: Value,
}

impl Mutator<'_, '_> {
    fn refined(&self) -> Vec<Value> {
        statements(self.case.refined)
    }

    /// The original statement a refined statement came from (by `TestId`).
    fn original_of(&self, refined: &Value) -> Option<Value> {
        let id = refined["TestId"].as_u64()?;
        statements(self.case.original)
            .into_iter()
            .find(|o| o["TestId"].as_u64() == Some(id))
    }

    /// Refined statements with this effect and key, with their originals.
    fn candidates(&self, allow: bool, key: &str) -> Vec<(usize, Value, Value)> {
        self.refined()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| if allow { is_allow(r) } else { is_deny(r) })
            .filter(|(_, r)| action_key(r) == Some(key))
            .filter_map(|(j, r)| self.original_of(&r).map(|o| (j, r, o)))
            .collect()
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| self.rng.pick(items).clone())
    }

    fn statement(&mut self, j: usize) -> &mut Value {
        &mut statements_mut(&mut self.doc)[j]
    }

    fn push(&mut self, j: usize, entry: &str) {
        let s = self.statement(j);
        let mut list = entries(s);
        list.push(entry.to_string());
        set_entries(s, list);
    }

    fn kept(&self, name: &str) -> bool {
        !self.case.unused.contains(name)
    }

    /// A random casing of `s` (never the all-lower form the prover reports in).
    fn recase(&mut self, s: &str) -> String {
        let up: String = s
            .chars()
            .map(|c| {
                if self.rng.chance(0.5) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        if up == s.to_ascii_lowercase() {
            s.to_ascii_uppercase()
        } else {
            up
        }
    }
}
