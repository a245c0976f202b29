//! Proofs, with Z3, that a refined IAM policy is right.
//!
//! Given an original policy, Access Analyzer's unused-permission findings ([`Unused`]), the
//! action catalog and a refined policy — or several refined documents that together replace
//! the original ([`Prover::verify_documents`]) — the prover proves or refutes:
//!
//! * **Top-level keys** ([`Theorem::TopLevelKey`]): every key outside `Statement`
//!   (`Version`, `Id`, anything else) is equal in the original and in every refined document
//!   (JSON values compared exactly — with serde_json's `arbitrary_precision`, `1e3` is not
//!   `1000` — key order ignored). A refined policy that drops `Version` is refuted: IAM would
//!   read it as `2008-10-17`, where policy variables are literal text.
//! * **Pairing.** Statements pair up in order by everything but `Action` / `NotAction`
//!   (Effect, Sid, Resource, Condition, Principal, any other key; compared as above). Each
//!   refined statement is matched to the next original statement, at or after the current
//!   position, with an equal key (if several originals ahead qualify, the first whose kept
//!   catalog actions equal the refined statement's catalog actions is preferred: that only
//!   picks the pairing, which is then proved). A refined statement without counterpart is a
//!   counterexample ([`Theorem::Unpaired`]). An original Allow statement skipped must keep no
//!   catalog action ([`Theorem::StatementDropped`]); an original Deny statement must not be
//!   skipped ([`Theorem::DenyRemoved`]). A statement whose action language is empty
//!   (`NotAction: "*"`) decides no request: it may be removed or added, and is no
//!   counterexample (every witness is a string the statement matches). With several refined
//!   documents their statements, in order, are the refined policy; with none, the policy is
//!   detached.
//! * **T1, exactness over the catalog** ([`Theorem::Exactness`]): for every paired Allow
//!   statement and every action `x` of the catalog, plus every wildcard-free entry written in
//!   any `Action` / `NotAction` of the original policy:
//!   `refined(x) ⇔ original(x) ∧ ¬unused(x)`.
//! * **T2, containment over all strings** ([`Theorem::Containment`]): every string a
//!   refined Allow statement matches, its original matches (so also actions no catalog
//!   knows yet).
//! * **T3, no unused action over all strings** ([`Theorem::NoUnused`]): no refined Allow
//!   statement matches an unused action (any casing) or any string of a wholly unused
//!   service, unless a keep pattern ([`Unused::keep`]) matches it: the unused set is the
//!   findings minus the keep patterns' language, so a service with a kept action is still
//!   unused in every other string, also those no catalog knows.
//! * **Deny statements unchanged** ([`Theorem::DenyChanged`]): a paired Deny statement
//!   matches exactly the strings its original matches, over all strings.
//! * **Statements left as written** ([`Prover::verify_documents_keeping`], [`Keep`],
//!   [`Theorem::KeptStatementChanged`]): an original statement whose `Sid` matches a kept
//!   pattern must appear JSON-identical exactly once among the refined statements; it is
//!   paired with that copy, held to T2 (a Deny one to being unchanged) but not to T1 or T3.
//!
//! * **Policy-level fallback** ([`Prover::verify_documents_or_whole`], module `whole`):
//!   when a per-statement theorem refutes a refinement (statements reordered, split,
//!   merged or duplicated do not pair), `refined(request) ⇔ original(request) ∧
//!   ¬unused(action)` is proved over whole requests with the comparison prover instead
//!   ([`Report::whole_requests`]); if that is not proved too, the counterexample stands.
//!
//! The verdict is [`Verdict::Proved`], a [`Verdict::Counterexample`] with a concrete
//! witness, or [`Verdict::Unknown`] when a query was not decided (time or resource budget
//! spent, solver gave up). Unknown is never a pass. Statement indices are 0-based.
//!
//! **Comparing policies over whole requests** (actions, resources and conditions; issue
//! 18) is the [`compare`] module: [`compare::Comparer::compare`] gives the relation between
//! an old and a new set of identity-based policies (equivalent, no new access, new allows
//! more, incomparable) with a re-checked witness request for each direction that fails, and
//! [`compare::Comparer::check_not_granted`] proves that no request for some actions on some
//! resources is allowed. Its semantics, encoding and soundness argument are in its module
//! docs; it reuses this crate's action machinery and [`Z3Worker`].
//!
//! # Using it
//!
//! [`verify`] proves one refinement with a fresh [`Z3Worker`]. For many, build one [`Prover`]
//! (the catalog validated and sorted once; `Sync`, share it across threads) and give each
//! thread its own [`Z3Worker`] (reused across policies).
//!
//! # Two decision procedures
//!
//! A [`Z3Worker`] is a portfolio: every question (the languages below, exactly as they would
//! go to Z3) is first decided by automata in Rust (`automata.rs`: Thompson automata of the
//! glob sets, product with on-the-fly subset construction, breadth-first over the written
//! characters and one unwritten one), and only asked of Z3 when the automata give up (more
//! product states than a fixed bound). Z3's context is created on the first question that
//! reaches it. [`Z3Worker::z3_only`] asks Z3 everything; any other [`Solver`] is asked as
//! it is.
//! [`Options`] is the budget of one verification: its `timeout` and `rlimit` are totals over
//! all of its queries, each query getting what is left.
//!
//! # Semantics
//!
//! An action pattern matches a string when, after ASCII lower-casing both, `*` matches any
//! run of characters (also none), `?` exactly one character and every other character
//! itself. A statement with `Action` matches a string if some pattern does, with
//! `NotAction` if none does. This crate reads `Statement`, `Effect`, `Action` and
//! `NotAction` itself ([`serde_json::Value`] in, no code shared with the refiner), and
//! re-checks every counterexample with its own plain glob matcher ([`glob_match`], a
//! textbook dynamic program) on the patterns *as written*. If a witness does not pass that
//! re-check, the result is [`VerifyError::WitnessRejected`], never a pass.
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
//! * **Normalised patterns.** Every maximal run of wildcards that holds a `*` is written as
//!   its `?`s followed by one `*` (`**` is `*`, `*?*?*` is `??*`): the same language (the
//!   run matches exactly the strings of at least as many characters as it has `?`s). Two
//!   spellings of a pattern then compare equal, and no solver searches through a chain of
//!   stars. The glob re-check reads the patterns as written.
//! * **Pattern sets are trie-shaped regexes** ([`regex::TrieBuilder`]): shared prefixes are
//!   factored, chains of literal nodes collapse into one `str.to_re`, and a node where some
//!   pattern ends in `*` stands for "anything" and absorbs its siblings. `*` is Z3's
//!   `re.all`, `?` is `Σ`.
//! * **Symbolic queries** (over all strings) assert one membership `x ∈ Σ* ∩ Q` for a
//!   string constant `x`. Used for T2, the Deny checks (`R ⊆ O` and `O ⊆ R`) and T3 on
//!   wholly unused services. A containment `A ⊆ B` of an `Action` statement `A` is split by
//!   pattern: a pattern `B` also lists (after normalisation) is contained; the
//!   wildcard-free ones are one ground query "`x ∉ B`"; each wildcard pattern `p` is asked
//!   behind its literal prefix `l` (the Brzozowski derivative `l⁻¹(p ∖ B')`,
//!   [`regex::Re::derive_str`]; a witness `y` becomes `l·y`). `B'` is first a **cover hint**:
//!   the few patterns of `B` that match a sample member of `p` (its wildcards filled in),
//!   chosen in Rust. Z3 proving `p ⊆ ∪B'` proves `p ⊆ B` (`B' ⊆ B`). A witness outside
//!   `∪B'` that no pattern of `B` matches (glob) is a counterexample, re-checked as every
//!   other; one that some pattern of `B` matches adds those patterns to `B'`, and Z3 is
//!   asked again; after a few rounds, or when a hint query is undecided, the whole of `B`
//!   (its patterns that can touch `p`'s namespace) is asked. Z3 decides every question;
//!   the hints only choose which.
//! * **Ground queries** (over finitely many names) are Boolean combinations of plain
//!   memberships ([`Ground`]): per name `x`, "statement `S` allows `x`" is `x ∈ S_x` (or
//!   `x ∉ S_x` for `NotAction`), where `S_x` holds only the patterns of `S` that can match
//!   `x` at all: their literal prefix is a prefix of `x` (found through `x`'s own prefixes)
//!   and their other literal segments occur in `x` in order. Memberships string comparison
//!   decides are decided in Rust: `x` is in a wildcard-free pattern iff it is that text, in
//!   a `prefix*` pattern iff it starts with `prefix`. The rest go to Z3 as one disjunction
//!   over names of conjunctions of `"x" ∈ L` / `¬("x" ∈ L)` atoms (string constants, no
//!   variable), each atom first simplified by Z3's own rewriter. A case is left out when a
//!   literal is already false, or when `x ∈ A` is required with `x ∉ B` and every pattern
//!   of `A` is one of `B`; and since `x ∉ B` says `x` is in no pattern of `B`, those
//!   patterns are dropped from `A` (an exact rewrite).
//! * **T1 only where it can fail.** For a paired Allow statement, T3 (`R ∩ U = ∅`) and T2
//!   (`R ⊆ O`) run first and hold over all strings when T1 runs (an undecided one makes the
//!   verdict Unknown whatever T1 finds), so `R = O ∖ U` on the catalog needs only
//!   `O ∖ U ⊆ R` there: the ground query "`x ∈ O ∧ x ∉ R`" over the names `O` can match
//!   (the catalog ranges of its literal prefixes, a binary search each in the sorted
//!   catalog; every name for `NotAction`) that are not unused (exact set membership). A
//!   skipped Allow statement is the same query without `R`.
//! * **Simplification.** Regexes are built by smart constructors (flattening, `∅` and `ε`
//!   units, `A ∩ ¬A = ∅`, merged literals, `Σ*` absorbing unions and vanishing from
//!   intersections, `¬Σ* = ∅`: identities that can differ only on strings outside `Σ`,
//!   which no query contains). A query that is syntactically `∅` after construction,
//!   derivation and simplification is not asked; [`Report::queries`] counts the queries
//!   actually asked (for identical policies, or refinements made only of literal and
//!   `prefix*` patterns, none).
//! * **Pruning that is syntactic and sound.** A pattern whose literal prefix contains `svc:`
//!   can only match strings starting with `svc:`; one without `:` in its literal prefix only
//!   strings in namespaces that start with that prefix. Patterns, namespaces and names that
//!   cannot be matched are left out of a query; that removes only strings the query's
//!   languages cannot contain.
//!
//! # Why a verdict can be trusted
//!
//! *Sat means a real counterexample.* Every query's members are strings over `Σ`: ground
//! candidates are validated inputs over `Σ`, symbolic queries are intersected with `Σ*`. On a
//! lower-case string without backslash, regex membership coincides with case-insensitive
//! glob matching of the normalised pattern, which matches what the written pattern matches.
//! A namespace-restricted language agrees with the full statement on strings of that
//! namespace, and a derivative `w⁻¹L` contains `y` exactly when `L` contains `w·y`. So a
//! witness refutes the theorem; and it is re-checked anyway with the glob matcher against
//! the original and refined statements as written, the findings and the catalog.
//!
//! *Unsat means the theorem holds for all strings*, not only for strings over `Σ`. Let `L`
//! be the characters written literally in any pattern, unused name or unused service
//! (plus `:`). Take any string `s` that violates T2, T3 or a Deny check. Lower-case it
//! (matching is case-insensitive), then replace every character not in `L` by one fixed
//! character `c ∈ Σ ∖ L`: glob matching only ever compares a string's characters with
//! literal pattern characters (all in `L`) or lets wildcards take them, so every pattern
//! matches the new string iff it matched `s`, and the new string still violates the
//! theorem, and is over `Σ`, where the query looked. The prover checks that such a `c`
//! exists (`*` and `?` are never literal, so in practice it always does); if not, the
//! verdict is Unknown. A cover hint proves a containment only by Z3's unsat on a subset
//! of `B`. T1 and the skipped-statement check are over a finite set of names, each of
//! which is a ground candidate unless the rules above (literal prefixes and segments,
//! string comparison, the finding sets) decided it.
//!
//! *The automata decide the same question Z3 would.* Each language is a Boolean
//! combination of simple regexes (literals, `Σ`, `Σ*`, concatenation, union: glob sets and
//! their derivatives); each simple regex's Thompson automaton accepts exactly its language
//! over `Σ`. The search explores every string over `Σ` up to the equivalence "same
//! characters written in some literal at the same positions": a character no literal
//! writes moves every automaton like any other such character (only `Σ`-edges take it),
//! so one representative of them suffices. A product state is dropped only when the
//! combination is settled for every continuation (an automaton with no live state rejects
//! all, one with a live state that loops on `Σ` and reaches acceptance accepts all). So
//! "empty" means no string over `Σ` is a member (what Z3's unsat says of `x ∈ Σ* ∩ L`), and
//! a member is a string over `Σ` in `L` (what Z3's model gives): the argument above holds
//! unchanged, and witnesses are re-checked as always. A ground question is decided by
//! running the same automata on each candidate. The automata's answers are checked against
//! Z3's on random languages (`automata::agreement`), on the hard classes
//! (`tests/classes.rs`, `--ignored`) and on the corpus (`verify_batch`'s `AGREE=1`).
//!
//! *Unknown is never a pass*: an undecided query is remembered; the verdict is Unknown
//! unless some other query produced a (re-checked) counterexample. A spent budget is an
//! undecided query.
//!
//! What is trusted: Z3's answers, the automata (above), this crate's regex construction ([`regex`], including the
//! derivative, cross-checked against the glob matcher and a reference matcher in the tests),
//! the normalisation (tested against the glob matcher) and the syntactic rules above (each
//! a plain string operation, the segment rule tested against the glob matcher).
//!
//! # Z3 version
//!
//! Links the system `libz3` through `z3 = "=0.12.1"` / `z3-sys = "=0.8.1"` (no bundled or
//! static build). z3-sys generates its bindings with bindgen at build time, which loads
//! libclang: on Debian 12 install `libz3-dev libclang1-14 libclang-common-14-dev` (or the
//! larger `libclang-dev`). Only C API functions present in Z3 4.8.12 are used; the tests
//! assert the linked version is at least 4.8.12 ([`z3_version`]). `benches/z3-versions.sh`
//! runs the same binaries on the newest Z3 of the Python wheel.
//!
//! The measurements behind these choices are in `verify/ENCODING.md`.

use std::time::{Duration, Instant};

use serde_json::Value;

mod automata;
mod catalog;
pub mod compare;
mod containment;
mod error;
mod glob;
mod ground;
mod keeping;
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
mod whole;
mod worker;

pub use error::{Document, VerifyError};
pub use glob::glob_match;
pub use keeping::Keep;
pub use report::{Counterexample, Report, Theorem, Verdict};
pub use solver::{
    z3_version, Answer, Case, Ground, Limits, Listed, Literal, Solver, Z3Context, Z3Solver,
};
pub use unused::Unused;
pub use whole::Whole;
pub use worker::Z3Worker;

use catalog::{Catalog, Names};
use question::{Budget, Question};
use theorems::Inputs;
use unused::UnusedSet;

/// The budget of one verification.
///
/// Both limits are totals over every solver query of one call to [`verify`],
/// [`Prover::verify`], [`Prover::verify_documents`] or
/// [`Prover::verify_documents_keeping`], not per query: each query gets only
/// what is left, and when nothing is left the remaining queries are not asked and the
/// verdict is [`Verdict::Unknown`] (unless a counterexample was already found). Work in Rust
/// between queries (parsing, pairing, building languages; polynomial in the input) is not
/// interrupted, but counts against the time.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Wall-clock time for the whole verification, from its start; `None` = no limit.
    pub timeout: Option<Duration>,
    /// Z3 resource units (`rlimit`) for the whole verification, summed over its queries as
    /// Z3's `rlimit count` statistic counts them; `None` = no limit. Deterministic: the same
    /// inputs on the same Z3 version give the same verdict on every machine, however fast or
    /// loaded (with a solver reused across verifications, Z3's caches may make later counts
    /// differ slightly from a fresh solver's).
    pub rlimit: Option<u32>,
}

impl Options {
    fn budget(&self, start: Instant) -> Budget {
        Budget {
            deadline: self.timeout.map(|t| start + t),
            timeout: self.timeout,
            rlimit: self.rlimit.map(u64::from),
        }
    }
}

/// The prover with what stays the same across verifications: the validated, sorted catalog.
/// Build it once per process and share it (`Sync`) across threads; each thread brings its
/// own solver ([`Z3Worker`], one Z3 context per thread, reused across policies).
///
/// ```no_run
/// # fn demo(catalog: &[String], original: &serde_json::Value, refined: &[serde_json::Value],
/// #         unused: &iam_refine_verify::Unused) -> Result<(), iam_refine_verify::VerifyError> {
/// use std::time::Duration;
/// use iam_refine_verify::{Options, Prover, Z3Worker};
/// let prover = Prover::new(catalog)?;
/// let mut z3 = Z3Worker::new(); // per thread
/// let options = Options { timeout: Some(Duration::from_secs(60)), rlimit: None };
/// let report = prover.verify_documents(&mut z3, original, refined, unused, &options)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Prover {
    catalog: Names,
}

impl Prover {
    /// Validates the catalog (`service:Action` names of printable ASCII without backslash)
    /// and prepares it.
    pub fn new(catalog: &[String]) -> Result<Prover, VerifyError> {
        Prover::from_names(catalog.iter().map(String::as_str))
    }

    /// [`Prover::new`] from borrowed names (no `Vec<String>` of the catalog needed). Names
    /// that come sorted and distinct once lower-cased, as a catalog's do, are not sorted
    /// again.
    pub fn from_names<'a>(
        catalog: impl IntoIterator<Item = &'a str>,
    ) -> Result<Prover, VerifyError> {
        Ok(Prover {
            catalog: catalog::prepare(catalog)?,
        })
    }

    /// [`Prover::new`] from names packed back to back in one text, name `i` being
    /// `text[bounds[i]..bounds[i + 1]]` (`bounds` starts at 0 and ends at `text.len()`), as
    /// a catalog that stores its names that way can hand them over: one copy of the text,
    /// validated and checked for order in one pass each. Bounds that do not describe such
    /// a split are [`VerifyError::InvalidInput`].
    pub fn from_packed(text: &str, bounds: &[u32]) -> Result<Prover, VerifyError> {
        Ok(Prover {
            catalog: catalog::prepare_packed(text, bounds)?,
        })
    }

    /// Distinct (case-insensitive) catalog names.
    pub fn catalog_len(&self) -> usize {
        self.catalog.len()
    }

    /// Verify one refined document against `original`, within `options`' budget.
    pub fn verify(
        &self,
        solver: &mut dyn Solver,
        original: &Value,
        refined: &Value,
        unused: &Unused,
        options: &Options,
    ) -> Result<Report, VerifyError> {
        self.run(
            solver,
            original,
            std::slice::from_ref(refined),
            unused,
            &Keep::nothing(),
            options,
            false,
        )
    }

    /// Verify that `refined`, 0 or more documents taken together, is a refinement of
    /// `original`: their statements, in order, are the refined policy (as IAM evaluates all
    /// policies attached to a principal together), and every document's top-level keys
    /// (`Version`, `Id`, ...) must equal the original's. This is the shape of AWS's
    /// `get-finding-recommendation` for a partly used policy (`CREATE_POLICY` documents
    /// replacing the original, which is detached) and of a policy split to fit a quota.
    /// No documents means the policy is detached: every original Allow statement must keep
    /// nothing, and an original Deny statement that denies anything is a counterexample
    /// ([`Theorem::DenyRemoved`]).
    pub fn verify_documents(
        &self,
        solver: &mut dyn Solver,
        original: &Value,
        refined: &[Value],
        unused: &Unused,
        options: &Options,
    ) -> Result<Report, VerifyError> {
        self.verify_documents_keeping(solver, original, refined, unused, &Keep::nothing(), options)
    }

    /// [`Prover::verify_documents`] where the original statements whose `Sid` matches one
    /// of `keep`'s patterns were left as written (`--skip-sid`): each must appear in the
    /// refined documents JSON-identical (as parsed values, key order ignored) exactly once,
    /// or the verdict is a [`Theorem::KeptStatementChanged`] counterexample naming its
    /// `Sid`. Such a statement still counts for containment (a Deny one must be unchanged),
    /// but not for exactness or T3: its actions stay allowed even if unused. A pattern that
    /// matches no `Sid`, or a matched `Sid` on two original statements, is an error.
    pub fn verify_documents_keeping(
        &self,
        solver: &mut dyn Solver,
        original: &Value,
        refined: &[Value],
        unused: &Unused,
        keep: &Keep,
        options: &Options,
    ) -> Result<Report, VerifyError> {
        self.run(
            solver,
            original,
            refined,
            unused,
            keep,
            options,
            refined.len() > 1,
        )
    }

    #[allow(clippy::too_many_arguments)] // the public entry points' arguments, passed on
    fn run(
        &self,
        solver: &mut dyn Solver,
        original_doc: &Value,
        refined: &[Value],
        unused: &Unused,
        keep: &Keep,
        options: &Options,
        several: bool,
    ) -> Result<Report, VerifyError> {
        let start = Instant::now();
        let original = policy::parse_document(original_doc, Document::Original)?;
        let original_values = keeping::statement_values(original_doc);
        let kept = keeping::select(&original_values, keep)?;
        let mut documents = Vec::with_capacity(refined.len());
        for (d, doc) in refined.iter().enumerate() {
            let which = if several {
                Document::RefinedNth(d)
            } else {
                Document::Refined
            };
            documents.push(policy::parse_document(doc, which)?);
        }
        let unused = UnusedSet::new(unused)?;
        let catalog = Catalog::new(&self.catalog, &original.statements);
        let report = |verdict, catalog_actions, queries| Report {
            verdict,
            catalog_actions,
            queries,
            elapsed: start.elapsed(),
            whole_requests: false,
        };
        for (d, doc) in documents.iter().enumerate() {
            let numbered = several.then_some(d);
            if let Some(cx) = theorems::top_level_keys(&original.keys, &doc.keys, numbered) {
                return Ok(report(Verdict::Counterexample(cx), catalog.total(), 0));
            }
        }
        let mut statements = Vec::new();
        let mut refined_at = Vec::new();
        for (d, doc) in documents.into_iter().enumerate() {
            refined_at.extend((0..doc.statements.len()).map(|i| (d, i)));
            statements.extend(doc.statements);
        }
        let spare = verifier::spare_character(&original.statements, &statements, &unused);
        let inputs = Inputs {
            original: original.statements,
            refined: statements,
            refined_at,
            several,
            unused,
            catalog,
            spare,
        };
        let refined_values: Vec<&Value> =
            refined.iter().flat_map(keeping::statement_values).collect();
        let kept = match keeping::pair_kept(&inputs, &kept, &original_values, &refined_values)? {
            Ok(pairs) => pairs,
            Err(cx) => {
                return Ok(report(
                    Verdict::Counterexample(cx),
                    inputs.catalog.total(),
                    0,
                ))
            }
        };
        let mut question = Question::new(solver, options.budget(start));
        let verdict = match verifier::run(&inputs, &mut question, &kept)? {
            Some(cx) => Verdict::Counterexample(cx),
            None => match question.unknown.take() {
                Some(reason) => Verdict::Unknown { reason },
                None if spare.is_none() => Verdict::Unknown {
                    reason: "the patterns use every character of the search alphabet, so the \
                             proof over all strings does not carry over"
                        .to_string(),
                },
                None => Verdict::Proved,
            },
        };
        Ok(report(verdict, inputs.catalog.total(), question.queries))
    }
}

/// Verify `refined` against `original` with a fresh Z3 solver, within `options`' budget
/// (a convenience for one verification; for many, build a [`Prover`] once and reuse a
/// [`Z3Worker`] per thread).
pub fn verify(
    original: &Value,
    refined: &Value,
    unused: &Unused,
    catalog: &[String],
    options: &Options,
) -> Result<Report, VerifyError> {
    let mut solver = Z3Worker::new();
    Prover::new(catalog)?.verify(&mut solver, original, refined, unused, options)
}

/// [`verify`] with another [`Solver`] (a stub in tests, or a Z3 solver reused across
/// calls) and no budget beyond the solver's own limits.
pub fn verify_with(
    solver: &mut dyn Solver,
    original: &Value,
    refined: &Value,
    unused: &Unused,
    catalog: &[String],
) -> Result<Report, VerifyError> {
    Prover::new(catalog)?.verify(solver, original, refined, unused, &Options::default())
}

// One `Prover` is shared by every worker thread.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Prover>();
};
