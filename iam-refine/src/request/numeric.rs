//! Numbers of the `Numeric...` operators (`docs/semantics.md` §5): decimal text
//! `-?[0-9]+(\.[0-9]+)?`, compared exactly (no rounding, `1.0 == 1`, `-0 == 0`), however
//! many digits. AWS documents "an integer or decimal value" and no syntax; the spec fixes
//! this one, and anything else (`1e3`, `+1`, `.5`, `0x10`) does not parse.

use std::cmp::Ordering;

/// A decimal number, normalised so that equal numbers are equal values: no leading zero in
/// the integer part, no trailing zero in the fraction, and zero is never negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// Digits of the integer part, without leading zeros (empty for zero).
    int: String,
    /// Digits of the fraction, without trailing zeros.
    frac: String,
}

impl Decimal {
    /// Parses `-?[0-9]+(\.[0-9]+)?`.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            return None;
        }
        let int = int.trim_start_matches('0').to_string();
        let frac = frac.unwrap_or("").trim_end_matches('0').to_string();
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    /// Compares magnitudes.
    fn cmp_abs(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            // Without trailing zeros, fractions compare as text: "5" > "45", "5" < "51".
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_abs(other),
            (true, true) => other.cmp_abs(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn syntax() {
        for ok in [
            "0",
            "-0",
            "10",
            "007",
            "1.5",
            "-1.50",
            "0.0",
            "123456789012345678901234567890",
        ] {
            assert!(Decimal::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "-", "+1", "1.", ".5", "1e3", "1E3", " 1", "1 ", "0x10", "1,5", "--1", "1.2.3",
            "abc", "١", "NaN", "inf",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn exact_comparison() {
        assert_eq!(d("1.0"), d("1"));
        assert_eq!(d("-0"), d("0.000"));
        assert_eq!(d("007"), d("7"));
        assert!(d("0.1") < d("0.10000000000000000000001"));
        assert!(d("-2") < d("-1.5"));
        assert!(d("-0.5") < d("0"));
        assert!(d("9") < d("10"));
        assert!(d("1.45") < d("1.5"));
        assert!(d("99999999999999999999") < d("100000000000000000000"));
        // f64 would call these equal.
        assert!(d("9007199254740993") > d("9007199254740992"));
    }
}
