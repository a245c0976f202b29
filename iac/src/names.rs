//! Names of declared unknowns (docs/semantics.md §7), and the guard that keeps them apart
//! from what a document says by itself.
//!
//! # The naming scheme
//!
//! A name is a prefix and a text, percent-encoded so it is safe inside `${...}`: every byte
//! outside `A-Z a-z 0-9 - _ . : / @ + = [ ] ( ) ; | ~ !` is written `%XX` (UTF-8 bytes,
//! upper-case hex; `%` itself is encoded), so a name never holds `}`, `,`, `'`, `"`, `$`,
//! `*`, `?`, a space or a control character. The encoding is one-to-one, so two names are
//! equal exactly when the values they stand for were written the same way.
//!
//! - Terraform: `tf:` + the resource address + `.` + the attribute path, e.g.
//!   `tf:module.app.aws_iam_role_policy.this.policy` or
//!   `tf:data.aws_iam_policy_document.s3.statement[0].resources[1]`
//!   (`tf:aws_iam_policy.p[%22a%22].policy` for `aws_iam_policy.p["a"]`).
//! - CloudFormation, from the expression after every resolvable part is resolved:
//!   `cfn:Ref:Bucket` (`!Ref Bucket`, and `${Bucket}` in `Fn::Sub`), `cfn:Ref:AWS::Region`,
//!   `cfn:GetAtt:Bucket.Arn` (`!GetAtt Bucket.Arn`, `!GetAtt [Bucket, Arn]`, and
//!   `${Bucket.Arn}` in `Fn::Sub`), `cfn:ImportValue:SharedArn`, and for anything else
//!   `cfn:expr=` + the expression as JSON with sorted keys (`cfn:expr=%7B%22Fn::If%22:...`).

use std::collections::BTreeMap;

use serde_json::Value;

/// The prefixes of declared names.
pub(crate) const PREFIXES: [&str; 2] = ["tf:", "cfn:"];

/// Percent-encodes `text` outside the safe set.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let safe = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b':'
                    | b'/'
                    | b'@'
                    | b'+'
                    | b'='
                    | b'['
                    | b']'
                    | b'('
                    | b')'
                    | b';'
                    | b'|'
                    | b'~'
                    | b'!'
            );
        if safe {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `${NAME}`, as a name occurs in a document.
pub(crate) fn occurrence(name: &str) -> String {
    format!("${{{name}}}")
}

/// Whether a text the input wrote itself could be read as a declared unknown: such a
/// document is refused, so every `${tf:...}` or `${cfn:...}` in an output came from here.
pub(crate) fn looks_declared(text: &str) -> Option<&'static str> {
    PREFIXES
        .into_iter()
        .find(|p| text.contains(&format!("${{{p}")))
}

/// The first string (key or value) in `value` that [`looks_declared`].
pub(crate) fn find_declared_looking(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => looks_declared(s).map(|_| s.clone()),
        Value::Array(items) => items.iter().find_map(find_declared_looking),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            looks_declared(k)
                .map(|_| k.clone())
                .or_else(|| find_declared_looking(v))
        }),
        _ => None,
    }
}

/// A value as JSON text with every object's keys sorted, for names.
pub(crate) fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            Value::Object(map) => {
                let ordered: BTreeMap<&String, Value> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                Value::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The declared names occurring in `value`, in order of first occurrence.
pub(crate) fn occurring<'n>(value: &Value, known: &'n BTreeMap<String, String>) -> Vec<&'n str> {
    let mut found: Vec<&'n str> = Vec::new();
    let mut visit = |s: &str| {
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            if let Some((name, _)) = known.get_key_value(&after[..end]) {
                if !found.contains(&name.as_str()) {
                    found.push(name.as_str());
                }
            }
            rest = &after[end..];
        }
    };
    walk_strings(value, &mut visit);
    found
}

fn walk_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| walk_strings(v, f)),
        Value::Object(map) => {
            for (k, v) in map {
                f(k);
                walk_strings(v, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_safe_inside_a_variable_and_one_to_one() {
        let hostile = "a}b,c'd e\"f$g{h*i?j%k\u{e9}\n";
        let e = encode(hostile);
        for bad in ['}', ',', '\'', ' ', '"', '$', '{', '*', '?', '\n'] {
            assert!(!e.contains(bad), "{e}");
        }
        assert_eq!(e, "a%7Db%2Cc%27d%20e%22f%24g%7Bh%2Ai%3Fj%25k%C3%A9%0A");
        // `%` is encoded, so an encoded text never reads as another's encoding.
        assert_ne!(encode("%41"), encode("A"));
        assert_eq!(
            encode("module.a[0].aws_iam_policy.p"),
            "module.a[0].aws_iam_policy.p"
        );
    }

    #[test]
    fn declared_looking_text_is_found() {
        assert_eq!(looks_declared("arn:${cfn:Ref:X}"), Some("cfn:"));
        assert_eq!(looks_declared("${aws:username}"), None);
        let doc = json!({"Statement": [{"Resource": ["a", "${tf:x.policy}"]}]});
        assert_eq!(
            find_declared_looking(&doc).as_deref(),
            Some("${tf:x.policy}")
        );
    }

    #[test]
    fn occurring_names_are_listed_once_in_order() {
        let known: BTreeMap<String, String> = [
            ("cfn:Ref:B".to_string(), String::new()),
            ("cfn:Ref:A".to_string(), String::new()),
        ]
        .into_iter()
        .collect();
        let doc =
            json!({"R": ["${cfn:Ref:A}/${aws:x}/${cfn:Ref:B}", "${cfn:Ref:A}"], "${cfn:Ref:B}": 1});
        assert_eq!(occurring(&doc, &known), ["cfn:Ref:A", "cfn:Ref:B"]);
        assert_eq!(
            canonical(&json!({"b": 1, "a": [{"d": 1, "c": 2}]})),
            r#"{"a":[{"c":2,"d":1}],"b":1}"#
        );
    }
}
