//! The policy reader on arbitrary bytes, and its round trip: whatever parses serialises to
//! JSON that parses to an equal policy, and serialising that gives the same text.
#![no_main]

use iam_refine::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    let pretty = policy.to_pretty_json();
    let again = match Policy::parse(&pretty) {
        Ok(p) => p,
        Err(e) => panic!("the policy's own output does not parse: {e}\n{pretty}"),
    };
    assert_eq!(again.statements, policy.statements, "statements changed");
    assert_eq!(again.to_value(), policy.to_value(), "document changed");
    assert_eq!(again.to_pretty_json(), pretty, "printing is not stable");
    // The compact form parses to the same document, and its size is the policy's size.
    let compact = serde_json::to_string(&policy).expect("a policy serialises");
    let from_compact = Policy::parse(&compact).expect("compact output parses");
    assert_eq!(from_compact.to_value(), policy.to_value());
    let non_ws = pretty.chars().filter(|c| !c.is_whitespace()).count();
    assert_eq!(policy.size(), non_ws, "size is not the non-whitespace count");
    let _ = policy.to_value().to_string();
});
