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
//! # Measurements
//!
//! Release build, Z3 4.8.12 (Debian), on this project's 2-vCPU machine while other builds
//! and benchmarks ran on it (load 2 to 3): read the figures as upper bounds. Reproduce with
//! `cargo run --release -p iam-refine-verify --example measure -- example` (or `policy FILE
//! EVERY`, `sweep DIR EVERY`). "every 3" marks every third catalog action a policy allows
//! as unused and refines with the naive refiner of `tests/common/naive.rs`.
//!
//! | case | verdict | time | queries |
//! | --- | --- | --- | --- |
//! | the lambda + s3 example (12 patterns, 30 findings) | proved | 26–42 ms | 3 ground |
//! | ReadOnlyAccess (2,914 patterns) against itself | proved | 0.23 s | 0 |
//! | ReadOnlyAccess, every 3 (2,301 findings, 4,347 patterns) | proved | 2.2 s | 6 ground |
//! | AWSSupportServiceRolePolicy (4,533 patterns), every 3 | proved | 1.4 s | 7 ground |
//! | AWSConfigServiceRolePolicy (2,342 patterns), every 3 | proved | 0.76 s | 6 ground |
//! | SageMakerStudioAdminIAMDefaultExecutionPolicy (72 statements, infix wildcards, Deny), every 3 | proved | 0.93 s | 87 ground, 182 symbolic |
//! | all 1,567 AWS managed policies against themselves | all proved | 27.8 s in total, max 0.29 s | |
//! | all 1,567, every 3 | all proved | 61 s in total; median 19 ms, p90 40 ms, p99 0.45 s, max 2.0 s | |
//!
//! How the encoding came about (same machine; "cold" = fresh Z3 context):
//!
//! * `*` as `Σ*` (three ranges) instead of `re.all`: the example took 0.9 s, its T2 query
//!   `s3:(GetAccess*|…|List*) ∖ s3:(Get*|List*)` alone about 200 ms; with `re.all`, 6 ms.
//! * T1 as one symbolic query per namespace, `x ∈ C_ns ∩ (R Δ (O ∖ U))` with `C_ns` a trie
//!   of the 81 relevant s3 names: 0.2–0.4 s cold; merely finding *some* member of that trie
//!   took 1.5 s cold, a satisfiable `C ∩ ¬R` 2.3 s. The same 81 names as ground atoms: 60–75
//!   ms cold, 1.8 s for ReadOnlyAccess's 3,841 names, 0.8 s once each group is asked behind
//!   its common prefix.
//! * A fresh Z3 solver per query costs 3–8 ms of set-up on 4.8.12; one incremental solver
//!   with push/pop, about 10 µs for a trivial query.
//! * Long literal prefixes: `trustedadvisor:Describe{AccountA,CheckI,…}* ∖ O` took 150 ms;
//!   without `trustedadvisor:`, 12 ms; without `trustedadvisor:describe`, 3.7 ms.
//! * ReadOnlyAccess every 3, T2 as one union over all namespaces: not finished after 10
//!   minutes; one query per namespace: 50 s; per namespace behind the common prefix: 7 s;
//!   per pattern behind its own literal prefix: 1.7 s (now 2.2 s end to end, no symbolic
//!   query left).
//! * Suffix and infix wildcards under a complement are Z3 4.8.12's weak spot: `glue:*Resource`
//!   or `sagemaker:*Model*` in a grouped query took 36–53 s
//!   (SageMakerStudioAdminIAMDefaultExecutionPolicy every 3: 107 s in total, 142 s in the
//!   sweep; AmazonAugmentedAIFullAccess 60 s, timed out). Per pattern, with patterns the
//!   other side lists skipped: 0.9 s and 33 ms. A refinement that *invents* a new infix
//!   pattern may still be slow; set [`Options::timeout`] and expect [`Verdict::Unknown`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;

mod glob;
mod policy;
pub mod regex;
mod solver;

pub use glob::glob_match;
pub use solver::{z3_version, Answer, Listed, Solver, Z3Context, Z3Solver};

use policy::{Effect, Statement};
use regex::{in_sigma, Re, TrieBuilder};

/// Access Analyzer's unused-permission findings as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unused {
    /// Unused actions, `service:Action`, any casing, possibly unknown to the catalog.
    pub actions: Vec<String>,
    /// Wholly unused service prefixes (`s3`): every `s3:...` string, known or not.
    pub services: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Time limit for each solver query; `None` = no limit.
    pub timeout: Option<Duration>,
    /// Z3's resource limit for each solver query (`rlimit`): deterministic, so a verdict
    /// under it does not depend on the machine's speed or load; `None` = no limit.
    pub rlimit: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub verdict: Verdict,
    /// Distinct (case-insensitive) actions T1 was checked over: the catalog plus the
    /// wildcard-free names written in the original policy that it does not know.
    pub catalog_actions: usize,
    /// Solver queries asked (a query whose language is syntactically empty is not asked).
    pub queries: usize,
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every theorem holds.
    Proved,
    /// A theorem fails; the witness passed the plain glob re-check.
    Counterexample(Counterexample),
    /// No counterexample was found but some query was not decided (timeout, resource
    /// limit, ...). Never a pass.
    Unknown { reason: String },
}

/// What a counterexample refutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Theorem {
    /// T1: over the catalog, a refined Allow statement allows `x` iff its original statement
    /// allows `x` and `x` is not unused.
    Exactness,
    /// T2: a refined Allow statement allows only strings its original statement allows.
    Containment,
    /// T3: a refined Allow statement allows no unused action (any casing, any string in a
    /// wholly unused service).
    NoUnused,
    /// A Deny statement matches a different set of strings than its original.
    DenyChanged,
    /// An original Deny statement has no counterpart in the refined policy.
    DenyRemoved,
    /// An original Allow statement was removed although it still allows a catalog action
    /// that is not unused.
    StatementDropped,
    /// A refined statement has no counterpart (same Effect, Sid, Resource, Condition, ...)
    /// in the original policy.
    Unpaired,
}

impl fmt::Display for Theorem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Theorem::Exactness => "T1 (exactness over the catalog)",
            Theorem::Containment => "T2 (containment)",
            Theorem::NoUnused => "T3 (no unused action)",
            Theorem::DenyChanged => "deny statement changed",
            Theorem::DenyRemoved => "deny statement removed",
            Theorem::StatementDropped => "statement dropped with kept actions",
            Theorem::Unpaired => "statement without counterpart",
        })
    }
}

/// A refutation with a concrete witness. Statement indices are 0-based positions in the
/// `Statement` array (a single-object `Statement` is index 0); messages count from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    pub theorem: Theorem,
    /// The refined statement involved, if any (none for a removed original statement).
    pub refined_statement: Option<usize>,
    /// The original statement involved, if any (none for an unpaired refined statement).
    pub original_statement: Option<usize>,
    /// The witness: an action string (lower-case; matching is case-insensitive). Empty only
    /// for a removed or unpaired statement whose action set is empty.
    pub action: String,
    /// One line, e.g. "refined statement 1 allows `s3:getbucketpolicy`, which is unused".
    pub detail: String,
}

/// Which of the two documents an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    Original,
    Refined,
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Document::Original => "original",
            Document::Refined => "refined",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The document as a whole is not a policy.
    #[error("{document} policy: {message}")]
    Malformed { document: Document, message: String },
    /// A statement is malformed (0-based index).
    #[error("{document} statement {}: {message}", index + 1)]
    Statement {
        document: Document,
        index: usize,
        message: String,
    },
    /// A pattern, finding or catalog entry contains a character outside printable ASCII or a
    /// backslash.
    #[error("{what} `{text}` contains {character:?}: only printable ascii without backslash is supported")]
    UnsupportedCharacter {
        what: String,
        text: String,
        character: char,
    },
    /// An unused-service finding or a catalog entry of the wrong shape.
    #[error("{what} `{text}`: {reason}")]
    InvalidInput {
        what: &'static str,
        text: String,
        reason: &'static str,
    },
    /// The solver's witness did not survive the glob re-check: a bug in the encoding or in
    /// the solver, never a pass.
    #[error("solver witness `{witness}` failed the glob re-check of the claim: {claim}")]
    WitnessRejected { witness: String, claim: String },
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
    let catalog_actions = catalog.total;
    let alphabet_left = alphabet_has_spare(&original, &refined, &unused);
    let mut verifier = Verifier {
        solver,
        queries: 0,
        unknown: None,
        original,
        refined,
        unused,
        catalog,
    };
    let verdict = match verifier.run() {
        Ok(()) => match verifier.unknown.take() {
            Some(reason) => Verdict::Unknown { reason },
            None if !alphabet_left => Verdict::Unknown {
                reason: "the patterns use every character of the search alphabet, so the \
                         proof over all strings does not carry over"
                    .to_string(),
            },
            None => Verdict::Proved,
        },
        Err(Stop::Found(cx)) => Verdict::Counterexample(cx),
        Err(Stop::Error(e)) => return Err(e),
    };
    Ok(Report {
        verdict,
        catalog_actions,
        queries: verifier.queries,
        elapsed: start.elapsed(),
    })
}

/// The reduction from all strings to strings over Σ needs one character of Σ that no pattern
/// or finding uses literally (see the crate docs).
fn alphabet_has_spare(original: &[Statement], refined: &[Statement], unused: &UnusedSet) -> bool {
    let mut used = BTreeSet::new();
    for s in original.iter().chain(refined) {
        for p in &s.patterns {
            used.extend(p.low.chars().filter(|&c| c != '*' && c != '?'));
        }
    }
    for n in &unused.names {
        used.extend(n.chars());
    }
    for s in &unused.services {
        used.extend(s.chars());
        used.insert(':');
    }
    regex::sigma().any(|c| !used.contains(&c))
}

/// The longest common prefix of some strings (empty if there are none).
fn common_prefix<'a>(mut strings: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = strings.next() else {
        return String::new();
    };
    let mut len = first.len();
    for s in strings {
        len = first
            .bytes()
            .zip(s.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    first[..len].to_string()
}

/// The namespace of a lower-cased name: the text before its first `:`.
fn namespace_of(name: &str) -> Option<&str> {
    name.split_once(':').map(|(ns, _)| ns)
}

struct UnusedSet {
    /// Lower-cased, deduplicated.
    names: BTreeSet<String>,
    /// Lower-cased service prefixes, no `:`.
    services: BTreeSet<String>,
}

impl UnusedSet {
    fn new(unused: &Unused) -> Result<UnusedSet, VerifyError> {
        let mut names = BTreeSet::new();
        for a in &unused.actions {
            if let Some(c) = policy::first_unsupported(a) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "unused action".to_string(),
                    text: a.clone(),
                    character: c,
                });
            }
            names.insert(a.to_ascii_lowercase());
        }
        let mut services = BTreeSet::new();
        for s in &unused.services {
            if let Some(c) = policy::first_unsupported(s) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "unused service".to_string(),
                    text: s.clone(),
                    character: c,
                });
            }
            if s.is_empty() || s.contains([':', '*', '?']) {
                return Err(VerifyError::InvalidInput {
                    what: "unused service",
                    text: s.clone(),
                    reason: "a service prefix must be non-empty and contain no `:`, `*` or `?`",
                });
            }
            services.insert(s.to_ascii_lowercase());
        }
        Ok(UnusedSet { names, services })
    }

    /// Reference semantics, for re-checks: plain string comparisons.
    fn contains(&self, action: &str) -> bool {
        let low = action.to_ascii_lowercase();
        self.names.contains(&low) || namespace_of(&low).is_some_and(|ns| self.services.contains(ns))
    }

    /// Namespaces of the findings (names with a `:`, and the services).
    fn namespaces(&self) -> BTreeSet<&str> {
        self.names
            .iter()
            .filter_map(|n| namespace_of(n))
            .chain(self.services.iter().map(String::as_str))
            .collect()
    }

    /// The findings in `scope`; unused names the statements cannot match at all (see
    /// [`could_match`]) are left out.
    fn lang(&self, scope: Scope, statements: &[&Statement]) -> Re {
        let mut trie = TrieBuilder::new();
        for n in &self.names {
            if scope.admits_name(n) && could_match(statements, n) {
                trie.add_literal(n);
            }
        }
        for s in &self.services {
            if scope.admits_namespace(s) {
                trie.add_prefix(&format!("{s}:"));
            }
        }
        trie.build()
    }
}

fn scope_of(namespace: Option<&str>) -> Scope<'_> {
    namespace.map_or(Scope::All, Scope::Namespace)
}

/// Which strings a language is restricted to (see [`lang`]).
#[derive(Clone, Copy)]
enum Scope<'a> {
    All,
    /// Strings starting with `namespace:`.
    Namespace(&'a str),
}

impl Scope<'_> {
    fn admits_name(&self, lower_name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespace(ns) => namespace_of(lower_name) == Some(ns),
        }
    }
    fn admits_namespace(&self, namespace: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespace(ns) => *ns == namespace,
        }
    }
}

/// The language of a statement, restricted to `scope`.
///
/// `Scope::All`: exactly the statement's language (over Σ). `Scope::Namespace(ns)`: a language
/// that agrees with the statement on every string starting with `ns:` (it may contain more
/// strings outside `ns:`, which every caller intersects away): only patterns that can touch
/// `ns` are kept, and a `NotAction` complement is taken inside `ns:Σ*`.
fn lang(stmt: &Statement, scope: Scope) -> Re {
    let patterns = stmt.patterns.iter().filter(|p| match scope {
        Scope::All => true,
        Scope::Namespace(ns) => p.touches(ns),
    });
    let set = regex::glob_set(patterns.map(|p| p.low.as_str()));
    if !stmt.not_action {
        return set;
    }
    let universe = match scope {
        Scope::All => Re::AnyStar,
        Scope::Namespace(ns) => Re::concat(vec![Re::Lit(format!("{ns}:")), Re::AnyStar]),
    };
    Re::diff(universe, set)
}

/// Whether some statement among `statements` can match the lower-cased name `name`, by a
/// sound syntactic over-approximation: a `NotAction` statement can match anything; an
/// `Action` pattern only strings that start with its literal prefix (the text before its
/// first wildcard, the whole pattern if it has none). Leaving out names for which this is
/// false changes no query's answer: the languages involved cannot contain them.
fn could_match(statements: &[&Statement], name: &str) -> bool {
    statements.iter().any(|s| {
        s.not_action
            || s.patterns
                .iter()
                .any(|p| name.starts_with(p.literal_prefix.as_str()))
    })
}

/// `R Δ (O ∖ U)` written with only single complements:
/// `(R ∩ ¬O) ∪ (R ∩ U) ∪ (O ∩ ¬(R ∪ U))`.
fn exactness_delta(r: Re, o: Re, u: Re) -> Re {
    Re::union(vec![
        Re::diff(r.clone(), o.clone()),
        Re::inter(vec![r.clone(), u.clone()]),
        Re::diff(o, Re::union(vec![r, u])),
    ])
}

/// The catalog, lower-cased and grouped by namespace, plus the wildcard-free names written in
/// the original policy.
struct Catalog {
    by_namespace: BTreeMap<String, BTreeSet<String>>,
    /// Literal names from the original policy without a `:` (junk, but still checked).
    no_namespace: BTreeSet<String>,
    total: usize,
}

impl Catalog {
    fn new(catalog: &[String], original: &[Statement]) -> Result<Catalog, VerifyError> {
        let mut by_namespace: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut no_namespace = BTreeSet::new();
        for entry in catalog {
            if let Some(c) = policy::first_unsupported(entry) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "catalog entry".to_string(),
                    text: entry.clone(),
                    character: c,
                });
            }
            let low = entry.to_ascii_lowercase();
            match namespace_of(&low) {
                Some(ns) if !ns.is_empty() => {
                    by_namespace.entry(ns.to_string()).or_default().insert(low);
                }
                _ => {
                    return Err(VerifyError::InvalidInput {
                        what: "catalog entry",
                        text: entry.clone(),
                        reason: "expected `service:Action`",
                    })
                }
            }
        }
        for p in original.iter().flat_map(|s| &s.patterns) {
            if p.wildcard {
                continue;
            }
            match namespace_of(&p.low) {
                Some(ns) => {
                    by_namespace
                        .entry(ns.to_string())
                        .or_default()
                        .insert(p.low.clone());
                }
                None => {
                    no_namespace.insert(p.low.clone());
                }
            }
        }
        let total = by_namespace.values().map(BTreeSet::len).sum::<usize>() + no_namespace.len();
        Ok(Catalog {
            by_namespace,
            no_namespace,
            total,
        })
    }

    fn contains(&self, action: &str) -> bool {
        let low = action.to_ascii_lowercase();
        match namespace_of(&low) {
            Some(ns) => self.by_namespace.get(ns).is_some_and(|s| s.contains(&low)),
            None => self.no_namespace.contains(&low),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &String> {
        self.by_namespace
            .values()
            .flatten()
            .chain(&self.no_namespace)
    }

    /// The catalog namespaces some pattern of `stmt` can touch (all of them for `NotAction`
    /// statements, whose complement reaches everywhere).
    fn touched<'c>(&'c self, stmt: &Statement, into: &mut BTreeSet<&'c str>) {
        for ns in self.by_namespace.keys() {
            if stmt.not_action || stmt.patterns.iter().any(|p| p.touches(ns)) {
                into.insert(ns);
            }
        }
    }
}

enum Stop {
    Found(Counterexample),
    Error(VerifyError),
}

struct Verifier<'s> {
    solver: &'s mut dyn Solver,
    queries: usize,
    /// The first undecided query's reason.
    unknown: Option<String>,
    original: Vec<Statement>,
    refined: Vec<Statement>,
    unused: UnusedSet,
    catalog: Catalog,
}

struct Pairing {
    /// (original, refined)
    pairs: Vec<(usize, usize)>,
    /// Original statements without counterpart.
    skipped: Vec<usize>,
    /// Refined statements without counterpart.
    unpaired: Vec<usize>,
}

impl Verifier<'_> {
    fn run(&mut self) -> Result<(), Stop> {
        let pairing = self.pair();
        for &r in &pairing.unpaired {
            self.check_unpaired(r)?;
        }
        for &(o, r) in &pairing.pairs {
            match self.original[o].effect {
                Effect::Allow => {
                    self.check_no_unused(r)?;
                    self.check_containment(o, r)?;
                    self.check_exactness(o, r)?;
                }
                Effect::Deny => self.check_deny_equal(o, r)?,
            }
        }
        for &o in &pairing.skipped {
            match self.original[o].effect {
                Effect::Allow => self.check_dropped(o)?,
                Effect::Deny => self.check_deny_removed(o)?,
            }
        }
        Ok(())
    }

    /// Walk the refined statements in order; each is matched to the next original statement
    /// (at or after the current position) with an equal key. When several originals ahead
    /// have that key, prefer the first one whose kept catalog actions (plain glob evaluation)
    /// equal the refined statement's catalog actions; this only chooses the pairing, which
    /// is then proved like any other.
    fn pair(&self) -> Pairing {
        let mut pairs = Vec::new();
        let mut skipped = Vec::new();
        let mut unpaired = Vec::new();
        let mut pos = 0;
        for (r, rs) in self.refined.iter().enumerate() {
            let candidates: Vec<usize> = (pos..self.original.len())
                .filter(|&o| self.original[o].key == rs.key)
                .collect();
            let chosen = match candidates.as_slice() {
                [] => None,
                [only] => Some(*only),
                [first, ..] => {
                    let want = self.catalog_set(rs, false);
                    Some(
                        candidates
                            .iter()
                            .copied()
                            .find(|&o| self.catalog_set(&self.original[o], true) == want)
                            .unwrap_or(*first),
                    )
                }
            };
            match chosen {
                Some(o) => {
                    skipped.extend(pos..o);
                    pairs.push((o, r));
                    pos = o + 1;
                }
                None => unpaired.push(r),
            }
        }
        skipped.extend(pos..self.original.len());
        Pairing {
            pairs,
            skipped,
            unpaired,
        }
    }

    /// Catalog actions `stmt` matches (minus unused ones if `kept`), by glob evaluation.
    fn catalog_set(&self, stmt: &Statement, kept: bool) -> BTreeSet<String> {
        self.catalog
            .iter()
            .filter(|x| could_match(&[stmt], x))
            .filter(|x| stmt.matches(x) && !(kept && self.unused.contains(x)))
            .cloned()
            .collect()
    }

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

    /// A member of `language` over all strings (symbolic query). An undecided query is
    /// recorded (the final verdict becomes Unknown unless a counterexample turns up) and
    /// treated as "no witness".
    fn member(&mut self, language: Re) -> Result<Option<String>, Stop> {
        if language == Re::Empty {
            return Ok(None);
        }
        self.queries += 1;
        let answer = self.solver.find_member(&language);
        match self.record(answer) {
            Some(w) if !w.chars().all(in_sigma) => Err(Stop::Error(VerifyError::WitnessRejected {
                claim:
                    "the witness is a string of printable ascii without upper case and backslash"
                        .to_string(),
                witness: w,
            })),
            found => Ok(found),
        }
    }

    /// A candidate that is in its group's language (ground query). Groups without candidates
    /// or with a syntactically empty language are not asked. Each group is asked behind the
    /// longest prefix its candidates share (derivative of the language, candidates with the
    /// prefix cut off), which makes Z3's work per candidate smaller.
    fn listed_member(&mut self, mut groups: Vec<Listed>) -> Result<Option<String>, Stop> {
        groups.retain(|g| !g.candidates.is_empty() && g.language != Re::Empty);
        if groups.is_empty() {
            return Ok(None);
        }
        let prefixes: Vec<String> = groups
            .iter()
            .map(|g| common_prefix(g.candidates.iter().map(String::as_str)))
            .collect();
        let mut asked = Vec::new();
        let mut asked_index = Vec::new(); // asked group -> group
        for (g, (group, prefix)) in groups.iter().zip(&prefixes).enumerate() {
            let language = group.language.derive_str(prefix);
            if language != Re::Empty {
                asked.push(Listed {
                    language,
                    candidates: group
                        .candidates
                        .iter()
                        .map(|c| c[prefix.len()..].to_string())
                        .collect(),
                });
                asked_index.push(g);
            }
        }
        if asked.is_empty() {
            return Ok(None);
        }
        self.queries += 1;
        let answer = self.solver.find_listed(&asked);
        match self.record(answer) {
            None => Ok(None),
            Some((g, i)) => match asked_index
                .get(g)
                .and_then(|&g| groups[g].candidates.get(i))
            {
                Some(name) => Ok(Some(name.clone())),
                None => Err(Stop::Error(VerifyError::WitnessRejected {
                    witness: format!("candidate {i} of group {g}"),
                    claim: "the solver's answer is one of the listed candidates".to_string(),
                })),
            },
        }
    }

    /// Report `cx` if the glob re-check `holds`, else fail loudly.
    fn found(cx: Counterexample, holds: bool) -> Stop {
        if holds {
            Stop::Found(cx)
        } else {
            Stop::Error(VerifyError::WitnessRejected {
                witness: cx.action,
                claim: cx.detail,
            })
        }
    }

    /// T3: `refined[r] ∩ Unused = ∅` over all strings. The unused names are finitely many:
    /// each is tested (ground query) against the statement's language; a wholly unused
    /// service is infinite: one symbolic query `R ∩ svc:*` over all its services.
    fn check_no_unused(&mut self, r: usize) -> Result<(), Stop> {
        let stmt = &self.refined[r];
        let mut by_ns: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
        for n in &self.unused.names {
            if could_match(&[stmt], n) {
                by_ns.entry(namespace_of(n)).or_default().push(n.clone());
            }
        }
        let groups = by_ns
            .into_iter()
            .map(|(ns, candidates)| Listed {
                language: lang(stmt, ns.map_or(Scope::All, Scope::Namespace)),
                candidates,
            })
            .collect();
        let mut witness = self.listed_member(groups)?;
        let services: Vec<String> = self.unused.services.iter().cloned().collect();
        for svc in services {
            if witness.is_some() {
                break;
            }
            let prefix = format!("{svc}:");
            let everything = Re::concat(vec![Re::Lit(prefix.clone()), Re::AnyStar]);
            let query = Re::inter(vec![
                lang(&self.refined[r], Scope::Namespace(&svc)),
                everything,
            ]);
            witness = self.member_behind(query, &prefix)?;
        }
        if let Some(x) = witness {
            let holds = self.refined[r].matches(&x) && self.unused.contains(&x);
            let cx = Counterexample {
                theorem: Theorem::NoUnused,
                refined_statement: Some(r),
                original_statement: None,
                detail: format!("refined statement {} allows `{x}`, which is unused", r + 1),
                action: x,
            };
            return Err(Self::found(cx, holds));
        }
        Ok(())
    }

    /// A member of `language`, all of whose members start with `prefix`: asked as the
    /// derivative by `prefix` (Z3 4.8.12 is many times slower on long literal prefixes), the
    /// answer put back behind `prefix`.
    fn member_behind(&mut self, language: Re, prefix: &str) -> Result<Option<String>, Stop> {
        let found = self.member(language.derive_str(prefix))?;
        Ok(found.map(|rest| format!("{prefix}{rest}")))
    }

    /// A string `a` matches and `b` does not, over all strings, or `None`.
    ///
    /// For an `Action` statement `a`, pattern by pattern:
    /// * a pattern that `b` (an `Action` statement) also lists is contained in `b`: nothing
    ///   to ask;
    /// * the wildcard-free patterns are finitely many strings, tested against `¬b` in one
    ///   ground query;
    /// * each wildcard pattern `p` is one symbolic query `p ∖ b_ns` (only the patterns of
    ///   `b` that can match a string of `p`'s namespace), asked behind `p`'s literal prefix
    ///   `l` (every member of `p` starts with it): the derivative `l⁻¹(p ∖ b_ns)`. When `b`
    ///   has a prefix pattern covering `l`, that derivative contains `re.all` and Z3 needs
    ///   no search at all; asking many patterns at once, or with the common prefix still in
    ///   front, was measured to be much slower on Z3 4.8.12.
    fn find_outside(&mut self, a: &Statement, b: &Statement) -> Result<Option<String>, Stop> {
        if a.not_action {
            return self.member(Re::diff(lang(a, Scope::All), lang(b, Scope::All)));
        }
        let listed_in_b: BTreeSet<&str> = if b.not_action {
            BTreeSet::new()
        } else {
            b.patterns.iter().map(|p| p.low.as_str()).collect()
        };
        let todo: Vec<&policy::Pattern> = a
            .patterns
            .iter()
            .filter(|p| !listed_in_b.contains(p.low.as_str()))
            .collect();
        let mut literals: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
        for p in todo.iter().filter(|p| !p.wildcard) {
            literals
                .entry(p.service.as_deref())
                .or_default()
                .push(p.low.clone());
        }
        let literal_groups = literals
            .into_iter()
            .map(|(ns, candidates)| Listed {
                language: Re::comp(lang(b, scope_of(ns))),
                candidates,
            })
            .collect();
        if let Some(x) = self.listed_member(literal_groups)? {
            return Ok(Some(x));
        }
        for p in todo.iter().filter(|p| p.wildcard) {
            let query = Re::diff(
                regex::glob_set([p.low.as_str()]),
                lang(b, scope_of(p.service.as_deref())),
            );
            if let Some(x) = self.member_behind(query, &p.literal_prefix)? {
                return Ok(Some(x));
            }
        }
        Ok(None)
    }

    /// T2: `refined[r] ⊆ original[o]` over all strings.
    fn check_containment(&mut self, o: usize, r: usize) -> Result<(), Stop> {
        let (os, rs) = (self.original[o].clone(), self.refined[r].clone());
        if let Some(x) = self.find_outside(&rs, &os)? {
            let holds = rs.matches(&x) && !os.matches(&x);
            let cx = Counterexample {
                theorem: Theorem::Containment,
                refined_statement: Some(r),
                original_statement: Some(o),
                detail: format!(
                    "refined statement {} allows `{x}`, which original statement {} does not allow",
                    r + 1,
                    o + 1
                ),
                action: x,
            };
            return Err(Self::found(cx, holds));
        }
        Ok(())
    }

    /// The catalog names of each namespace the statements touch that they could match at
    /// all, grouped with the namespace's `language(scope)`; plus the original policy's
    /// literal names that have no namespace.
    fn catalog_groups(
        &self,
        statements: &[&Statement],
        extra_namespaces: BTreeSet<&str>,
        language: &dyn Fn(Scope) -> Re,
    ) -> Vec<Listed> {
        let mut namespaces = extra_namespaces;
        for s in statements {
            self.catalog.touched(s, &mut namespaces);
        }
        let mut groups = Vec::new();
        for ns in namespaces {
            let Some(names) = self.catalog.by_namespace.get(ns) else {
                continue;
            };
            let candidates: Vec<String> = names
                .iter()
                .filter(|n| could_match(statements, n))
                .cloned()
                .collect();
            if !candidates.is_empty() {
                groups.push(Listed {
                    language: language(Scope::Namespace(ns)),
                    candidates,
                });
            }
        }
        if !self.catalog.no_namespace.is_empty() {
            groups.push(Listed {
                language: language(Scope::All),
                candidates: self.catalog.no_namespace.iter().cloned().collect(),
            });
        }
        groups
    }

    /// T1: over the catalog, `refined[r] = original[o] ∖ Unused`: no catalog name is in
    /// `R Δ (O ∖ U)` (ground query, grouped by namespace).
    fn check_exactness(&mut self, o: usize, r: usize) -> Result<(), Stop> {
        let (os, rs) = (&self.original[o], &self.refined[r]);
        let unused = &self.unused;
        let language = |scope: Scope| {
            exactness_delta(
                lang(rs, scope),
                lang(os, scope),
                unused.lang(scope, &[os, rs]),
            )
        };
        let mut extra = BTreeSet::new();
        if os.not_action != rs.not_action {
            // they differ on untouched namespaces too: check all
            extra.extend(self.catalog.by_namespace.keys().map(String::as_str));
        } else if os.not_action {
            extra.extend(unused.namespaces());
        }
        let groups = self.catalog_groups(&[os, rs], extra, &language);
        if let Some(x) = self.listed_member(groups)? {
            let refined_has = self.refined[r].matches(&x);
            let original_has = self.original[o].matches(&x);
            let is_unused = self.unused.contains(&x);
            let holds = self.catalog.contains(&x) && refined_has != (original_has && !is_unused);
            let detail = if !refined_has {
                format!("refined statement {} does not allow `{x}`, which original statement {} allows and which is not unused", r + 1, o + 1)
            } else if is_unused {
                format!("refined statement {} allows `{x}`, which is unused", r + 1)
            } else {
                format!("refined statement {} allows catalog action `{x}`, which original statement {} does not allow", r + 1, o + 1)
            };
            let cx = Counterexample {
                theorem: Theorem::Exactness,
                refined_statement: Some(r),
                original_statement: Some(o),
                detail,
                action: x,
            };
            return Err(Self::found(cx, holds));
        }
        Ok(())
    }

    /// Deny statements unchanged: `R ∖ O = ∅` and `O ∖ R = ∅` over all strings.
    fn check_deny_equal(&mut self, o: usize, r: usize) -> Result<(), Stop> {
        let (os, rs) = (self.original[o].clone(), self.refined[r].clone());
        let mut witness = self.find_outside(&rs, &os)?;
        if witness.is_none() {
            witness = self.find_outside(&os, &rs)?;
        }
        if let Some(x) = witness {
            let refined_has = rs.matches(&x);
            let holds = refined_has != os.matches(&x);
            let detail = if refined_has {
                format!("refined deny statement {} matches `{x}`, which original deny statement {} does not", r + 1, o + 1)
            } else {
                format!("refined deny statement {} no longer matches `{x}`, which original deny statement {} denies", r + 1, o + 1)
            };
            let cx = Counterexample {
                theorem: Theorem::DenyChanged,
                refined_statement: Some(r),
                original_statement: Some(o),
                detail,
                action: x,
            };
            return Err(Self::found(cx, holds));
        }
        Ok(())
    }

    /// Some string `stmt` matches: first one of its patterns with the wildcards filled in
    /// (checked by a ground query), else a symbolic query.
    fn example_of(&mut self, stmt: &Statement) -> Result<Option<String>, Stop> {
        let language = lang(stmt, Scope::All);
        if !stmt.not_action {
            let candidates: Vec<String> = stmt
                .patterns
                .iter()
                .map(|p| p.low.replace('*', "").replace('?', "a"))
                .collect();
            let found = self.listed_member(vec![Listed {
                language: language.clone(),
                candidates,
            }])?;
            if found.is_some() {
                return Ok(found);
            }
        }
        self.member(language)
    }

    /// An original Deny statement without counterpart.
    fn check_deny_removed(&mut self, o: usize) -> Result<(), Stop> {
        let stmt = self.original[o].clone();
        let witness = self.example_of(&stmt)?;
        // (no witness: the statement matches nothing, still a counterexample)
        let holds = match witness.as_deref() {
            Some(x) => stmt.matches(x),
            None => true,
        };
        let x = witness.unwrap_or_default();
        let cx = Counterexample {
            theorem: Theorem::DenyRemoved,
            refined_statement: None,
            original_statement: Some(o),
            detail: format!(
                "original deny statement {} has no counterpart in the refined policy (it denies `{x}`)", o + 1),
            action: x,
        };
        Err(Self::found(cx, holds))
    }

    /// A refined statement without counterpart.
    fn check_unpaired(&mut self, r: usize) -> Result<(), Stop> {
        let stmt = self.refined[r].clone();
        let witness = self.example_of(&stmt)?;
        // (no witness: the statement matches nothing, still a counterexample)
        let holds = match witness.as_deref() {
            Some(x) => stmt.matches(x),
            None => true,
        };
        let x = witness.unwrap_or_default();
        let effect = match stmt.effect {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        };
        let cx = Counterexample {
            theorem: Theorem::Unpaired,
            refined_statement: Some(r),
            original_statement: None,
            detail: format!(
                "refined {effect} statement {} has no original statement with the same Effect, Sid, Resource, Condition and other keys at or after its position (it matches `{x}`)", r + 1),
            action: x,
        };
        Err(Self::found(cx, holds))
    }

    /// An original Allow statement without counterpart must keep nothing: no catalog name
    /// is in `O ∖ U` (ground query).
    fn check_dropped(&mut self, o: usize) -> Result<(), Stop> {
        let os = &self.original[o];
        let unused = &self.unused;
        let language = |scope: Scope| Re::diff(lang(os, scope), unused.lang(scope, &[os]));
        let groups = self.catalog_groups(&[os], BTreeSet::new(), &language);
        if let Some(x) = self.listed_member(groups)? {
            let holds = self.catalog.contains(&x)
                && self.original[o].matches(&x)
                && !self.unused.contains(&x);
            let cx = Counterexample {
                theorem: Theorem::StatementDropped,
                refined_statement: None,
                original_statement: Some(o),
                detail: format!(
                    "original statement {} has no counterpart in the refined policy but allows `{x}`, which is not unused", o + 1),
                action: x,
            };
            return Err(Self::found(cx, holds));
        }
        Ok(())
    }
}
