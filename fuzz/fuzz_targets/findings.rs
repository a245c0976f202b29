//! The findings and recommendation readers on arbitrary bytes: no panic, what the strict
//! JSON reader accepts it accepts again after printing, and an account's findings read as
//! they stream (in chunks of a size the input picks) are what its whole text gives.
#![no_main]

use iam_refine::{
    parse_json_text, recommended_steps, AccountFindings, AccountFindingsReader, Catalog,
    Findings,
};
use libfuzzer_sys::fuzz_target;

fn catalog() -> &'static Catalog {
    static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    C.get_or_init(Catalog::embedded)
}

#[path = "shared/chunks.rs"]
mod chunks;
use chunks::Chunks;

fuzz_target!(|data: &[u8]| {
    let size = data.first().map_or(1, |&b| usize::from(b % 16) + 1);
    let mut reader = AccountFindingsReader::default();
    let streamed = reader
        .read_from("f", Chunks { bytes: data, size })
        .map(|()| reader.finish());
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(streamed.is_err(), "bytes that are not UTF-8 were read as findings");
        return;
    };
    assert_eq!(
        streamed,
        AccountFindings::parse([("f", text)]),
        "streamed in chunks of {size}"
    );
    if let Ok(value) = parse_json_text(text) {
        // Printing keeps every value, numbers included: the text parses to the same value.
        let printed = value.to_string();
        match parse_json_text(&printed) {
            Ok(again) => assert_eq!(again, value, "{printed}"),
            Err(e) => panic!("printed JSON does not parse: {e}\n{printed}"),
        }
        if let Some(Ok(steps)) = recommended_steps(&value) {
            let _ = steps.len();
        }
    }
    if let Ok(findings) = Findings::parse(text) {
        let actions: Vec<&str> = findings.actions().collect();
        let services: Vec<&str> = findings.services().collect();
        assert_eq!(
            Findings::from_names(&actions, &services),
            findings,
            "from_names does not rebuild the findings"
        );
        let unused = findings.resolve(catalog());
        for a in &actions {
            let lower = a.to_ascii_lowercase();
            assert!(unused.contains(&lower), "{a} is named but not unused");
        }
    }
    let _ = Catalog::from_json(text, "fuzz".into());
    let _ = Catalog::from_tsv(text);
});
