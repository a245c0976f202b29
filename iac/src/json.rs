//! The crate's strict JSON reader: `serde_json`, refusing a key repeated in any object and
//! keeping numbers exactly as written.
//!
//! It follows the library's reader (`iam-refine/src/json.rs`) rule for rule and message for
//! message; it is a copy, not a dependency, because this crate is used beside both the
//! library and the prover, which share no code on purpose.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `serde_json`'s marker for a number under `arbitrary_precision`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A JSON syntax error or a refused construct, with `serde_json`'s position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl JsonError {
    fn from_serde(e: &serde_json::Error) -> JsonError {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position is kept apart.
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

/// Parses one JSON text (a leading byte-order mark is skipped), refusing a repeated key in
/// any object. `serde_json` refuses nesting deeper than 128.
pub(crate) fn parse(text: &str) -> Result<Value, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let numbers = Numbers::scan(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictValue { numbers: &numbers }
        .deserialize(&mut de)
        .map_err(|e| JsonError::from_serde(&e))?;
    de.end().map_err(|e| JsonError::from_serde(&e))?;
    Ok(value)
}

/// The number literals of a JSON text, in document order, as written: `serde_json` rewrites
/// exponents (`1e3` becomes `1e+3`), and a policy's numbers stand for their text.
struct Numbers<'t> {
    literals: Vec<&'t str>,
    next: Cell<usize>,
}

impl<'t> Numbers<'t> {
    fn scan(text: &'t str) -> Numbers<'t> {
        let b = text.as_bytes();
        let mut literals = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'-' | b'0'..=b'9' => {
                    let start = i;
                    while i < b.len()
                        && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        i += 1;
                    }
                    if let Some(literal) = text.get(start..i) {
                        literals.push(literal);
                    }
                }
                _ => i += 1,
            }
        }
        Numbers {
            literals,
            next: Cell::new(0),
        }
    }

    fn take(&self, normalized: &str) -> Result<Number, String> {
        let k = self.next.get();
        self.next.set(k + 1);
        let literal = self.literals.get(k).copied().unwrap_or_default();
        if exponent_normalized(literal) != normalized {
            return Err(format!(
                "number `{normalized}` could not be matched to its text (found `{literal}`)"
            ));
        }
        // The same number serde_json just accepted; only the exponent's spelling differs.
        Ok(Number::from_string_unchecked(literal.to_string()))
    }
}

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

#[derive(Clone, Copy)]
struct StrictValue<'q, 't> {
    numbers: &'q Numbers<'t>,
}

impl StrictValue<'_, '_> {
    fn number<E: de::Error>(self, normalized: &str) -> Result<Value, E> {
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
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// The text of an `arbitrary_precision` number; a document spelling the marker key itself
/// is refused rather than read as a number.
struct NumberText;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_anywhere_with_their_line() {
        let e = parse("{\"a\": [{\"b\": 1,\n \"b\": 2}]}").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "duplicate key `b`"));
        assert!(parse(r#"{"Action": 1, "action": 2}"#).is_ok());
    }

    #[test]
    fn numbers_keep_their_text() {
        for n in ["1e3", "100000000000000000000001", "1.50", "-0", "2E5"] {
            assert_eq!(
                parse(&format!("[{n}]")).unwrap().to_string(),
                format!("[{n}]")
            );
        }
        assert!(parse(r#"{"$serde_json::private::Number": "1"}"#).is_err());
    }

    #[test]
    fn deep_nesting_and_trailing_text_are_refused() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&deep)
            .unwrap_err()
            .message
            .contains("recursion limit"));
        assert!(parse("{} x").is_err());
        assert!(parse("\u{feff}{}").is_ok());
    }
}
