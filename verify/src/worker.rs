//! [`Z3Worker`]: one Z3 context and its solvers, owned together, for one thread to reuse
//! across many verifications and comparisons (a fresh context and solver cost milliseconds
//! of set-up on Z3 4.8.12; a reused one's push/pop about ten microseconds).

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::time::Duration;

use crate::regex::Re;
use crate::solver::{Answer, Ground, Limits, Listed, Solver, Z3Context, Z3Solver};

/// A Z3 context and solver owned together. Not `Send`: Z3 contexts are single-threaded, so
/// each worker thread makes its own (e.g. rayon's `map_init(Z3Worker::new, ...)`).
pub struct Z3Worker {
    /// Borrows `*context`; dropped first (see `Drop`).
    solver: ManuallyDrop<Z3Solver<'static>>,
    /// A second solver of the same context for the policy comparison's request queries
    /// ([`crate::compare`]): they stay asserted while the regular-language queries of the
    /// action dimension run on `solver`. Borrows `*context`; dropped first.
    requests: ManuallyDrop<z3::Solver<'static>>,
    /// From `Box::leak`, freed in `Drop` after `solver` and `requests`.
    context: NonNull<Z3Context>,
}

/// What [`Z3Worker::with_parts`] lends out: the context, the request solver and the worker
/// as a [`Solver`] for language queries.
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
        let context: &'static Z3Context = Box::leak(Box::new(Z3Context::new()));
        let solver = Z3Solver::new(context, timeout, rlimit);
        let requests = z3::Solver::new(context.raw());
        solver.apply_current_to(&requests);
        Z3Worker {
            solver: ManuallyDrop::new(solver),
            requests: ManuallyDrop::new(requests),
            context: NonNull::from(context),
        }
    }

    /// Lends the context and both solvers to `f`. The lifetime `'c` cannot escape `f`
    /// (it is chosen by the callee), so no Z3 object outlives this worker.
    pub(crate) fn with_parts<R>(&mut self, f: impl for<'c> FnOnce(Parts<'c>) -> R) -> R {
        // SAFETY: `context` came from `Box::leak` in `with_limits` and is freed only in
        // `Drop`, which cannot run while `self` is borrowed here.
        let context: &Z3Context = unsafe { self.context.as_ref() };
        let requests: &z3::Solver<'static> = &self.requests;
        let solver: &mut Z3Solver<'static> = &mut self.solver;
        let caps = solver.caps();
        f(Parts {
            caps,
            ctx: context.raw(),
            requests,
            languages: &mut Borrowed { solver },
        })
    }
}

/// The worker's language solver as a [`Solver`] trait object of a shorter lifetime (the
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

impl Drop for Z3Worker {
    fn drop(&mut self) {
        // SAFETY: `solver` and `requests` (and every Z3 object they hold) borrow
        // `*context`; they are dropped here, exactly once, before the context. `context`
        // came from `Box::leak` in `with_limits` and no reference to it is left once they
        // are gone (the 'static lifetime never leaves this type: the `Solver` methods return
        // owned values and `with_parts` lends only for the duration of a closure).
        unsafe {
            ManuallyDrop::drop(&mut self.requests);
            ManuallyDrop::drop(&mut self.solver);
            drop(Box::from_raw(self.context.as_ptr()));
        }
    }
}

impl Solver for Z3Worker {
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
