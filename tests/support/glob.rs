//! IAM action matching by its definition, written independently of the library and the
//! prover: `*` matches any run of characters (also none), `?` exactly one, ASCII case is
//! ignored. Slow and obviously right; the indexes of [`crate::Model`] keep it off the hot
//! path.

/// Does `pattern` match `name`? Dynamic programming over both strings: after the `i`-th
/// pattern symbol, `row[j]` says whether the pattern so far matches `name[..j]`.
pub fn glob(pattern: &str, name: &str) -> bool {
    if pattern.is_ascii() && name.is_ascii() {
        dp(pattern.as_bytes(), name.as_bytes(), b'*', b'?')
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = name.chars().collect();
        dp(&p, &s, '*', '?')
    }
}

fn dp<C: Copy + Eq + Lower>(p: &[C], s: &[C], star: C, one: C) -> bool {
    let mut row = vec![false; s.len() + 1];
    row[0] = true;
    for &pc in p {
        if pc == star {
            // p[..i] then any run: true from the first j where p[..i-1] matched.
            let mut any = false;
            for r in row.iter_mut() {
                any |= *r;
                *r = any;
            }
        } else {
            // One symbol: row[j] = row[j-1] && it matches s[j-1]; right to left, in place.
            for j in (1..=s.len()).rev() {
                row[j] = row[j - 1] && (pc == one || pc.lower() == s[j - 1].lower());
            }
            row[0] = false;
        }
    }
    row[s.len()]
}

/// ASCII case folding for bytes and chars alike.
trait Lower {
    fn lower(self) -> Self;
}

impl Lower for u8 {
    fn lower(self) -> u8 {
        self.to_ascii_lowercase()
    }
}

impl Lower for char {
    fn lower(self) -> char {
        self.to_ascii_lowercase()
    }
}

/// A character no pattern of the tests writes: a string made of it is matched only by `?`
/// and `*`, never by a literal.
pub const FRESH: char = '\u{1}';

/// Does some pattern of `patterns` match `name`?
pub fn any_glob<S: AsRef<str>>(patterns: &[S], name: &str) -> bool {
    patterns.iter().any(|p| glob(p.as_ref(), name))
}

/// Is every string starting with `prefix` matched by some pattern of `patterns`? `None`
/// when so, else a string starting with `prefix` that none matches.
///
/// Why the search is finite: if `prefix + s` is rejected by every pattern, so is
/// `prefix + FRESH^|s|` (a match of the fresh string maps each fresh character to a `?`
/// or `*`, which also match the character of `s`); and beyond the length of the longest
/// pattern, adding characters changes no answer.
pub fn uncovered_extension<S: AsRef<str>>(patterns: &[S], prefix: &str) -> Option<String> {
    let longest = patterns
        .iter()
        .map(|p| p.as_ref().chars().count())
        .max()
        .unwrap_or(0);
    (0..=longest + 1)
        .map(|k| {
            format!(
                "{prefix}{}",
                String::from_iter(std::iter::repeat_n(FRESH, k))
            )
        })
        .find(|s| !any_glob(patterns, s))
}

/// Is every string starting with `prefix` matched by `pattern`?
pub fn contains_prefix(pattern: &str, prefix: &str) -> bool {
    uncovered_extension(&[pattern], prefix).is_none()
}

/// Is everything `inner` matches also matched by `outer`? Exact for literal and
/// trailing-`*` inner patterns, which is all the refiner writes; `None` when unsure.
pub fn entry_contained(outer: &str, inner: &str) -> Option<bool> {
    let wild = inner.find(['*', '?']);
    match wild {
        None => Some(glob(outer, inner)),
        Some(i) if i + 1 == inner.len() && inner.ends_with('*') => {
            Some(contains_prefix(outer, &inner[..i]))
        }
        // Other shapes: sound only, by the literal text they are confined to.
        Some(i) => contains_prefix(outer, &inner[..i]).then_some(true),
    }
}

/// The literal text before a pattern's first wildcard, lower-cased: every name the pattern
/// matches starts with it.
pub fn literal_prefix(pattern: &str) -> String {
    let end = pattern.find(['*', '?']).unwrap_or(pattern.len());
    pattern[..end].to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_the_definition() {
        assert!(glob("s3:Get*", "S3:GETOBJECT"));
        assert!(glob("s3:*", "s3:"));
        assert!(glob("*x*y*?*", "axbyc"));
        assert!(!glob("*x*y*?*", "axby"));
        assert!(glob("s3:?et*", "s3:Get"));
        assert!(!glob("s3:List*", "s3:L"));
    }

    #[test]
    fn uncovered_extension_finds_what_a_union_misses() {
        assert_eq!(
            uncovered_extension(&["s3:List*", "s3:Get*"], "s3:List"),
            None
        );
        assert_eq!(uncovered_extension(&["a", "a?*"], "a"), None);
        let miss = uncovered_extension(&["s3:List*", "s3:Get*"], "s3:L").expect("s3:L* is wider");
        assert!(miss.starts_with("s3:L") && !glob("s3:List*", &miss));
        // `a`, `a?` and `a???*` together miss exactly the strings `a` + two characters.
        let miss = uncovered_extension(&["a", "a?", "a???*"], "a").expect("a + 2 chars");
        assert_eq!(miss.chars().count(), 3);
    }
}
