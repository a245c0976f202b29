//! The account export reader on arbitrary bytes: it reads item by item and keeps documents
//! as text, so a panic anywhere in either, or a document kept that does not read back the
//! same each time, is found here. An export that is accepted is accepted again with every
//! page repeated (AWS's `--starting-token` run twice), giving the same account. Read as it
//! streams (`Account::read_from`, in small reads), any bytes are refused or read without a
//! panic, and a text is accepted exactly when it is read whole, giving the same account.
#![no_main]

use iam_refine::Account;
use libfuzzer_sys::fuzz_target;

/// Every principal, group and managed policy, documents read: what two reads must share.
fn contents(a: &Account) -> String {
    let mut out = String::new();
    for p in a.principals() {
        out += &format!(
            "{:?} {} {} {:?} {:?}\n",
            p.kind, p.name, p.arn, p.attached, p.groups
        );
        for i in &p.inline {
            out += &format!("  {} {:?}\n", i.name, i.document().map(|d| d.to_value()));
        }
    }
    for g in a.groups() {
        out += &format!("{} {} {:?}\n", g.name, g.arn, g.attached);
        for i in &g.inline {
            out += &format!("  {} {:?}\n", i.name, i.document().map(|d| d.to_value()));
        }
    }
    for m in a.managed_policies() {
        out += &format!(
            "{} {:?} {:?}\n",
            m.arn,
            m.document().map(|d| d.to_value()),
            a.attachments(&m.arn)
        );
    }
    out
}

#[path = "shared/chunks.rs"]
mod chunks;
use chunks::Chunks;

fuzz_target!(|data: &[u8]| {
    let streamed = Account::read_from(Chunks {
        bytes: data,
        size: data.len() % 13 + 1,
    });
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(streamed.is_err(), "bytes that are not UTF-8 accepted");
        return;
    };
    let whole = Account::parse(text);
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(contents(a), contents(b), "read as it streams differs"),
        (Err(_), Err(_)) => {}
        _ => panic!("whole: {:?}, streamed: {:?}", whole.is_ok(), streamed.is_ok()),
    }
    let Ok(account) = whole else {
        return;
    };
    let first = contents(&account);
    // A document kept as text reads the same every time.
    assert_eq!(contents(&account), first, "a document read twice differs");
    // A byte-order mark starts a text only: the second copy goes without it.
    let twice = format!("{text}\n{}", text.trim_start_matches('\u{feff}'));
    match Account::parse(&twice) {
        Ok(again) => assert_eq!(
            contents(&again),
            first,
            "repeated pages changed the account"
        ),
        Err(e) => panic!("repeated pages refused: {e}"),
    }
});
