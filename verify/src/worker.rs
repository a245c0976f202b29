//! [`Z3Worker`]: the solver every verification of the command line uses, one per thread,
//! reused across many verifications. It is a portfolio of two decision procedures: each
//! question goes first to the automata of [`crate::automata`] (exact over `Σ`, bounded in
//! states and time), and only when they give up to Z3, whose context and incremental solver
//! are created on the first such question (a Z3 context costs milliseconds to create and tear
//! down on Z3 4.8.12, and most verifications never need one; a reused one's push/pop costs
//! about ten microseconds). The policy comparison ([`crate::compare`]) borrows the Z3 parts
//! through [`Z3Worker::with_parts`]: a second solver of the same context for its request
//! queries, and the language solver for its regular-language queries.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use crate::automata::{self, Compiled, Decided};
use crate::regex::Re;
use crate::solver::{Answer, Ground, Limits, Listed, Solver, Z3Context, Z3Solver};

/// A Z3 context and solver owned together.
struct Z3Parts {
    /// Borrows `*context`; dropped first (see `Drop`).
    solver: ManuallyDrop<Z3Solver<'static>>,
    /// A second solver of the same context for the policy comparison's request queries
    /// ([`crate::compare`]): they stay asserted while the regular-language queries of the
    /// action dimension run on `solver`. Borrows `*context`; dropped first.
    requests: ManuallyDrop<z3::Solver<'static>>,
    /// From `Box::leak`, freed in `Drop` after `solver` and `requests`.
    context: NonNull<Z3Context>,
    /// Z3's resource count when the solver was made (reported counts start from 0).
    base: u64,
}

impl Z3Parts {
    fn new(caps: Limits) -> Z3Parts {
        let context: &'static Z3Context = Box::leak(Box::new(Z3Context::new()));
        let rlimit = caps.rlimit.map(|r| u32::try_from(r).unwrap_or(u32::MAX));
        let solver = Z3Solver::new(context, caps.timeout, rlimit);
        let base = solver.resources_used().unwrap_or(0);
        let requests = z3::Solver::new(context.raw());
        solver.apply_current_to(&requests);
        Z3Parts {
            solver: ManuallyDrop::new(solver),
            requests: ManuallyDrop::new(requests),
            context: NonNull::from(context),
            base,
        }
    }
}

impl Drop for Z3Parts {
    fn drop(&mut self) {
        // SAFETY: `solver` and `requests` (and every Z3 object they hold) borrow
        // `*context`; they are dropped here, exactly once, before the context. `context`
        // came from `Box::leak` in `Z3Parts::new` and no reference to it is left once they
        // are gone (the 'static lifetime never leaves this type: the `Solver` methods return
        // owned values and `with_parts` lends only for the duration of a closure).
        unsafe {
            ManuallyDrop::drop(&mut self.solver);
            ManuallyDrop::drop(&mut self.requests);
            drop(Box::from_raw(self.context.as_ptr()));
        }
    }
}

/// Automata first, then Z3 (see the module docs). Not `Send`: Z3 contexts are
/// single-threaded, so each worker thread makes its own (e.g. rayon's
/// `map_init(Z3Worker::new, ...)`).
pub struct Z3Worker {
    z3: Option<Z3Parts>,
    /// The per-query caps given at construction.
    caps: Limits,
    /// The limits of the next query, as last set.
    limits: Limits,
    /// Whether the automata are asked first ([`Z3Worker::z3_only`] turns them off).
    automata: bool,
    /// Questions decided by the automata, and asked of Z3.
    decided: (usize, usize),
    /// Not `Send` (a Z3 context is single-threaded), as before the context became lazy.
    _single_thread: std::marker::PhantomData<*const ()>,
}

/// What [`Z3Worker::with_parts`] lends out: the context, the request solver and the worker's
/// Z3 language solver as a [`Solver`].
pub(crate) struct Parts<'c> {
    pub ctx: &'c z3::Context,
    pub requests: &'c z3::Solver<'c>,
    pub languages: &'c mut dyn Solver,
    /// The worker's per-query caps ([`Z3Worker::with_limits`]).
    pub caps: Limits,
}

impl Z3Worker {
    /// A worker with no per-query limits (a verification's [`crate::Options`] still bound
    /// each verification).
    pub fn new() -> Z3Worker {
        Z3Worker::with_limits(None, None)
    }

    /// A worker whose every query is also capped by `timeout` and `rlimit`.
    pub fn with_limits(timeout: Option<Duration>, rlimit: Option<u32>) -> Z3Worker {
        let caps = Limits {
            timeout,
            rlimit: rlimit.map(u64::from),
        };
        Z3Worker {
            z3: None,
            caps,
            limits: caps,
            automata: true,
            decided: (0, 0),
            _single_thread: std::marker::PhantomData,
        }
    }

    /// A worker that asks Z3 every question (no automata): to cross-check the automata
    /// against Z3, and to measure Z3 alone.
    pub fn z3_only() -> Z3Worker {
        Z3Worker {
            automata: false,
            ..Z3Worker::new()
        }
    }

    /// How many questions the automata decided, and how many went to Z3, so far.
    pub fn questions(&self) -> (usize, usize) {
        self.decided
    }

    /// Lends the context and both solvers to `f` (creating them if no question needed them
    /// yet). The lifetime `'c` cannot escape `f` (it is chosen by the callee), so no Z3 object
    /// outlives this worker.
    pub(crate) fn with_parts<R>(&mut self, f: impl for<'c> FnOnce(Parts<'c>) -> R) -> R {
        let caps = self.caps;
        let parts = self.z3.get_or_insert_with(|| Z3Parts::new(caps));
        // SAFETY: `context` came from `Box::leak` in `Z3Parts::new` and is freed only in
        // `Z3Parts`'s `Drop`, which cannot run while `self` is borrowed here.
        let context: &Z3Context = unsafe { parts.context.as_ref() };
        let requests: &z3::Solver<'static> = &parts.requests;
        let solver: &mut Z3Solver<'static> = &mut parts.solver;
        let caps = solver.caps();
        f(Parts {
            caps,
            ctx: context.raw(),
            requests,
            languages: &mut Borrowed { solver },
        })
    }

    fn z3(&mut self) -> &mut Z3Solver<'static> {
        let caps = self.caps;
        let limits = self.limits;
        self.decided.1 += 1;
        let parts = self.z3.get_or_insert_with(|| Z3Parts::new(caps));
        parts.solver.set_limits(limits);
        &mut parts.solver
    }

    fn deadline(&self) -> Option<Instant> {
        let timeout = match (self.caps.timeout, self.limits.timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        timeout.map(|t| Instant::now() + t)
    }

    /// The automata's answer, `None` when they give up (too many states).
    fn by_automata(&mut self, language: &Re) -> Option<Answer> {
        if !self.automata {
            return None;
        }
        let answer = match automata::find_member(language, automata::STATE_WORDS, self.deadline()) {
            Decided::Member(w) => Answer::Member(w),
            Decided::Empty => Answer::Empty,
            Decided::OutOfTime => {
                Answer::Unknown("the time budget was spent in the automata search".to_string())
            }
            Decided::TooBig => return None,
        };
        self.decided.0 += 1;
        Some(answer)
    }
}

/// The worker's Z3 language solver as a [`Solver`] trait object of a shorter lifetime (the
/// request solver's limits are the comparison's business: see `compare::search`).
struct Borrowed<'a> {
    solver: &'a mut Z3Solver<'static>,
}

impl Solver for Borrowed<'_> {
    fn find_member(&mut self, language: &Re) -> Answer {
        self.solver.find_member(language)
    }
    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)> {
        self.solver.find_listed(groups)
    }
    fn find_case(&mut self, ground: &Ground) -> Answer<usize> {
        self.solver.find_case(ground)
    }
    fn set_limits(&mut self, limits: Limits) {
        self.solver.set_limits(limits);
    }
    fn resources_used(&self) -> Option<u64> {
        self.solver.resources_used()
    }
}

impl Default for Z3Worker {
    fn default() -> Self {
        Z3Worker::new()
    }
}

/// Each language compiled once; `None` if one cannot be.
fn compile_all<'a>(languages: impl IntoIterator<Item = &'a Re>) -> Option<Vec<Compiled>> {
    languages.into_iter().map(Compiled::new).collect()
}

impl Solver for Z3Worker {
    fn find_member(&mut self, language: &Re) -> Answer {
        match self.by_automata(language) {
            Some(answer) => answer,
            None => self.z3().find_member(language),
        }
    }

    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)> {
        if self.automata {
            if let Some(compiled) = compile_all(groups.iter().map(|g| &g.language)) {
                self.decided.0 += 1;
                for (g, (group, automaton)) in groups.iter().zip(&compiled).enumerate() {
                    if let Some(i) = group.candidates.iter().position(|c| automaton.accepts(c)) {
                        return Answer::Member((g, i));
                    }
                }
                return Answer::Empty;
            }
        }
        self.z3().find_listed(groups)
    }

    fn find_case(&mut self, ground: &Ground) -> Answer<usize> {
        if self.automata {
            let known = |i: &usize| *i < ground.languages.len();
            let indices_known = ground
                .cases
                .iter()
                .all(|c| c.literals.iter().all(|l| l.languages.iter().all(known)));
            let compiled = compile_all(&ground.languages).filter(|_| indices_known);
            if let Some(compiled) = compiled {
                self.decided.0 += 1;
                let holds = |case: &crate::solver::Case| {
                    case.literals.iter().all(|l| {
                        let inside = l
                            .languages
                            .iter()
                            .any(|&i| compiled.get(i).is_some_and(|a| a.accepts(&case.candidate)));
                        inside == l.member
                    })
                };
                return match ground.cases.iter().position(holds) {
                    Some(i) => Answer::Member(i),
                    None => Answer::Empty,
                };
            }
        }
        self.z3().find_case(ground)
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        if let Some(parts) = &mut self.z3 {
            parts.solver.set_limits(limits);
        }
    }

    /// Z3's resource units spent since this worker made its Z3 solver (none before: the
    /// automata spend none).
    fn resources_used(&self) -> Option<u64> {
        match &self.z3 {
            None => Some(0),
            Some(parts) => Some(parts.solver.resources_used()?.saturating_sub(parts.base)),
        }
    }
}
