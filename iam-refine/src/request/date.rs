//! Instants of the `Date...` operators (`docs/semantics.md` §5). AWS: "You must specify
//! date/time values with one of the W3C implementations of the ISO 8601 date formats or in
//! epoch (UNIX) time"
//! ([Condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date)).
//! The spec accepts:
//!
//! - epoch seconds: an optionally signed integer of at most 12 digits (`[+-]?[0-9]{1,12}`);
//! - `YYYY-MM-DD`: midnight UTC;
//! - `YYYY-MM-DDThh:mm[:ss[.f…]](Z|±hh:mm)`, with 1 to 9 fractional digits;
//!
//! compared exactly, in nanoseconds. `YYYY` and `YYYY-MM` alone are not dates (the W3C
//! profile has them, but digits alone are epoch seconds, and a month is no instant).
//! Written here rather than with a date crate: the accepted forms are the spec's own subset
//! (a crate's RFC 3339 or ISO 8601 parser accepts other forms, which the symbolic encoding
//! would not), and the arithmetic is one function.

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub(crate) type Nanos = i128;

const NANOS_PER_SECOND: Nanos = 1_000_000_000;

/// Parses one of the accepted forms.
pub(crate) fn parse(text: &str) -> Option<Nanos> {
    let digits = text
        .strip_prefix('-')
        .or_else(|| text.strip_prefix('+'))
        .unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 12 {
            return None;
        }
        let seconds: i64 = digits.parse().ok()?;
        let sign = if text.starts_with('-') { -1 } else { 1 };
        return Some(Nanos::from(sign * seconds) * NANOS_PER_SECOND);
    }
    let date = text.get(..10)?;
    let days = civil_days(date)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(Nanos::from(days) * 86_400 * NANOS_PER_SECOND);
    }
    let rest = rest.strip_prefix('T')?;
    let hour = number(rest.get(..2)?, 23)?;
    let rest = rest.get(2..)?.strip_prefix(':')?;
    let minute = number(rest.get(..2)?, 59)?;
    let mut rest = rest.get(2..)?;
    let mut second = 0;
    let mut fraction: Nanos = 0;
    if let Some(r) = rest.strip_prefix(':') {
        second = number(r.get(..2)?, 59)?;
        rest = r.get(2..)?;
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&n) {
                return None;
            }
            let digits = r.get(..n)?;
            // `.5` is half a second: pad to nine digits.
            fraction = Nanos::from(number(digits, 999_999_999)?) * 10_i128.pow(9 - n as u32);
            rest = r.get(n..)?;
        }
    }
    let offset_minutes = match rest {
        "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = rest.get(1..)?;
            if zone.len() != 5 || zone.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            sign * (number(zone.get(..2)?, 23)? * 60 + number(zone.get(3..)?, 59)?)
        }
    };
    let local_seconds = ((Nanos::from(days) * 24 + Nanos::from(hour)) * 60 + Nanos::from(minute))
        * 60
        + Nanos::from(second);
    Some((local_seconds - Nanos::from(offset_minutes) * 60) * NANOS_PER_SECOND + fraction)
}

/// Exactly `text.len()` ASCII digits, at most `max`.
fn number(text: &str, max: i64) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    (n <= max).then_some(n)
}

/// Days since 1970-01-01 of a valid proleptic Gregorian `YYYY-MM-DD`.
fn civil_days(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = number(date.get(..4)?, 9999)?;
    let month = number(date.get(5..7)?, 12)?;
    let day = number(date.get(8..)?, 31)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> Nanos {
        parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    const S: Nanos = NANOS_PER_SECOND;

    #[test]
    fn forms() {
        assert_eq!(ns("0"), 0);
        assert_eq!(ns("1700000000"), 1_700_000_000 * S);
        assert_eq!(ns("-1"), -S);
        assert_eq!(ns("+1"), S, "an optional sign");
        assert_eq!(ns("-0"), 0);
        assert_eq!(ns("999999999999"), 999_999_999_999 * S, "twelve digits");
        assert_eq!(ns("1970-01-01"), 0);
        assert_eq!(ns("1970-01-02"), 86_400 * S);
        assert_eq!(ns("2020-01-01T00:00:01Z"), 1_577_836_801 * S);
        assert_eq!(ns("2020-01-01T00:00Z"), 1_577_836_800 * S);
        assert_eq!(
            ns("2020-01-01T00:00:00.250Z"),
            1_577_836_800 * S + 250_000_000
        );
        assert_eq!(ns("2020-01-01T01:00:00+01:00"), ns("2020-01-01T00:00:00Z"));
        assert_eq!(ns("2019-12-31T23:30:00-00:30"), ns("2020-01-01T00:00:00Z"));
        assert_eq!(ns("2000-02-29"), 951_782_400 * S);
        assert_eq!(ns("0000-01-01"), -62_167_219_200 * S);
        assert_eq!(ns("1700000000"), ns("2023-11-14T22:13:20Z"));
        // Digits alone are epoch seconds, never a year.
        assert_eq!(ns("2020"), 2_020 * S);
    }

    #[test]
    fn fractions_take_one_to_nine_digits_and_compare_exactly() {
        let base = 1_577_836_800 * S;
        assert_eq!(ns("2020-01-01T00:00:00.5Z"), base + 500_000_000);
        assert_eq!(ns("2020-01-01T00:00:00.05Z"), base + 50_000_000);
        assert_eq!(ns("2020-01-01T00:00:00.1234Z"), base + 123_400_000);
        assert_eq!(ns("2020-01-01T00:00:00.123456789Z"), base + 123_456_789);
        assert_eq!(ns("2020-01-01T00:00:00.000000001Z"), base + 1);
        assert_eq!(
            ns("2020-01-01T00:00:00.500000000Z"),
            ns("2020-01-01T00:00:00.5Z")
        );
        // Below the millisecond: distinct instants (millisecond precision made them equal).
        assert!(ns("2020-01-01T00:00:00.0001Z") > ns("2020-01-01T00:00:00Z"));
        assert!(ns("2020-01-01T00:00:00.9999999Z") < ns("2020-01-01T00:00:01Z"));
    }

    #[test]
    fn not_dates() {
        for bad in [
            "",
            "-",
            "+",
            "+-1",
            "--1",
            "abc",
            "2020-01",
            "2020-1-01",
            "2020-13-01",
            "2020-02-30",
            "2019-02-29",
            "1900-02-29",
            "2020-01-00",
            "2020-01-01T",
            "2020-01-01T24:00Z",
            "2020-01-01T00:60Z",
            "2020-01-01T00:00:60Z",
            "2020-01-01T00:00:00",
            "2020-01-01 00:00Z",
            "2020-01-01t00:00z",
            "2020-01-01T00:00:00.Z",
            "2020-01-01T00:00:00.1234567890Z",
            "2020-01-01T00:00.5Z",
            "2020-01-01T00:00+0100",
            "2020-01-01T00:00+24:00",
            "1.5",
            "1e9",
            "1000000000000",
            "-1000000000000",
            "0000000000000",
            "99999999999999999999",
            "２０２０-01-01",
            "2020-01-01Z",
            "${aws:CurrentTime}",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
