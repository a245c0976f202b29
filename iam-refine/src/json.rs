//! The crate's one JSON reader: `serde_json`, made strict.
//!
//! JSON parsers disagree on a repeated key (`{"Effect": "Deny", "Effect": "Allow"}`):
//! `serde_json` keeps the last, others the first, some refuse. A document whose meaning
//! depends on the reader is refused here, wherever the key is, with `serde_json`'s line and
//! column of the repeated key. Numbers keep their text exactly (`serde_json`'s
//! `arbitrary_precision` keeps their digits; [`Numbers`] their spelling), so `1e3` and
//! `100000000000000000000001` come out as written.
//!
//! Every JSON text the crate reads goes through [`parse`], or through a seed that refuses
//! repeats the same way and reads its values straight into what they build: a large
//! catalog's, through [`parse_with`] (`catalog_json.rs`), and an account export's pages,
//! from a text or a stream, with their numbers from [`Numbers`] (`account/pages.rs`).

use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `serde_json`'s marker for a number under `arbitrary_precision`: `deserialize_any` hands a
/// number to the visitor as a one-entry map from this key to the number's text.
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A JSON syntax error or a refused construct, with `serde_json`'s position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl JsonError {
    pub(crate) fn from_serde(e: &serde_json::Error) -> JsonError {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        JsonError {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// Parses one JSON text, refusing a repeated key in any object.
pub(crate) fn parse(text: &str) -> Result<Value, JsonError> {
    let numbers = Numbers::scan(text);
    parse_with(text, StrictValue { numbers: &numbers })
}

/// The message for a repeated key; the caller's deserializer adds the position.
pub(crate) fn duplicate_key(key: &str) -> String {
    format!("duplicate key `{key}`")
}

/// The number literals of a JSON text, in document order, as written.
///
/// `serde_json`'s `arbitrary_precision` keeps a number's digits but rewrites its exponent
/// (`1e3` becomes `1e+3`, `1E2` becomes `1e+2`), so the text is taken from here instead:
/// `serde_json` visits numbers in document order, and each one it reports is checked against
/// the next literal before that literal is used.
pub(crate) struct Numbers<'t> {
    source: Source<'t>,
}

/// Where [`Numbers`] finds the literals, taken in order.
enum Source<'t> {
    /// In a whole text, lexed on the first number `serde_json` reports: most inputs
    /// (catalogs, findings) hold none, and lexing a 22 MB catalog byte by byte was 6 % of
    /// reading it.
    Text {
        text: &'t str,
        literals: OnceCell<RefCell<VecDeque<String>>>,
    },
    /// Lexed as the text streams past ([`NumberLexer`]).
    Lexed(&'t RefCell<VecDeque<String>>),
}

impl<'t> Numbers<'t> {
    /// The number literals of `text`, lexed when first needed.
    pub(crate) fn scan(text: &'t str) -> Numbers<'t> {
        Numbers {
            source: Source::Text {
                text,
                literals: OnceCell::new(),
            },
        }
    }

    /// The number literals a [`NumberLexer`] finds as a text streams into `serde_json`: each
    /// is in `literals` before `serde_json` reports its number, as `serde_json` reads the
    /// byte after a number before it reports it.
    pub(crate) fn lexed(literals: &'t RefCell<VecDeque<String>>) -> Numbers<'t> {
        Numbers {
            source: Source::Lexed(literals),
        }
    }

    /// The number `serde_json` read as `normalized`, with the text it was written with.
    fn take(&self, normalized: &str) -> Result<Number, String> {
        let queue = match &self.source {
            Source::Text { text, literals } => literals.get_or_init(|| {
                let mut all = VecDeque::new();
                let mut lexer = NumberLexer::default();
                lexer.feed(text.as_bytes(), &mut all);
                lexer.end(&mut all);
                RefCell::new(all)
            }),
            Source::Lexed(queue) => queue,
        };
        let literal = queue.borrow_mut().pop_front().unwrap_or_default();
        if exponent_normalized(&literal) != normalized {
            return Err(format!(
                "number `{normalized}` could not be matched to its text (found `{literal}`)"
            ));
        }
        // `literal` is the same number as `normalized`, which serde_json just accepted;
        // only the spelling of its exponent may differ.
        Ok(Number::from_string_unchecked(literal))
    }
}

/// Lexes a text just enough to find its number literals, a chunk at a time as it comes:
/// strings (with their escapes) are skipped, and a number is a run of `-+.0-9eE` starting
/// with `-` or a digit. On invalid JSON the literals may be wrong, but `serde_json` then
/// fails anyway.
#[derive(Debug, Default)]
pub(crate) struct NumberLexer {
    in_string: bool,
    escaped: bool,
    /// The literal being read, when one is.
    number: Option<String>,
}

impl NumberLexer {
    fn is_number_byte(b: u8) -> bool {
        matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
    }

    /// Lexes `bytes`, the next of the text, each literal found pushed on `literals`.
    pub(crate) fn feed(&mut self, bytes: &[u8], literals: &mut VecDeque<String>) {
        for &b in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            if let Some(number) = &mut self.number {
                if Self::is_number_byte(b) {
                    number.push(char::from(b));
                    continue;
                }
                literals.extend(self.number.take());
            }
            match b {
                b'"' => self.in_string = true,
                b'-' | b'0'..=b'9' => self.number = Some(char::from(b).to_string()),
                _ => {}
            }
        }
    }

    /// The text has ended: a literal read to its last byte is complete.
    pub(crate) fn end(&mut self, literals: &mut VecDeque<String>) {
        literals.extend(self.number.take());
    }
}

/// A number literal with its exponent written as `serde_json` writes it (`e`, with a sign).
fn exponent_normalized(literal: &str) -> String {
    match literal.find(['e', 'E']) {
        None => literal.to_string(),
        Some(e) => {
            let (mantissa, exp) = (&literal[..e], &literal[e + 1..]);
            let signed = if exp.starts_with(['+', '-']) {
                exp.to_string()
            } else {
                format!("+{exp}")
            };
            format!("{mantissa}e{signed}")
        }
    }
}

/// Builds a [`Value`] like `serde_json`'s own visitor, but fails on a repeated key and keeps
/// numbers as written.
#[derive(Clone, Copy)]
pub(crate) struct StrictValue<'q, 't> {
    pub(crate) numbers: &'q Numbers<'t>,
}

impl StrictValue<'_, '_> {
    /// The number `serde_json` read as `normalized`, as written.
    pub(crate) fn number<E: de::Error>(self, normalized: &str) -> Result<Value, E> {
        self.numbers
            .take(normalized)
            .map(Value::Number)
            .map_err(E::custom)
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    // Integers that fit 64 bits come as integers, other numbers through `visit_map`; an
    // integer has one spelling, but its literal is taken so the next number finds its own.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.number(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.number(&v.to_string())
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER_TOKEN {
            return self.number(&map.next_value_seed(NumberText)?);
        }
        let mut out = Map::new();
        out.insert(first, map.next_value_seed(self)?);
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(duplicate_key(&key)));
            }
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// The text of an `arbitrary_precision` number as `serde_json` read it. `serde_json` hands it
/// over as an owned `String` (`visit_string`); a JSON document that spells the marker key
/// itself (`{"$serde_json::private::Number": "1"}`) hands over a parsed string
/// (`visit_str`), and is refused rather than silently read as the number 1.
pub(crate) struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for NumberText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<String, E> {
        Err(E::custom(format!("the key `{NUMBER_TOKEN}` is reserved")))
    }
}

/// Parses `text` with `seed` and checks that nothing follows the value.
pub(crate) fn parse_with<'de, S: DeserializeSeed<'de>>(
    text: &'de str,
    seed: S,
) -> Result<S::Value, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = seed
        .deserialize(&mut de)
        .map_err(|e| JsonError::from_serde(&e))?;
    de.end().map_err(|e| JsonError::from_serde(&e))?;
    Ok(value)
}

/// What a value is, for messages: its kind, and its text when short (``a number `3` ``).
pub(crate) fn describe(v: &Value) -> String {
    let kind = kind(v);
    match v {
        Value::Array(_) | Value::Object(_) => kind.to_string(),
        Value::String(s) => format!("{kind} {}", quote(s)),
        _ => format!("{kind} {}", quote(&v.to_string())),
    }
}

/// The kind of a value, with its article: `a number`, `an object`, `null`.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `text` in backticks, cut to 60 characters, control characters escaped, so that a
/// message quoting hostile input stays one short line.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::from("`");
    for (n, c) in text.chars().enumerate() {
        if n == MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> JsonError {
        parse(text).unwrap_err()
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_line() {
        let e = err(r#"{"Effect": "Deny", "Effect": "Allow"}"#);
        assert_eq!(e.message, "duplicate key `Effect`");
        assert_eq!(e.line, 1);
        let e = err("{\"Statement\": [\n  {\"Action\": \"*\",\n   \"Action\": \"s3:Get*\"}]}");
        assert_eq!((e.line, e.message.as_str()), (3, "duplicate key `Action`"));
        // Deep inside a Condition too.
        let e = err(r#"{"a": [{"b": {"c": 1, "c": 1}}]}"#);
        assert_eq!(e.message, "duplicate key `c`");
        // Keys differing only in case are different JSON keys.
        assert!(parse(r#"{"Action": 1, "action": 2}"#).is_ok());
    }

    #[test]
    fn numbers_keep_their_text() {
        for n in [
            "100000000000000000000001",
            "1.00000000000000000001",
            "1e3",
            "-0",
            "1E+2",
            "1e-0",
            "0.1",
            "2E5",
        ] {
            let v = parse(&format!("[{n}]")).expect("valid");
            assert_eq!(v.to_string(), format!("[{n}]"));
        }
    }

    #[test]
    fn number_literals_are_found_outside_strings_only() {
        let text = r#"{"a\"1": [1e3, "2", -4.5E+6], "b": "\\", "c": 7}"#;
        // Whole, and cut anywhere: a literal or an escape split between two chunks.
        for cut in 0..=text.len() {
            let (mut lexer, mut found) = (NumberLexer::default(), VecDeque::new());
            lexer.feed(&text.as_bytes()[..cut], &mut found);
            lexer.feed(&text.as_bytes()[cut..], &mut found);
            lexer.end(&mut found);
            assert_eq!(found, ["1e3", "-4.5E+6", "7"], "cut at {cut}");
        }
        assert_eq!(exponent_normalized("1E5"), "1e+5");
        assert_eq!(exponent_normalized("-1.5e-5"), "-1.5e-5");
    }

    #[test]
    fn the_number_marker_is_not_a_number() {
        let e = err(r#"{"$serde_json::private::Number": "1"}"#);
        assert!(e.message.contains("is reserved"), "{e:?}");
    }

    #[test]
    fn agrees_with_serde_json_on_valid_documents() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Condition": {"NumericLessThan": {"s3:max-keys": [10, 1.5, -3, true, null]}}}], "e": {}, "a": []}"#;
        let strict = parse(text).expect("valid");
        let plain: Value = serde_json::from_str(text).expect("valid");
        assert_eq!(strict, plain);
        assert_eq!(strict.to_string(), plain.to_string());
        assert!(parse("[1] x").is_err(), "trailing text");
    }
}
