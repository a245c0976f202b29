//! CloudFormation YAML, read as CloudFormation reads it, into the same JSON value a JSON
//! template gives.
//!
//! CloudFormation "supports the YAML Version 1.1 specification with a few exceptions" and
//! does not support "the `binary`, `omap`, `pairs`, `set`, and `timestamp` tags", "Aliases"
//! or "Hash merges"
//! ([template formats](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html)).
//! So, from `saphyr-parser`'s events (see the workspace `Cargo.toml` for the choice):
//!
//! - a short-form tag becomes its long form (`!Sub x` is `{"Fn::Sub": "x"}`, `!Ref x` is
//!   `{"Ref": "x"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Condition c` is
//!   `{"Condition": "c"}`); a tagged scalar is a string; an unknown tag is refused;
//! - an alias (`*a`, and so every "billion laughs" document) and a merge key (`<<`) are
//!   refused; so are a key repeated in a mapping, a key that is not a scalar, more than one
//!   document, and nesting deeper than [`MAX_DEPTH`];
//! - plain scalars are typed as YAML 1.1 types them: `null`, `~` and nothing are null;
//!   `true`/`false`/`yes`/`no`/`on`/`off` (in their three cases) are booleans; a decimal
//!   written as JSON writes it is a number, kept as written. A plain scalar that a YAML 1.1
//!   reader takes for a number written otherwise (`0x1F`, `010`, `1_000`, `1:30`, `.inf`,
//!   `1.50`, `+1`, `1e5`) or that YAML 1.1 and its common readers disagree on (`y`, `n`) is
//!   kept as text and listed in [`Loaded::ambiguous`]: its text after deployment is not
//!   known for sure, and the template reader refuses it where it can reach a policy.
//!   Everything else (dates such as `2012-10-17` included: no timestamps) is a string.

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

use crate::lines::LineIndex;

/// How deep collections may nest (as deep as `serde_json` allows for JSON).
pub(crate) const MAX_DEPTH: usize = 128;

/// The core schema's tag handle (`!!str` is this handle and `str`).
const CORE: &str = "tag:yaml.org,2002:";

/// CloudFormation's short-form function tags and the long-form key each stands for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("Transform", "Fn::Transform"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Contains", "Fn::Contains"),
    ("EachMemberEquals", "Fn::EachMemberEquals"),
    ("EachMemberIn", "Fn::EachMemberIn"),
    ("RefAll", "Fn::RefAll"),
    ("ValueOf", "Fn::ValueOf"),
    ("ValueOfAll", "Fn::ValueOfAll"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Length", "Fn::Length"),
];

/// A YAML error: a syntax error from the parser or a construct refused here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A plain scalar whose meaning after deployment is uncertain (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ambiguous {
    pub path: Vec<String>,
    pub line: usize,
    pub text: String,
}

/// A YAML document as JSON, with lines.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub value: Value,
    pub lines: LineIndex,
    pub ambiguous: Vec<Ambiguous>,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        tag: Option<Tag>,
    },
    Map {
        map: Map<String, Value>,
        key: Option<(String, usize)>,
        tag: Option<Tag>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    /// The segments of the open collections below the root.
    path: Vec<String>,
    root: Option<Value>,
    lines: LineIndex,
    ambiguous: Vec<Ambiguous>,
}

/// Parses one YAML document.
pub(crate) fn parse(text: &str) -> Result<Loaded, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut b = Builder {
        stack: Vec::new(),
        path: Vec::new(),
        root: None,
        lines: LineIndex::default(),
        ambiguous: Vec::new(),
    };
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let (line, column) = (span.start.line(), span.start.col() + 1);
        let fail = |message: String| YamlError {
            line,
            column,
            message,
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(fail(
                        "more than one YAML document: a template is one document".to_string(),
                    ));
                }
            }
            Event::Alias(_) => {
                return Err(fail(
                    "an alias (`*name`): CloudFormation does not support YAML aliases".to_string(),
                ))
            }
            Event::Scalar(text, style, _, tag) => {
                b.scalar(&text, style, tag.map(|t| t.into_owned()), line)
                    .map_err(fail)?;
            }
            Event::SequenceStart(_, tag) => {
                b.open(
                    Frame::Seq {
                        items: Vec::new(),
                        tag: tag.map(|t| t.into_owned()),
                    },
                    line,
                )
                .map_err(fail)?;
            }
            Event::MappingStart(_, tag) => {
                b.open(
                    Frame::Map {
                        map: Map::new(),
                        key: None,
                        tag: tag.map(|t| t.into_owned()),
                    },
                    line,
                )
                .map_err(fail)?;
            }
            Event::SequenceEnd | Event::MappingEnd => b.close().map_err(fail)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(Loaded {
        value: b.root.unwrap_or(Value::Null),
        lines: b.lines,
        ambiguous: b.ambiguous,
    })
}

impl Builder {
    /// The segment a new value takes in the open collection, and the line to index it at.
    fn segment(&self, line: usize) -> Option<(String, usize)> {
        match self.stack.last()? {
            Frame::Seq { items, .. } => Some((items.len().to_string(), line)),
            Frame::Map { key, .. } => key.clone(),
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<Tag>,
        line: usize,
    ) -> Result<(), String> {
        if self.expecting_key() {
            if let Some(tag) = tag {
                return Err(format!(
                    "a tagged mapping key ({}): not supported",
                    show(&tag)
                ));
            }
            if style == ScalarStyle::Plain && text == "<<" {
                return Err(
                    "a merge key (`<<`): CloudFormation does not support hash merges".to_string(),
                );
            }
            if let Some(Frame::Map { map, key, .. }) = self.stack.last_mut() {
                if map.contains_key(text) {
                    return Err(format!("duplicate key `{text}`"));
                }
                *key = Some((text.to_string(), line));
            }
            return Ok(());
        }
        let segment = self.segment(line);
        let mut full: Vec<String> = self.path.clone();
        if let Some((s, l)) = &segment {
            full.push(s.clone());
            self.lines.insert(&full, *l);
        }
        let value = match tag {
            None if style == ScalarStyle::Plain => match plain(text) {
                Plain::Value(v) => v,
                Plain::Ambiguous => {
                    self.ambiguous.push(Ambiguous {
                        path: full,
                        line,
                        text: text.to_string(),
                    });
                    Value::String(text.to_string())
                }
            },
            None => Value::String(text.to_string()),
            Some(tag) => tagged(&tag, Value::String(text.to_string()), true)?,
        };
        self.add(value);
        Ok(())
    }

    fn open(&mut self, frame: Frame, line: usize) -> Result<(), String> {
        if self.expecting_key() {
            return Err("a mapping or sequence as a mapping key: not supported".to_string());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        if let Some((segment, l)) = self.segment(line) {
            self.path.push(segment);
            self.lines.insert(&self.path, l);
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), String> {
        let value = match self.stack.pop() {
            Some(Frame::Seq { items, tag }) => match tag {
                Some(tag) => tagged(&tag, Value::Array(items), false)?,
                None => Value::Array(items),
            },
            Some(Frame::Map { map, tag, .. }) => match tag {
                Some(tag) => tagged(&tag, Value::Object(map), false)?,
                None => Value::Object(map),
            },
            None => return Ok(()),
        };
        if !self.stack.is_empty() {
            self.path.pop();
        }
        self.add(value);
        Ok(())
    }

    /// Adds a finished value to the open collection (or makes it the document).
    fn add(&mut self, value: Value) {
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some((k, _)) = key.take() {
                    map.insert(k, value);
                }
            }
            None => self.root = Some(value),
        }
    }
}

fn show(tag: &Tag) -> String {
    if tag.handle == CORE {
        format!("`!!{}`", tag.suffix)
    } else {
        format!("`{}{}`", tag.handle, tag.suffix)
    }
}

/// A tagged node: a short form becomes its long form; `!!str` and `!` make a scalar a
/// string; `!!seq` and `!!map` change nothing.
fn tagged(tag: &Tag, value: Value, scalar: bool) -> Result<Value, String> {
    if tag.handle == CORE {
        return match (tag.suffix.as_str(), scalar) {
            ("str", true) | ("seq", false) | ("map", false) => Ok(value),
            _ => Err(format!("the tag {}: not supported", show(tag))),
        };
    }
    // The non-specific tag `!`: "a string" for a scalar.
    if tag.handle.is_empty() && tag.suffix == "!" {
        return Ok(value);
    }
    let long = (tag.handle == "!")
        .then(|| SHORT_FORMS.iter().find(|(s, _)| *s == tag.suffix))
        .flatten()
        .map(|(_, long)| *long)
        .ok_or_else(|| {
            format!(
                "the tag {}: not a CloudFormation function (`!Ref`, `!Sub`, `!GetAtt`, ...)",
                show(tag)
            )
        })?;
    let arg = match (long, value) {
        // `!GetAtt Resource.Attribute`: the attribute is what follows the first dot.
        ("Fn::GetAtt", Value::String(s)) => {
            let (resource, attribute) = s
                .split_once('.')
                .ok_or_else(|| format!("`!GetAtt {s}`: expected `!GetAtt Resource.Attribute`"))?;
            Value::Array(vec![
                Value::String(resource.to_string()),
                Value::String(attribute.to_string()),
            ])
        }
        (_, v) => v,
    };
    let mut map = Map::new();
    map.insert(long.to_string(), arg);
    Ok(Value::Object(map))
}

enum Plain {
    Value(Value),
    Ambiguous,
}

/// Types a plain scalar as YAML 1.1 (and CloudFormation) does; see the module docs.
fn plain(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Value(Value::Null),
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Plain::Value(Value::Bool(true))
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Plain::Value(Value::Bool(false))
        }
        "y" | "Y" | "n" | "N" => return Plain::Ambiguous,
        _ => {}
    }
    if json_decimal(text) {
        // A JSON number by `json_decimal`'s check: its text is kept as written.
        return Plain::Value(Value::Number(Number::from_string_unchecked(
            text.to_string(),
        )));
    }
    if yaml11_number(text) {
        return Plain::Ambiguous;
    }
    Plain::Value(Value::String(text.to_string()))
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?`: a number whose text every reader keeps (a fraction
/// ending in `0` may be rewritten: `1.50` as `1.5`).
fn json_decimal(text: &str) -> bool {
    let s = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let int_ok = int == "0"
        || (!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && !int.starts_with('0'));
    let frac_ok = frac.is_none_or(|f| {
        !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) && !f.ends_with('0')
    });
    int_ok && frac_ok
}

/// Whether a YAML 1.1 reader (the specification, PyYAML or SnakeYAML) may take the text for
/// an integer or a float.
fn yaml11_number(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(s, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8)] {
        if let Some(digits) = s.strip_prefix(prefix) {
            return !digits.is_empty() && digits.chars().all(|c| c == '_' || c.is_digit(radix));
        }
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'_' | b'.' | b':'))
        && mantissa.bytes().filter(|b| *b == b'.').count() <= 1
        && (mantissa.starts_with(|c: char| c.is_ascii_digit()) || mantissa.starts_with('.'));
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Value {
        parse(text).unwrap().value
    }

    fn err(text: &str) -> YamlError {
        parse(text).unwrap_err()
    }

    #[test]
    fn short_forms_become_long_forms() {
        let v = load(
            "a: !Sub 'x${Y}'\nb: !GetAtt R.Arn.Sub\nc: !Ref P\nd: !If [C, !Ref A, !Ref AWS::NoValue]\ne: !Condition C\nf: !GetAZs ''\ng: !Join\n  - ''\n  - [a, !Select [0, !Split [',', s]]]\nh: !GetAtt [R, Arn]\n",
        );
        assert_eq!(
            v,
            json!({
                "a": {"Fn::Sub": "x${Y}"},
                "b": {"Fn::GetAtt": ["R", "Arn.Sub"]},
                "c": {"Ref": "P"},
                "d": {"Fn::If": ["C", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
                "e": {"Condition": "C"},
                "f": {"Fn::GetAZs": ""},
                "g": {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::Split": [",", "s"]}]}]]},
                "h": {"Fn::GetAtt": ["R", "Arn"]},
            })
        );
        for tag in [
            "Base64",
            "Cidr",
            "FindInMap",
            "ImportValue",
            "Equals",
            "Not",
            "And",
            "Or",
        ] {
            let v = load(&format!("k: !{tag} [x]"));
            assert_eq!(v["k"][format!("Fn::{tag}")], json!(["x"]), "{tag}");
        }
    }

    #[test]
    fn plain_scalars_are_typed_as_yaml_1_1_types_them() {
        let v = load("a: yes\nb: Off\nc: ~\nd:\ne: 12\nf: -1.5\ng: 2012-10-17\nh: '12'\ni: !!str 12\nj: 10.0.0.1\nk: 1e\nl: ! 5\n");
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": null, "d": null, "e": 12, "f": -1.5,
                   "g": "2012-10-17", "h": "12", "i": "12", "j": "10.0.0.1", "k": "1e", "l": "5"})
        );
        assert_eq!(v["e"].to_string(), "12");
        for text in [
            "0x1F", "010", "1_000", "1:30", ".inf", "-.Inf", ".nan", "1.50", "+1", "1e5", "1.0",
            "y", "N", "0b101", "0o17", ".5",
        ] {
            let l = parse(&format!("k: {text}")).unwrap();
            assert_eq!(l.ambiguous.len(), 1, "{text}");
            assert_eq!(l.ambiguous[0].path, ["k"]);
            assert_eq!(l.value["k"], json!(text), "{text}");
        }
        assert!(parse("k: '0x1F'").unwrap().ambiguous.is_empty());
    }

    #[test]
    fn refused_constructs_are_named_with_their_line() {
        let e = err("a: &x [1]\nb: *x\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("alias"), "{e:?}");
        assert!(err("a:\n  <<: {b: 1}\n").message.contains("merge"));
        let e = err("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!((e.line, e.message.as_str()), (4, "duplicate key `c`"));
        assert!(err("? [a]\n: 1\n").message.contains("mapping key"));
        assert!(err("a: !Foo x").message.contains("`!Foo`"));
        assert!(err("a: !!binary eA==").message.contains("`!!binary`"));
        assert!(err("a: !GetAtt NoDot")
            .message
            .contains("Resource.Attribute"));
        assert!(err("a: 1\n---\nb: 2\n").message.contains("more than one"));
        assert!(err("a: [1\n").line >= 1);
    }

    #[test]
    fn billion_laughs_is_refused_at_its_first_alias() {
        let mut doc = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let prev = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = err(&doc);
        assert_eq!(e.line, 2);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(err(&deep).message.contains("deeper"));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn lines_are_indexed_by_path() {
        let l = parse("Resources:\n  A:\n    Properties:\n      Policies:\n        - PolicyName: x\n        - PolicyName: y\n").unwrap();
        assert_eq!(l.lines.line(&["Resources", "A"]), Some(2));
        assert_eq!(
            l.lines
                .line(&["Resources", "A", "Properties", "Policies", "1"]),
            Some(6)
        );
    }
}
