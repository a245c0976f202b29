//! One function per theorem, each returning its counterexample (re-checked by the glob
//! matcher) or `None`; undecided queries are remembered by the [`Question`].

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::catalog::Catalog;
use crate::containment::find_outside;
use crate::error::VerifyError;
use crate::ground::GroundBuilder;
use crate::policy::{Effect, Statement};
use crate::question::Question;
use crate::regex::Re;
use crate::report::{Counterexample, Theorem};
use crate::scope::{lang, Scope};
use crate::unused::UnusedSet;

/// What every theorem is about: both policies' statements, the findings and the catalog.
pub(crate) struct Inputs<'c> {
    pub original: Vec<Statement>,
    /// The statements of every refined document, in order.
    pub refined: Vec<Statement>,
    /// For each refined statement: its document and its index there.
    pub refined_at: Vec<(usize, usize)>,
    /// More than one refined document: messages name the document.
    pub several: bool,
    pub unused: UnusedSet,
    pub catalog: Catalog<'c>,
    /// A character of Σ that no pattern or finding writes, if there is one (crate docs).
    pub spare: Option<char>,
}

impl Inputs<'_> {
    /// "refined statement 2", or with several documents "refined document 2, statement 1";
    /// `kind` ("deny ", "allow " or "") goes before "statement".
    pub(crate) fn refined_name(&self, r: usize, kind: &str) -> String {
        let (d, i) = self.refined_at.get(r).copied().unwrap_or((0, r));
        if self.several {
            format!("refined document {}, {kind}statement {}", d + 1, i + 1)
        } else {
            format!("refined {kind}statement {}", i + 1)
        }
    }

    fn spare(&self) -> char {
        // without a spare character the verdict is Unknown anyway; any character will do
        // for choosing hints
        self.spare.unwrap_or('~')
    }
}

pub(crate) type Outcome = Result<Option<Counterexample>, VerifyError>;

/// The one way a counterexample is made: reported only if the plain glob re-check `holds`
/// for the witness; a witness that fails it is an error (a bug in the encoding or in the
/// solver), never a pass and never a refutation.
fn refuted(
    inp: &Inputs<'_>,
    theorem: Theorem,
    (original_statement, refined): (Option<usize>, Option<usize>),
    action: String,
    detail: String,
    holds: bool,
) -> Outcome {
    if !holds {
        return Err(VerifyError::WitnessRejected {
            witness: action,
            claim: detail,
        });
    }
    let at = refined.and_then(|r| inp.refined_at.get(r).copied());
    Ok(Some(Counterexample {
        theorem,
        refined_statement: at.map(|(_, i)| i),
        refined_document: at.map(|(d, _)| d),
        original_statement,
        key: None,
        sid: None,
        action,
        detail,
    }))
}

/// Top-level keys: every key but `Statement` equal in the original and refined document
/// `document` (JSON values compared exactly, key order ignored).
pub(crate) fn top_level_keys(
    original: &Map<String, Value>,
    refined: &Map<String, Value>,
    document: Option<usize>,
) -> Option<Counterexample> {
    let doc = document.map_or("the refined document".to_string(), |d| {
        format!("refined document {}", d + 1)
    });
    let mismatch = original
        .iter()
        .find_map(|(k, v)| match refined.get(k) {
            None => Some((
                k,
                format!("{doc} drops `{k}` (the original has `{k}`: {v})"),
            )),
            Some(w) if w != v => Some((k, format!("{doc} changes `{k}` from {v} to {w}"))),
            Some(_) => None,
        })
        .or_else(|| {
            refined
                .iter()
                .find(|(k, _)| !original.contains_key(k.as_str()))
                .map(|(k, w)| {
                    (
                        k,
                        format!("{doc} adds `{k}`: {w}, which the original does not have"),
                    )
                })
        })?;
    Some(Counterexample {
        theorem: Theorem::TopLevelKey,
        refined_statement: None,
        refined_document: Some(document.unwrap_or(0)),
        original_statement: None,
        key: Some(mismatch.0.clone()),
        sid: None,
        action: String::new(),
        detail: mismatch.1,
    })
}

/// T3: `refined[r] ∩ Unused = ∅` over all strings, where `Unused` is the findings minus
/// the keep patterns `K`. The unused names are finitely many: one ground query
/// "`x ∈ R ∧ x ∉ K`" over them; a wholly unused service is infinite: one symbolic query
/// `R ∩ svc:* ∖ K` per service (a language difference, so also the strings no catalog
/// knows that no keep pattern matches).
pub(crate) fn no_unused(inp: &Inputs<'_>, q: &mut Question<'_>, r: usize) -> Outcome {
    let stmt = &inp.refined[r];
    let keep = &inp.unused.keep;
    let mut ground = GroundBuilder::new();
    for n in &inp.unused.names {
        ground.add(n, &[(stmt, true), (keep, false)]);
    }
    let mut witness = q.case(&ground.build())?;
    for svc in &inp.unused.services {
        if witness.is_some() {
            break;
        }
        let prefix = format!("{svc}:");
        let everything = Re::concat(vec![Re::Lit(prefix.clone()), Re::AnyStar]);
        let query = Re::diff(
            Re::inter(vec![lang(stmt, Scope::Namespace(svc)), everything]),
            lang(keep, Scope::Namespace(svc)),
        );
        witness = q.member_behind(&query, &prefix)?;
    }
    let Some(x) = witness else { return Ok(None) };
    let holds = stmt.matches(&x) && inp.unused.contains(&x);
    let detail = format!("{} allows `{x}`, which is unused", inp.refined_name(r, ""));
    refuted(inp, Theorem::NoUnused, (None, Some(r)), x, detail, holds)
}

/// T2: `refined[r] ⊆ original[o]` over all strings.
pub(crate) fn containment(inp: &Inputs<'_>, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs) = (&inp.original[o], &inp.refined[r]);
    let Some(x) = find_outside(q, rs, os, inp.spare())? else {
        return Ok(None);
    };
    let holds = rs.matches(&x) && !os.matches(&x);
    let detail = format!(
        "{} allows `{x}`, which original statement {} does not allow",
        inp.refined_name(r, ""),
        o + 1
    );
    refuted(
        inp,
        Theorem::Containment,
        (Some(o), Some(r)),
        x,
        detail,
        holds,
    )
}

/// The names (catalog and the original's literal names) `stmt` can match at all, minus
/// unused ones: for an `Action` statement the union of the ranges of names that start
/// with one of its literal prefixes; for `NotAction`, every name.
fn kept_candidates<'a>(inp: &'a Inputs<'_>, stmt: &Statement) -> Vec<&'a str> {
    let mut out: Vec<&str> = if stmt.not_action {
        inp.catalog.iter().collect()
    } else {
        let prefixes: BTreeSet<&str> = stmt
            .patterns
            .iter()
            .map(|p| p.literal_prefix.as_str())
            .collect();
        let mut out = Vec::new();
        // In order, a prefix that extends the last one taken names a part of its range.
        let mut taken: Option<&str> = None;
        for prefix in prefixes {
            if taken.is_some_and(|t| prefix.starts_with(t)) {
                continue;
            }
            out.extend(inp.catalog.with_prefix(prefix));
            taken = Some(prefix);
        }
        out
    };
    // Sorted and distinct, as a `BTreeSet` would give them (the order the ground question
    // tries them in), for a fraction of its cost.
    out.sort_unstable();
    out.dedup();
    out.retain(|x| !inp.unused.contains(x));
    out
}

/// T1, exactness over the catalog, where it can still fail. T2 (`R ⊆ O`) and T3
/// (`R ∩ U = ∅`) hold over all strings when this runs (they ran first; an undecided one
/// makes the verdict Unknown whatever this finds), so `R = O ∖ U` on the catalog needs only
/// `O ∖ U ⊆ R` there: a ground query "`x ∈ O ∧ x ∉ R`" over the names `O` can match that
/// are not unused.
pub(crate) fn exactness(inp: &Inputs<'_>, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs) = (&inp.original[o], &inp.refined[r]);
    let mut ground = GroundBuilder::new();
    for x in kept_candidates(inp, os) {
        ground.add(x, &[(os, true), (rs, false)]);
    }
    let Some(x) = q.case(&ground.build())? else {
        return Ok(None);
    };
    let holds =
        inp.catalog.contains(&x) && os.matches(&x) && !inp.unused.contains(&x) && !rs.matches(&x);
    let detail = format!(
        "{} does not allow `{x}`, which original statement {} allows and which is not unused",
        inp.refined_name(r, ""),
        o + 1
    );
    refuted(
        inp,
        Theorem::Exactness,
        (Some(o), Some(r)),
        x,
        detail,
        holds,
    )
}

/// Deny statements unchanged: `R ∖ O = ∅` and `O ∖ R = ∅` over all strings.
pub(crate) fn deny_equal(inp: &Inputs<'_>, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs) = (&inp.original[o], &inp.refined[r]);
    let mut witness = find_outside(q, rs, os, inp.spare())?;
    if witness.is_none() {
        witness = find_outside(q, os, rs, inp.spare())?;
    }
    let Some(x) = witness else { return Ok(None) };
    let refined_has = rs.matches(&x);
    let holds = refined_has != os.matches(&x);
    let name = inp.refined_name(r, "deny ");
    let detail = if refined_has {
        format!(
            "{name} matches `{x}`, which original deny statement {} does not",
            o + 1
        )
    } else {
        format!(
            "{name} no longer matches `{x}`, which original deny statement {} denies",
            o + 1
        )
    };
    refuted(
        inp,
        Theorem::DenyChanged,
        (Some(o), Some(r)),
        x,
        detail,
        holds,
    )
}

/// Some string `stmt` matches: one of its patterns with the wildcards filled in (checked
/// by a ground query), else a symbolic query.
fn example_of(q: &mut Question<'_>, stmt: &Statement) -> Result<Option<String>, VerifyError> {
    if !stmt.not_action {
        let mut ground = GroundBuilder::new();
        let filled: BTreeSet<String> = stmt
            .patterns
            .iter()
            .map(|p| p.low.replace('*', "").replace('?', "a"))
            .collect();
        for x in &filled {
            ground.add(x, &[(stmt, true)]);
        }
        if let Some(x) = q.case(&ground.build())? {
            return Ok(Some(x));
        }
    }
    q.member(&lang(stmt, Scope::All))
}

/// A statement without counterpart is a counterexample when it matches some string: the
/// witness is one it matches, re-checked. A statement whose language is empty (`NotAction:
/// "*"`) decides no request, so removing or adding it changes nothing: no counterexample.
/// "Empty" is Z3's answer over all strings (an undecided query makes the verdict Unknown).
fn without_counterpart(
    q: &mut Question<'_>,
    stmt: &Statement,
) -> Result<Option<(String, bool)>, VerifyError> {
    let witness = example_of(q, stmt)?;
    Ok(witness.map(|x| {
        let holds = stmt.matches(&x);
        (x, holds)
    }))
}

/// An original Deny statement without counterpart that denies something.
pub(crate) fn deny_removed(inp: &Inputs<'_>, q: &mut Question<'_>, o: usize) -> Outcome {
    let Some((x, holds)) = without_counterpart(q, &inp.original[o])? else {
        return Ok(None);
    };
    let detail = format!(
        "original deny statement {} has no counterpart in the refined policy (it denies `{x}`)",
        o + 1
    );
    refuted(inp, Theorem::DenyRemoved, (Some(o), None), x, detail, holds)
}

/// A refined statement without counterpart that matches something.
pub(crate) fn unpaired(inp: &Inputs<'_>, q: &mut Question<'_>, r: usize) -> Outcome {
    let stmt = &inp.refined[r];
    let Some((x, holds)) = without_counterpart(q, stmt)? else {
        return Ok(None);
    };
    let kind = match stmt.effect {
        Effect::Allow => "allow ",
        Effect::Deny => "deny ",
    };
    let detail = format!(
        "{} has no original statement with the same Effect, Sid, Resource, Condition and other keys at or after its position (it matches `{x}`)",
        inp.refined_name(r, kind)
    );
    refuted(inp, Theorem::Unpaired, (None, Some(r)), x, detail, holds)
}

/// An original Allow statement without counterpart must keep nothing: no name it can
/// match, not unused, is allowed by it (ground query "`x ∈ O`").
pub(crate) fn dropped(inp: &Inputs<'_>, q: &mut Question<'_>, o: usize) -> Outcome {
    let os = &inp.original[o];
    let mut ground = GroundBuilder::new();
    for x in kept_candidates(inp, os) {
        ground.add(x, &[(os, true)]);
    }
    let Some(x) = q.case(&ground.build())? else {
        return Ok(None);
    };
    let holds = inp.catalog.contains(&x) && os.matches(&x) && !inp.unused.contains(&x);
    let detail = format!(
        "original statement {} has no counterpart in the refined policy but allows `{x}`, which is not unused", o + 1);
    refuted(
        inp,
        Theorem::StatementDropped,
        (Some(o), None),
        x,
        detail,
        holds,
    )
}
