//! The solver seam: one question, "give me a member of this regular language, or prove it
//! empty", answered by Z3 (or by a stub in tests).

use std::time::Duration;

use z3::ast::{Ast, Regexp};

use crate::regex::Re;

/// A solver's answer to "is this language empty?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer<T = String> {
    /// Proved empty (unsat).
    Empty,
    /// A member of the language (sat, with the model's string), or for
    /// [`Solver::find_listed`] the (group, candidate) indices of one.
    Member(T),
    /// The solver could not decide (timeout, resource limit, gave up); the reason as given.
    Unknown(String),
}

/// Some candidate strings and the language they are tested against.
#[derive(Clone, Debug)]
pub struct Listed {
    pub language: Re,
    pub candidates: Vec<String>,
}

/// A ground question: is there a case whose candidate string satisfies every one of its
/// literals (`candidate ∈ L` or `candidate ∉ L`)? A Boolean combination of plain
/// memberships, instead of one regex with complements and intersections.
#[derive(Clone, Debug, Default)]
pub struct Ground {
    /// The languages the literals refer to, by index.
    pub languages: Vec<Re>,
    pub cases: Vec<Case>,
}

/// One candidate string and what it must satisfy (all literals; none = always).
#[derive(Clone, Debug)]
pub struct Case {
    pub candidate: String,
    pub literals: Vec<Literal>,
}

/// `candidate ∈ ⋃ languages[i]` over the listed indices if `member`, else `∉`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub languages: Vec<usize>,
    pub member: bool,
}

/// Limits for the next queries, each query separately (the budget of a whole verification
/// is kept by the caller, which sets what is left before each query).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Option<Duration>,
    /// Resource units (Z3's `rlimit`).
    pub rlimit: Option<u64>,
}

/// Decides emptiness of regular languages. [`Answer::Unknown`] is surfaced as
/// [`crate::Verdict::Unknown`], never as a pass.
pub trait Solver {
    /// Find a string in `language` (a string over `Σ`), or prove there is none.
    fn find_member(&mut self, language: &Re) -> Answer;

    /// Find a candidate that is in its group's language, or prove there is none; answers the
    /// indices `(group, candidate)` of one.
    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)>;

    /// Find a case all of whose literals hold, or prove there is none; answers its index.
    /// By default asked through [`Solver::find_listed`], one group per case (its literals
    /// as one intersection of languages and complements).
    fn find_case(&mut self, ground: &Ground) -> Answer<usize> {
        let groups: Vec<Listed> = ground
            .cases
            .iter()
            .map(|case| Listed {
                language: Re::inter(
                    case.literals
                        .iter()
                        .map(|l| {
                            let language = Re::union(
                                l.languages
                                    .iter()
                                    .map(|&i| ground.languages.get(i).cloned().unwrap_or(Re::Empty))
                                    .collect(),
                            );
                            if l.member {
                                language
                            } else {
                                Re::comp(language)
                            }
                        })
                        .collect(),
                ),
                candidates: vec![case.candidate.clone()],
            })
            .collect();
        match self.find_listed(&groups) {
            Answer::Member((g, _)) => Answer::Member(g),
            Answer::Empty => Answer::Empty,
            Answer::Unknown(reason) => Answer::Unknown(reason),
        }
    }

    /// Limit the next queries (time and resources each); by default ignored.
    fn set_limits(&mut self, _limits: Limits) {}

    /// Resource units spent so far by this solver (monotone), if it counts them: lets a
    /// resource budget span several queries.
    fn resources_used(&self) -> Option<u64> {
        None
    }
}

/// A Z3 context, to be borrowed by [`Z3Solver`]s (keeps `z3` types out of this crate's API).
///
/// Contexts are created and deleted one at a time, process-wide (under one lock):
/// Z3's C API does not support constructing contexts in parallel (its memory manager and
/// global parameters are process-wide state initialised on first use; Z3's maintainers in
/// <https://github.com/Z3Prover/z3/issues/327>), and the `z3` crate (0.12) does not
/// serialise it. Each thread then uses its own context only, which Z3 supports. (A verify
/// unit-test run at load 9 once died with SIGSEGV while several test threads made contexts;
/// it did not recur, so this is a guard by the documentation, not a reproduced fix; workers
/// make their contexts lazily, at any time, on every thread.)
pub struct Z3Context(std::mem::ManuallyDrop<z3::Context>);

/// Held while a context (and its configuration) is created or deleted.
static CONTEXT_LIFECYCLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lifecycle_lock() -> std::sync::MutexGuard<'static, ()> {
    // A panic while the lock was held leaves nothing half-done that the lock guards (the
    // guarded calls are Z3's own), so a poisoned lock is still good to take.
    CONTEXT_LIFECYCLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Z3Context {
    pub fn new() -> Z3Context {
        let _serialised = lifecycle_lock();
        let config = z3::Config::new();
        let context = z3::Context::new(&config);
        drop(config);
        Z3Context(std::mem::ManuallyDrop::new(context))
    }

    /// The wrapped context, for the policy comparison's own encoding.
    pub(crate) fn raw(&self) -> &z3::Context {
        &self.0
    }
}

impl Drop for Z3Context {
    fn drop(&mut self) {
        let _serialised = lifecycle_lock();
        // SAFETY: dropped exactly once, here; every Z3 object borrowing the context has a
        // lifetime bounded by a borrow of `self`, so none is alive while `drop` runs.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.0) };
    }
}

impl Default for Z3Context {
    fn default() -> Self {
        Z3Context::new()
    }
}

/// The Z3 backend: one `x ∈ language` membership constraint per query, asserted inside a
/// push/pop scope of one incremental solver (a fresh solver costs milliseconds of set-up per
/// query on Z3 4.8.12; a reused one about ten microseconds).
pub struct Z3Solver<'ctx> {
    ctx: &'ctx z3::Context,
    solver: z3::Solver<'ctx>,
    x: z3::ast::String<'ctx>,
    sigma: Regexp<'ctx>,
    /// The limits given to [`Z3Solver::new`], for every query.
    caps: Limits,
    /// The limits in force (caps, narrowed by [`Solver::set_limits`]).
    current: Limits,
}

impl<'ctx> Z3Solver<'ctx> {
    /// `timeout` applies to each query separately, as does `rlimit`, Z3's deterministic
    /// resource limit (the same count on every machine, unlike time); a verification's
    /// budget ([`crate::Options`]) narrows them further.
    pub fn new(
        ctx: &'ctx Z3Context,
        timeout: Option<Duration>,
        rlimit: Option<u32>,
    ) -> Z3Solver<'ctx> {
        let ctx: &'ctx z3::Context = &ctx.0;
        let caps = Limits {
            timeout,
            rlimit: rlimit.map(u64::from),
        };
        let solver = Z3Solver {
            ctx,
            solver: z3::Solver::new(ctx),
            x: z3::ast::String::new_const(ctx, "x"),
            sigma: sigma(ctx),
            caps,
            current: Limits::default(),
        };
        solver.apply(caps);
        Z3Solver {
            current: caps,
            ..solver
        }
    }

    fn apply(&self, limits: Limits) {
        apply_limits(self.ctx, &self.solver, limits);
    }

    /// The per-query caps given to [`Z3Solver::new`].
    pub(crate) fn caps(&self) -> Limits {
        self.caps
    }

    /// Gives `other` (a solver of the same context) the limits in force for this one.
    pub(crate) fn apply_current_to(&self, other: &z3::Solver<'ctx>) {
        apply_limits(self.ctx, other, self.current);
    }
}

/// Sets `limits` as `solver`'s per-query timeout and rlimit. Not free: Z3 rebuilds a
/// solver's internal state when its parameters change.
pub(crate) fn apply_limits<'ctx>(
    ctx: &'ctx z3::Context,
    solver: &z3::Solver<'ctx>,
    limits: Limits,
) {
    let mut params = z3::Params::new(ctx);
    // No limit: Z3's defaults, `timeout` u32::MAX (ms) and `rlimit` 0.
    let ms = limits.timeout.map_or(u32::MAX, |t| {
        u32::try_from(t.as_millis()).unwrap_or(u32::MAX).max(1)
    });
    params.set_u32("timeout", ms);
    let units = limits
        .rlimit
        .map_or(0, |r| u32::try_from(r).unwrap_or(u32::MAX).max(1));
    params.set_u32("rlimit", units);
    solver.set_params(&params);
}

pub(crate) fn narrower<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The version of the Z3 library this process is linked against, e.g. `"Z3 4.8.12.0"`.
pub fn z3_version() -> String {
    // SAFETY: Z3_get_full_version takes no arguments and returns a static NUL-terminated
    // string owned by the library.
    unsafe {
        let s = z3_sys::Z3_get_full_version();
        std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned()
    }
}

fn to_z3<'c>(ctx: &'c z3::Context, re: &Re, sigma: &Regexp<'c>) -> Regexp<'c> {
    match re {
        Re::Empty => Regexp::empty(ctx),
        // Safe for Z3_mk_string: the characters are printable ASCII without backslash, so no
        // escape sequence can be formed (checked when the inputs were read).
        Re::Lit(s) => {
            debug_assert!(s.chars().all(crate::regex::in_sigma));
            Regexp::literal(ctx, s)
        }
        Re::AnyChar => sigma.clone(),
        Re::AnyStar => Regexp::full(ctx),
        Re::Concat(parts) => {
            let parts: Vec<Regexp<'c>> = parts.iter().map(|p| to_z3(ctx, p, sigma)).collect();
            let refs: Vec<&Regexp<'c>> = parts.iter().collect();
            Regexp::concat(ctx, &refs)
        }
        Re::Union(parts) => {
            let parts: Vec<Regexp<'c>> = parts.iter().map(|p| to_z3(ctx, p, sigma)).collect();
            let refs: Vec<&Regexp<'c>> = parts.iter().collect();
            Regexp::union(ctx, &refs)
        }
        Re::Inter(parts) => {
            let parts: Vec<Regexp<'c>> = parts.iter().map(|p| to_z3(ctx, p, sigma)).collect();
            let refs: Vec<&Regexp<'c>> = parts.iter().collect();
            Regexp::intersect(ctx, &refs)
        }
        Re::Comp(inner) => to_z3(ctx, inner, sigma).complement(),
    }
}

/// `Σ` as a Z3 regex: printable ASCII minus `A-Z` minus `\`, as three character ranges
/// (Z3 4.8.12 has no `re.allchar` in its C API; ranges exist in every version).
fn sigma(ctx: &z3::Context) -> Regexp<'_> {
    Regexp::union(
        ctx,
        &[
            &Regexp::range(ctx, &' ', &'@'),
            &Regexp::range(ctx, &'[', &'['),
            &Regexp::range(ctx, &']', &'~'),
        ],
    )
}

impl Z3Solver<'_> {
    fn unknown<T>(&self) -> Answer<T> {
        Answer::Unknown(
            self.solver
                .get_reason_unknown()
                .unwrap_or_else(|| "z3 gave no reason".to_string()),
        )
    }
}

impl Z3Solver<'_> {
    /// [`Solver::set_limits`], answering whether the limits in force changed (setting
    /// parameters on a Z3 solver is not free: it is done only on a change).
    pub(crate) fn update_limits(&mut self, limits: Limits) -> bool {
        let limits = Limits {
            timeout: narrower(self.caps.timeout, limits.timeout),
            rlimit: narrower(self.caps.rlimit, limits.rlimit),
        };
        if limits != self.current {
            self.apply(limits);
            self.current = limits;
            return true;
        }
        false
    }
}

impl Solver for Z3Solver<'_> {
    fn set_limits(&mut self, limits: Limits) {
        self.update_limits(limits);
    }

    /// Z3's `rlimit count` statistic: the resource units this solver's context has spent,
    /// deterministic for the same sequence of queries.
    fn resources_used(&self) -> Option<u64> {
        let value = self.solver.get_statistics().value("rlimit count")?;
        match value {
            z3::StatisticsValue::UInt(n) => Some(u64::from(n)),
            z3::StatisticsValue::Double(d) if d >= 0.0 => Some(d as u64),
            z3::StatisticsValue::Double(_) => None,
        }
    }

    /// One ground formula: the disjunction over cases of the conjunction of their literals
    /// (string constants, no variable). Each distinct language is translated once.
    fn find_case(&mut self, ground: &Ground) -> Answer<usize> {
        let languages: Vec<Regexp<'_>> = ground
            .languages
            .iter()
            .map(|l| to_z3(self.ctx, l, &self.sigma))
            .collect();
        let mut conjunctions: Vec<z3::ast::Bool<'_>> = Vec::with_capacity(ground.cases.len());
        for case in &ground.cases {
            debug_assert!(case.candidate.chars().all(crate::regex::in_sigma));
            let Ok(constant) = z3::ast::String::from_str(self.ctx, &case.candidate) else {
                return Answer::Unknown(format!("cannot pass `{}` to z3", case.candidate));
            };
            let mut atoms = Vec::with_capacity(case.literals.len());
            for l in &case.literals {
                let mut memberships = Vec::with_capacity(l.languages.len());
                for &i in &l.languages {
                    let Some(language) = languages.get(i) else {
                        return Answer::Unknown(format!("no language {i}"));
                    };
                    // Z3's rewriter decides the membership of a constant by derivatives;
                    // asking it per atom up front keeps newer versions (whose solver would
                    // otherwise search over every atom) as fast as 4.8.12
                    memberships.push(constant.regex_matches(language).simplify());
                }
                let refs: Vec<&z3::ast::Bool<'_>> = memberships.iter().collect();
                let any = z3::ast::Bool::or(self.ctx, &refs);
                atoms.push(if l.member { any } else { any.not() });
            }
            let refs: Vec<&z3::ast::Bool<'_>> = atoms.iter().collect();
            conjunctions.push(z3::ast::Bool::and(self.ctx, &refs));
        }
        if conjunctions.is_empty() {
            return Answer::Empty;
        }
        let refs: Vec<&z3::ast::Bool<'_>> = conjunctions.iter().collect();
        self.solver.push();
        self.solver.assert(&z3::ast::Bool::or(self.ctx, &refs));
        let answer = match self.solver.check() {
            z3::SatResult::Unsat => Answer::Empty,
            z3::SatResult::Unknown => self.unknown(),
            z3::SatResult::Sat => {
                let model = self.solver.get_model();
                let holding = model.and_then(|model| {
                    conjunctions
                        .iter()
                        .position(|c| model.eval(c, true).and_then(|v| v.as_bool()) == Some(true))
                });
                match holding {
                    Some(index) => Answer::Member(index),
                    None => {
                        Answer::Unknown("z3 said sat but no case holds in its model".to_string())
                    }
                }
            }
        };
        self.solver.pop(1);
        answer
    }

    /// `x ∈ Σ* ∩ language` for a string constant `x`.
    fn find_member(&mut self, language: &Re) -> Answer {
        let regex = Regexp::intersect(
            self.ctx,
            &[&self.sigma.star(), &to_z3(self.ctx, language, &self.sigma)],
        );
        self.solver.push();
        self.solver.assert(&self.x.regex_matches(&regex));
        let answer = match self.solver.check() {
            z3::SatResult::Unsat => Answer::Empty,
            z3::SatResult::Unknown => self.unknown(),
            z3::SatResult::Sat => {
                let value = self
                    .solver
                    .get_model()
                    .and_then(|model| model.eval(&self.x, true))
                    .and_then(|value| value.as_string());
                match value {
                    Some(s) => Answer::Member(s),
                    None => Answer::Unknown("z3 said sat but gave no string model".to_string()),
                }
            }
        };
        self.solver.pop(1);
        answer
    }

    /// One ground formula: the disjunction of `"candidate" ∈ language` over all groups and
    /// candidates (string constants, no variable: Z3 decides each atom by rewriting with
    /// derivatives on concrete characters, which is far faster on Z3 4.8.12 than a search for
    /// a symbolic member of a trie of names). On sat, the model tells which atom holds.
    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)> {
        let mut atoms: Vec<(z3::ast::Bool<'_>, (usize, usize))> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let regex = to_z3(self.ctx, &group.language, &self.sigma);
            for (i, name) in group.candidates.iter().enumerate() {
                debug_assert!(name.chars().all(crate::regex::in_sigma));
                let Ok(constant) = z3::ast::String::from_str(self.ctx, name) else {
                    return Answer::Unknown(format!("cannot pass `{name}` to z3"));
                };
                atoms.push((constant.regex_matches(&regex), (g, i)));
            }
        }
        if atoms.is_empty() {
            return Answer::Empty;
        }
        let refs: Vec<&z3::ast::Bool<'_>> = atoms.iter().map(|(atom, _)| atom).collect();
        self.solver.push();
        self.solver.assert(&z3::ast::Bool::or(self.ctx, &refs));
        let answer = match self.solver.check() {
            z3::SatResult::Unsat => Answer::Empty,
            z3::SatResult::Unknown => self.unknown(),
            z3::SatResult::Sat => {
                let model = self.solver.get_model();
                let holding = model.and_then(|model| {
                    atoms.iter().find(|(atom, _)| {
                        model.eval(atom, true).and_then(|v| v.as_bool()) == Some(true)
                    })
                });
                match holding {
                    Some((_, index)) => Answer::Member(*index),
                    None => {
                        Answer::Unknown("z3 said sat but no atom holds in its model".to_string())
                    }
                }
            }
        };
        self.solver.pop(1);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::glob_match;
    use crate::regex::{glob_set, tests::Rng};

    const PATTERN_CHARS: [char; 6] = ['a', 'b', ':', '-', '*', '?'];
    const TEXT_CHARS: [char; 5] = ['a', 'b', ':', '-', 'c'];

    fn random_patterns(rng: &mut Rng) -> Vec<String> {
        let n = 1 + rng.below(3);
        (0..n).map(|_| rng.string(&PATTERN_CHARS, 5)).collect()
    }

    #[test]
    fn ground_membership_agrees_with_glob() {
        let ctx = Z3Context::new();
        let mut solver = Z3Solver::new(&ctx, None, None);
        let mut rng = Rng::new(11);
        for _ in 0..150 {
            let patterns = random_patterns(&mut rng);
            let language = glob_set(patterns.iter().map(String::as_str));
            for _ in 0..4 {
                let text = rng.string(&TEXT_CHARS, 6);
                let want = patterns.iter().any(|p| glob_match(p, &text));
                let got = solver.find_listed(&[Listed {
                    language: language.clone(),
                    candidates: vec![text.clone()],
                }]);
                let expected = if want {
                    Answer::Member((0, 0))
                } else {
                    Answer::Empty
                };
                assert_eq!(got, expected, "{patterns:?} on {text:?}: {language}");
            }
        }
    }

    /// `P1 ∖ P2` over all strings: a witness must pass the glob matcher; "empty" must agree
    /// with every sampled string.
    #[test]
    fn symbolic_difference_agrees_with_glob() {
        let ctx = Z3Context::new();
        let mut solver = Z3Solver::new(&ctx, None, None);
        let mut rng = Rng::new(5);
        let (mut members, mut empties) = (0, 0);
        for _ in 0..120 {
            let p1 = random_patterns(&mut rng);
            let p2 = random_patterns(&mut rng);
            let in1 = |s: &str| p1.iter().any(|p| glob_match(p, s));
            let in2 = |s: &str| p2.iter().any(|p| glob_match(p, s));
            let language = Re::diff(
                glob_set(p1.iter().map(String::as_str)),
                glob_set(p2.iter().map(String::as_str)),
            );
            match solver.find_member(&language) {
                Answer::Member(w) => {
                    members += 1;
                    assert!(in1(&w) && !in2(&w), "{p1:?} ∖ {p2:?}: bad witness {w:?}");
                }
                Answer::Empty => {
                    empties += 1;
                    for _ in 0..200 {
                        let s = rng.string(&TEXT_CHARS, 7);
                        assert!(!in1(&s) || in2(&s), "{p1:?} ∖ {p2:?} has {s:?}");
                    }
                }
                Answer::Unknown(reason) => panic!("unknown: {reason}"),
            }
        }
        assert!(members > 10 && empties > 10, "{members} {empties}");
    }

    #[test]
    fn witnesses_avoid_upper_case_and_backslash() {
        let ctx = Z3Context::new();
        let mut solver = Z3Solver::new(&ctx, None, None);
        // any string of length 3 that is not made of `a`s
        let three = Re::concat(vec![Re::AnyChar, Re::AnyChar, Re::AnyChar]);
        let language = Re::diff(three, glob_set(["aaa"]));
        match solver.find_member(&language) {
            Answer::Member(w) => {
                assert_eq!(w.chars().count(), 3);
                assert!(w.chars().all(crate::regex::in_sigma), "{w:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn version_is_at_least_4_8_12() {
        let v = z3_version();
        let numbers: Vec<u32> = v
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(3)
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(numbers >= vec![4, 8, 12], "{v}");
    }
}

#[cfg(test)]
mod resource_tests {
    use super::*;

    /// The resource count is there from the start (so a total budget can be kept from the
    /// first query on) and grows with work.
    #[test]
    fn rlimit_count_is_read_before_and_after_queries() {
        let ctx = Z3Context::new();
        let mut solver = Z3Solver::new(&ctx, None, None);
        let start = solver.resources_used();
        assert!(start.is_some(), "no rlimit count on a fresh solver");
        let q = Re::diff(
            crate::regex::glob_set(["iam:*accesskeys"]),
            crate::regex::glob_set(["iam:*accesskey*"]),
        );
        assert_eq!(solver.find_member(&q), Answer::Empty);
        assert!(solver.resources_used() > start);
    }
}
