//! Addresses and ranges of `IpAddress` / `NotIpAddress` (`docs/semantics.md` §5). AWS:
//! "The value must be in the standard CIDR format (for example, 203.0.113.0/24 or
//! 2001:DB8:1234:5678::/64). If you specify an IP address without the associated routing
//! prefix, IAM uses the default prefix value of /32"
//! ([Condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress)).
//! Addresses are read by `std::net` (dotted quads without leading zeros; RFC 4291 text for
//! IPv6, without a zone). IPv4 and IPv6 never match each other: `::ffff:203.0.113.7` is an
//! IPv6 address.

use std::net::IpAddr;

/// A range: an address and how many of its leading bits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u32,
}

impl Cidr {
    /// `address` or `address/prefix`, the prefix a decimal number up to the family's width;
    /// host bits are ignored (`203.0.113.7/24` is `203.0.113.0/24`).
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let n: u32 = p.parse().ok()?;
                if n > width {
                    return None;
                }
                n
            }
        };
        Some(Cidr { addr, prefix })
    }

    /// Is `addr` of the same family and inside the range?
    pub(crate) fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => same_prefix(
                u128::from(u32::from(net)),
                u128::from(u32::from(a)),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                same_prefix(u128::from(net), u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Do the first `prefix` of the `width` low bits of `a` and `b` agree?
fn same_prefix(a: u128, b: u128, width: u32, prefix: u32) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (a >> shift) == (b >> shift)
}

/// A request value: one address, no prefix.
pub(crate) fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(cidr: &str, addr: &str) -> bool {
        Cidr::parse(cidr)
            .unwrap_or_else(|| panic!("{cidr}"))
            .contains(parse_address(addr).unwrap_or_else(|| panic!("{addr}")))
    }

    #[test]
    fn ipv4() {
        assert!(inside("203.0.113.0/24", "203.0.113.7"));
        assert!(!inside("203.0.113.0/24", "203.0.114.7"));
        assert!(
            inside("203.0.113.7/24", "203.0.113.200"),
            "host bits ignored"
        );
        assert!(inside("203.0.113.7", "203.0.113.7"));
        assert!(
            !inside("203.0.113.7", "203.0.113.8"),
            "a bare address is /32"
        );
        assert!(inside("0.0.0.0/0", "255.255.255.255"));
        assert!(inside("10.0.0.0/8", "10.255.0.1"));
    }

    #[test]
    fn ipv6() {
        assert!(inside(
            "2001:DB8:1234:5678::/64",
            "2001:db8:1234:5678:ffff::1"
        ));
        assert!(!inside("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1"));
        assert!(inside("::/0", "::1"));
        assert!(
            inside("2001:db8::1", "2001:db8:0::1"),
            "a bare address is /128"
        );
        assert!(!inside("2001:db8::1", "2001:db8::2"));
        assert!(inside("2001:db8::/127", "2001:db8::1"));
    }

    #[test]
    fn families_never_mix() {
        assert!(!inside("0.0.0.0/0", "::ffff:203.0.113.7"));
        assert!(!inside("::/0", "203.0.113.7"));
        assert!(!inside("::ffff:0:0/96", "203.0.113.7"));
    }

    #[test]
    fn not_ranges() {
        for bad in [
            "",
            "203.0.113.0/33",
            "::/129",
            "203.0.113.0/",
            "203.0.113.0/-1",
            "203.0.113.0/+8",
            "203.0.113",
            "203.0.113.0.1",
            "256.0.0.0",
            "203.0.113.0/24/1",
            "fe80::1%eth0",
            "203.0.113.0/0024",
            "x",
            "${aws:SourceIp}",
            " 203.0.113.0/24",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
        assert!(
            parse_address("203.0.113.0/24").is_none(),
            "a request value is an address"
        );
    }
}
