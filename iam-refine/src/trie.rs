//! The CamelCase trie and the least-general safe generalization over it.
//!
//! # Words
//! An action name is split into words where a new CamelCase word begins
//! ([`word_starts`]):
//! - before an upper-case letter that follows a character that is not upper-case
//!   (`GetObject` is Get|Object, `ListObjectsV2` is List|Objects|V2, `Ec2Instance`
//!   is Ec2|Instance, `uploadFiles` is upload|Files);
//! - before the last letter of a run of capitals when a lower-case letter follows it, so
//!   acronyms stay whole (`CreateDBInstance` is Create|DB|Instance, `ListIPSets` is
//!   List|IP|Sets).
//!
//! Digits stay with the word before them (`V2`, `EC2`). The trie's levels are: the root
//! (the empty prefix, written `*`), the service (`s3:`, written `s3:*`), then one level per
//! word (`s3:Get`, `s3:GetObject`, `s3:GetObjectAcl`).
//!
//! # Nodes, safety and the selection
//! A node is identified by its prefix string. It is *safe* when every catalog action whose
//! name starts with that prefix, as a string and not only as words (`ec2:DescribeInstance`
//! also covers `DescribeInstances`), is one we want to allow. The refiner writes the safe
//! nodes whose parent is unsafe: the shortest prefixes that allow nothing unwanted.
//!
//! The trie is never materialized. In the catalog's sorted order the actions under any
//! prefix form one contiguous run ([`Catalog::prefix_range`]), so a node is a binary search
//! away and its safety is a range question answered by the caller. Walking the wanted
//! actions in that order, the first wanted action not yet covered by an emitted node
//! determines the next node: the shortest of its word prefixes that is both *eligible*
//! (the caller's containment rule) and safe. Safety and eligibility are monotone along a
//! path (a longer prefix covers a subset), so that node's parent is unsafe or ineligible,
//! and every wanted action in the node's run is covered by it and skipped. A wanted action
//! none of whose prefixes is safe (`s3:GetObject` when `s3:GetObjectAcl` must go) is
//! written exactly, as is a safe node covering one action.

use std::ops::Range;

use crate::catalog::Catalog;

/// Byte offsets in `name` (an action name without service) where a word starts, after 0.
pub fn word_starts(name: &str) -> impl Iterator<Item = usize> + '_ {
    let b = name.as_bytes();
    (1..b.len()).filter(move |&i| {
        let (prev, cur) = (b[i - 1], b[i]);
        if !cur.is_ascii_uppercase() {
            return false;
        }
        if !prev.is_ascii_uppercase() {
            return true;
        }
        b.get(i + 1).is_some_and(u8::is_ascii_lowercase)
    })
}

/// Splits an action name into its words, for documentation and tests.
#[must_use]
pub fn words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in word_starts(name) {
        out.push(&name[start..i]);
        start = i;
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

/// The prefix lengths of a full name `svc:Action`, shortest first: the root (0), the
/// service (`svc:`), then each word boundary, ending with the whole name.
pub(crate) fn node_lengths(full: &str) -> impl Iterator<Item = usize> + '_ {
    node_lengths_at(full, full.find(':'))
}

/// [`node_lengths`] of a name whose `:` is known to be at `colon` (a catalog name's is at
/// its service's length: searching for it was a tenth of the walk over a 1M-action
/// catalog).
fn node_lengths_at(full: &str, colon: Option<usize>) -> impl Iterator<Item = usize> + '_ {
    let service = colon.map(|c| c + 1);
    let action_start = service.unwrap_or(0);
    std::iter::once(0)
        .chain(service)
        .chain(word_starts(&full[action_start..]).map(move |i| action_start + i))
        .chain(std::iter::once(full.len()))
}

/// One entry the selection writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Catalog action `i`, written exactly.
    Exact(usize),
    /// The first `len` bytes of catalog action `i`'s name, followed by `*`.
    Prefix { action: usize, len: usize },
}

impl Choice {
    /// The catalog action the entry was chosen for.
    fn action(&self) -> usize {
        match *self {
            Choice::Exact(i) | Choice::Prefix { action: i, .. } => i,
        }
    }

    /// The lower-cased name or prefix, without `*`.
    pub fn lower_prefix<'c>(&self, catalog: &'c Catalog) -> &'c str {
        match *self {
            Choice::Exact(i) => catalog.lower(i),
            Choice::Prefix { action, len } => &catalog.lower(action)[..len],
        }
    }

    /// The entry text, in catalog casing.
    pub fn render(&self, catalog: &Catalog) -> String {
        match *self {
            Choice::Exact(i) => catalog.name(i).to_string(),
            Choice::Prefix { action, len } => {
                let mut s = String::with_capacity(len + 1);
                s.push_str(&catalog.name(action)[..len]);
                s.push('*');
                s
            }
        }
    }
}

/// The length of the longest common prefix of `a` and `b`, compared eight bytes at a time
/// (a byte at a time it was a fifth of the walk over a 1M-action catalog).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (mut ca, mut cb) = (a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    let mut done = 0;
    for (x, y) in (&mut ca).zip(&mut cb) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        let diff = u64::from_le_bytes(wx) ^ u64::from_le_bytes(wy);
        if diff != 0 {
            // the lowest set bit is in the first byte that differs (little-endian)
            return done + (diff.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    done + ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .take_while(|(x, y)| x == y)
        .count()
}

/// A node as the walk found it: `None` when not eligible, else its run and whether it is
/// safe.
type Node = Option<(Range<usize>, bool)>;

/// Chooses the shortest safe prefixes covering `wanted` (catalog indices, ascending).
///
/// `eligible_from(name)` gives the shortest length at which a prefix `p` of the
/// (lower-cased) action name may be written as `p*` at all (containment in the original
/// pattern), or `None` when no prefix may; `safe(prefix, range)` says whether every
/// catalog action in `range`, the actions under `prefix`, may be allowed. Both must be
/// monotone (true for a prefix implies true for its extensions, which is why eligibility
/// is one length per name) and pure: their answers for the nodes shared by consecutive
/// actions are reused.
pub(crate) fn select(
    catalog: &Catalog,
    wanted: impl IntoIterator<Item = usize>,
    mut eligible_from: impl FnMut(&str) -> Option<usize>,
    mut safe: impl FnMut(&str, Range<usize>) -> bool,
) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut covered_until = 0usize;
    // What was found for the previous action's nodes, by prefix length. The walk is in
    // catalog order, so consecutive actions share their service and first words, and the
    // answers for the shared nodes are reused instead of searched and asked again.
    let mut prev_name = "";
    let mut cache: Vec<(usize, Node)> = Vec::new();
    for i in wanted {
        if i < covered_until {
            continue;
        }
        // Word boundaries come from the canonical casing; the lower-cased name has the
        // same byte offsets because case folding is ASCII.
        let name = catalog.lower(i);
        let lcp = common_prefix(name.as_bytes(), prev_name.as_bytes());
        cache.retain(|(len, _)| *len <= lcp);
        let shared = cache.len();
        prev_name = name;
        // When not even the whole name is eligible, no node on its path is, and the
        // action is written exactly.
        let Some(from) = eligible_from(name) else {
            out.push(Choice::Exact(i));
            continue;
        };
        let mut chosen = None;
        for len in node_lengths_at(catalog.name(i), Some(catalog.service_len(i))) {
            let prefix = &name[..len];
            let node = if let Some((_, node)) = cache[..shared].iter().find(|(l, _)| *l == len) {
                node.clone()
            } else {
                let node = (len >= from).then(|| {
                    let range = catalog.prefix_range_around(prefix, i);
                    let ok = safe(prefix, range.clone());
                    (range, ok)
                });
                cache.push((len, node.clone()));
                node
            };
            let Some((range, ok)) = node else {
                continue;
            };
            if ok {
                chosen = Some((len, range));
                break;
            }
        }
        match chosen {
            Some((len, range)) if range.len() > 1 => {
                // Word boundaries come from each name's casing, so this node may be one
                // of this name only and cover actions written before it (`svc:Get*` of
                // `GetObjectY` covers an earlier `Getobjectx`). Those are the last ones
                // emitted: everything emitted is ascending and below `i`, and an earlier
                // prefix this one does not cover would have covered `i` too.
                while out
                    .last()
                    .is_some_and(|c: &Choice| c.action() >= range.start)
                {
                    out.pop();
                }
                covered_until = range.end;
                out.push(Choice::Prefix { action: i, len });
            }
            _ => out.push(Choice::Exact(i)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_agrees_with_a_byte_by_byte_count() {
        let words = [
            "",
            "a",
            "s3:",
            "s3:getobject",
            "s3:getobjectacl",
            "s3:getobjectx",
            "s3:getobjecu",
            "s3:get",
            "ec2:describeinstances",
            "ec2:describeinstancestatus",
            "ec2:describeimages",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "abcdefgh",
            "abcdefgi",
        ];
        for a in words {
            for b in words {
                let slow = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), slow, "{a} {b}");
            }
        }
    }

    #[test]
    fn camel_case_words() {
        assert_eq!(words("GetObject"), ["Get", "Object"]);
        assert_eq!(words("CreateDBInstance"), ["Create", "DB", "Instance"]);
        assert_eq!(
            words("DescribeDBClusterSnapshots"),
            ["Describe", "DB", "Cluster", "Snapshots"]
        );
        assert_eq!(words("ListIPSets"), ["List", "IP", "Sets"]);
        assert_eq!(words("ListObjectsV2"), ["List", "Objects", "V2"]);
        assert_eq!(words("GetS3Object"), ["Get", "S3", "Object"]);
        assert_eq!(words("EC2Instance"), ["EC2", "Instance"]);
        assert_eq!(words("uploadFiles"), ["upload", "Files"]);
        assert_eq!(words("connect"), ["connect"]);
        assert_eq!(words("GetBucketCORS"), ["Get", "Bucket", "CORS"]);
        assert_eq!(
            words("AssociateViaAWSService-EventsAndStates"),
            [
                "Associate",
                "Via",
                "AWS",
                "Service-",
                "Events",
                "And",
                "States"
            ]
        );
        assert_eq!(words(""), Vec::<&str>::new());
    }

    #[test]
    fn a_prefix_of_a_later_name_replaces_earlier_exact_names_it_covers() {
        use crate::catalog::{AccessLevel, CatalogInfo, Entry};
        let entry = |action: &str| Entry {
            service: "svc".into(),
            action: action.into(),
            level: AccessLevel::Read,
        };
        // `Getobjectx` is one word, so its only nodes are `svc:` and itself; `svc:Get` is
        // a node of `GetObjectY` only, and covers both.
        let catalog = Catalog::from_entries(
            vec![entry("Getobjectx"), entry("GetObjectY"), entry("Put")],
            CatalogInfo::default(),
        )
        .expect("valid");
        let put = catalog.find("svc:put").expect("in the catalog");
        let wanted: Vec<usize> = (0..catalog.len()).filter(|&i| i != put).collect();
        let out = select(
            &catalog,
            wanted,
            |_| Some(0),
            |_, range| !range.contains(&put),
        );
        let rendered: Vec<String> = out.iter().map(|c| c.render(&catalog)).collect();
        assert_eq!(rendered, ["svc:Get*"]);
    }

    #[test]
    fn node_lengths_of_a_full_name() {
        let full = "s3:getobjectacl"; // lower-cased names have no capitals: words come from casing
        assert_eq!(node_lengths(full).collect::<Vec<_>>(), [0, 3, 15]);
        let full = "s3:GetObjectAcl";
        let prefixes: Vec<&str> = node_lengths(full).map(|n| &full[..n]).collect();
        assert_eq!(
            prefixes,
            ["", "s3:", "s3:Get", "s3:GetObject", "s3:GetObjectAcl"]
        );
    }
}
