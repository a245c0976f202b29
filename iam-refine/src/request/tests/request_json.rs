//! `docs/semantics.md` §1: the request and its JSON form.

use serde_json::json;

use crate::request::{Request, RequestError, ValueType};

#[test]
fn the_json_form_round_trips() {
    let text = r#"{"action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
        "context": {"aws:SourceIp": {"type": "ip", "values": ["203.0.113.7"]},
                    "aws:TagKeys": {"type": "stringList", "values": ["team", "cost"]}}}"#;
    let r = Request::from_json(text).unwrap();
    assert_eq!(r.action, "s3:GetObject");
    assert_eq!(r.get("AWS:SOURCEIP").unwrap().kind, ValueType::Ip);
    assert_eq!(r.get("aws:tagkeys").unwrap().values, ["team", "cost"]);
    let back = Request::from_value(&r.to_value()).unwrap();
    assert_eq!(back, r);
    let bare = Request::from_json(r#"{"action": "a", "resource": "b"}"#).unwrap();
    assert_eq!(bare.to_value(), json!({"action": "a", "resource": "b"}));
}

#[test]
fn a_witness_carries_the_values_of_declared_unknowns() {
    let text = r#"{"action": "a", "resource": "b", "unknowns": {"Bucket.Arn": "arn:aws:s3:::x", "Key": ""}}"#;
    let r = Request::from_json(text).unwrap();
    assert_eq!(r.unknowns().len(), 2);
    assert_eq!(r.unknowns()["Bucket.Arn"], "arn:aws:s3:::x");
    assert_eq!(
        r.to_value(),
        json!({"action": "a", "resource": "b", "unknowns": {"Bucket.Arn": "arn:aws:s3:::x", "Key": ""}})
    );
    assert_eq!(Request::from_value(&r.to_value()).unwrap(), r);
    let built = Request::new("a", "b")
        .with_unknown("Bucket.Arn", "arn:aws:s3:::x")
        .unwrap()
        .with_unknown("Key", "")
        .unwrap();
    assert_eq!(built, r);
    let err = |t: &str| Request::from_json(t).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "unknowns": {"X": 1}}"#),
        "`unknowns.X` must be a string, found a number `1`"
    );
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "unknowns": ["X"]}"#),
        "`unknowns` must be an object, found an array"
    );
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "unknowns": {"": "x"}}"#),
        "the name of an unknown is empty"
    );
    assert!(
        err(r#"{"action": "a", "resource": "b", "unknowns": {"X": "1", "X": "2"}}"#)
            .contains("duplicate key `X`")
    );
}

#[test]
fn bad_requests_are_refused_naming_the_problem() {
    let err = |t: &str| Request::from_json(t).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"action": "a"}"#),
        "`resource` must be a string, found nothing"
    );
    assert_eq!(
        err(r#"{"action": 1, "resource": "b"}"#),
        "`action` must be a string, found a number `1`"
    );
    assert!(
        err(r#"{"action": "a", "resource": "b", "extra": 1}"#).starts_with("unknown field `extra`")
    );
    assert!(err(r#"{"action": "a", "action": "b", "resource": "b"}"#)
        .contains("duplicate key `action`"));
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "context": {"k": {"type": "text", "values": ["x"]}}}"#),
        "context key `k`: unknown type `text` (expected one of string, stringList, numeric, numericList, boolean, booleanList, date, dateList, ip, ipList, binary, binaryList)"
    );
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "context": {"k": {"type": "string", "values": ["x", "y"]}}}"#),
        "context key `k`: type `string` takes exactly one value, found 2 (use `stringList` for several)"
    );
    assert_eq!(
        err(r#"{"action": "a", "resource": "b", "context": {"k": {"type": "string", "values": []}}}"#),
        "context key `k`: type `string` takes exactly one value, found 0 (use `stringList` for several)"
    );
    assert_eq!(
        err(
            r#"{"action": "a", "resource": "b", "context": {"k": {"type": "string", "values": "x"}}}"#
        ),
        "`context.k.values` must be an array of strings, found a string `x`"
    );
    assert_eq!(
        err(
            r#"{"action": "a", "resource": "b", "context": {"k": {"type": "numeric", "values": [1]}}}"#
        ),
        "`context.k.values` must be a string, found a number `1`"
    );
    assert_eq!(
        err(
            r#"{"action": "a", "resource": "b", "context": {"Key": {"type": "string", "values": ["x"]}, "KEY": {"type": "string", "values": ["y"]}}}"#
        ),
        "context keys `Key` and `KEY` are the same key (key names are case-insensitive)"
    );
    assert!(err(r#"{"action": "a", "resource": "b", "context": {"k": {"type": "string", "values": ["x"], "v": 1}}}"#).starts_with("unknown field `context.k.v`"));
    assert!(matches!(
        Request::from_json("[1"),
        Err(RequestError::Json { .. })
    ));
}

#[test]
fn types_are_aws_names() {
    for t in ValueType::ALL {
        assert_eq!(ValueType::from_name(t.name()), Some(t));
        assert_eq!(t.is_list(), t.name().ends_with("List"));
    }
    assert_eq!(
        ValueType::from_name("STRINGLIST"),
        Some(ValueType::StringList)
    );
    assert_eq!(ValueType::from_name("list"), None);
}
