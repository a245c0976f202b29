//! Resource patterns (docs/semantics.md §3, §6, U4): both readings, as one atom where they
//! are the same language, else two atoms whose disagreement is undetermined; a policy
//! variable before the fifth `:` is not modelled.

use z3::ast::{Ast, Bool};

use super::{Encoder, RESOURCE};
use crate::compare::atoms::Shape;
use crate::compare::kleene::Tv;
use crate::compare::patterns::{self, Mode};
use crate::compare::rx::Tok;
use crate::compare::strings;
use crate::compare::text::{Piece, Text};

/// Whether two token sequences match the same strings (the string search both ways).
fn same_language(a: &[Tok], b: &[Tok], spare: Option<char>) -> bool {
    let Some(other) = spare else {
        return false;
    };
    let (la, lb) = ([a.to_vec()], [b.to_vec()]);
    let empty = |pos: &[Vec<Tok>], neg: &[Vec<Tok>]| {
        matches!(
            strings::find_many(&[pos], &[neg], other, 10_000, 1),
            strings::Many::Words(w) if w.is_empty()
        )
    };
    empty(&la, &lb) && empty(&lb, &la)
}

impl<'c> Encoder<'c, '_> {
    /// One resource pattern (docs/semantics.md §3, U4): matched when both readings say so,
    /// not when neither does, undetermined between.
    fn resource_pattern(&mut self, text: &Text, context: &str) -> Result<Tv<'c>, Vec<Tok>> {
        let canonical = format!("{context}\u{1}{}", text.raw);
        if let Some(reason) = self.text_unmodelled(&text.pieces) {
            return Ok(self.opaque(&canonical, reason));
        }
        // AWS: policy variables "only in the resource portion of the ARN. This portion of
        // the ARN appears after the fifth colon" (declared unknowns anywhere: §7)
        let mut colons = 0;
        for piece in &text.pieces {
            match piece {
                Piece::Text(t) => colons += t.matches(':').count(),
                Piece::Char(_) | Piece::Unknown(_) => {}
                Piece::Var(_) if colons < 5 => {
                    return Ok(self.opaque(
                        &canonical,
                        format!(
                            "resource `{}`: a policy variable before the fifth `:`",
                            text.raw
                        ),
                    ));
                }
                Piece::Var(_) => break,
            }
        }
        let alphabet = &self.uni.alphabet;
        let first = patterns::ground(&text.pieces, Mode::Resource, alphabet);
        let second = patterns::components(&text.pieces, alphabet, &|_| None);
        let same = first == second
            || patterns::readings_agree(&text.pieces)
            || (text.is_ground() && same_language(&first, &second, alphabet.spare));
        if text.is_ground() {
            if same {
                return Err(first);
            }
            let one = self.member(RESOURCE, &[first]);
            let two = self.member(RESOURCE, &[second]);
            return Ok(self.readings(&canonical, one, two));
        }
        let (values, defined) = self.values(&text.pieces);
        let one = self.atoms.pattern(
            self.ctx,
            RESOURCE,
            Shape::Text(Mode::Resource),
            &text.pieces,
            values,
        );
        if same {
            return Ok(Tv::known(Bool::and(self.ctx, &[&defined, &one])));
        }
        let (values, _) = self.values(&text.pieces);
        let two = self
            .atoms
            .pattern(self.ctx, RESOURCE, Shape::Components, &text.pieces, values);
        let both = self.readings(&canonical, one, two);
        let defined = Tv::known(defined);
        Ok(Tv::and(self.ctx, &[defined, both]))
    }

    /// Matched when both readings say so, not when neither does, undetermined between.
    fn readings(&mut self, canonical: &str, one: Bool<'c>, two: Bool<'c>) -> Tv<'c> {
        let region = one._eq(&two).not();
        let free = self.free(canonical);
        Tv::unless(&region, free, &Tv::known(one))
    }

    /// The resource part of a statement: some pattern matches.
    pub(super) fn resources(&mut self, texts: &[Text], context: &str) -> Tv<'c> {
        let mut parts = Vec::new();
        let mut ground = Vec::new();
        for text in texts {
            match self.resource_pattern(text, context) {
                Ok(b) => parts.push(b),
                Err(toks) => ground.push(toks),
            }
        }
        if !ground.is_empty() {
            parts.push(Tv::known(self.member(RESOURCE, &ground)));
        }
        Tv::or(self.ctx, &parts)
    }
}
