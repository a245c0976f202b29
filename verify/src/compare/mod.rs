//! Comparing policies over whole requests (issue 18): is every request NEW allows also
//! allowed by OLD, and conversely? With a concrete request as witness for each direction
//! that fails, re-checked before it is handed out.
//!
//! # Semantics
//!
//! [`docs/semantics.md`](https://github.com/iam-refine/iam-refine/blob/main/docs/semantics.md)
//! is the specification, shared with the concrete evaluator of the library (`iam-refine`,
//! `src/request/`), which shares no code with this module. In short: a request is an action,
//! a resource and a context (key → one value, or a list of values); a side (several
//! documents) allows it when some `Allow` statement matches and no `Deny` statement does; a
//! statement matches when its `Action` / `NotAction`, `Resource` / `NotResource` and
//! `Condition` all hold. Actions are case-insensitive globs; resources case-sensitive globs
//! with the ARN segment rule (a `*` that ends its segment, followed by `:` or the end,
//! crosses `:`, every other wildcard does not); conditions as AWS documents them, every
//! operator family, `...IfExists`, `ForAnyValue:` / `ForAllValues:`, `Null`, and AWS's rules
//! for absent keys and negated operators; policy variables (`Version` 2012-10-17) and
//! declared unknowns are values, not text. `Principal` / `NotPrincipal` is refused
//! ([`CompareError::Statement`]). This module reads the documents itself
//! (`document.rs`, `condition.rs`, `text.rs`, `values.rs`).
//!
//! The **universe** of a comparison is every request over every string (action, resource,
//! every text value) whose context holds the keys the policies mention, each with the kind
//! its operators give it (a key used only with plain operators, `Null` or as a variable is
//! single-valued; only with set operators and `Null`, multivalued), plus every value of
//! every declared unknown. A key used both ways, or read as two types (text and number,
//! ...), is not modelled: conditions on it are opaque (below). Keys no policy mentions
//! cannot change a decision.
//!
//! **Undetermined clauses** (docs/semantics.md U1–U4: `ForAnyValue:...IfExists` with no
//! value; a negated operator where a policy value's variable has no value or the request's
//! value does not parse; a resource pattern on which the Resource page's segment rule and
//! the component reading disagree) are, where they are undetermined, a free Boolean of the
//! request (one per clause text, so the same clause on both sides is the same Boolean).
//! Every clause is encoded three ways (`kleene.rs`): as a formula over those free Booleans,
//! and as Kleene's rails "definitely true" and "definitely false", which is how the
//! evaluator decides. A witness is sought first among requests whose decision is
//! determined (the definite rails); only if there is none, the formula is asked: unsat
//! proves the direction however AWS decides each clause; a request found there exists
//! only through undetermined (or unmodelled) clauses: the verdict is Unknown, naming them.

//! A construct that is read but not modelled — an operator AWS does not document, a policy
//! value that does not parse for its operator, a key of two kinds or types, a case-
//! insensitive comparison with a variable, a policy variable before the fifth `:` of a
//! resource pattern or of an ARN value — is an **opaque Boolean**: a fresh variable per distinct construct (the same
//! construct on both sides is the same variable). A proof over free Booleans is a proof
//! whatever the constructs' values; a request the search finds is handed out only if the
//! direct evaluation decides it without them; otherwise the verdict is
//! [`Verdict::Unknown`], naming them. A declared unknown in an `Action`, and a spent budget,
//! make it Unknown too. Unknown is never a pass.
//!
//! # The encoding
//!
//! Each direction ("a request NEW allows and OLD denies") is one question; the other
//! direction swaps the sides.
//!
//! * **Groups.** Statements are grouped by their *body*: the resource part and the
//!   condition, canonically (patterns and values as sets, condition blocks in any order;
//!   `Version` only where a text holds `${`). Equal bodies are the same formula over
//!   requests. **Syntactic check**: if for every group NEW's Allow actions are among OLD's
//!   Allow actions of the same group, and OLD's Deny actions among NEW's Deny actions (each
//!   an action-language containment, asked with the refinement prover's machinery below),
//!   the direction holds: a request NEW allows is allowed by a NEW statement of some group,
//!   whose body holds, so an OLD Allow statement of that group allows it, and an OLD Deny
//!   statement that would deny it has a NEW counterpart that would too. Reordered, split,
//!   merged and duplicated statements are proved here, without a solver query.
//! * **Atoms.** Otherwise Z3 is asked for an assignment of Booleans `Φ = allow_NEW ∧
//!   ¬allow_OLD`, where `allow = (∨_g allow_g ∧ body_g) ∧ ¬(∨_g deny_g ∧ body_g)` and
//!   `allow_g` is the disjunction of one *action atom* per statement's action part ("the
//!   action is in its language"). A body is built from *string atoms* (`atoms.rs`: "this
//!   string is in this union of globs", "these two strings are equal", "this string matches
//!   this text around variables"; the strings are the resource, each value slot of a text
//!   key and each declared unknown), integers (numbers scaled by `10^(D+1)`, `D` the most
//!   fraction digits of any numeric constant; dates in nanoseconds within the instants a
//!   date text can name), 32- and 128-bit vectors (addresses, each CIDR a prefix
//!   comparison), an index for binary values (which `BinaryEquals` constant, or another),
//!   a presence Boolean and an "it parses" Boolean per slot, and opaque Booleans. Each
//!   operator is encoded as docs/semantics.md §4–§5 state it (absent keys, `IfExists`, NOR
//!   for negated operators, `ForAnyValue` / `ForAllValues` over the slots). Z3 sees no
//!   string and no regular expression: only Booleans, linear integer arithmetic and
//!   bit-vectors (all in Z3 4.8.12's C API; its string solver takes tens of milliseconds for
//!   the smallest membership).
//! * **Search** (counterexample-guided). For a model of `Φ`:
//!   1. the string atoms as the model sets them are decided in Rust (`strings.rs`, a
//!      breadth-first search over the product of the globs' automata, equalities as classes
//!      that must share a string, disequalities by backtracking over enough candidates per
//!      class): strings that make every atom hold as set, or a *string fact* — the negation
//!      of a minimal set of the atoms that cannot hold together (pairs first) — added to Z3;
//!   2. with the bodies that hold in the model, the *action question*: an action in some
//!      NEW Allow statement of an active group, in no NEW Deny statement of one, and in no
//!      OLD Allow statement of one unless in an OLD Deny statement of one, asked as the
//!      refinement prover asks containments (`actions.rs`: literal patterns as ground
//!      queries, wildcard patterns behind their literal prefix, with cover hints); if there
//!      is none, an *action fact* — "no action is in some of these statements and in none of
//!      those" over the action atoms, with the statements that do not matter dropped — is
//!      added to Z3; if there is one, that action, the strings and the model's values are
//!      the request, re-checked (below).
//!
//!   The search runs twice behind guard Booleans (facts learned in the first serve the
//!   second): for a determined request (the definite rails; a group's Allow statements count
//!   where its body definitely holds, its Deny statements where it may), then, if none,
//!   over the free Booleans. Unsat of the second ends the direction: it holds. An undecided query (budget, string search over
//!   its cap, a pattern with variables neither satisfied by the candidate values tried nor
//!   refuted by its over-approximation) makes it Unknown unless a witness turns up.
//! * **Patterns around variables.** `arn:aws:s3:::${aws:username}/*` is one atom about the
//!   resource and the string of `aws:username`. For a model, the variables' values are tried
//!   among a few candidates (the shortest strings their own atoms allow, and one no text
//!   writes), each making the patterns ground; a proof that no values work uses the
//!   over-approximation "each variable is any string" (a superset of every substitution; a
//!   negated pattern is left out), which is sound, and the rule that two patterns equal
//!   once the model fixes what it fixes (an absent variable's default) match the same
//!   strings. A `*` before a variable ends its segment when the value starts with `:`
//!   (segments and components are read after substitution). A resource pattern's two
//!   readings are one atom when they are the same language (no wildcard but a final `*`,
//!   or, for a pattern without values, the string search says so both ways), else two atoms
//!   whose disagreement is an undetermined region.
//! * **Witnesses** ([`Witness`]): the request in the JSON form of docs/semantics.md §1,
//!   the values assumed for declared unknowns, and the arguments of
//!   `aws iam simulate-custom-policy`. Numbers are written as decimals; dates as ISO 8601
//!   with the shortest fraction (or epoch seconds beyond year 9999), moved to the roundest
//!   instant of their interval between the policy's date constants; addresses by
//!   `std::net`; binary values as canonical base64: the readers of §5 accept them back. Keys the decision does not
//!   need are dropped (up to 64 keys).
//!
//! # Why a verdict can be trusted
//!
//! *Every real request satisfies what Z3 is given.* Take any request of the universe that
//! NEW allows and OLD denies, and set every atom to its truth for that request, every
//! number, date, address and index to its value, every opaque Boolean to the construct's
//! truth. Then `Φ` holds (each body is encoded exactly as the semantics evaluates it), the
//! value domains hold, and every fact added holds: string and action facts are statements
//! about all strings and all actions (proved by the exact searches), the implications
//! between action atoms are syntactic containments of pattern sets. So **unsat proves the
//! direction** — provided the request can be taken inside the domains the encoding uses:
//!
//! * *All strings, not only printable ones.* Let `L` be the characters written literally in
//!   any resource pattern or text value (closed under ASCII case) plus `:`. Every string
//!   predicate compares a character with literal characters, with `:` (the segment rule,
//!   ARN components) or lets a wildcard take it. Replace, in every string of a request
//!   (resource, values, unknowns), each character outside `L` by one spare character
//!   `c ∉ L` that is printable, not a letter and not a wildcard or `:`: every membership
//!   keeps its truth, and so does every equality between strings (the same map on every
//!   string). A *difference* between two strings can be lost that way, so differences are
//!   not argued by the map: the string search gives, for a class of equal strings that
//!   must differ from `d` others, `d + 1` members (or all of them) over every string, using
//!   `d` more characters outside `L ∪ {:}` where a member holds one (`strings.rs`, tested
//!   against exhaustive enumeration). The request stays a counterexample, over printable
//!   ASCII without backslash, where the string search looks; and over that alphabet every
//!   character outside `L ∪ {:}` moves every glob exactly as `c` does, so the search's
//!   alphabet (`L`, `:`, `c`, and those extra characters for differences) is exact. The
//!   prover checks that such a `c` exists (else Unknown). Characters of policy texts
//!   outside printable ASCII (or a backslash) are first swapped with unused printable
//!   punctuation, a permutation of characters every predicate respects; witnesses are
//!   swapped back. Actions keep the refinement prover's own argument (crate docs), with a
//!   spare character no action pattern writes.
//! * *Numbers.* Numeric values are compared only with constants, all multiples of
//!   `10^-D`; between two consecutive constants (or beyond the last) there is a multiple of
//!   `10^-(D+1)`, so an integer scaled by `10^(D+1)` reaches every comparison outcome; a
//!   value that does not parse is the slot's "it parses" Boolean, false.
//! * *Dates, addresses, binary values* are encoded exactly (every instant a date text can
//!   name, to the nanosecond; every address; equality with the constants only).
//! * *Undetermined clauses.* Outside its region a clause is encoded as the semantics
//!   decides it; inside, as a free Boolean, which takes whichever value AWS would: a real
//!   request satisfies the formula with the free Booleans at AWS's choices, so unsat proves
//!   the direction for every choice. The definite rails are Kleene's evaluation of the same
//!   clauses (an undetermined or unmodelled clause on neither rail), so a request whose
//!   decision the evaluator finds determined satisfies them: the first search misses no
//!   determined witness.
//! * *Multivalued keys.* A condition on key `k` is a Boolean combination of atoms "some
//!   value of `k` satisfies `P`" (`ForAnyValue`: some value satisfies; `ForAllValues`: no
//!   value fails; `Null`, `IfExists`: some value at all). If a set of values `S` satisfies
//!   the formula, keep one value of `S` for each atom that is true: the subset gives every
//!   atom the same truth (a true atom keeps its value, a false one stays false in a
//!   subset). At most one atom per distinct condition on `k`, plus "some value": that many
//!   slots suffice.
//!
//! *Sat gives a real request.* The strings are chosen by the exact search so that every
//! atom is as the model set it; the action answers the action question for exactly the
//! bodies that hold; numbers, dates, addresses are the model's values written as the
//! readers read them. So the request satisfies `Φ` with atoms at their true values — unless
//! an opaque Boolean was set to a value the construct does not take. Every witness is
//! therefore re-checked by this crate's direct evaluation of the statements as read
//! (`eval.rs`: its own glob matcher over substituted text, the refinement prover's
//! [`glob_match`](crate::glob_match) for actions): NEW must allow it and OLD deny it. If
//! the evaluation depends on an unmodelled construct, the verdict is Unknown; if it
//! disagrees while nothing is opaque, the answer is [`CompareError::WitnessRejected`],
//! never a verdict. Callers with the library evaluator re-check once more (the CLI does).
//!
//! What is trusted: Z3's answers on Booleans, integers and bit-vectors; the string search
//! (`strings.rs`, tested against a reference matcher); the action machinery of the
//! refinement prover; the readers of policy values; and the encoding of each operator,
//! tested family by family against the direct evaluation (`verify/tests/compare_*.rs`).
//!
//! # Budget and use
//!
//! [`CompareOptions`] bounds a whole comparison (both directions) in time and Z3 resource
//! units, like [`crate::Options`]; work in Rust is checked against the time between
//! rounds. [`Comparer`] holds nothing between calls; the [`Z3Worker`] a thread brings is
//! reused (its context and two solvers: one for requests, one for action languages).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod actions;
mod atoms;
mod condition;
mod document;
mod encode;
mod error;
mod eval;
mod facts;
mod kleene;
mod meter;
mod patterns;
mod reading;
mod rx;
mod search;
mod strings;
mod text;
mod universe;
mod values;
mod witness;

pub use error::{CompareError, Place, Side};
pub use witness::{ContextValue, Request, ValueType, Witness};

use document::{read_side, Stmt};
use encode::Encoder;
use meter::Meter;
use search::{direction, Outcome};
use universe::Universe;

use crate::worker::Z3Worker;

/// The budget and the declared unknowns of one comparison.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// Wall-clock time for the whole comparison (both directions), from its start; `None`
    /// = no limit. Work in Rust between solver queries counts against it.
    pub timeout: Option<Duration>,
    /// Z3 resource units for the whole comparison, summed over its queries; `None` = no
    /// limit. Deterministic (see [`crate::Options::rlimit`]).
    pub rlimit: Option<u32>,
    /// Names of values not known until deployment (docs/semantics.md §7): `${NAME}` in a
    /// document stands for one fixed but unknown string, the same on both sides.
    pub unknowns: Vec<String>,
}

/// The relation between OLD and NEW, over every request of the universe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every request: the same decision.
    Equivalent,
    /// Every request NEW allows, OLD allows; some OLD allows, NEW does not.
    NoNewAccess,
    /// Every request OLD allows, NEW allows; some NEW allows, OLD does not.
    NewAllowsMore,
    /// Each allows a request the other does not.
    Incomparable,
    /// Some direction was not decided: the reasons name every construct that is not
    /// modelled and every query left undecided that it depended on. A direction that was
    /// refuted keeps its witness in [`Comparison`]. Never a pass.
    Unknown { reasons: Vec<String> },
}

/// The outcome of [`Comparer::compare`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Comparison {
    pub verdict: Verdict,
    /// A request NEW allows and OLD denies (re-checked), when there is one.
    pub new_allows: Option<Witness>,
    /// A request OLD allows and NEW denies (re-checked), when there is one.
    pub old_allows: Option<Witness>,
    /// Solver queries asked.
    pub queries: usize,
    pub elapsed: Duration,
}

impl Comparison {
    /// Whether NEW allows nothing OLD does not: `Some(false)` comes with
    /// [`Comparison::new_allows`]; `None` when that direction is undecided.
    pub fn no_new_access(&self) -> Option<bool> {
        match (&self.verdict, &self.new_allows) {
            (_, Some(_)) => Some(false),
            (Verdict::Unknown { .. }, None) => None,
            (_, None) => Some(true),
        }
    }
}

/// The outcome of [`Comparer::check_not_granted`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No request for those actions on those resources is allowed, whatever its context.
    NotGranted,
    /// A request for one of those actions on one of those resources that is allowed.
    Granted(Witness),
    /// Not decided; the reasons name what. Never a pass.
    Unknown { reasons: Vec<String> },
}

/// [`Access`] with statistics.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccessReport {
    pub access: Access,
    pub queries: usize,
    pub elapsed: Duration,
}

/// The comparison prover. It holds nothing between calls yet; the solver state lives in
/// the [`Z3Worker`] each thread brings (one Z3 context and its solvers, reused).
///
/// ```no_run
/// # fn demo(old: &[serde_json::Value], new: &[serde_json::Value])
/// #     -> Result<(), iam_refine_verify::compare::CompareError> {
/// use iam_refine_verify::compare::{CompareOptions, Comparer, Verdict};
/// use iam_refine_verify::Z3Worker;
/// let mut z3 = Z3Worker::new(); // per thread
/// let options = CompareOptions { timeout: Some(std::time::Duration::from_secs(60)), ..Default::default() };
/// let comparison = Comparer::new().compare(&mut z3, old, new, &options)?;
/// if let Some(w) = &comparison.new_allows {
///     println!("NEW allows {}", w.to_json());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Comparer;

fn declared(names: &[String]) -> Result<BTreeSet<String>, CompareError> {
    let mut out = BTreeSet::new();
    for name in names {
        if name.is_empty() {
            return Err(CompareError::InvalidUnknown {
                name: name.clone(),
                reason: "empty",
            });
        }
        if name.contains('}') {
            return Err(CompareError::InvalidUnknown {
                name: name.clone(),
                reason: "holds `}`",
            });
        }
        out.insert(name.clone());
    }
    Ok(out)
}

/// A character of the action alphabet that no action pattern writes (the last such: unlike
/// any in action names, which makes readable hint samples).
fn action_spare(stmts: &[&Stmt]) -> Option<char> {
    let used: BTreeSet<char> = stmts
        .iter()
        .flat_map(|s| s.action.patterns.iter())
        .flat_map(|p| p.low.chars())
        .collect();
    crate::regex::sigma()
        .filter(|&c| c != '*' && c != '?' && !used.contains(&c))
        .last()
}

/// Why nothing about these statements can be proved, if so: the soundness argument needs a
/// character no action pattern writes, and one no resource or value text writes.
fn blockers(stmts: &[&Stmt], uni: &Universe) -> Vec<String> {
    let mut out = Vec::new();
    if action_spare(stmts).is_none() {
        out.push(
            "the action patterns use every character of the search alphabet, so the proof \
             over all strings does not carry over"
                .to_string(),
        );
    }
    if uni.alphabet.spare.is_none() {
        out.push(
            "the resources and values use too many distinct characters outside printable \
             ascii (or every printable one), so the proof over all strings does not carry over"
                .to_string(),
        );
    }
    out
}

fn dedup(reasons: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in reasons {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

impl Comparer {
    pub fn new() -> Comparer {
        Comparer
    }

    /// Compares OLD and NEW (each several documents, the policies of one principal taken
    /// together), within `options`' budget.
    pub fn compare(
        &self,
        worker: &mut Z3Worker,
        old: &[Value],
        new: &[Value],
        options: &CompareOptions,
    ) -> Result<Comparison, CompareError> {
        let start = Instant::now();
        let unknowns = declared(&options.unknowns)?;
        let old_read = read_side(old, Side::Old, &unknowns)?;
        let new_read = read_side(new, Side::New, &unknowns)?;
        let old_stmts: Vec<&Stmt> = old_read.statements.iter().collect();
        let new_stmts: Vec<&Stmt> = new_read.statements.iter().collect();
        let all: Vec<&Stmt> = old_stmts.iter().chain(&new_stmts).copied().collect();
        let uni = Universe::new(&all);
        let mut stop = old_read.unmodelled.clone();
        stop.extend(new_read.unmodelled.iter().cloned());
        stop.extend(blockers(&all, &uni));
        let (more, less, queries) = if stop.is_empty() {
            worker.with_parts(|mut parts| {
                let spare = action_spare(&all).unwrap_or('~');
                let mut meter = Meter::new(start, options, &*parts.languages, spare);
                let mut enc = Encoder::new(parts.ctx, &uni);
                let more = direction(&mut parts, &mut enc, &mut meter, &new_stmts, &old_stmts)?;
                let less = direction(&mut parts, &mut enc, &mut meter, &old_stmts, &new_stmts)?;
                Ok::<_, CompareError>((more, less, meter.queries))
            })?
        } else {
            (Outcome::Unknown(stop.clone()), Outcome::Unknown(stop), 0)
        };
        let mut reasons = Vec::new();
        let mut split = |o: Outcome| match o {
            Outcome::Holds => (true, None),
            Outcome::Witness(w) => (false, Some(w)),
            Outcome::Unknown(r) | Outcome::Undetermined(r) => {
                reasons.extend(r);
                (false, None)
            }
        };
        let (more_holds, new_allows) = split(more);
        let (less_holds, old_allows) = split(less);
        let verdict = if !reasons.is_empty() {
            Verdict::Unknown {
                reasons: dedup(reasons),
            }
        } else {
            match (more_holds, less_holds) {
                (true, true) => Verdict::Equivalent,
                (true, false) => Verdict::NoNewAccess,
                (false, true) => Verdict::NewAllowsMore,
                (false, false) => Verdict::Incomparable,
            }
        };
        Ok(Comparison {
            verdict,
            new_allows,
            old_allows,
            queries,
            elapsed: start.elapsed(),
        })
    }

    /// Proves that no request whose action matches some pattern of `actions` (action
    /// rules: case-insensitive) and whose resource matches some pattern of `resources`
    /// (resource rules; none = `*`) is allowed by `policies`, whatever its context; or
    /// gives one that is.
    pub fn check_not_granted(
        &self,
        worker: &mut Z3Worker,
        policies: &[Value],
        actions: &[String],
        resources: &[String],
        options: &CompareOptions,
    ) -> Result<AccessReport, CompareError> {
        let start = Instant::now();
        for a in actions {
            if crate::policy::first_unsupported(a).is_some() {
                return Err(CompareError::InvalidPattern {
                    what: "action",
                    pattern: a.clone(),
                    reason: "only printable ascii without backslash is supported in actions",
                });
            }
        }
        if actions.is_empty() {
            return Ok(AccessReport {
                access: Access::NotGranted,
                queries: 0,
                elapsed: start.elapsed(),
            });
        }
        let resources: Vec<String> = if resources.is_empty() {
            vec!["*".to_string()]
        } else {
            resources.to_vec()
        };
        // allows exactly the requests outside the checked access (no `Version`: the
        // patterns are read literally, `${` included)
        let outside = json!({"Statement": [
            {"Effect": "Allow", "NotAction": actions, "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "NotResource": resources},
        ]});
        let (outcome, queries) = {
            let unknowns = declared(&options.unknowns)?;
            let read = read_side(policies, Side::Policies, &unknowns)?;
            let checked = read_side(std::slice::from_ref(&outside), Side::Old, &BTreeSet::new())?;
            let stmts: Vec<&Stmt> = read.statements.iter().collect();
            let other: Vec<&Stmt> = checked.statements.iter().collect();
            let all: Vec<&Stmt> = stmts.iter().chain(&other).copied().collect();
            let uni = Universe::new(&all);
            let mut stop = read.unmodelled.clone();
            stop.extend(blockers(&all, &uni));
            if stop.is_empty() {
                worker.with_parts(|mut parts| {
                    let spare = action_spare(&all).unwrap_or('~');
                    let mut meter = Meter::new(start, options, &*parts.languages, spare);
                    let mut enc = Encoder::new(parts.ctx, &uni);
                    let found = direction(&mut parts, &mut enc, &mut meter, &stmts, &other)?;
                    Ok::<_, CompareError>((found, meter.queries))
                })?
            } else {
                (Outcome::Unknown(stop), 0)
            }
        };
        let access = match outcome {
            Outcome::Holds => Access::NotGranted,
            Outcome::Witness(w) => Access::Granted(w),
            Outcome::Unknown(reasons) | Outcome::Undetermined(reasons) => Access::Unknown {
                reasons: dedup(reasons),
            },
        };
        Ok(AccessReport {
            access,
            queries,
            elapsed: start.elapsed(),
        })
    }
}

/// This crate's own direct evaluation of one request against `documents` (the re-check of
/// every witness; docs/semantics.md): `Some(true)` allowed, `Some(false)` denied, `None`
/// when the decision depends on a construct that is not modelled. `unknowns` are the
/// declared unknowns' names, their values taken from `witness`.
pub fn evaluate(
    documents: &[Value],
    witness: &Witness,
    unknowns: &[String],
) -> Result<Option<bool>, CompareError> {
    let names = declared(unknowns)?;
    let read = read_side(documents, Side::Policies, &names)?;
    let stmts: Vec<&Stmt> = read.statements.iter().collect();
    let c = eval::Concrete::new(&witness.request, &witness.unknowns);
    Ok(match eval::allowed(&stmts, &c) {
        eval::Tri::Yes => Some(true),
        eval::Tri::No => Some(false),
        eval::Tri::Unknown(_) => None,
    })
}

/// [`Comparer::compare`] with a fresh Z3 worker.
pub fn compare(
    old: &[Value],
    new: &[Value],
    options: &CompareOptions,
) -> Result<Comparison, CompareError> {
    Comparer::new().compare(&mut Z3Worker::new(), old, new, options)
}

/// [`Comparer::check_not_granted`] with a fresh Z3 worker.
pub fn check_not_granted(
    policies: &[Value],
    actions: &[String],
    resources: &[String],
    options: &CompareOptions,
) -> Result<AccessReport, CompareError> {
    Comparer::new().check_not_granted(&mut Z3Worker::new(), policies, actions, resources, options)
}
