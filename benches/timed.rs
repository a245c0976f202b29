//! A solver wrapper that times every query (for the profiling modes of the examples).

use std::time::{Duration, Instant};

use iam_refine_verify::regex::Re;
use iam_refine_verify::{Answer, Ground, Limits, Listed, Solver, Z3Worker};

pub struct Timed {
    pub inner: Z3Worker,
    pub log: Vec<(Duration, String)>,
}

impl Solver for Timed {
    fn find_member(&mut self, language: &Re) -> Answer {
        let t = Instant::now();
        let a = self.inner.find_member(language);
        let text: String = language.to_string().chars().take(150).collect();
        self.log.push((
            t.elapsed(),
            format!("member size {}: {text}", language.size()),
        ));
        a
    }
    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)> {
        let t = Instant::now();
        let a = self.inner.find_listed(groups);
        self.log
            .push((t.elapsed(), format!("listed {} groups", groups.len())));
        a
    }
    fn find_case(&mut self, ground: &Ground) -> Answer<usize> {
        let t = Instant::now();
        let a = self.inner.find_case(ground);
        let size: usize = ground.languages.iter().map(Re::size).sum();
        self.log.push((
            t.elapsed(),
            format!(
                "ground: {} cases, {} languages of size {size}",
                ground.cases.len(),
                ground.languages.len()
            ),
        ));
        a
    }
    fn set_limits(&mut self, limits: Limits) {
        self.inner.set_limits(limits);
    }
    fn resources_used(&self) -> Option<u64> {
        self.inner.resources_used()
    }
}

impl Timed {
    pub fn new() -> Timed {
        Timed {
            inner: Z3Worker::new(),
            log: Vec::new(),
        }
    }

    /// The total and the `top` slowest queries.
    pub fn print(&mut self, top: usize) {
        let total: Duration = self.log.iter().map(|l| l.0).sum();
        println!("  solver {total:.2?} over {} queries", self.log.len());
        self.log.sort_by_key(|l| std::cmp::Reverse(l.0));
        for (d, what) in self.log.iter().take(top) {
            println!("  {d:>10.2?}  {what}");
        }
    }
}
