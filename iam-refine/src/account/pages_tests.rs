//! The streamed reader against the whole-tree reader it replaced (kept here as the model),
//! and documents kept as text against documents read at once.

use proptest::prelude::*;
use serde_json::Value;

use super::super::parse::{AccountError, Builder, LISTS};
use super::super::{Account, DocumentError};
use crate::account::document_text::DocumentText;
use crate::document::parse_json_text;
use crate::json;
use crate::json_values;
use crate::policy::{Policy, PolicyKind};
use crate::test_readers::Chunky;

/// The reader before: every piece parsed whole, then each page's lists read in a fixed
/// order. Only whether it accepts, and the account it gives, are compared: with two errors
/// in one export, the two readers may name different ones.
fn whole_tree(text: &str) -> Result<(Account, bool), ()> {
    let mut b = Builder::default();
    let mut pages = 0;
    let mut last_truncated = false;
    for (value, _) in json_values::parse_all(text).map_err(|_| ())? {
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            pages += 1;
            let Value::Object(mut page) = item else {
                return Err(());
            };
            if !LISTS.iter().any(|k| page.contains_key(*k)) {
                return Err(());
            }
            last_truncated = page.get("IsTruncated").and_then(Value::as_bool) == Some(true)
                || page.get("NextToken").is_some_and(|t| !t.is_null());
            for list in LISTS {
                match page.remove(list) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => {
                        for (k, item) in items.into_iter().enumerate() {
                            b.item(pages, list, k + 1, item).map_err(|_| ())?;
                        }
                    }
                    Some(_) => return Err(()),
                }
            }
        }
    }
    if pages == 0 {
        return Err(());
    }
    Ok((b.finish(), last_truncated))
}

/// A document read at once, as the export's reader did before documents were kept as text.
fn read_at_once(value: &Value, kind: PolicyKind) -> Result<Policy, DocumentError> {
    let value = match value {
        Value::String(text) => {
            parse_json_text(text).map_err(|source| DocumentError::Policy { source })?
        }
        other => other.clone(),
    };
    match value {
        Value::Object(map) => {
            Policy::from_document(map, kind).map_err(|source| DocumentError::Policy { source })
        }
        other => Err(DocumentError::NotADocument {
            found: json::kind(&other).to_string(),
        }),
    }
}

/// Percent-encodes every byte that is not alphanumeric, as the raw IAM API does.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// JSON texts of values a document may hold, numbers in several spellings.
fn scalar() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"*\"",
        "\"arn:aws:s3:::b/*\"",
        "\"é\\n\\u0041\\\"\"",
        "1e3",
        "1E+2",
        "-0",
        "100000000000000000000001",
        "2.50",
        "true",
        "null",
        "[]",
        "{}",
    ])
    .prop_map(str::to_string)
}

/// A statement's text: sometimes not one (no `Effect`, an action list of numbers).
fn statement() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["Allow", "Deny", "Maybe"]),
        prop::sample::select(vec!["Action", "NotAction"]),
        prop::collection::vec(
            prop::sample::select(vec!["\"s3:Get*\"", "\"ec2:*\"", "\"*\"", "7"]),
            0..3,
        ),
        prop::collection::vec(
            (prop::sample::select(vec!["Resource", "Sid", "X"]), scalar()),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(effect, key, actions, others, single)| {
            let actions = if single && actions.len() == 1 {
                actions[0].to_string()
            } else {
                format!("[{}]", actions.join(", "))
            };
            let mut fields = vec![
                format!("\"Effect\": \"{effect}\""),
                format!("\"{key}\": {actions}"),
            ];
            let mut seen = Vec::new();
            for (k, v) in others {
                if !seen.contains(&k) {
                    seen.push(k);
                    fields.push(format!("\"{k}\": {v}"));
                }
            }
            format!("{{{}}}", fields.join(", "))
        })
}

/// A document's text (JSON), and how the export gives it: as an object, as a string of JSON
/// text, or URL-encoded.
fn document() -> impl Strategy<Value = (String, u8)> {
    (
        prop::collection::vec(statement(), 0..3),
        any::<bool>(),
        0u8..3,
        prop::sample::select(vec!["", "\"Version\": \"2012-10-17\", ", "\"Id\": 1e3, "]),
    )
        .prop_map(|(statements, single, shape, head)| {
            let statements = if single && statements.len() == 1 {
                statements[0].clone()
            } else {
                format!("[{}]", statements.join(", "))
            };
            (format!("{{{head}\"Statement\": {statements}}}"), shape)
        })
}

fn given(doc: &(String, u8)) -> String {
    match doc.1 {
        0 => doc.0.clone(),
        1 => Value::String(doc.0.clone()).to_string(),
        _ => format!("\"{}\"", url_encode(&doc.0)),
    }
}

/// An item of `list` (sometimes broken: not an object, a field missing or mistyped).
fn item(list: &'static str) -> impl Strategy<Value = String> {
    (
        0u8..30,
        0u8..60,
        prop::collection::vec(document(), 0..3),
        prop::collection::vec(0u8..3, 0..3),
        0u8..20,
    )
        .prop_map(move |(name, flaw, docs, attached, junk)| {
            if flaw == 0 {
                return "\"not an item\"".to_string();
            }
            let arn = |kind: &str, n: u8| format!("\"arn:aws:iam::1:{kind}/N{n}\"");
            let policies = |key: &str| {
                let items: Vec<String> = docs
                    .iter()
                    .enumerate()
                    .map(|(k, d)| {
                        format!("{{\"PolicyName\": \"P{k}\", \"PolicyDocument\": {}}}", given(d))
                    })
                    .collect();
                format!("\"{key}\": [{}]", items.join(", "))
            };
            let attached: Vec<String> = attached
                .iter()
                .map(|n| format!("{{\"PolicyName\": \"M{n}\", \"PolicyArn\": {}}}", arn("policy", *n)))
                .collect();
            let attached = format!("\"AttachedManagedPolicies\": [{}]", attached.join(", "));
            let mut fields = match list {
                "RoleDetailList" => vec![
                    format!("\"RoleName\": \"N{name}\""),
                    format!("\"Arn\": {}", arn("role", name)),
                    policies("RolePolicyList"),
                    attached,
                ],
                "UserDetailList" => vec![
                    format!("\"UserName\": \"N{name}\""),
                    format!("\"Arn\": {}", arn("user", name)),
                    policies("UserPolicyList"),
                    attached,
                    "\"GroupList\": [\"G1\"]".to_string(),
                ],
                "GroupDetailList" => vec![
                    format!("\"GroupName\": \"G{name}\""),
                    format!("\"Arn\": {}", arn("group", name)),
                    policies("GroupPolicyList"),
                    attached,
                ],
                _ => {
                    let versions: Vec<String> = docs
                        .iter()
                        .enumerate()
                        .map(|(k, d)| {
                            format!(
                                "{{\"VersionId\": \"v{k}\", \"IsDefaultVersion\": {}, \"Document\": {}}}",
                                k == 0,
                                given(d)
                            )
                        })
                        .collect();
                    vec![
                        format!("\"PolicyName\": \"M{name}\""),
                        format!("\"Arn\": {}", arn("policy", name)),
                        format!("\"AttachmentCount\": {junk}"),
                        format!("\"PolicyVersionList\": [{}]", versions.join(", ")),
                    ]
                }
            };
            match flaw {
                1 => {
                    fields.remove(1);
                }
                // A repeated key, refused by the strict reader.
                2 => fields.push("\"Arn\": 3".to_string()),
                3 => fields.push(format!("\"Tags\": [{{\"Key\": \"k\", \"Value\": {junk}e1}}]")),
                _ => {}
            }
            format!("{{{}}}", fields.join(", "))
        })
}

/// A page's text: lists in any order (sometimes null or not a list), paging keys, other keys.
fn page() -> impl Strategy<Value = String> {
    (
        prop::sample::subsequence(LISTS.to_vec(), 1..=4)
            .prop_shuffle()
            .prop_flat_map(|lists| {
                let n = lists.len();
                (
                    Just(lists),
                    prop::collection::vec((0u8..40, prop::collection::vec(0usize..1000, 0..4)), n),
                )
            })
            .prop_map(|(lists, forms)| {
                lists
                    .into_iter()
                    .zip(forms)
                    .map(|(list, (form, seeds))| (list, form, seeds))
                    .collect::<Vec<_>>()
            }),
        prop::collection::vec(
            prop::sample::select(vec![
                "\"IsTruncated\": true",
                "\"IsTruncated\": false",
                "\"NextToken\": null",
                "\"NextToken\": \"t\"",
                "\"Marker\": \"m\"",
                "\"Statement\": []",
                "\"Count\": 1E2",
            ]),
            0..3,
        ),
    )
        .prop_flat_map(|(lists, others)| {
            let lists: Vec<BoxedStrategy<String>> = lists
                .into_iter()
                .map(|(list, form, seeds)| match form {
                    0 => Just(format!("\"{list}\": null")).boxed(),
                    1 => Just(format!("\"{list}\": {{}}")).boxed(),
                    _ => prop::collection::vec(item(list), seeds.len())
                        .prop_map(move |items| format!("\"{list}\": [{}]", items.join(",\n ")))
                        .boxed(),
                })
                .collect();
            (lists, Just(others))
        })
        .prop_map(|(lists, others)| {
            let fields: Vec<String> = lists
                .into_iter()
                .chain(others.into_iter().map(str::to_string))
                .collect();
            format!("{{{}}}", fields.join(",\n"))
        })
}

/// One export's text: pages one after another, or in arrays; sometimes a broken tail.
fn export() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(page(), 1..4),
        0u8..3,
        prop::sample::select(vec![
            "", "", "", "", "", "", "", "", "", "", "", "", "{", "]", "3", "%7B%7D",
        ]),
    )
        .prop_map(|(pages, shape, tail)| {
            let body = match shape {
                0 => pages.join("\n"),
                1 => format!("[{}]", pages.join(",\n")),
                _ => pages
                    .iter()
                    .map(|p| format!("[{p}]"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            format!("{body}\n{tail}")
        })
}

/// The columns an error printed with `{:?}` names.
fn columns(printed: &str) -> Vec<usize> {
    printed
        .split("column: ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// An error printed with `{:?}`, the lines and columns within its piece left out.
fn without_positions(printed: &str) -> String {
    let columns_out = without_columns(printed);
    match columns_out.split_once("source: Json { line: ") {
        Some((head, tail)) => format!(
            "{head}source: Json {{ line: _{}",
            tail.trim_start_matches(|c: char| c.is_ascii_digit())
        ),
        None => columns_out,
    }
}

/// An error printed with `{:?}`, its columns left out.
fn without_columns(printed: &str) -> String {
    let mut out = String::new();
    for (k, part) in printed.split("column: ").enumerate() {
        if k == 0 {
            out.push_str(part);
        } else {
            out.push_str("column: _");
            out.push_str(part.trim_start_matches(|c: char| c.is_ascii_digit()));
        }
    }
    out
}

/// What reading `text` as it streams, in reads of `sizes`, gives, and what reading it
/// whole gives, both printed (every principal, group and policy, or the error).
fn both_ways(text: &str, sizes: Vec<usize>) -> (String, String) {
    let streamed = Account::read_from(Chunky::new(text.as_bytes(), &sizes));
    (
        format!("{streamed:?}"),
        format!("{:?}", Account::parse(text)),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Read item by item, an export gives what the whole-tree reader gave: the same account
    /// (every principal, group and managed policy, documents included), or a refusal.
    #[test]
    fn streamed_pages_read_as_the_whole_tree(text in export()) {
        let streamed = Account::parse(&text);
        match (whole_tree(&text), &streamed) {
            (Ok((model, truncated)), Ok(account)) => {
                prop_assert_eq!(format!("{:?}", model.principals), format!("{:?}", account.principals));
                prop_assert_eq!(format!("{:?}", model.groups), format!("{:?}", account.groups));
                prop_assert_eq!(format!("{:?}", model.managed), format!("{:?}", account.managed));
                prop_assert_eq!(&model.attached_by, &account.attached_by);
                // The one warning the reader gives: the last page says more follow.
                prop_assert_eq!(account.warnings().len(), usize::from(truncated));
            }
            (Err(()), Err(_)) => {}
            (model, _) => prop_assert!(
                false,
                "whole tree: {:?}, streamed: {:?}",
                model.map(|_| "accepted"),
                streamed.map(|_| "accepted")
            ),
        }
    }

    /// Read as it streams, in reads of any size, an export gives what its whole text gives:
    /// the same account, or the same error; a byte-order mark, whitespace and URL-encoded
    /// or scalar pieces between the pages included.
    #[test]
    fn an_export_read_as_it_streams_reads_as_its_whole_text(
        text in export(),
        before in prop::sample::select(vec!["", "", "\u{feff}", "\n\n  ", "\u{feff}\t\r\n"]),
        between in prop::sample::select(vec!["", "", "\n%7B%7D\n", "\n\u{feff}", "\n3\n", "\n\"x\"\n", "\n{\"Policies\": [1e2]}"]),
        // Reads of a few bytes and of a few hundred cut literals, escapes, characters and
        // pieces across chunks (the texts are a few KB); a whole chunk reads them at once.
        sizes in prop::collection::vec(prop_oneof![1usize..16, 16usize..512, Just(1 << 16)], 1..4),
    ) {
        let text = format!("{before}{text}{between}");
        let (streamed, whole) = both_ways(&text, sizes);
        // Two differences in where an error is placed, not in what it says:
        // - an error the strict reader raises on a key it has read (a repeated key) is
        //   placed after the key's closing quote by `serde_json`'s text reader, and at the
        //   next byte by its stream reader, which has read it;
        // - the input ending inside a value is placed after the whitespace that ends it
        //   (the text reader trims it first).
        if whole.contains("EOF while parsing") {
            prop_assert_eq!(
                without_positions(&streamed), without_positions(&whole), "{}", text
            );
        } else {
            let (streamed_at, whole_at) = (columns(&streamed), columns(&whole));
            prop_assert_eq!(streamed_at.len(), whole_at.len());
            for (s, w) in streamed_at.iter().zip(&whole_at) {
                prop_assert!(s.abs_diff(*w) <= 1, "columns {} and {}: {}", s, w, text);
            }
            prop_assert_eq!(without_columns(&streamed), without_columns(&whole), "{}", text);
        }
    }

    /// A document kept as text reads as the document read at once did (the same policy,
    /// or the same error), and what it reads comes out exactly as the export wrote it.
    #[test]
    fn a_document_kept_as_text_reads_as_read_at_once(doc in document()) {
        let value = json::parse(&given(&doc)).expect("the generator writes JSON");
        for kind in [PolicyKind::Managed, PolicyKind::RoleInline] {
            let kept = DocumentText::keep(&value, kind).read();
            prop_assert_eq!(&kept, &read_at_once(&value, kind));
            if let (Ok(policy), Value::Object(_)) = (&kept, &value) {
                prop_assert_eq!(&policy.to_value(), &value);
            }
        }
    }
}

#[test]
fn a_page_given_alone_keeps_the_strict_readers_checks() {
    let refused = |text: &str| match Account::parse(text) {
        Err(AccountError::Json { source, .. }) => source.to_string(),
        other => panic!("{text}: {other:?}"),
    };
    // A page's own key repeated, at the position the strict reader gives.
    let text = "{\"RoleDetailList\": [],\n \"RoleDetailList\": []}";
    assert_eq!(
        refused(text),
        parse_json_text(text).unwrap_err().to_string()
    );
    assert!(refused(text).ends_with("duplicate key `RoleDetailList`"));
    // Keys of two document shapes on one top-level object.
    assert!(
        refused("{\"RoleDetailList\": [], \"Statement\": [], \"findings\": []}")
            .contains("`Statement`")
    );
    // The number marker spelled as a key.
    assert!(refused("[{\"$serde_json::private::Number\": \"1\"}]").contains("reserved"));
    // A number where a page is: not a page, named so.
    assert_eq!(
        Account::parse("[1e3]").unwrap_err().to_string(),
        "page 1 (line 1): expected `aws iam get-account-authorization-details` output (an object with RoleDetailList, UserDetailList, GroupDetailList or Policies), found a number"
    );
    // A list of another kind, named with its kind.
    assert_eq!(
        Account::parse("{\"Policies\": 2.5}")
            .unwrap_err()
            .to_string(),
        "page 1: `Policies` must be an array, found a number"
    );
}

#[test]
fn url_encoded_pages_are_read_item_by_item_too() {
    let page = "{\"RoleDetailList\": [{\"RoleName\": \"R\", \"Arn\": \"arn:aws:iam::1:role/R\"}]}";
    let a = Account::parse(&url_encode(page)).expect("reads");
    assert_eq!(a.principals().len(), 1);
}

#[test]
fn a_documents_size_is_its_decoded_texts() {
    let text = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
    let object = DocumentText::keep(&json::parse(text).expect("JSON"), PolicyKind::Managed);
    let encoded = DocumentText::keep(&Value::String(url_encode(text)), PolicyKind::Managed);
    let as_text = DocumentText::keep(&Value::String(text.to_string()), PolicyKind::Managed);
    assert_eq!(object.size(), text.len());
    assert_eq!(encoded.size(), text.len());
    assert_eq!(as_text.size(), text.len());
    // Not valid URL encoding: no underflow, and reading it says why.
    let broken = DocumentText::keep(&Value::String("%%%".into()), PolicyKind::Managed);
    assert_eq!(broken.size(), 0);
    assert!(broken.read().is_err());
}

/// A managed policy larger than IAM's customer managed quota is read once and shared; any
/// other is read at each call. Both give the same document every time.
#[test]
fn large_managed_policies_are_read_once_and_every_reading_is_the_same() {
    let statements: Vec<String> = (0..200)
        .map(|k| format!("{{\"Effect\":\"Allow\",\"Action\":\"s3:Get{k}*\",\"Resource\":\"arn:aws:s3:::b{k}/*\"}}"))
        .collect();
    let large = format!("{{\"Statement\":[{}]}}", statements.join(","));
    let small = format!("{{\"Statement\":[{}]}}", statements[0]);
    assert!(large.len() > PolicyKind::Managed.quota());
    let export = serde_json::json!({"Policies": [
        {"PolicyName": "Large", "Arn": "arn:aws:iam::aws:policy/Large", "DefaultVersionId": "v1",
         "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": json::parse(&large).expect("JSON")}]},
        {"PolicyName": "Small", "Arn": "arn:aws:iam::1:policy/Small", "DefaultVersionId": "v1",
         "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": small}]}
    ]});
    let account = Account::parse(&export.to_string()).expect("reads");
    for (arn, text) in [
        ("arn:aws:iam::aws:policy/Large", &large),
        ("arn:aws:iam::1:policy/Small", &small),
    ] {
        let m = account.managed_policy(arn).expect("policy");
        let first = m.document().expect("a policy");
        assert_eq!(first.to_value(), json::parse(text).expect("JSON"));
        assert_eq!(m.document().expect("a policy"), first);
    }
    let large = account
        .managed_policy("arn:aws:iam::aws:policy/Large")
        .expect("policy");
    assert!(large.read.is_read(), "the large policy's reading is kept");
    let small = account
        .managed_policy("arn:aws:iam::1:policy/Small")
        .expect("policy");
    assert!(
        !small.read.is_read(),
        "a small policy's reading is not kept"
    );
}

#[test]
fn an_export_that_is_not_utf8_or_fails_to_read_is_refused_as_it_streams() {
    let text = "{\"RoleDetailList\": [{\"RoleName\": \"é\", \"Arn\": \"arn:aws:iam::1:role/é\"}]}";
    let at = text.find('é').expect("there") + 1;
    let mut bytes = text.as_bytes().to_vec();
    // The second byte of `é` replaced: the first is no character.
    bytes[at] = b'x';
    for sizes in [vec![1], vec![2, 3], vec![1 << 16]] {
        let read = Account::read_from(Chunky::new(&bytes, &sizes));
        assert_eq!(
            read.unwrap_err(),
            AccountError::NotUtf8 {
                offset: (at - 1) as u64
            }
        );
    }
    // Cut inside a character: refused at the character's start.
    let cut = &text.as_bytes()[..at];
    assert_eq!(
        Account::read_from(cut).unwrap_err(),
        AccountError::NotUtf8 {
            offset: (at - 1) as u64
        }
    );
    // A character cut by every read still reads.
    let (streamed, whole) = both_ways(text, vec![1]);
    assert_eq!(streamed, whole);

    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("the disk is gone"))
        }
    }
    assert_eq!(
        Account::read_from(std::io::Read::chain(&b"{\"Policies\": ["[..], Failing)).unwrap_err(),
        AccountError::Read {
            message: "the disk is gone".to_string()
        }
    );
    assert_eq!(
        Account::read_from(&b""[..]).unwrap_err(),
        AccountError::Empty
    );
    assert_eq!(
        Account::read_from(&b"\xef\xbb\xbf \n"[..]).unwrap_err(),
        AccountError::Empty
    );
}

/// Large managed policies are kept read while the account's budget has room (the first
/// read, up to `KEPT_TEXT` of text); past it, each use reads its own, the same.
#[test]
fn large_managed_policies_past_the_budget_are_read_at_each_use() {
    use crate::account::document_text::KEPT_TEXT;
    let statement = |p: usize, k: usize| {
        format!("{{\"Effect\":\"Allow\",\"Action\":\"s3:Get{p}x{k}*\",\"Resource\":\"arn:aws:s3:::b{k}/*\"}}")
    };
    // Each a little over a third of the budget: two are kept, the third is not.
    let count = KEPT_TEXT / 3 / statement(0, 0).len() + 10;
    let texts: Vec<String> = (0..3)
        .map(|p| {
            let all: Vec<String> = (0..count).map(|k| statement(p, k)).collect();
            format!("{{\"Statement\":[{}]}}", all.join(","))
        })
        .collect();
    let policies: Vec<serde_json::Value> = texts
        .iter()
        .enumerate()
        .map(|(p, text)| {
            serde_json::json!({"PolicyName": format!("L{p}"), "Arn": format!("arn:aws:iam::aws:policy/L{p}"),
                "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1",
                "IsDefaultVersion": true, "Document": json::parse(text).expect("JSON")}]})
        })
        .collect();
    let export = serde_json::json!({ "Policies": policies }).to_string();
    let account = Account::parse(&export).expect("reads");
    for (p, text) in texts.iter().enumerate() {
        let m = account
            .managed_policy(&format!("arn:aws:iam::aws:policy/L{p}"))
            .expect("policy");
        for _ in 0..2 {
            let read = m.document().expect("a policy");
            assert_eq!(read.to_value(), json::parse(text).expect("JSON"));
        }
        assert_eq!(m.read.is_read(), p < 2, "policy {p}");
    }
}
