//! The tokens of case-sensitive globs over the request's strings (resources and text
//! values): the alphabet is printable ASCII without backslash, upper case included
//! ([`super::universe::in_strings`]), and there are two kinds of wildcard, since the ARN
//! segment rule lets a `*` that ends its segment cross `:` while every other wildcard stays
//! inside its segment (docs/semantics.md §3). Sets of token sequences are decided by
//! [`super::strings`], in Rust.

/// Which characters a wildcard ranges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    /// Every character of the alphabet.
    Any,
    /// Every character of the alphabet but `:`.
    NoColon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tok {
    /// This character (already in the solver's alphabet).
    Char(char),
    /// This ASCII letter in either case.
    Fold(char),
    /// One character of the class (`?`).
    One(Class),
    /// Any run of characters of the class (`*`).
    Star(Class),
}

/// Reference semantics of token sequences (for the tests: a plain backtracking matcher).
#[cfg(test)]
pub(crate) fn tokens_match(tokens: &[Tok], text: &[char]) -> bool {
    let in_class = |class: Class, c: char| match class {
        Class::Any => super::universe::in_strings(c),
        Class::NoColon => super::universe::in_strings(c) && c != ':',
    };
    match tokens.split_first() {
        None => text.is_empty(),
        Some((&Tok::Star(class), rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || in_class(class, text[i - 1]))
            .any(|i| tokens_match(rest, &text[i..])),
        Some((&t, rest)) => match text.split_first() {
            None => false,
            Some((&c, more)) => {
                let ok = match t {
                    Tok::Char(d) => c == d,
                    Tok::Fold(d) => c.eq_ignore_ascii_case(&d),
                    Tok::One(class) => in_class(class, c),
                    Tok::Star(_) => false,
                };
                ok && tokens_match(rest, more)
            }
        },
    }
}
