//! The account export reader on arbitrary bytes: it reads item by item and keeps documents
//! as text, so a panic anywhere in either, or a document kept that does not read back the
//! same each time, is found here. An export that is accepted is accepted again with every
//! page repeated (AWS's `--starting-token` run twice), giving the same account.
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(account) = Account::parse(text) else {
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
