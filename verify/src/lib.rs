//! Proofs, with Z3, that a refined IAM policy is right.
//!
//! Given an original policy, Access Analyzer's unused-permission findings ([`Unused`]), the
//! action catalog and a refined policy, [`verify`] proves or refutes:
//!
//! * **Pairing.** Statements pair up in order by everything but `Action` / `NotAction`
//!   (Effect, Sid, Resource, Condition, Principal, any other key; JSON values compared
//!   exactly, key order ignored). Each refined statement is matched to the next original
//!   statement, at or after the current position, with an equal key (if several originals
//!   ahead qualify, the first whose kept catalog actions equal the refined statement's
//!   catalog actions is preferred: that only picks the pairing, which is then proved). A
//!   refined statement without counterpart is a counterexample ([`Theorem::Unpaired`]). An
//!   original Allow statement skipped must keep no catalog action
//!   ([`Theorem::StatementDropped`]); an original Deny statement must not be skipped
//!   ([`Theorem::DenyRemoved`]).
//! * **T1, exactness over the catalog** ([`Theorem::Exactness`]): for every paired Allow
//!   statement and every action `x` of the catalog, plus every wildcard-free entry written in
//!   any `Action` / `NotAction` of the original policy:
//!   `refined(x) ⇔ original(x) ∧ ¬unused(x)`.
//! * **T2, containment over all strings** ([`Theorem::Containment`]): every string a
//!   refined Allow statement matches, its original matches (so also actions no catalog
//!   knows yet).
//! * **T3, no unused action over all strings** ([`Theorem::NoUnused`]): no refined Allow
//!   statement matches an unused action (any casing) or any string of a wholly unused
//!   service.
//! * **Deny statements unchanged** ([`Theorem::DenyChanged`]): a paired Deny statement
//!   matches exactly the strings its original matches, over all strings.
//!
//! The verdict is [`Verdict::Proved`], a [`Verdict::Counterexample`] with a concrete
//! witness, or [`Verdict::Unknown`] when a query was not decided (time limit, resource
//! limit, solver gave up). Unknown is never a pass. Statement indices are 0-based.
//!
//! # Semantics
//!
//! An action pattern matches a string when, after ASCII lower-casing both, `*` matches any
//! run of characters (also none), `?` exactly one character and every other character
//! itself. A statement with `Action` matches a string if some pattern does, with
//! `NotAction` if none does. This crate reads `Statement`, `Effect`, `Action` and
//! `NotAction` itself ([`serde_json::Value`] in, no code shared with the refiner), and
//! re-checks every counterexample with its own plain glob matcher ([`glob_match`], a
//! textbook dynamic program). If Z3's witness does not pass that re-check, the result is
//! [`VerifyError::WitnessRejected`], never a pass.
//!
//! Patterns, findings and catalog entries must be printable ASCII without backslash; other
//! characters are refused ([`VerifyError::UnsupportedCharacter`]): Z3 4.8.12 reads backslash
//! escapes in string literals, mangles non-ASCII bytes and prints some characters
//! ambiguously, and IAM action names never contain such characters.
//!
//! # Encoding
//!
//! Everything is lower-cased first; no case classes. The alphabet `Σ` is printable ASCII
//! without `A-Z` and without `\` (68 characters; three character ranges, since Z3 4.8.12's C
//! API has no `re.allchar`).
//!
//! * **Pattern sets are trie-shaped regexes** ([`regex::TrieBuilder`]): the patterns are
//!   inserted into a trie of characters, `?` and `*`; shared prefixes are factored, chains
//!   of single-child literal nodes are collapsed into one `str.to_re` literal, and a node
//!   where some pattern ends in `*` stands for "anything" and absorbs its siblings. `*` is
//!   Z3's `re.all` (all strings), `?` is `Σ`.
//! * **Symbolic queries** (over all strings) assert one membership `x ∈ Σ* ∩ Q` for a string
//!   constant `x`. `re.all` rather than `Σ*` inside `Q` lets Z3 simplify `¬(s3:get.*)` to
//!   nothing after reading `s3:get`; `Σ*` once at the top keeps witnesses in the alphabet.
//!   Used for T2, for the Deny checks (`R ⊆ O` and `O ⊆ R`), and for T3 on wholly unused
//!   services. A containment `A ⊆ B` of an `Action` statement `A` is split by pattern:
//!   * a pattern `B` also lists is contained in `B` (nothing to ask);
//!   * the wildcard-free patterns are finitely many strings: one ground query against `¬B`;
//!   * each wildcard pattern `p` is one query `p ∖ B_ns`, where `B_ns` keeps only the
//!     patterns of `B` that can match a string of `p`'s namespace, asked *behind `p`'s
//!     literal prefix `l`* (every member of `p` starts with `l`): the query is the
//!     Brzozowski derivative `l⁻¹(p ∖ B_ns)` ([`regex::Re::derive_str`]) and a witness `y`
//!     becomes `l·y`. When some pattern of `B` covers `l` (the usual case: `s3:GetObject*`
//!     refining `s3:Get*`), the derivative of `B` contains `.*` and the query is empty at
//!     once.
//! * **Ground queries** (over finitely many strings): one disjunction of atoms
//!   `"candidate" ∈ L` over string constants, no variable; Z3 decides them by rewriting with
//!   derivatives on concrete characters, and its model tells which atom holds. Each group of
//!   candidates is asked behind its common prefix (candidates cut, language derived). Used
//!   for T1 (candidates: the catalog names of each namespace the statement pair can touch;
//!   language `R Δ (O ∖ U)` restricted to that namespace, written `(R ∖ O) ∪ (R ∩ U) ∪
//!   (O ∖ (R ∪ U))`), for skipped Allow statements (`O ∖ U`), for T3 on unused names and for
//!   wildcard-free patterns in containments.
//! * **Simplification.** Regexes are built by smart constructors (flattening, `∅` and `ε`
//!   units, `A ∩ ¬A = ∅`, merged literals). A query that is syntactically `∅` after
//!   construction, derivation and simplification is discharged without asking Z3 (for
//!   identical policies, nothing is asked at all); [`Report::queries`] counts the queries
//!   actually asked.
//! * **Pruning that is syntactic and sound.** A pattern whose literal prefix (text before
//!   the first wildcard) contains `svc:` can only match strings starting with `svc:`; one
//!   without `:` in its literal prefix can only match strings in namespaces that start with
//!   that prefix; an `Action` statement can only match strings starting with one of its
//!   patterns' literal prefixes. Namespaces, catalog names and unused names that no
//!   statement involved can match are left out of a query; that removes only strings the
//!   query's languages cannot contain. `NotAction` statements are never pruned this way.
//!
//! # Why a verdict can be trusted
//!
//! *Sat means a real counterexample.* Every query's members are strings over `Σ`: ground
//! candidates are validated inputs over `Σ`, symbolic queries are intersected with `Σ*`. On a
//! lower-case string without backslash, regex membership coincides with case-insensitive
//! glob matching: literals are lower-case, `re.all` and `Σ` accept every character of the
//! string. A namespace-restricted language agrees with the full statement on strings of that
//! namespace, and a derivative `w⁻¹L` contains `y` exactly when `L` contains `w·y`. So a
//! witness refutes the theorem; and it is re-checked anyway with the glob matcher against
//! the original and refined statements, the findings and the catalog.
//!
//! *Unsat means the theorem holds for all strings*, not only for strings over `Σ`. Let `L`
//! be the characters written literally in any pattern, unused name or unused service
//! (plus `:`). Take any string `s` that violates T2, T3 or a Deny check. Lower-case it
//! (matching is case-insensitive), then replace every character not in `L` by one fixed
//! character `c ∈ Σ ∖ L`: glob matching only ever compares a string's characters with
//! literal pattern characters (all in `L`) or lets wildcards take them, so every pattern
//! matches the new string iff it matched `s`, and the new string still violates the
//! theorem, and is over `Σ`, where the query looked. [`verify`] checks that such a `c`
//! exists (`*` and `?` are never literal, so in practice it always does); if not, the
//! verdict is Unknown. T1 and the skipped-statement check are over a finite set of names,
//! every one of which is a ground candidate unless the pruning above showed that no
//! statement involved can match it.
//!
//! *Unknown is never a pass*: an undecided query is remembered; the verdict is Unknown
//! unless some other query produced a (re-checked) counterexample.
//!
//! What is trusted: Z3's answers, this crate's regex construction ([`regex`], including the
//! derivative, cross-checked against the glob matcher and a reference matcher in the tests)
//! and the sound pruning rules above.
//!
//! # Z3 version
//!
//! Links the system `libz3` through `z3 = "=0.12.1"` / `z3-sys = "=0.8.1"` (no bundled or
//! static build). z3-sys generates its bindings with bindgen at build time, which loads
//! libclang: on Debian 12 install `libz3-dev libclang1-14 libclang-common-14-dev` (or the
//! larger `libclang-dev`). Only C API functions present in Z3 4.8.12 are used; the tests
//! assert the linked version is at least 4.8.12 ([`z3_version`]).
//!
//!
//! The measurements behind these choices are in `verify/ENCODING.md`.

use std::time::{Duration, Instant};

use serde_json::Value;

mod catalog;
mod containment;
mod error;
mod glob;
mod pairing;
mod policy;
mod question;
pub mod regex;
mod report;
mod scope;
mod solver;
mod theorems;
mod unused;
mod verifier;

pub use error::{Document, VerifyError};
pub use glob::glob_match;
pub use report::{Counterexample, Report, Theorem, Verdict};
pub use solver::{z3_version, Answer, Listed, Solver, Z3Context, Z3Solver};
pub use unused::Unused;

use catalog::Catalog;
use question::Question;
use theorems::Inputs;
use unused::UnusedSet;

/// Limits on the solver.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Time limit for each solver query; `None` = no limit.
    pub timeout: Option<Duration>,
    /// Z3's resource limit for each solver query (`rlimit`): deterministic, so a verdict
    /// under it does not depend on the machine's speed or load; `None` = no limit.
    pub rlimit: Option<u32>,
}

/// Verify `refined` against `original` with Z3.
pub fn verify(
    original: &Value,
    refined: &Value,
    unused: &Unused,
    catalog: &[String],
    options: &Options,
) -> Result<Report, VerifyError> {
    let ctx = Z3Context::new();
    let mut solver = Z3Solver::new(&ctx, options.timeout, options.rlimit);
    verify_with(&mut solver, original, refined, unused, catalog)
}

/// [`verify`] with another [`Solver`] (a stub in tests, or a Z3 solver reused across calls).
pub fn verify_with(
    solver: &mut dyn Solver,
    original: &Value,
    refined: &Value,
    unused: &Unused,
    catalog: &[String],
) -> Result<Report, VerifyError> {
    let start = Instant::now();
    let original = policy::parse(original, Document::Original)?;
    let refined = policy::parse(refined, Document::Refined)?;
    let unused = UnusedSet::new(unused)?;
    let catalog = Catalog::new(catalog, &original)?;
    let inputs = Inputs {
        original,
        refined,
        unused,
        catalog,
    };
    let alphabet_left =
        verifier::alphabet_has_spare(&inputs.original, &inputs.refined, &inputs.unused);
    let mut question = Question::new(solver);
    let verdict = match verifier::run(&inputs, &mut question)? {
        Some(cx) => Verdict::Counterexample(cx),
        None => match question.unknown.take() {
            Some(reason) => Verdict::Unknown { reason },
            None if !alphabet_left => Verdict::Unknown {
                reason: "the patterns use every character of the search alphabet, so the \
                         proof over all strings does not carry over"
                    .to_string(),
            },
            None => Verdict::Proved,
        },
    };
    Ok(Report {
        verdict,
        catalog_actions: inputs.catalog.total,
        queries: question.queries,
        elapsed: start.elapsed(),
    })
}
