use proptest::prelude::*;

use super::*;

const ARN: &str = "arn:aws:iam::123456789012:role/R";

/// Any text: ASCII, other scripts, escapes' characters, empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:/_*?-]{0,12}",
        "\\PC{0,8}",
        Just(String::new()),
        Just(ARN.to_string()),
        // Long enough that its length takes two bytes.
        "[a-z]{128,200}",
    ]
}

fn maybe() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

/// A record as the reader makes it, names drawn from a small set so that they repeat.
fn record() -> impl Strategy<Value = Record> {
    let said = (
        prop::collection::vec(
            prop_oneof!["s3:[A-Za-z]{1,3}", "ec2:Describe[A-Z]?", text()],
            0..80,
        ),
        prop::collection::btree_set(prop_oneof!["[a-z0-9-]{1,6}", text()], 0..4),
        prop::collection::btree_map(prop_oneof!["[a-z0-9-]{1,6}", text()], any::<usize>(), 0..4),
    );
    let group = (
        maybe(),
        maybe(),
        prop_oneof![Just(None), Just(Some(ARN.to_string())), maybe()],
        said,
        prop::collection::vec(any::<[u8; 32]>(), 0..3),
    );
    (
        prop::collection::vec(text(), 0..3),
        prop::option::of((maybe(), maybe())),
        prop::collection::vec((maybe(), text(), text()), 0..3),
        prop::collection::vec(group, 0..4),
    )
        .prop_map(|(finding_ids, role, reported, groups)| {
            let mut tables = ActionNames::default();
            let groups = groups
                .into_iter()
                .map(
                    |(id, stamp, resource, (actions, services, named), pages)| Group {
                        id,
                        stamp,
                        resource,
                        said: Said {
                            actions: actions.iter().map(|a| tables.get(a)).collect(),
                            services,
                            named,
                        },
                        pages: pages.into_iter().map(PageId).collect(),
                    },
                )
                .collect();
            Record {
                finding_ids,
                unused_role: role.map(|(finding_id, last_accessed)| UnusedRole {
                    finding_id,
                    last_accessed,
                }),
                reported: reported
                    .into_iter()
                    .map(|(finding_id, finding_type, detail)| ReportedFinding {
                        finding_id,
                        finding_type,
                        detail,
                    })
                    .collect(),
                current: Current { groups },
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// What is packed unpacks to the same record: every text, every spelling of every action
    /// name (in order), every service, entry number and page; whichever tables number them
    /// (names first numbered by the reader, or by the packer), with or without their index.
    #[test]
    fn a_record_unpacks_to_what_was_packed(
        record in record(),
        read_first in any::<bool>(),
        forget in any::<bool>(),
    ) {
        let mut tables = Tables::default();
        if read_first {
            // Numbered by the reader first, last name first.
            for g in record.current.groups.iter().rev() {
                for name in g.said.actions.iter().rev() {
                    tables.names.get(name.written());
                }
            }
        }
        let bytes = record.pack(ARN, &mut tables);
        if forget {
            // As an account's findings are kept once read.
            tables.forget_numbers();
        }
        let back = Record::unpack(&bytes, ARN, &tables);
        // Names compare by their spelling as written (the lower-cased one is made from it).
        prop_assert_eq!(back.as_ref(), Ok(&record));
    }

    /// Bytes that are not what was packed (cut short, a byte changed, one added) read back
    /// as an error or as some record, never a panic.
    #[test]
    fn damaged_bytes_are_refused_or_read_never_a_panic(
        record in record(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0..3u8,
    ) {
        let mut tables = Tables::default();
        let mut bytes = record.pack(ARN, &mut tables).into_vec();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            match how {
                0 => bytes.truncate(i),
                1 => bytes[i] = byte,
                _ => bytes.insert(i, byte),
            }
        }
        let _ = Record::unpack(&bytes, ARN, &tables);
    }
}

#[test]
fn numbers_of_every_width_read_back() {
    for n in [
        0,
        1,
        0x7f,
        0x80,
        0x3fff,
        0x4000,
        u32::MAX as usize,
        usize::MAX - 1,
        usize::MAX,
    ] {
        let mut out = Packer::default();
        out.number(n);
        out.number(7);
        let mut r = Unpacker { rest: &out.0 };
        assert_eq!((r.number(), r.number()), (Ok(n), Ok(7)), "{n}");
        assert!(r.rest.is_empty());
    }
    // A number wider than a `usize` is refused, not wrapped.
    let mut r = Unpacker {
        rest: &[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ],
    };
    assert_eq!(r.number(), Err(Corrupt));
}

#[test]
fn a_name_numbered_by_no_table_is_refused() {
    let mut tables = Tables::default();
    let mut said = Said::default();
    said.actions.push(tables.names.get("s3:GetObject"));
    let record = Record {
        current: Current {
            groups: vec![Group {
                id: Some("f".to_string()),
                stamp: Some("2026-01-01T00:00:00Z".to_string()),
                resource: Some(ARN.to_string()),
                said,
                pages: Vec::new(),
            }],
        },
        ..Record::default()
    };
    let bytes = record.pack(ARN, &mut tables);
    assert_eq!(Record::unpack(&bytes, ARN, &tables), Ok(record));
    // Read with tables that do not have the name, or the date.
    assert_eq!(
        Record::unpack(&bytes, ARN, &Tables::default()),
        Err(Corrupt)
    );
}
