//! The comparisons of each operator family (docs/semantics.md §5) on one value slot:
//! strings through the atoms, numbers and dates as integers, addresses as bit-vectors,
//! binary values by index.

use z3::ast::{Ast, Bool, Int, BV};

use super::{or, slot_string, Encoder, Val};
use crate::compare::atoms::Shape;
use crate::compare::condition::{ArnValue, Base, Cmp, Operator, Values};
use crate::compare::kleene::Tv;
use crate::compare::patterns::{self, Mode};
use crate::compare::rx::{Class, Tok};
use crate::compare::text::{Piece, Text};
use crate::compare::values::{mask4, mask6, Cidr, Decimal};

impl<'c> Encoder<'c, '_> {
    /// Some policy value compares true with the value of `key`'s slot `i` (the positive
    /// comparison of the operator).
    /// Also "the comparison cannot judge": some policy value has no value (U2) or the
    /// request's value does not parse for the operator (U3).
    pub(super) fn any(
        &mut self,
        key: &str,
        i: usize,
        op: &Operator,
        values: &Values,
        canonical: &str,
    ) -> (Tv<'c>, Bool<'c>) {
        let val = match self.keys.get(key).and_then(|s| s.get(i)) {
            Some(slot) => match &slot.val {
                Val::Text => Val::Text,
                Val::Number { ok, scaled } => Val::Number {
                    ok: ok.clone(),
                    scaled: scaled.clone(),
                },
                Val::Date { ok, ms } => Val::Date {
                    ok: ok.clone(),
                    ms: ms.clone(),
                },
                Val::Ip { v4, v6, a4, a6 } => Val::Ip {
                    v4: v4.clone(),
                    v6: v6.clone(),
                    a4: a4.clone(),
                    a6: a6.clone(),
                },
                Val::Binary(s) => Val::Binary(s.clone()),
                Val::Presence => Val::Presence,
            },
            None => Val::Presence,
        };
        let ctx = self.ctx;
        match (&val, values) {
            (Val::Text, Values::Text(texts)) => {
                let mode = match op.base {
                    Base::StringLike => Mode::Like,
                    Base::StringEqualsIgnoreCase => Mode::Fold,
                    _ => Mode::Exact,
                };
                let refs: Vec<&Text> = texts.iter().collect();
                self.texts(&slot_string(key, i), &refs, mode, canonical)
            }
            (Val::Text, Values::Bool(flags)) => {
                let toks: Vec<Vec<Tok>> = flags
                    .iter()
                    .map(|&b| {
                        let word = if b { "true" } else { "false" };
                        word.chars().map(Tok::Fold).collect()
                    })
                    .collect();
                (
                    Tv::known(self.member(&slot_string(key, i), &toks)),
                    self.f(),
                )
            }
            (Val::Text, Values::Arn(arns)) => {
                let subject = slot_string(key, i);
                let mut parts = Vec::new();
                let mut ground = Vec::new();
                let mut unjudged = Vec::new();
                if op.negated {
                    // a request value with fewer than five `:` is no ARN (U3)
                    let mut shape = Vec::new();
                    for _ in 0..5 {
                        shape.push(Tok::Star(Class::NoColon));
                        shape.push(Tok::Char(':'));
                    }
                    shape.push(Tok::Star(Class::Any));
                    unjudged.push(self.member(&subject, &[shape]).not());
                }
                for a in arns {
                    if a.tail
                        .iter()
                        .all(|p| matches!(p, Piece::Text(_) | Piece::Char(_)))
                    {
                        ground.push(patterns::arn(&a.head, &a.tail, &self.uni.alphabet, &|_| {
                            None
                        }));
                    } else {
                        let (matched, defined) = self.arn(&subject, a);
                        parts.push(matched);
                        unjudged.push(defined.not());
                    }
                }
                if !ground.is_empty() {
                    parts.push(Tv::known(self.member(&subject, &ground)));
                }
                (Tv::or(ctx, &parts), or(ctx, &unjudged))
            }
            (Val::Number { ok, scaled }, Values::Number(ds)) => {
                let scale = self.uni.scale;
                let parts: Vec<Bool<'c>> = ds
                    .iter()
                    .map(|d| {
                        let c = Int::from_str(ctx, &d.scaled(scale))
                            .unwrap_or_else(|| Int::from_i64(ctx, 0));
                        Bool::and(ctx, &[ok, &compare_int(scaled, op_cmp(op), &c)])
                    })
                    .collect();
                (Tv::known(or(ctx, &parts)), ok.not())
            }
            (Val::Date { ok, ms }, Values::Date(ts)) => {
                let parts: Vec<Bool<'c>> = ts
                    .iter()
                    .map(|&t| {
                        let c = Int::from_str(ctx, &t.to_string())
                            .unwrap_or_else(|| Int::from_i64(ctx, 0));
                        Bool::and(ctx, &[ok, &compare_int(ms, op_cmp(op), &c)])
                    })
                    .collect();
                (Tv::known(or(ctx, &parts)), ok.not())
            }
            (Val::Ip { v4, v6, a4, a6 }, Values::Ip(cidrs)) => {
                let parts: Vec<Bool<'c>> = cidrs
                    .iter()
                    .map(|c| match *c {
                        Cidr::V4 { net, len } => {
                            if len == 0 {
                                v4.clone()
                            } else {
                                let want = BV::from_u64(
                                    ctx,
                                    u64::from((net & mask4(len)) >> (32 - len)),
                                    len,
                                );
                                Bool::and(ctx, &[v4, &a4.extract(31, 32 - len)._eq(&want)])
                            }
                        }
                        Cidr::V6 { net, len } => {
                            if len == 0 {
                                v6.clone()
                            } else {
                                let bits = (net & mask6(len)) >> (128 - len);
                                let want = BV::from_str(ctx, len, &bits.to_string())
                                    .unwrap_or_else(|| BV::from_u64(ctx, 0, len));
                                Bool::and(ctx, &[v6, &a6.extract(127, 128 - len)._eq(&want)])
                            }
                        }
                    })
                    .collect();
                (Tv::known(or(ctx, &parts)), Bool::or(ctx, &[v4, v6]).not())
            }
            (Val::Binary(sel), Values::Binary(bs)) => {
                let info = self.uni.keys.get(key);
                let parts: Vec<Bool<'c>> = bs
                    .iter()
                    .filter_map(|b| info?.binaries.iter().position(|x| x == b))
                    .map(|n| sel._eq(&Int::from_i64(ctx, n as i64)))
                    .collect();
                (Tv::known(or(ctx, &parts)), self.f())
            }
            _ => (
                self.opaque(canonical, format!("key `{key}` read as two types")),
                self.f(),
            ),
        }
    }

    /// An `Arn...` value with variables or unknowns in its sixth component, and when it
    /// has a value.
    fn arn(&mut self, subject: &str, a: &ArnValue) -> (Tv<'c>, Bool<'c>) {
        if let Some(reason) = self.text_unmodelled(&a.tail) {
            let canonical = format!("arn\u{1}{:?}\u{1}{:?}", a.head, a.tail);
            let t = Bool::from_bool(self.ctx, true);
            return (self.opaque(&canonical, reason), t);
        }
        let (values, defined) = self.values(&a.tail);
        let like = self.atoms.pattern(
            self.ctx,
            subject,
            Shape::Arn(a.head.clone()),
            &a.tail,
            values,
        );
        (Tv::known(Bool::and(self.ctx, &[&defined, &like])), defined)
    }
}

fn op_cmp(op: &Operator) -> Cmp {
    match op.base {
        Base::Numeric(c) | Base::Date(c) => c,
        _ => Cmp::Eq,
    }
}

fn compare_int<'c>(v: &Int<'c>, cmp: Cmp, c: &Int<'c>) -> Bool<'c> {
    match cmp {
        Cmp::Eq => v._eq(c),
        Cmp::Lt => v.lt(c),
        Cmp::Le => v.le(c),
        Cmp::Gt => v.gt(c),
        Cmp::Ge => v.ge(c),
    }
}

/// Reads a Z3 integer numeral as decimal text (`-?[0-9]+`).
pub(crate) fn int_text(i: &Int<'_>) -> Option<String> {
    let text = i.to_string();
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("(-").and_then(|t| t.strip_suffix(')')) {
        let inner = inner.trim();
        return inner
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| format!("-{inner}"));
    }
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// Reads a Z3 bit-vector numeral (`#x...` or `#b...`).
pub(crate) fn bv_value(b: &BV<'_>) -> Option<u128> {
    let text = b.to_string();
    if let Some(hex) = text.strip_prefix("#x") {
        u128::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = text.strip_prefix("#b") {
        u128::from_str_radix(bin, 2).ok()
    } else {
        None
    }
}

/// Used by the decimal reader of witnesses.
pub(crate) fn unscale(text: &str, scale: usize) -> Option<Decimal> {
    Decimal::unscale(text, scale)
}
