//! The value types of condition operators (docs/semantics.md §5): how a policy value is
//! read, and how a witness value is written so that the same readers accept it.
//!
//! * Numbers: `-?[0-9]+(\.[0-9]+)?`, exact decimals ([`Decimal`]).
//! * Dates: epoch seconds (an optionally signed integer of at most 12 digits),
//!   `YYYY-MM-DD` (midnight UTC) and `YYYY-MM-DDThh:mm[:ss[.f…]](Z|±hh:mm)` with 1 to 9
//!   fraction digits, as nanoseconds since the epoch (`i128`: twelve-digit epoch seconds do
//!   not fit an `i64` of nanoseconds); offsets up to `±23:59`.
//! * Booleans: `true` / `false`, ASCII case-insensitive.
//! * Binary: standard base64 with padding, canonical (no stray bits).
//! * IP addresses: IPv4 / IPv6 CIDRs read by `std::net` (a well-kept reader; bare addresses
//!   are `/32` / `/128`, host bits ignored).
//!
//! Base64 is written here rather than taken from a crate: the prover's argument depends on
//! exactly which texts are valid (the witness writer must produce only those), and the
//! strict canonical form is a few lines.

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

/// An exact decimal number: sign, integer digits without leading zeros (`"0"` for none),
/// fraction digits without trailing zeros. Zero is never negative.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Decimal {
    pub negative: bool,
    pub int: String,
    pub frac: String,
}

impl Decimal {
    /// Reads `-?[0-9]+(\.[0-9]+)?`.
    pub fn parse(text: &str) -> Option<Decimal> {
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
        let int = int.trim_start_matches('0');
        let frac = frac.unwrap_or("").trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let zero = int == "0" && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int: int.to_string(),
            frac: frac.to_string(),
        })
    }

    /// The number times `10^scale` as an integer's decimal text (`scale` at least
    /// [`Decimal::frac`]'s length).
    pub fn scaled(&self, scale: usize) -> String {
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let mut digits = format!("{}{}", self.int, self.frac);
        digits.extend(std::iter::repeat_n(
            '0',
            scale.saturating_sub(self.frac.len()),
        ));
        let trimmed = digits.trim_start_matches('0');
        out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
        out
    }

    /// The decimal whose value is `integer / 10^scale` (`integer`: `-?[0-9]+`).
    pub fn unscale(integer: &str, scale: usize) -> Option<Decimal> {
        let (negative, digits) = match integer.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, integer),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{}{digits}", "0".repeat(scale + 1));
        let cut = padded.len() - scale;
        let text = format!(
            "{}{}.{}",
            if negative { "-" } else { "" },
            &padded[..cut],
            &padded[cut..]
        );
        let text = if scale == 0 {
            text.trim_end_matches('.').to_string()
        } else {
            text
        };
        Decimal::parse(&text)
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(&self.int)?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = |d: &Decimal, e: &Decimal| {
            d.int
                .len()
                .cmp(&e.int.len())
                .then_with(|| d.int.cmp(&e.int))
                .then_with(|| d.frac.cmp(&e.frac))
        };
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => magnitude(self, other),
            (true, true) => magnitude(other, self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Nanoseconds per second and per day.
const NS: i128 = 1_000_000_000;
const NS_PER_DAY: i128 = 86_400 * NS;
/// The largest `±hh:mm` offset read: 23:59.
pub(crate) const MAX_OFFSET_NS: i128 = (23 * 60 + 59) * 60 * NS;
/// Epoch seconds have at most twelve digits.
pub(crate) const MAX_EPOCH_SECONDS: i128 = 999_999_999_999;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count (inverse of [`days_from_civil`]).
fn civil_from_days(z: i128) -> (i128, i128, i128) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i128, m: i128) -> i128 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The first and last nanosecond an ISO date in UTC can name.
pub(crate) fn iso_range() -> (i128, i128) {
    (
        days_from_civil(0, 1, 1) * NS_PER_DAY,
        days_from_civil(10_000, 1, 1) * NS_PER_DAY - 1,
    )
}

/// The instants an ISO date text can name (with an offset of up to 23:59 either way);
/// epoch seconds beyond are whole seconds of at most twelve digits.
pub(crate) fn date_bounds() -> (i128, i128) {
    let (lo, hi) = iso_range();
    (lo - MAX_OFFSET_NS, hi + MAX_OFFSET_NS)
}

fn number(s: &str, len: usize) -> Option<i128> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Reads a date as nanoseconds since 1970-01-01T00:00:00Z (docs/semantics.md §5): epoch
/// seconds (an optionally signed integer of at most 12 digits), `YYYY-MM-DD`, or
/// `YYYY-MM-DDThh:mm[:ss[.f…]](Z|±hh:mm)` with 1 to 9 fraction digits.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    // "optionally signed": a leading `-` (a `+` is read by neither implementation)
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 12 {
            return None;
        }
        let s: i128 = digits.parse().ok()?;
        return Some(if text.starts_with('-') { -s } else { s } * NS);
    }
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (
        number(parts.next()?, 4)?,
        number(parts.next()?, 2)?,
        number(parts.next()?, 2)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut ns = days_from_civil(y, m, d) * NS_PER_DAY;
    let Some(time) = time else {
        return Some(ns);
    };
    let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone[1..].split_once(':')?;
        let (hh, mm) = (number(hh, 2)?, number(mm, 2)?);
        if hh > 23 || mm > 59 {
            return None;
        }
        (clock, sign * (hh * 60 + mm) * 60 * NS)
    };
    let mut fields = clock.split(':');
    let hh = number(fields.next()?, 2)?;
    let mm = number(fields.next()?, 2)?;
    let (ss, frac) = match fields.next() {
        None => (0, 0),
        Some(sec) => {
            let (s, f) = match sec.split_once('.') {
                Some((s, f)) => (s, Some(f)),
                None => (sec, None),
            };
            let f = match f {
                None => 0,
                Some(f) if (1..=9).contains(&f.len()) => {
                    number(f, f.len())? * 10_i128.pow(9 - f.len() as u32)
                }
                Some(_) => return None,
            };
            (number(s, 2)?, f)
        }
    };
    if fields.next().is_some() || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    ns += ((hh * 60 + mm) * 60 + ss) * NS + frac;
    Some(ns - offset)
}

/// Whether a date text can name the instant (the domain the encoding gives dates).
pub(crate) fn nameable(ns: i128) -> bool {
    let (lo, hi) = date_bounds();
    (lo..=hi).contains(&ns) || (ns.rem_euclid(NS) == 0 && (ns / NS).abs() <= MAX_EPOCH_SECONDS)
}

/// Writes an instant so that [`parse_date`] reads it back: ISO 8601 in UTC (with the
/// shortest fraction of 0, 3, 6 or 9 digits) when the year is 0000–9999, epoch seconds for other whole seconds, else ISO
/// with a `±23:59` offset. Every instant of [`date_bounds`] and every whole second of at
/// most twelve digits can be written.
pub(crate) fn render_date(ns: i128) -> String {
    let (lo, hi) = iso_range();
    let iso = |local: i128, zone: &str| {
        let days = local.div_euclid(NS_PER_DAY);
        let rem = local.rem_euclid(NS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = rem / NS;
        // the shortest fraction that says it: none, milli-, micro- or nanoseconds
        let ns = rem % NS;
        let fraction = if ns == 0 {
            String::new()
        } else if ns % 1_000_000 == 0 {
            format!(".{:03}", ns / 1_000_000)
        } else if ns % 1_000 == 0 {
            format!(".{:06}", ns / 1_000)
        } else {
            format!(".{ns:09}")
        };
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}{zone}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
        )
    };
    if (lo..=hi).contains(&ns) {
        iso(ns, "Z")
    } else if ns.rem_euclid(NS) == 0 {
        (ns / NS).to_string()
    } else if ns < lo {
        iso(ns + MAX_OFFSET_NS, "+23:59")
    } else {
        iso(ns - MAX_OFFSET_NS, "-23:59")
    }
}

/// Reads `true` / `false`, ASCII case-insensitively.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Decodes canonical padded standard base64 (`""` is the empty byte string).
pub(crate) fn parse_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let value = |c: u8| BASE64.iter().position(|&b| b == c).map(|v| v as u32);
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (n, chunk) in bytes.chunks(4).enumerate() {
        let last = (n + 1) * 4 == bytes.len();
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &chunk[..4 - pad] {
            bits = (bits << 6) | value(c)?;
        }
        bits <<= 6 * pad as u32;
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        // canonical: the bits the padding hides must be zero
        let kept = 3 - pad;
        if decoded[kept..].iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(&decoded[..kept]);
    }
    Some(out)
}

/// Canonical padded standard base64.
pub(crate) fn render_base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let bits = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(bits >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An IPv4 or IPv6 network: the address with host bits cleared and the prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cidr {
    V4 { net: u32, len: u32 },
    V6 { net: u128, len: u32 },
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
                (a, Some(l.parse::<u32>().ok()?))
            }
            Some(_) => return None,
            None => (text, None),
        };
        if let Ok(v4) = addr.parse::<Ipv4Addr>() {
            let len = len.unwrap_or(32);
            (len <= 32).then(|| Cidr::V4 {
                net: u32::from(v4) & mask4(len),
                len,
            })
        } else if let Ok(v6) = addr.parse::<Ipv6Addr>() {
            let len = len.unwrap_or(128);
            (len <= 128).then(|| Cidr::V6 {
                net: u128::from(v6) & mask6(len),
                len,
            })
        } else {
            None
        }
    }
}

pub(crate) fn mask4(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

pub(crate) fn mask6(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

/// A request's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Address {
    V4(u32),
    V6(u128),
}

impl Address {
    pub fn parse(text: &str) -> Option<Address> {
        if let Ok(v4) = text.parse::<Ipv4Addr>() {
            Some(Address::V4(u32::from(v4)))
        } else {
            text.parse::<Ipv6Addr>()
                .ok()
                .map(|v6| Address::V6(u128::from(v6)))
        }
    }

    pub fn render(self) -> String {
        match self {
            Address::V4(a) => Ipv4Addr::from(a).to_string(),
            Address::V6(a) => Ipv6Addr::from(a).to_string(),
        }
    }

    pub fn within(self, cidr: Cidr) -> bool {
        match (self, cidr) {
            (Address::V4(a), Cidr::V4 { net, len }) => a & mask4(len) == net,
            (Address::V6(a), Cidr::V6 { net, len }) => a & mask6(len) == net,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        assert_eq!(d("1.0"), d("1"));
        assert_eq!(d("-0.00"), d("0"));
        assert!(d("-1.5") < d("-1.25"));
        assert!(d("10") > d("9.999999999999999999999"));
        assert!(d("0.1") < d("0.10000000000000000001"));
        for bad in ["", "-", "1.", ".5", "1e3", "+1", "1.2.3", " 1", "0x10"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        assert_eq!(d("12.5").scaled(3), "12500");
        assert_eq!(d("-0.05").scaled(2), "-5");
        assert_eq!(Decimal::unscale("-125", 2).unwrap().to_string(), "-1.25");
        assert_eq!(Decimal::unscale("7", 0).unwrap().to_string(), "7");
        assert_eq!(Decimal::unscale("5", 3).unwrap().to_string(), "0.005");
        assert_eq!(Decimal::unscale("0", 3).unwrap().to_string(), "0");
    }

    #[test]
    fn dates() {
        let s = 1_000_000_000_i128;
        assert_eq!(parse_date("0"), Some(0));
        assert_eq!(parse_date("-5"), Some(-5 * s));
        assert_eq!(parse_date("999999999999"), Some(999_999_999_999 * s));
        assert_eq!(parse_date("1970-01-02"), Some(86_400 * s));
        assert_eq!(parse_date("2020-02-29T12:00:00Z"), Some(1_582_977_600 * s));
        assert_eq!(parse_date("1970-01-01T00:00:00.000000001Z"), Some(1));
        // `YYYY` alone: digits are epoch seconds
        assert_eq!(parse_date("2020"), Some(2020 * s));
        assert_eq!(
            parse_date("2020-02-29T13:00+01:00"),
            parse_date("2020-02-29T12:00:00.000Z")
        );
        assert_eq!(parse_date("1970-01-01T00:00:00.5Z"), Some(s / 2));
        for bad in [
            "2019-02-29",
            "2020-13-01",
            "yesterday",
            "2020-01-01T24:00Z",
            "2020-01-01T00:00:00.1234567890Z",
            "2020-01-01T00:00",
            "--5",
            "1000000000000",
            "2020-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let (lo, hi) = iso_range();
        for ns in [
            0,
            -1,
            1_582_977_600_123_456_789,
            lo,
            hi,
            lo - 1,
            hi + 1,
            hi + 5 * s - (hi + 5 * s) % s,
            lo - MAX_OFFSET_NS,
            hi + MAX_OFFSET_NS,
            -MAX_EPOCH_SECONDS * s,
            MAX_EPOCH_SECONDS * s,
        ] {
            assert_eq!(
                parse_date(&render_date(ns)),
                Some(ns),
                "{ns}: {}",
                render_date(ns)
            );
        }
    }

    #[test]
    fn base64_is_strict_and_round_trips() {
        assert_eq!(parse_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(parse_base64(""), Some(vec![]));
        for bad in ["aGk", "aGl=", "a===", "aG=k", "aGk=aGk=", "!!!!"] {
            assert_eq!(parse_base64(bad), None, "{bad}");
        }
        for data in [&b""[..], b"a", b"ab", b"abc", b"\x00\xff\x10\x80"] {
            assert_eq!(parse_base64(&render_base64(data)).as_deref(), Some(data));
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(
            Cidr::parse("10.1.2.3/8"),
            Some(Cidr::V4 {
                net: 0x0a00_0000,
                len: 8
            })
        );
        assert_eq!(
            Cidr::parse("10.1.2.3"),
            Some(Cidr::V4 {
                net: 0x0a01_0203,
                len: 32
            })
        );
        assert!(matches!(
            Cidr::parse("2001:db8::/32"),
            Some(Cidr::V6 { len: 32, .. })
        ));
        for bad in [
            "10.0.0.0/33",
            "1.2.3",
            "10.0.0.0/",
            "x",
            "::/129",
            "10.0.0.0/+1",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        let a = Address::parse("10.200.0.1").unwrap();
        assert!(a.within(Cidr::parse("10.0.0.0/8").unwrap()));
        assert!(!a.within(Cidr::parse("::/0").unwrap()));
        assert_eq!(Address::parse(&a.render()), Some(a));
    }
}
