//! One function per theorem, each returning its counterexample (re-checked by the glob
//! matcher) or `None`; undecided queries are remembered by the [`Question`].

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::containment::find_outside;
use crate::error::VerifyError;
use crate::policy::{Effect, Statement};
use crate::question::Question;
use crate::regex::Re;
use crate::report::{Counterexample, Theorem};
use crate::scope::{could_match, exactness_delta, lang, namespace_of, Scope};
use crate::solver::Listed;
use crate::unused::UnusedSet;

/// What every theorem is about: both policies' statements, the findings and the catalog.
pub(crate) struct Inputs {
    pub original: Vec<Statement>,
    pub refined: Vec<Statement>,
    pub unused: UnusedSet,
    pub catalog: Catalog,
}

pub(crate) type Outcome = Result<Option<Counterexample>, VerifyError>;

/// The one way a counterexample is made: reported only if the plain glob re-check `holds`
/// for the witness; a witness that fails it is an error (a bug in the encoding or in the
/// solver), never a pass and never a refutation.
fn refuted(
    theorem: Theorem,
    (original_statement, refined_statement): (Option<usize>, Option<usize>),
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
    Ok(Some(Counterexample {
        theorem,
        refined_statement,
        original_statement,
        action,
        detail,
    }))
}

/// T3: `refined[r] ∩ Unused = ∅` over all strings. The unused names are finitely many:
/// each is tested (ground query) against the statement's language; a wholly unused service
/// is infinite: one symbolic query `R ∩ svc:*` per service.
pub(crate) fn no_unused(inp: &Inputs, q: &mut Question<'_>, r: usize) -> Outcome {
    let stmt = &inp.refined[r];
    let mut by_ns: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for n in &inp.unused.names {
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
    let mut witness = q.listed_member(groups)?;
    for svc in &inp.unused.services {
        if witness.is_some() {
            break;
        }
        let prefix = format!("{svc}:");
        let everything = Re::concat(vec![Re::Lit(prefix.clone()), Re::AnyStar]);
        let query = Re::inter(vec![lang(stmt, Scope::Namespace(svc)), everything]);
        witness = q.member_behind(query, &prefix)?;
    }
    let Some(x) = witness else { return Ok(None) };
    let holds = stmt.matches(&x) && inp.unused.contains(&x);
    let detail = format!("refined statement {} allows `{x}`, which is unused", r + 1);
    refuted(Theorem::NoUnused, (None, Some(r)), x, detail, holds)
}

/// T2: `refined[r] ⊆ original[o]` over all strings.
pub(crate) fn containment(inp: &Inputs, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs) = (&inp.original[o], &inp.refined[r]);
    let Some(x) = find_outside(q, rs, os)? else {
        return Ok(None);
    };
    let holds = rs.matches(&x) && !os.matches(&x);
    let detail = format!(
        "refined statement {} allows `{x}`, which original statement {} does not allow",
        r + 1,
        o + 1
    );
    refuted(Theorem::Containment, (Some(o), Some(r)), x, detail, holds)
}

/// The catalog names of each namespace the statements touch that they could match at all,
/// grouped with the namespace's `language(scope)`; plus the original policy's literal names
/// that have no namespace.
fn catalog_groups(
    catalog: &Catalog,
    statements: &[&Statement],
    extra_namespaces: BTreeSet<&str>,
    language: &dyn Fn(Scope) -> Re,
) -> Vec<Listed> {
    let mut namespaces = extra_namespaces;
    for s in statements {
        catalog.touched(s, &mut namespaces);
    }
    let mut groups = Vec::new();
    for ns in namespaces {
        let Some(names) = catalog.by_namespace.get(ns) else {
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
    if !catalog.no_namespace.is_empty() {
        groups.push(Listed {
            language: language(Scope::All),
            candidates: catalog.no_namespace.iter().cloned().collect(),
        });
    }
    groups
}

/// T1: over the catalog, `refined[r] = original[o] ∖ Unused`: no catalog name is in
/// `R Δ (O ∖ U)` (ground query, grouped by namespace).
pub(crate) fn exactness(inp: &Inputs, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs, unused) = (&inp.original[o], &inp.refined[r], &inp.unused);
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
        extra.extend(inp.catalog.by_namespace.keys().map(String::as_str));
    } else if os.not_action {
        extra.extend(unused.namespaces());
    }
    let groups = catalog_groups(&inp.catalog, &[os, rs], extra, &language);
    let Some(x) = q.listed_member(groups)? else {
        return Ok(None);
    };
    let refined_has = rs.matches(&x);
    let original_has = os.matches(&x);
    let is_unused = unused.contains(&x);
    let holds = inp.catalog.contains(&x) && refined_has != (original_has && !is_unused);
    let detail = if !refined_has {
        format!("refined statement {} does not allow `{x}`, which original statement {} allows and which is not unused", r + 1, o + 1)
    } else if is_unused {
        format!("refined statement {} allows `{x}`, which is unused", r + 1)
    } else {
        format!("refined statement {} allows catalog action `{x}`, which original statement {} does not allow", r + 1, o + 1)
    };
    refuted(Theorem::Exactness, (Some(o), Some(r)), x, detail, holds)
}

/// Deny statements unchanged: `R ∖ O = ∅` and `O ∖ R = ∅` over all strings.
pub(crate) fn deny_equal(inp: &Inputs, q: &mut Question<'_>, o: usize, r: usize) -> Outcome {
    let (os, rs) = (&inp.original[o], &inp.refined[r]);
    let mut witness = find_outside(q, rs, os)?;
    if witness.is_none() {
        witness = find_outside(q, os, rs)?;
    }
    let Some(x) = witness else { return Ok(None) };
    let refined_has = rs.matches(&x);
    let holds = refined_has != os.matches(&x);
    let detail = if refined_has {
        format!(
            "refined deny statement {} matches `{x}`, which original deny statement {} does not",
            r + 1,
            o + 1
        )
    } else {
        format!("refined deny statement {} no longer matches `{x}`, which original deny statement {} denies", r + 1, o + 1)
    };
    refuted(Theorem::DenyChanged, (Some(o), Some(r)), x, detail, holds)
}

/// Some string `stmt` matches: first one of its patterns with the wildcards filled in
/// (checked by a ground query), else a symbolic query.
fn example_of(q: &mut Question<'_>, stmt: &Statement) -> Result<Option<String>, VerifyError> {
    let language = lang(stmt, Scope::All);
    if !stmt.not_action {
        let candidates: Vec<String> = stmt
            .patterns
            .iter()
            .map(|p| p.low.replace('*', "").replace('?', "a"))
            .collect();
        let found = q.listed_member(vec![Listed {
            language: language.clone(),
            candidates,
        }])?;
        if found.is_some() {
            return Ok(found);
        }
    }
    q.member(language)
}

/// A statement without counterpart is always a counterexample; the witness is a string it
/// matches (empty when it matches nothing).
fn without_counterpart(
    q: &mut Question<'_>,
    stmt: &Statement,
) -> Result<(String, bool), VerifyError> {
    let witness = example_of(q, stmt)?;
    let holds = witness.as_deref().is_none_or(|x| stmt.matches(x));
    Ok((witness.unwrap_or_default(), holds))
}

/// An original Deny statement without counterpart.
pub(crate) fn deny_removed(inp: &Inputs, q: &mut Question<'_>, o: usize) -> Outcome {
    let (x, holds) = without_counterpart(q, &inp.original[o])?;
    let detail = format!(
        "original deny statement {} has no counterpart in the refined policy (it denies `{x}`)",
        o + 1
    );
    refuted(Theorem::DenyRemoved, (Some(o), None), x, detail, holds)
}

/// A refined statement without counterpart.
pub(crate) fn unpaired(inp: &Inputs, q: &mut Question<'_>, r: usize) -> Outcome {
    let stmt = &inp.refined[r];
    let (x, holds) = without_counterpart(q, stmt)?;
    let effect = match stmt.effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    };
    let detail = format!(
        "refined {effect} statement {} has no original statement with the same Effect, Sid, Resource, Condition and other keys at or after its position (it matches `{x}`)", r + 1);
    refuted(Theorem::Unpaired, (None, Some(r)), x, detail, holds)
}

/// An original Allow statement without counterpart must keep nothing: no catalog name is
/// in `O ∖ U` (ground query).
pub(crate) fn dropped(inp: &Inputs, q: &mut Question<'_>, o: usize) -> Outcome {
    let (os, unused) = (&inp.original[o], &inp.unused);
    let language = |scope: Scope| Re::diff(lang(os, scope), unused.lang(scope, &[os]));
    let groups = catalog_groups(&inp.catalog, &[os], BTreeSet::new(), &language);
    let Some(x) = q.listed_member(groups)? else {
        return Ok(None);
    };
    let holds = inp.catalog.contains(&x) && os.matches(&x) && !unused.contains(&x);
    let detail = format!(
        "original statement {} has no counterpart in the refined policy but allows `{x}`, which is not unused", o + 1);
    refuted(Theorem::StatementDropped, (Some(o), None), x, detail, holds)
}
