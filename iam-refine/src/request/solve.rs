//! The decision over open clauses (`docs/semantics.md`, "Undetermined outcomes"): given
//! the statements that match for sure and those whose match depends on open clauses, is
//! the request allowed whichever way each open clause goes, denied whichever way, or
//! neither, and on which clauses does it depend?
//!
//! Each distinct open clause (by its text: `statement.rs`'s `OpenKey`) is a free Boolean.
//! An open statement matches when each of its factors (a disjunction of literals) holds.
//! With up to [`EXACT_LIMIT`] Booleans every assignment is tried, which is exact even when
//! one clause stands in several statements (an `Allow` and a `Deny` on the same undetermined
//! clause deny whichever way it goes). Beyond, Kleene's three-valued logic over the
//! statements decides: sound (a decision it reports holds for every assignment), though it
//! may call undetermined a decision that a repeated clause fixes; nothing is then claimed.

use super::decision::Outcome;

/// Most distinct open clauses decided by trying every assignment (`2^12` small
/// evaluations).
pub(crate) const EXACT_LIMIT: usize = 12;

/// A literal: Boolean `.0` is `.1`.
pub(crate) type Lit = (usize, bool);

/// An open statement: it matches when every factor has a literal that holds.
pub(crate) type Term = Vec<Vec<Lit>>;

/// The decision as a formula over open clauses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Formula {
    /// Number of Booleans.
    pub(crate) vars: usize,
    /// Some `Allow` / `Deny` statement matches for sure.
    pub(crate) allow_sure: bool,
    pub(crate) deny_sure: bool,
    /// The open `Allow` / `Deny` statements.
    pub(crate) allow: Vec<Term>,
    pub(crate) deny: Vec<Term>,
}

/// The three-valued decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Solution {
    pub(crate) outcome: Outcome,
    /// Per Boolean: the decision (allowed or not) depends on it.
    pub(crate) decisive: Vec<bool>,
}

/// Does a term hold under `value`?
pub(crate) fn term_holds(term: &Term, value: &dyn Fn(usize) -> bool) -> bool {
    term.iter()
        .all(|factor| factor.iter().any(|&(v, positive)| value(v) == positive))
}

impl Formula {
    /// `(allowed, explicitly denied)` under an assignment.
    pub(crate) fn eval(&self, value: &dyn Fn(usize) -> bool) -> (bool, bool) {
        let deny = self.deny_sure || self.deny.iter().any(|t| term_holds(t, value));
        let allow = self.allow_sure || self.allow.iter().any(|t| term_holds(t, value));
        (allow && !deny, deny)
    }

    /// The decision, whichever way the Booleans go.
    pub(crate) fn solve(&self) -> Solution {
        let none = vec![false; self.vars];
        if self.deny_sure {
            return Solution {
                outcome: Outcome::ExplicitDeny,
                decisive: none,
            };
        }
        if self.vars <= EXACT_LIMIT {
            self.exact()
        } else {
            self.kleene()
        }
    }

    fn exact(&self) -> Solution {
        let n = self.vars;
        let count = 1usize << n;
        let mut allowed = Vec::with_capacity(count);
        let (mut any_allowed, mut any_denied, mut all_explicit) = (false, false, true);
        for mask in 0..count {
            let (a, explicit) = self.eval(&|v| mask >> v & 1 == 1);
            allowed.push(a);
            any_allowed |= a;
            if !a {
                any_denied = true;
                all_explicit &= explicit;
            }
        }
        let outcome = match (any_allowed, any_denied) {
            (true, false) => Outcome::Allowed,
            (false, _) if all_explicit => Outcome::ExplicitDeny,
            (false, _) => Outcome::ImplicitDeny,
            (true, true) => Outcome::Undetermined,
        };
        let mut decisive = vec![false; n];
        if outcome == Outcome::Undetermined {
            for (v, d) in decisive.iter_mut().enumerate() {
                *d = (0..count).any(|mask| allowed[mask] != allowed[mask ^ (1 << v)]);
            }
        }
        Solution { outcome, decisive }
    }

    /// Kleene: every open statement is open (each of its factors is a disjunction of open
    /// literals), so only which effects have open statements matters.
    fn kleene(&self) -> Solution {
        let deny_open = !self.deny.is_empty();
        let allow_open = !self.allow.is_empty() && !self.allow_sure;
        let outcome = match (deny_open, self.allow_sure, allow_open) {
            (_, false, false) => Outcome::ImplicitDeny,
            (false, true, _) => Outcome::Allowed,
            _ => Outcome::Undetermined,
        };
        let mut decisive = vec![false; self.vars];
        if outcome == Outcome::Undetermined {
            let terms = self
                .deny
                .iter()
                .chain(self.allow.iter().filter(|_| allow_open));
            for term in terms {
                for &(v, _) in term.iter().flatten() {
                    decisive[v] = true;
                }
            }
        }
        Solution { outcome, decisive }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(vars: usize, allow: Vec<Term>, deny: Vec<Term>) -> Formula {
        Formula {
            vars,
            allow,
            deny,
            ..Formula::default()
        }
    }

    #[test]
    fn one_open_allow() {
        let s = f(1, vec![vec![vec![(0, true)]]], vec![]).solve();
        assert_eq!(s.outcome, Outcome::Undetermined);
        assert_eq!(s.decisive, [true]);
    }

    #[test]
    fn an_open_deny_without_an_allow_is_still_a_deny() {
        let s = f(1, vec![], vec![vec![vec![(0, true)]]]).solve();
        assert_eq!(s.outcome, Outcome::ImplicitDeny);
        assert_eq!(s.decisive, [false]);
    }

    #[test]
    fn the_same_clause_allowing_and_denying_denies() {
        // Allow if X, Deny if X: never allowed; explicitly denied when X.
        let s = f(1, vec![vec![vec![(0, true)]]], vec![vec![vec![(0, true)]]]).solve();
        assert_eq!(s.outcome, Outcome::ImplicitDeny);
        // Deny if X, Deny if not X: always explicitly denied.
        let s = f(
            1,
            vec![],
            vec![vec![vec![(0, true)]], vec![vec![(0, false)]]],
        )
        .solve();
        assert_eq!(s.outcome, Outcome::ExplicitDeny);
        // Allow if X or if not X: allowed.
        let s = f(1, vec![vec![vec![(0, true), (0, false)]]], vec![]).solve();
        assert_eq!(s.outcome, Outcome::Allowed);
    }

    #[test]
    fn only_clauses_that_tip_the_decision_are_decisive() {
        // Allow if X and Y; Allow if X. Y never matters.
        let s = f(
            2,
            vec![
                vec![vec![(0, true)], vec![(1, true)]],
                vec![vec![(0, true)]],
            ],
            vec![],
        )
        .solve();
        assert_eq!(s.outcome, Outcome::Undetermined);
        assert_eq!(s.decisive, [true, false]);
    }

    #[test]
    fn many_clauses_fall_back_to_kleene() {
        let vars = EXACT_LIMIT + 1;
        let allow: Vec<Term> = (0..vars).map(|v| vec![vec![(v, true)]]).collect();
        let s = f(vars, allow.clone(), vec![]).solve();
        assert_eq!(s.outcome, Outcome::Undetermined);
        assert!(s.decisive.iter().all(|&d| d));
        let mut sure = f(vars, allow, vec![]);
        sure.allow_sure = true;
        assert_eq!(sure.solve().outcome, Outcome::Allowed);
        let only_deny = f(vars, vec![], vec![vec![vec![(0, true)]]]);
        assert_eq!(only_deny.solve().outcome, Outcome::ImplicitDeny);
    }
}
