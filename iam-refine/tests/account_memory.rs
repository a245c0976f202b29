//! What reading an account export holds, measured by counting the bytes allocated (not by
//! time, so the figures are the same on every machine): its own binary, so that the
//! counting allocator sees nothing else.
//!
//! An export is read item by item and its documents are kept as text, so the account it
//! gives is smaller than the export (0.43 times it here), and reading it holds, beside the
//! export's text, about half the export more (0.52 times). Before, a page's whole JSON tree
//! was built first (the AWS CLI prints one page, so that was the whole account), its text was
//! copied to be cut into pages, and every document was kept read: the same export gave an
//! account of 2.86 times its size, and reading it peaked at 4.46 times beside the text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use iam_refine::Account;
use serde_json::{json, Value};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged, with the caller's
// guarantees; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc` hold for `System.alloc`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation is).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and the caller's guarantees on `new_size` hold.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counters are the whole process's: one test measures at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What `work` gives, with the bytes it left allocated and the most it had allocated at once
/// (what was allocated before it is not counted).
fn measured<T>(work: impl FnOnce() -> T) -> (T, usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = work();
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    (out, held, peak)
}

/// A statement as accounts write them: actions, resources, a condition.
fn statement(k: usize) -> Value {
    json!({
        "Sid": format!("S{k}"),
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", format!("ec2:Describe{k}*"), "logs:*"],
        "Resource": [format!("arn:aws:s3:::bucket-{k}/*"), "arn:aws:logs:*:*:*"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
    })
}

/// One page, as the AWS CLI prints it (pages merged), pretty-printed: `roles` roles, each
/// with an inline policy and two managed policies of `roles / 10` attached.
fn export(roles: usize) -> String {
    let managed = (roles / 10).max(1);
    let document = |n: usize| json!({"Version": "2012-10-17", "Statement": (0..n).map(statement).collect::<Vec<_>>()});
    let roles: Vec<Value> = (0..roles)
        .map(|r| {
            let attached: Vec<Value> = [r % managed, (r + 1) % managed]
                .iter()
                .map(|m| {
                    json!({"PolicyName": format!("M{m}"),
                        "PolicyArn": format!("arn:aws:iam::123456789012:policy/M{m}")})
                })
                .collect();
            json!({
                "Path": "/", "RoleName": format!("Role{r}"), "RoleId": format!("AROA{r:016}"),
                "Arn": format!("arn:aws:iam::123456789012:role/Role{r}"),
                "CreateDate": "2024-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document(4)}],
                "AttachedManagedPolicies": attached,
                "Tags": [], "RoleLastUsed": {}
            })
        })
        .collect();
    let policies: Vec<Value> = (0..managed)
        .map(|m| {
            json!({
                "PolicyName": format!("M{m}"), "PolicyId": format!("ANPA{m:016}"),
                "Arn": format!("arn:aws:iam::123456789012:policy/M{m}"), "Path": "/",
                "DefaultVersionId": "v1", "AttachmentCount": 2, "IsAttachable": true,
                "PolicyVersionList": [{"Document": document(8), "VersionId": "v1",
                    "IsDefaultVersion": true, "CreateDate": "2024-01-01T00:00:00Z"}]
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles,
        "Policies": policies, "IsTruncated": false
    }))
    .expect("serialises")
}

#[test]
fn an_account_is_smaller_than_its_export_and_reading_it_holds_less_than_twice_the_export() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let text = export(2_000);
    let (account, held, peak) = measured(|| Account::parse(&text).expect("reads"));
    let ratio = |n: usize| n as f64 / text.len() as f64;
    eprintln!(
        "export {} bytes; account {held} bytes ({:.2}x); reading peaked at {peak} bytes ({:.2}x)",
        text.len(),
        ratio(held),
        ratio(peak)
    );
    assert_eq!(account.principals().len(), 2_000);
    assert!(account.principals()[0].inline[0].document().is_ok());
    assert!(
        ratio(held) < 0.6,
        "the account holds {:.2}x its export",
        ratio(held)
    );
    // Beside the text itself: under twice the export in all.
    assert!(
        ratio(peak) < 1.0,
        "reading peaked at {:.2}x the export",
        ratio(peak)
    );
}

/// Read as it streams (`Account::read_from`, as `account` reads a file), the export's text is
/// never held whole: what reading holds is the account and a chunk of the text, 0.53 times
/// the export in all here. Read whole first (as `account` did), the text itself was held
/// beside that: 1.53 times the export.
#[test]
fn an_export_read_as_it_streams_holds_less_than_the_export() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let text = export(2_000);
    let (account, _, peak) = measured(|| Account::read_from(text.as_bytes()).expect("reads"));
    let ratio = peak as f64 / text.len() as f64;
    eprintln!(
        "export {} bytes; reading it as it streams peaked at {peak} bytes ({ratio:.2}x)",
        text.len()
    );
    assert_eq!(account.principals().len(), 2_000);
    assert!(
        ratio < 0.7,
        "reading as it streams peaked at {ratio:.2}x the export"
    );
}

/// `roles` roles' unused-permission findings as `get-finding-v2` prints them, one per line:
/// ten services each (of 40), six or seven actions of each (of 30), as the synthetic
/// accounts of `scripts/synthetic-account.py` have.
fn findings(roles: usize) -> String {
    let mut text = String::new();
    for r in 0..roles {
        let details: Vec<Value> = (0..10)
            .map(|k| {
                let service = (r * 7 + k * 3) % 40;
                let actions: Vec<Value> = (0..6 + (r + k) % 2)
                    .map(|a| {
                        json!({"action": format!("Get{}Thing", (r + a * 4) % 30),
                            "lastAccessed": "2025-02-01T08:00:00Z"})
                    })
                    .collect();
                json!({"unusedPermissionDetails": {"serviceNamespace": format!("svc{service}"),
                    "actions": actions, "lastAccessed": "2025-03-01T00:00:00Z"}})
            })
            .collect();
        let finding = json!({
            "analyzedAt": "2026-11-30T12:00:00Z", "createdAt": "2026-11-01T12:00:00Z",
            "id": format!("{r:012}-0000-4000-8000-99ba930d6eaf"),
            "resource": format!("arn:aws:iam::123456789012:role/Role{r}"),
            "resourceType": "AWS::IAM::Role", "resourceOwnerAccount": "123456789012",
            "status": "ACTIVE", "updatedAt": "2026-11-30T12:00:00Z",
            "findingDetails": details, "findingType": "UnusedPermission"
        });
        text.push_str(&finding.to_string());
        text.push('\n');
    }
    text
}

/// What reading `text` as an account's findings holds once read, and its peak, in bytes.
fn read_findings(text: &str) -> (iam_refine::AccountFindings, usize, usize) {
    measured(|| {
        let mut reader = iam_refine::AccountFindingsReader::default();
        reader
            .read_from("findings.jsonl", text.as_bytes())
            .expect("reads");
        reader.finish()
    })
}

/// An account's findings are all read before the first principal is planned, so what they
/// hold counts as much as the account does. Packed per principal (`usage/held.rs`), 3,000
/// roles' findings hold 0.08 times their text; reading them holds its buffers (about 3 MB,
/// whatever the input's size) and grows by 0.07 bytes per byte of findings. Held as read,
/// they held 0.21 times their text once read, and reading grew 0.35 bytes per byte.
#[test]
fn an_accounts_findings_are_held_in_under_a_sixth_of_their_text() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (small, large) = (findings(1_000), findings(3_000));
    let (_, _, small_peak) = read_findings(&small);
    let (read, held, peak) = read_findings(&large);
    let ratio = |n: usize| n as f64 / large.len() as f64;
    let growth = (peak - small_peak) as f64 / (large.len() - small.len()) as f64;
    eprintln!(
        "findings {} bytes; held {held} bytes ({:.3}x); reading peaked at {peak} bytes ({:.3}x), \
         {growth:.3} bytes more per byte from 1,000 to 3,000 roles",
        large.len(),
        ratio(held),
        ratio(peak)
    );
    assert_eq!(read.arns().count(), 3_000);
    let one = read
        .principal("arn:aws:iam::123456789012:role/Role7")
        .expect("held")
        .unpack()
        .expect("reads back");
    assert_eq!(one.unused.expect("unused").actions().count(), 65);
    assert!(ratio(held) < 0.15, "held {:.3}x the findings", ratio(held));
    assert!(
        growth < 0.15,
        "reading grew {growth:.3} bytes per byte of findings"
    );
}
