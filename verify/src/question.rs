//! The question asked of the solver: "a member of this language, or proof that there is
//! none". One [`Question`] per verification holds the solver, counts the queries, remembers
//! the first undecided one (an undecided query is never a pass) and keeps the budget of the
//! whole verification: each query gets only the time and resource units that are left.

use std::time::{Duration, Instant};

use crate::error::VerifyError;
use crate::regex::{in_sigma, Re};
use crate::solver::{Answer, Ground, Limits, Solver};

/// What one verification may spend on the solver, in total.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Budget {
    pub deadline: Option<Instant>,
    pub timeout: Option<Duration>,
    /// Resource units across all queries (the solver's own count).
    pub rlimit: Option<u64>,
}

pub(crate) struct Question<'s> {
    solver: &'s mut dyn Solver,
    budget: Budget,
    /// The solver's resource count when this verification started.
    resources_at_start: Option<u64>,
    /// Solver queries asked (a query whose language is syntactically empty is not asked).
    pub queries: usize,
    /// The first undecided query's reason.
    pub unknown: Option<String>,
}

impl<'s> Question<'s> {
    pub fn new(solver: &'s mut dyn Solver, budget: Budget) -> Question<'s> {
        // Only a resource budget needs the count (reading it makes Z3 build its solver).
        let resources_at_start = budget.rlimit.and_then(|_| solver.resources_used());
        Question {
            solver,
            budget,
            resources_at_start,
            queries: 0,
            unknown: None,
        }
    }

    /// The limits for the next query, or why there is nothing left.
    fn limits(&self) -> Result<Limits, String> {
        let timeout = match (self.budget.deadline, self.budget.timeout) {
            (Some(deadline), Some(total)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(format!(
                        "the time budget of {:.3} s is spent",
                        total.as_secs_f64()
                    ));
                }
                Some(left)
            }
            _ => None,
        };
        let rlimit = match self.budget.rlimit {
            None => None,
            Some(total) => {
                let spent = match (self.solver.resources_used(), self.resources_at_start) {
                    (Some(now), Some(start)) => now.saturating_sub(start),
                    // a solver that does not count cannot be held to a total: each query
                    // gets the whole limit
                    _ => 0,
                };
                let left = total.saturating_sub(spent);
                if left == 0 {
                    return Err(format!("the resource budget of {total} units is spent"));
                }
                Some(left)
            }
        };
        Ok(Limits { timeout, rlimit })
    }

    /// Ask `ask` within what is left of the budget; undecided when nothing is left.
    fn ask<T>(&mut self, ask: impl FnOnce(&mut dyn Solver) -> Answer<T>) -> Answer<T> {
        match self.limits() {
            Err(reason) => Answer::Unknown(reason),
            Ok(limits) => {
                self.solver.set_limits(limits);
                self.queries += 1;
                ask(&mut *self.solver)
            }
        }
    }

    /// Record an undecided answer (the final verdict becomes Unknown unless a
    /// counterexample turns up) and treat it as "no witness".
    fn record<T>(&mut self, answer: Answer<T>) -> Option<T> {
        match answer {
            Answer::Empty => None,
            Answer::Unknown(reason) => {
                self.unknown.get_or_insert(reason);
                None
            }
            Answer::Member(m) => Some(m),
        }
    }

    /// A member of `language` over all strings (symbolic query), undecided answers passed
    /// on (for hints, which fall back to a full query).
    pub fn try_member(&mut self, language: &Re) -> Result<Answer, VerifyError> {
        if *language == Re::Empty {
            return Ok(Answer::Empty);
        }
        let answer = self.ask(|s| s.find_member(language));
        match answer {
            Answer::Member(w) if !w.chars().all(in_sigma) => Err(VerifyError::WitnessRejected {
                claim:
                    "the witness is a string of printable ascii without upper case and backslash"
                        .to_string(),
                witness: w,
            }),
            other => Ok(other),
        }
    }

    /// A member of `language` over all strings; an undecided query is recorded.
    pub fn member(&mut self, language: &Re) -> Result<Option<String>, VerifyError> {
        let answer = self.try_member(language)?;
        Ok(self.record(answer))
    }

    /// A member of `language`, all of whose members start with `prefix`: asked as the
    /// derivative by `prefix` (Z3 4.8.12 is many times slower on long literal prefixes), the
    /// answer put back behind `prefix`.
    pub fn member_behind(
        &mut self,
        language: &Re,
        prefix: &str,
    ) -> Result<Option<String>, VerifyError> {
        let found = self.member(&language.derive_str(prefix))?;
        Ok(found.map(|rest| format!("{prefix}{rest}")))
    }

    /// [`Question::member_behind`], undecided answers passed on.
    pub fn try_member_behind(
        &mut self,
        language: &Re,
        prefix: &str,
    ) -> Result<Answer, VerifyError> {
        Ok(match self.try_member(&language.derive_str(prefix))? {
            Answer::Member(rest) => Answer::Member(format!("{prefix}{rest}")),
            other => other,
        })
    }

    /// A candidate of `ground` all of whose literals hold (ground query); the candidate's
    /// string. Nothing is asked when there is no case.
    pub fn case(&mut self, ground: &Ground) -> Result<Option<String>, VerifyError> {
        if ground.cases.is_empty() {
            return Ok(None);
        }
        let answer = self.ask(|s| s.find_case(ground));
        match self.record(answer) {
            None => Ok(None),
            Some(i) => match ground.cases.get(i) {
                Some(case) => Ok(Some(case.candidate.clone())),
                None => Err(VerifyError::WitnessRejected {
                    witness: format!("case {i}"),
                    claim: "the solver's answer is one of the listed cases".to_string(),
                }),
            },
        }
    }
}
