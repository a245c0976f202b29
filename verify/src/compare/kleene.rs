//! A clause of the encoding three ways (docs/semantics.md, "Undetermined outcomes"): as one
//! formula in which every undetermined or unmodelled clause is a free Boolean (`any`: what
//! a proof must cover), and as Kleene's two rails, "definitely true" (`yes`) and "definitely
//! false" (`no`), in which such a clause is neither (what a witness must have: a decision
//! that holds however each undetermined clause goes, as the evaluator computes it). The
//! rails hold no free Boolean.

use z3::ast::{Ast, Bool};

#[derive(Clone)]
pub(crate) struct Tv<'c> {
    pub any: Bool<'c>,
    pub yes: Bool<'c>,
    pub no: Bool<'c>,
}

impl<'c> Tv<'c> {
    /// A determined clause.
    pub fn known(b: Bool<'c>) -> Tv<'c> {
        Tv {
            yes: b.clone(),
            no: b.not(),
            any: b,
        }
    }

    /// A clause never decided (not modelled): `free` in the formula, neither rail.
    pub fn unknown(ctx: &'c z3::Context, free: Bool<'c>) -> Tv<'c> {
        let f = Bool::from_bool(ctx, false);
        Tv {
            any: free,
            yes: f.clone(),
            no: f,
        }
    }

    /// `determined` outside `region`, `free` (undecided) inside it.
    pub fn unless(region: &Bool<'c>, free: Bool<'c>, determined: &Tv<'c>) -> Tv<'c> {
        let ctx = region.get_ctx();
        let outside = region.not();
        Tv {
            any: region.ite(&free, &determined.any),
            yes: Bool::and(ctx, &[&outside, &determined.yes]),
            no: Bool::and(ctx, &[&outside, &determined.no]),
        }
    }

    pub fn not(&self) -> Tv<'c> {
        Tv {
            any: self.any.not(),
            yes: self.no.clone(),
            no: self.yes.clone(),
        }
    }

    pub fn and(ctx: &'c z3::Context, parts: &[Tv<'c>]) -> Tv<'c> {
        Tv {
            any: all(ctx, parts.iter().map(|p| &p.any)),
            yes: all(ctx, parts.iter().map(|p| &p.yes)),
            no: some(ctx, parts.iter().map(|p| &p.no)),
        }
    }

    pub fn or(ctx: &'c z3::Context, parts: &[Tv<'c>]) -> Tv<'c> {
        Tv {
            any: some(ctx, parts.iter().map(|p| &p.any)),
            yes: some(ctx, parts.iter().map(|p| &p.yes)),
            no: all(ctx, parts.iter().map(|p| &p.no)),
        }
    }

    /// `if c then a else b` for a determined `c`.
    pub fn ite(c: &Bool<'c>, a: &Tv<'c>, b: &Tv<'c>) -> Tv<'c> {
        Tv {
            any: c.ite(&a.any, &b.any),
            yes: c.ite(&a.yes, &b.yes),
            no: c.ite(&a.no, &b.no),
        }
    }
}

fn all<'a, 'c: 'a>(ctx: &'c z3::Context, parts: impl Iterator<Item = &'a Bool<'c>>) -> Bool<'c> {
    let parts: Vec<&Bool<'c>> = parts.collect();
    match parts.as_slice() {
        [] => Bool::from_bool(ctx, true),
        [one] => (*one).clone(),
        _ => Bool::and(ctx, &parts),
    }
}

fn some<'a, 'c: 'a>(ctx: &'c z3::Context, parts: impl Iterator<Item = &'a Bool<'c>>) -> Bool<'c> {
    let parts: Vec<&Bool<'c>> = parts.collect();
    match parts.as_slice() {
        [] => Bool::from_bool(ctx, false),
        [one] => (*one).clone(),
        _ => Bool::or(ctx, &parts),
    }
}
