//! The string atoms of the encoding and how a model's choice of them is decided in Rust
//! (the `compare` module docs). Z3 sees only Booleans for them:
//!
//! * [`Member`]: a string (the resource, a key's value slot, a declared unknown) is in a
//!   union of globs;
//! * [`Equal`]: two strings are equal (`StringEquals k ${v}`);
//! * [`Pattern`]: a string matches a text built around policy variables or unknowns
//!   (`arn:aws:s3:::${aws:username}/*`), whose values are strings too.
//!
//! For a model, [`decide`] takes the atoms as Z3 set them, groups the strings they connect,
//! and per group either finds strings that make every atom hold as set (exactly: see
//! [`super::strings`]), or proves that no strings can, and gives a clause that says so (the
//! negation of a minimal set of the atoms, true of every request), or says it could not
//! decide (only with patterns: their variables' values are searched among candidates, and
//! a proof that there are none uses the over-approximation "a variable is any string").

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use z3::ast::Bool;

use super::patterns::Mode;
use super::rx::{Class, Tok};
use super::text::Piece;

/// A union of globs, sorted, without repeats.
pub(crate) type Language = Vec<Vec<Tok>>;

pub(crate) struct Member<'c> {
    pub var: String,
    pub language: Language,
    pub holds: Bool<'c>,
}

pub(crate) struct Equal<'c> {
    pub a: String,
    pub b: String,
    pub holds: Bool<'c>,
}

/// How a pattern's text is read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    Text(Mode),
    /// A `Resource` pattern in its second reading (component by component).
    Components,
    /// An `Arn...` value: its first five components (ground); the pieces are the sixth.
    Arn(Vec<Vec<Piece>>),
}

/// A value a pattern takes: the string it is, whether it is present (`None` for an
/// unknown, always there) and the variable's default.
pub(crate) struct Value<'c> {
    pub var: String,
    pub present: Option<Bool<'c>>,
    pub default: Option<String>,
}

pub(crate) struct Pattern<'c> {
    pub subject: String,
    pub shape: Shape,
    pub pieces: Vec<Piece>,
    /// By index of a [`Piece::Var`] / [`Piece::Unknown`] in `pieces`.
    pub values: BTreeMap<usize, Value<'c>>,
    pub holds: Bool<'c>,
}

#[derive(Default)]
pub(crate) struct Atoms<'c> {
    pub members: Vec<Member<'c>>,
    member_ids: HashMap<(String, Language), usize>,
    pub equals: Vec<Equal<'c>>,
    equal_ids: HashMap<(String, String), usize>,
    pub patterns: Vec<Pattern<'c>>,
    pattern_ids: HashMap<(String, Shape, Vec<Piece>), usize>,
    /// Pairs of literals already asked, and whether they cannot hold together (a pattern's
    /// literal here is only ever its over-approximation, true of every model).
    pairs: RefCell<HashMap<(decide::Lit, decide::Lit), bool>>,
}

impl<'c> Atoms<'c> {
    /// "`var` is in the union of `globs`".
    pub fn member(&mut self, ctx: &'c z3::Context, var: &str, globs: &[Vec<Tok>]) -> Bool<'c> {
        let mut language: Language = globs.to_vec();
        language.sort();
        language.dedup();
        if language
            .iter()
            .any(|t| t.as_slice() == [Tok::Star(Class::Any)])
        {
            return Bool::from_bool(ctx, true);
        }
        if language.is_empty() {
            return Bool::from_bool(ctx, false);
        }
        let key = (var.to_string(), language);
        if let Some(&i) = self.member_ids.get(&key) {
            return self.members[i].holds.clone();
        }
        let holds = Bool::fresh_const(ctx, "in");
        self.member_ids.insert(key.clone(), self.members.len());
        self.members.push(Member {
            var: key.0,
            language: key.1,
            holds: holds.clone(),
        });
        holds
    }

    /// "`a` and `b` are equal".
    pub fn equal(&mut self, ctx: &'c z3::Context, a: &str, b: &str) -> Bool<'c> {
        if a == b {
            return Bool::from_bool(ctx, true);
        }
        let key = if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        if let Some(&i) = self.equal_ids.get(&key) {
            return self.equals[i].holds.clone();
        }
        let holds = Bool::fresh_const(ctx, "eq");
        self.equal_ids.insert(key.clone(), self.equals.len());
        self.equals.push(Equal {
            a: key.0,
            b: key.1,
            holds: holds.clone(),
        });
        holds
    }

    /// "`subject` matches the text `pieces` read as `shape`, its values substituted".
    pub fn pattern(
        &mut self,
        ctx: &'c z3::Context,
        subject: &str,
        shape: Shape,
        pieces: &[Piece],
        values: BTreeMap<usize, Value<'c>>,
    ) -> Bool<'c> {
        // variables as written differ in case only: one atom
        let normal: Vec<Piece> = pieces
            .iter()
            .map(|p| match p {
                Piece::Var(v) => Piece::Var(super::text::Var {
                    written: v.key.clone(),
                    ..v.clone()
                }),
                other => other.clone(),
            })
            .collect();
        let key = (subject.to_string(), shape, normal);
        if let Some(&i) = self.pattern_ids.get(&key) {
            return self.patterns[i].holds.clone();
        }
        let holds = Bool::fresh_const(ctx, "like");
        self.pattern_ids.insert(key.clone(), self.patterns.len());
        self.patterns.push(Pattern {
            subject: key.0,
            shape: key.1,
            pieces: key.2,
            values,
            holds: holds.clone(),
        });
        holds
    }
}

mod decide;

pub(crate) use decide::{decide, Decision};
