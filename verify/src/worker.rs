//! [`Z3Worker`]: one Z3 context and one incremental solver, owned together, for one thread
//! to reuse across many verifications (a fresh context and solver cost milliseconds of
//! set-up on Z3 4.8.12; a reused one's push/pop about ten microseconds).

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
    /// From `Box::leak`, freed in `Drop` after `solver`.
    context: NonNull<Z3Context>,
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
        Z3Worker {
            solver: ManuallyDrop::new(solver),
            context: NonNull::from(context),
        }
    }
}

impl Default for Z3Worker {
    fn default() -> Self {
        Z3Worker::new()
    }
}

impl Drop for Z3Worker {
    fn drop(&mut self) {
        // SAFETY: `solver` (and every Z3 object it holds) borrows `*context`; it is dropped
        // here, exactly once, before the context. `context` came from `Box::leak` in
        // `with_limits` and no reference to it is left once `solver` is gone (the 'static
        // lifetime never leaves this type: the `Solver` methods return owned values).
        unsafe {
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
