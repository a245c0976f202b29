//! The budget of one comparison (both directions): time and Z3 resource units in total,
//! each query given what is left.

use std::time::{Duration, Instant};

use crate::question::{Budget, Question};
use crate::solver::{apply_limits, narrower, Limits, Solver};
use crate::worker::Parts;

/// The budget of one comparison: each query gets what is left.
pub(crate) struct Meter {
    pub start: Instant,
    pub timeout: Option<Duration>,
    pub rlimit: Option<u64>,
    pub resources_at_start: Option<u64>,
    pub queries: usize,
    /// The limits last set on the request solver (setting them is not free).
    pub applied: Option<Limits>,
    /// A character of the action alphabet no action pattern writes (for cover hints).
    pub action_spare: char,
}

impl Meter {
    /// A comparison's meter, started at `start` with `options`' budget; `languages` is the
    /// solver whose resource count the budget is measured from.
    pub fn new(
        start: Instant,
        options: &super::CompareOptions,
        languages: &dyn Solver,
        action_spare: char,
    ) -> Meter {
        Meter {
            start,
            timeout: options.timeout,
            rlimit: options.rlimit.map(u64::from),
            resources_at_start: languages.resources_used(),
            queries: 0,
            applied: None,
            action_spare,
        }
    }

    fn spent(&self, solver: &dyn Solver) -> u64 {
        match (solver.resources_used(), self.resources_at_start) {
            (Some(now), Some(start)) => now.saturating_sub(start),
            _ => 0,
        }
    }

    /// The limits of the next query, or why nothing is left.
    pub(crate) fn limits(&self, solver: &dyn Solver) -> Result<Limits, String> {
        let timeout = match self.timeout {
            None => None,
            Some(total) => {
                let left = total.saturating_sub(self.start.elapsed());
                if left.is_zero() {
                    return Err(format!(
                        "the time budget of {:.3} s is spent",
                        total.as_secs_f64()
                    ));
                }
                Some(left)
            }
        };
        let rlimit = match self.rlimit {
            None => None,
            Some(total) => {
                let left = total.saturating_sub(self.spent(solver));
                if left == 0 {
                    return Err(format!("the resource budget of {total} units is spent"));
                }
                Some(left)
            }
        };
        Ok(Limits { timeout, rlimit })
    }

    /// Keeps the request solver's per-query limits within a quarter above what is left:
    /// they are set again only when what is left fell below 80% of what was set.
    pub(crate) fn limit_requests(&mut self, parts: &Parts<'_>, left: Limits) {
        let stale = |set: Option<u64>, left: Option<u64>| match (set, left) {
            (Some(set), Some(left)) => left.saturating_mul(5) < set.saturating_mul(4),
            (None, None) => false,
            _ => true,
        };
        let wanted = Limits {
            timeout: narrower(parts.caps.timeout, left.timeout),
            rlimit: narrower(parts.caps.rlimit, left.rlimit),
        };
        let refresh = match self.applied {
            None => true,
            Some(set) => {
                let ms = |l: Limits| l.timeout.map(|t| t.as_millis() as u64);
                stale(ms(set), ms(wanted)) || stale(set.rlimit, wanted.rlimit)
            }
        };
        if refresh {
            apply_limits(parts.ctx, parts.requests, wanted);
            self.applied = Some(wanted);
        }
    }

    /// A question for action queries with what is left of the budget.
    pub(crate) fn question<'s>(&self, solver: &'s mut dyn Solver) -> Question<'s> {
        let rlimit = self
            .rlimit
            .map(|total| total.saturating_sub(self.spent(solver)).max(1));
        Question::new(
            solver,
            Budget {
                deadline: self.timeout.map(|t| self.start + t),
                timeout: self.timeout,
                rlimit,
            },
        )
    }
}
