//! Deciding the string atoms as a model sets them (see the module docs of [`super`]):
//! groups of connected strings, each solved exactly, or refuted with a minimal clause, or
//! (with patterns around variables) searched over candidate values.

use std::collections::{BTreeMap, HashMap};

use z3::ast::Bool;

use super::{Atoms, Language, Member, Pattern, Shape};
use crate::compare::patterns;
use crate::compare::rx::Tok;
use crate::compare::strings::{self, Many, Solved, System};
use crate::compare::text::Piece;
use crate::compare::universe::Alphabet;

/// What [`decide`] concluded for one model.
pub(crate) enum Decision<'c> {
    /// Strings for every variable the atoms mention, making each atom hold as set.
    Chosen(BTreeMap<String, String>),
    /// Some atoms cannot hold together as set: clauses that say so, true of every request.
    Learned(Vec<Bool<'c>>),
    /// Not decided: why, and a clause excluding this choice of atoms (not a fact: the
    /// search that adds it can no longer conclude "no request").
    Undecided { reason: String, block: Bool<'c> },
}

/// A literal of the model: which atom and the value Z3 gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Lit {
    Member(usize, bool),
    Equal(usize, bool),
    Pattern(usize, bool),
}

/// A constraint on named strings, for [`strings::solve`].
enum Con {
    In(String, Language, bool),
    Eq(String, String, bool),
}

/// States explored per search before giving up.
const STATES: usize = 200_000;
/// Candidate values tried per variable of a pattern, and combinations in all.
const CANDIDATES: usize = 3;
const COMBINATIONS: usize = 64;

fn solve(cons: &[Con], other: char) -> (Solved, BTreeMap<String, usize>) {
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for c in cons {
        let vars: Vec<&String> = match c {
            Con::In(v, _, _) => vec![v],
            Con::Eq(a, b, _) => vec![a, b],
        };
        for v in vars {
            let n = names.len();
            names.entry(v.clone()).or_insert(n);
        }
    }
    let mut system = System {
        vars: vec![(Vec::new(), Vec::new()); names.len()],
        eqs: Vec::new(),
    };
    for c in cons {
        match c {
            Con::In(v, l, member) => {
                let slot = &mut system.vars[names[v]];
                if *member {
                    slot.0.push(l.as_slice());
                } else {
                    slot.1.push(l.as_slice());
                }
            }
            Con::Eq(a, b, equal) => system.eqs.push((names[a], names[b], *equal)),
        }
    }
    (strings::solve(&system, other, STATES), names)
}

struct Ctx<'a, 'c> {
    ctx: &'c z3::Context,
    atoms: &'a Atoms<'c>,
    model: &'a z3::Model<'c>,
    alphabet: &'a Alphabet,
    other: char,
}

impl<'c> Ctx<'_, 'c> {
    fn truth(&self, b: &Bool<'c>) -> bool {
        self.model.eval(b, true).and_then(|b| b.as_bool()) == Some(true)
    }

    fn holds(&self, lit: Lit) -> Bool<'c> {
        let (b, v) = match lit {
            Lit::Member(i, v) => (&self.atoms.members[i].holds, v),
            Lit::Equal(i, v) => (&self.atoms.equals[i].holds, v),
            Lit::Pattern(i, v) => (&self.atoms.patterns[i].holds, v),
        };
        if v {
            b.clone()
        } else {
            b.not()
        }
    }

    /// The values of a pattern that are fixed by the model (an absent variable's
    /// default), and the strings it depends on (present variables, unknowns); `None`
    /// when an absent variable has no default (the pattern has no value: Z3's formula
    /// does not depend on the atom then).
    fn pattern_values(&self, p: &Pattern<'c>) -> Option<(BTreeMap<usize, String>, Vec<String>)> {
        let mut fixed = BTreeMap::new();
        let mut open = Vec::new();
        for (&i, v) in &p.values {
            let present = v.present.as_ref().is_none_or(|b| self.truth(b));
            if present {
                open.push(v.var.clone());
            } else {
                fixed.insert(i, v.default.clone()?);
            }
        }
        Some((fixed, open))
    }

    fn pattern_tokens(&self, p: &Pattern<'c>, value: &dyn Fn(usize) -> Option<String>) -> Vec<Tok> {
        // a value by what the piece is (equal pieces are the same variable or unknown)
        let index_of = |piece: &Piece| p.pieces.iter().position(|q| q == piece);
        let value = |piece: &Piece| index_of(piece).and_then(value);
        match &p.shape {
            Shape::Text(mode) => patterns::tokens(&p.pieces, *mode, self.alphabet, &value),
            Shape::Components => patterns::components(&p.pieces, self.alphabet, &value),
            Shape::Arn(head) => patterns::arn(head, &p.pieces, self.alphabet, &value),
        }
    }

    /// The constraints of `lits`: patterns substituted with `values` (by variable), or
    /// when `values` is `None` over-approximated (positive ones by "a variable is any
    /// string", negative ones left out).
    fn constraints(
        &self,
        lits: &[Lit],
        values: Option<&BTreeMap<String, String>>,
    ) -> Vec<(Lit, Con)> {
        let mut out = Vec::new();
        for &lit in lits {
            match lit {
                Lit::Member(i, v) => {
                    let m = &self.atoms.members[i];
                    out.push((lit, Con::In(m.var.clone(), m.language.clone(), v)));
                }
                Lit::Equal(i, v) => {
                    let e = &self.atoms.equals[i];
                    out.push((lit, Con::Eq(e.a.clone(), e.b.clone(), v)));
                }
                Lit::Pattern(i, v) => {
                    let p = &self.atoms.patterns[i];
                    let Some((fixed, _)) = self.pattern_values(p) else {
                        continue;
                    };
                    if values.is_none() && !v {
                        continue;
                    }
                    let value = |at: usize| -> Option<String> {
                        if let Some(f) = fixed.get(&at) {
                            return Some(f.clone());
                        }
                        let var = &p.values.get(&at)?.var;
                        values?.get(var).cloned()
                    };
                    let toks = self.pattern_tokens(p, &value);
                    out.push((lit, Con::In(p.subject.clone(), vec![toks], v)));
                }
            }
        }
        out
    }

    fn empty(&self, lits: &[Lit], values: Option<&BTreeMap<String, String>>) -> bool {
        let cons: Vec<Con> = self
            .constraints(lits, values)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        matches!(solve(&cons, self.other).0, Solved::Empty)
    }

    /// A minimal subset of `lits` that is still empty (deletion, one literal at a time).
    fn core(&self, lits: &[Lit], values: Option<&BTreeMap<String, String>>) -> Vec<Lit> {
        let mut core = lits.to_vec();
        let mut k = 0;
        while k < core.len() {
            let mut fewer = core.clone();
            fewer.remove(k);
            if self.empty(&fewer, values) {
                core = fewer;
            } else {
                k += 1;
            }
        }
        core
    }

    /// The negation of `core`. A pattern whose variables have defaults was read with the
    /// model's presence of those variables (an absent one's default in place): the clause
    /// holds only under that presence, so it says so.
    fn clause(&self, core: &[Lit]) -> Bool<'c> {
        let mut negated: Vec<Bool<'c>> = core.iter().map(|&l| self.holds(l).not()).collect();
        for l in core {
            if let Lit::Pattern(i, _) = l {
                for v in self.atoms.patterns[*i].values.values() {
                    if let (Some(present), Some(_)) = (&v.present, &v.default) {
                        negated.push(if self.truth(present) {
                            present.not()
                        } else {
                            present.clone()
                        });
                    }
                }
            }
        }
        match negated.as_slice() {
            [] => Bool::from_bool(self.ctx, false),
            [one] => one.clone(),
            _ => Bool::or(self.ctx, &negated.iter().collect::<Vec<_>>()),
        }
    }

    /// A pattern as the model fixes it: subject, shape, and its pieces with each absent
    /// variable's default in place (present variables and unknowns left as they are).
    fn symbolic(&self, i: usize) -> Option<(String, Shape, Vec<Piece>)> {
        let p = &self.atoms.patterns[i];
        let (fixed, _) = self.pattern_values(p)?;
        let pieces = p
            .pieces
            .iter()
            .enumerate()
            .flat_map(|(at, piece)| match (fixed.get(&at), piece) {
                // a default is literal text: its characters one by one
                (Some(value), _) => value.chars().map(Piece::Char).collect::<Vec<_>>(),
                (None, Piece::Var(v)) => vec![Piece::Var(crate::compare::text::Var {
                    default: None,
                    ..v.clone()
                })],
                (None, other) => vec![other.clone()],
            })
            .collect();
        Some((p.subject.clone(), p.shape.clone(), pieces))
    }

    /// The strings of one group of connected atoms.
    fn group(
        &self,
        lits: &[Lit],
        chosen: &mut BTreeMap<String, String>,
    ) -> Result<(), Decision<'c>> {
        let has_patterns = lits.iter().any(|l| matches!(l, Lit::Pattern(..)));
        // two patterns that are the same text once the model fixes what it fixes match
        // the same strings whatever the values: they cannot be set apart
        let mut forms: HashMap<(String, Shape, Vec<Piece>), Lit> = HashMap::new();
        for &l in lits {
            if let Lit::Pattern(i, v) = l {
                if let Some(form) = self.symbolic(i) {
                    match forms.get(&form) {
                        Some(&other @ Lit::Pattern(_, w)) if w != v => {
                            return Err(Decision::Learned(vec![self.clause(&[other, l])]));
                        }
                        _ => {
                            forms.insert(form, l);
                        }
                    }
                }
            }
        }
        // most contradictions are between two atoms of one string (a language inside
        // another, two disjoint ones): asked first, each pair once per comparison
        let pairs = self.empty_pairs(lits);
        if !pairs.is_empty() {
            return Err(Decision::Learned(
                pairs.iter().map(|p| self.clause(p)).collect(),
            ));
        }
        let cons: Vec<Con> = self
            .constraints(lits, None)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        match solve(&cons, self.other) {
            (Solved::TooBig, names) => {
                return Err(self.undecided(
                    lits,
                    format!(
                        "the strings {:?} need more than {STATES} search states",
                        names.keys().collect::<Vec<_>>()
                    ),
                ))
            }
            (Solved::Empty, _) => {
                let core = self.core(lits, None);
                return Err(Decision::Learned(vec![self.clause(&core)]));
            }
            (Solved::Words(words), names) if !has_patterns => {
                for (name, at) in names {
                    chosen.insert(name, words[at].clone());
                }
                return Ok(());
            }
            (Solved::Words(_), _) => {}
        }
        // values for the variables of the patterns: candidates from their own atoms
        let mut open: Vec<String> = Vec::new();
        for l in lits {
            if let Lit::Pattern(i, _) = l {
                if let Some((_, vars)) = self.pattern_values(&self.atoms.patterns[*i]) {
                    open.extend(vars);
                }
            }
        }
        open.sort();
        open.dedup();
        if open.is_empty() {
            // every pattern's text is fixed by the model (absent variables' defaults): exact
            let fixed = BTreeMap::new();
            let cons: Vec<Con> = self
                .constraints(lits, Some(&fixed))
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            return match solve(&cons, self.other) {
                (Solved::Words(words), names) => {
                    for (name, at) in names {
                        chosen.insert(name, words[at].clone());
                    }
                    Ok(())
                }
                (Solved::Empty, _) => {
                    let core = self.core(lits, Some(&fixed));
                    Err(Decision::Learned(vec![self.clause(&core)]))
                }
                (Solved::TooBig, _) => Err(self.undecided(
                    lits,
                    format!("the strings need more than {STATES} search states"),
                )),
            };
        }
        let mut options: Vec<Vec<String>> = Vec::new();
        for var in &open {
            let own: Vec<&Member<'c>> = lits
                .iter()
                .filter_map(|l| match l {
                    Lit::Member(i, _) if self.atoms.members[*i].var == *var => {
                        Some(&self.atoms.members[*i])
                    }
                    _ => None,
                })
                .collect();
            let truth = |m: &Member<'c>| self.truth(&m.holds);
            let pos: Vec<&[Vec<Tok>]> = own
                .iter()
                .filter(|m| truth(m))
                .map(|m| m.language.as_slice())
                .collect();
            let neg: Vec<&[Vec<Tok>]> = own
                .iter()
                .filter(|m| !truth(m))
                .map(|m| m.language.as_slice())
                .collect();
            let mut words = match strings::find_many(&pos, &neg, self.other, STATES, CANDIDATES) {
                Many::Words(w) => w,
                Many::TooBig => Vec::new(),
            };
            // and a value no text writes, which no literal part of a pattern can meet
            let fresh = self.other.to_string();
            if !words.contains(&fresh) {
                words.push(fresh);
            }
            options.push(words);
        }
        let mut index = vec![0usize; open.len()];
        for _ in 0..COMBINATIONS {
            let values: BTreeMap<String, String> = open
                .iter()
                .zip(&index)
                .map(|(v, &i)| (v.clone(), options_at(&options, v, &open, i)))
                .collect();
            let mut cons: Vec<Con> = self
                .constraints(lits, Some(&values))
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            for (var, word) in &values {
                let toks: Vec<Tok> = word.chars().map(Tok::Char).collect();
                cons.push(Con::In(var.clone(), vec![toks], true));
            }
            if let (Solved::Words(words), names) = solve(&cons, self.other) {
                for (name, at) in names {
                    chosen.insert(name, words[at].clone());
                }
                return Ok(());
            }
            // next combination (odometer)
            let mut k = 0;
            loop {
                if k == index.len() {
                    return Err(self.undecided(lits, "no value tried for the policy variables satisfies the patterns, and \"any value\" does not prove there is none".to_string()));
                }
                index[k] += 1;
                if index[k] < options[k].len() {
                    break;
                }
                index[k] = 0;
                k += 1;
            }
        }
        Err(self.undecided(
            lits,
            format!("more than {COMBINATIONS} combinations of values for policy variables"),
        ))
    }

    /// The pairs of literals of `lits` about one string that cannot hold together.
    fn empty_pairs(&self, lits: &[Lit]) -> Vec<[Lit; 2]> {
        let mut out = Vec::new();
        let subject = |l: &Lit| -> Option<&str> {
            match *l {
                Lit::Member(i, _) => Some(self.atoms.members[i].var.as_str()),
                // a default changes the over-approximation from model to model: not cached
                Lit::Pattern(i, true)
                    if self.atoms.patterns[i]
                        .values
                        .values()
                        .all(|v| v.default.is_none()) =>
                {
                    Some(self.atoms.patterns[i].subject.as_str())
                }
                _ => None,
            }
        };
        for (n, a) in lits.iter().enumerate() {
            let Some(sa) = subject(a) else { continue };
            for b in &lits[n + 1..] {
                if subject(b) != Some(sa) {
                    continue;
                }
                let positive = |l: &Lit| matches!(l, Lit::Member(_, true) | Lit::Pattern(_, true));
                if !positive(a) && !positive(b) {
                    continue;
                }
                let key = (*a, *b);
                let known = self.atoms.pairs.borrow().get(&key).copied();
                let empty = match known {
                    Some(e) => e,
                    None => {
                        let e = self.empty(&[*a, *b], None);
                        self.atoms.pairs.borrow_mut().insert(key, e);
                        e
                    }
                };
                if empty {
                    out.push([*a, *b]);
                }
            }
        }
        out
    }

    fn undecided(&self, lits: &[Lit], reason: String) -> Decision<'c> {
        Decision::Undecided {
            reason,
            block: self.clause(lits),
        }
    }
}

fn options_at(options: &[Vec<String>], var: &str, open: &[String], i: usize) -> String {
    open.iter()
        .position(|v| v == var)
        .and_then(|k| options.get(k))
        .and_then(|o| o.get(i))
        .cloned()
        .unwrap_or_default()
}

/// Decides the string atoms as `model` sets them (see the module docs).
pub(crate) fn decide<'c>(
    ctx: &'c z3::Context,
    atoms: &Atoms<'c>,
    model: &z3::Model<'c>,
    alphabet: &Alphabet,
    other: char,
) -> Decision<'c> {
    let c = Ctx {
        ctx,
        atoms,
        model,
        alphabet,
        other,
    };
    let mut lits: Vec<(Lit, Vec<String>)> = Vec::new();
    for (i, m) in atoms.members.iter().enumerate() {
        lits.push((Lit::Member(i, c.truth(&m.holds)), vec![m.var.clone()]));
    }
    for (i, e) in atoms.equals.iter().enumerate() {
        lits.push((
            Lit::Equal(i, c.truth(&e.holds)),
            vec![e.a.clone(), e.b.clone()],
        ));
    }
    for (i, p) in atoms.patterns.iter().enumerate() {
        let Some((_, open)) = c.pattern_values(p) else {
            continue;
        };
        let mut vars = vec![p.subject.clone()];
        vars.extend(open);
        lits.push((Lit::Pattern(i, c.truth(&p.holds)), vars));
    }
    // groups: strings connected by equalities and patterns
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (_, vars) in &lits {
        for v in vars {
            let n = names.len();
            names.entry(v.clone()).or_insert(n);
        }
    }
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (_, vars) in &lits {
        for w in vars.windows(2) {
            let (a, b) = (
                root(&mut parent, names[&w[0]]),
                root(&mut parent, names[&w[1]]),
            );
            parent[a] = b;
        }
    }
    let mut groups: BTreeMap<usize, Vec<Lit>> = BTreeMap::new();
    for (lit, vars) in &lits {
        if let Some(first) = vars.first() {
            let r = root(&mut parent, names[first]);
            groups.entry(r).or_default().push(*lit);
        }
    }
    let mut chosen = BTreeMap::new();
    let mut learned = Vec::new();
    let mut undecided: Option<(String, Bool<'c>)> = None;
    for lits in groups.values() {
        match c.group(lits, &mut chosen) {
            Ok(()) => {}
            Err(Decision::Learned(clauses)) => learned.extend(clauses),
            Err(Decision::Undecided { reason, block }) => {
                undecided.get_or_insert((reason, block));
            }
            Err(Decision::Chosen(_)) => {}
        }
    }
    if !learned.is_empty() {
        Decision::Learned(learned)
    } else if let Some((reason, block)) = undecided {
        Decision::Undecided { reason, block }
    } else {
        Decision::Chosen(chosen)
    }
}
