//! The timestamps AWS prints: ISO 8601 date-times as the CLI writes them
//! (`2024-06-05T12:00:03+00:00`, `2018-10-24 19:47:35.241000+00:00`,
//! `2024-06-05T12:00:03Z`), read into seconds since the Unix epoch.
//!
//! Hand-written rather than a date crate: the library depends only on `serde_json` and
//! `thiserror` (so that it builds anywhere), and comparing two of these timestamps needs
//! nothing but the proleptic Gregorian day count below.

/// Seconds since 1970-01-01T00:00:00Z, or `None` when `text` is not such a timestamp.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if b.len() == 10 {
        return Some(seconds);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3_600 + minute * 60 + second;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    match b.get(i) {
        None => Some(seconds),
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(seconds),
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (h, m) = match rest.len() {
                5 if rest[2] == b':' => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                4 => (num(i + 1..i + 3)?, num(i + 3..i + 5)?),
                2 => (num(i + 1..i + 3)?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let offset = h * 3_600 + m * 60;
            Some(if sign == b'+' {
                seconds - offset
            } else {
                seconds + offset
            })
        }
        _ => None,
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_spellings() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02"), Some(86_400));
        // `date -u -d 2024-06-05T12:00:03Z +%s`
        assert_eq!(parse_timestamp("2024-06-05T12:00:03Z"), Some(1_717_588_803));
        assert_eq!(
            parse_timestamp("2024-06-05T12:00:03+00:00"),
            Some(1_717_588_803)
        );
        assert_eq!(
            parse_timestamp("2024-06-05T14:00:03+02:00"),
            Some(1_717_588_803)
        );
        assert_eq!(
            parse_timestamp("2024-06-05T07:00:03-0500"),
            Some(1_717_588_803)
        );
        assert_eq!(
            parse_timestamp("2018-10-24 19:47:35.241000+00:00"),
            Some(1_540_410_455)
        );
        assert_eq!(parse_timestamp("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2023-02-29T00:00:00Z",
            "2024-13-01",
            "2024-06-05T25:00:00Z",
            "2024-06-05T12:00:03.Z",
            "2024-06-05T12:00:03+0",
            "2024-06-05T12:00:03Zjunk",
            "2024-6-5",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
