//! An export's text read page by page, and each page item by item, straight into the
//! account's [`Builder`]: no page's JSON tree is ever built whole. The AWS CLI prints an
//! export as one page, so that tree was the whole account, three to four times its text,
//! held before its first item was read.
//!
//! Every value still goes through the one strict reader ([`crate::json`]): each item is
//! read whole with [`StrictValue`] (a repeated key, a number's spelling), a page's own keys
//! are checked for repeats as it checks them, and a page's text is cut, URL-decoded and
//! checked for keys of two document shapes as [`crate::parse_json_text`] does.
//!
//! Errors come in document order: an item refused before a syntax error further on is
//! what is reported (the whole-tree reader found the syntax error first). Either way the
//! export is refused, naming what is wrong.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::parse::{describe_keys, AccountError, Builder, LISTS};
use crate::document::{check_unambiguous, json_text};
use crate::json::{self, NumberText, Numbers, StrictValue, NUMBER_TOKEN};
use crate::json_values;
use crate::policy::PolicyError;

/// What the pages said of the export as a whole.
#[derive(Debug, Default)]
pub(super) struct Pages {
    /// How many pages were read.
    pub count: usize,
    /// The last page says more pages follow (`IsTruncated`, or a `NextToken`).
    pub last_truncated: bool,
}

/// Reads every page of `text` (pages one after another, or JSON arrays of pages) into
/// `builder`, item by item.
pub(super) fn read(text: &str, builder: &mut Builder) -> Result<Pages, AccountError> {
    let mut pages = Pages::default();
    for (k, piece) in json_values::split(text).into_iter().enumerate() {
        read_piece(piece.text, k, piece.line, builder, &mut pages)?;
    }
    Ok(pages)
}

/// Reads the `k`-th piece (from 0) of an export's text, `text`, starting on `line`: as
/// `parse_json_text` reads a piece, the raw API's URL-encoded text decoded first.
pub(super) fn read_piece(
    text: &str,
    k: usize,
    line: usize,
    builder: &mut Builder,
    pages: &mut Pages,
) -> Result<(), AccountError> {
    let body = json_text(text).map_err(|source| AccountError::Json {
        page: k + 1,
        line,
        source,
    })?;
    let body = body.as_ref();
    let numbers = Numbers::scan(body);
    let mut de = serde_json::Deserializer::from_str(body);
    read_value(&mut de, &numbers, true, (k, line), builder, pages)
}

/// Reads one piece's value from `de` (the `k`-th, from 0, starting on `line`), its number
/// literals from `numbers`; with `alone`, nothing but whitespace may follow it in `de`.
pub(super) fn read_value<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    numbers: &Numbers<'_>,
    alone: bool,
    (k, line): (usize, usize),
    builder: &mut Builder,
    pages: &mut Pages,
) -> Result<(), AccountError> {
    let json_error = |source: PolicyError| AccountError::Json {
        page: k + 1,
        line,
        source,
    };
    let mut ctx = Ctx {
        numbers,
        builder,
        pages,
        line,
        refused: None,
    };
    let read = Top(&mut ctx).deserialize(&mut *de).and_then(|keys| {
        if alone {
            de.end()?;
        }
        Ok(keys)
    });
    if let Some(e) = ctx.refused.take() {
        return Err(e);
    }
    if let Some(keys) = read.map_err(|e| json_error(json::JsonError::from_serde(&e).into()))? {
        // A page given alone is a top-level object: its keys are checked as
        // `parse_json_text` checks a top-level object's.
        check_unambiguous(&keys).map_err(json_error)?;
    }
    Ok(())
}

/// What every seed of one piece shares.
struct Ctx<'c, 't> {
    numbers: &'c Numbers<'t>,
    builder: &'c mut Builder,
    pages: &'c mut Pages,
    /// The line the piece starts on.
    line: usize,
    /// Why the export is refused, when that is not a JSON error: `serde_json` carries only
    /// a message, so the error itself waits here and the deserializer is stopped.
    refused: Option<AccountError>,
}

impl<'c, 't> Ctx<'c, 't> {
    fn refuse<E: de::Error>(&mut self, e: AccountError) -> E {
        self.refused = Some(e);
        E::custom("the export is refused")
    }

    fn strict(&self) -> StrictValue<'c, 't> {
        StrictValue {
            numbers: self.numbers,
        }
    }
}

/// The visits of values other than the one a seed reads: each such value is read whole by
/// the strict reader (which checks it and takes its numbers in order), and `$refuse` turns
/// its kind into the error. Every seed here is a tuple whose first field is the [`Ctx`].
macro_rules! other_values {
    ($refuse:ident; $($visit:ident($ty:ty)),*) => {
        $(
            fn $visit<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                let value = self.0.strict().$visit::<E>(v)?;
                Err(self.$refuse(json::kind(&value)))
            }
        )*
    };
}

/// A piece: a page, or an array of pages. Gives the page's keys when the piece is one page
/// (an object), for the check of document shapes.
struct Top<'a, 'c, 't>(&'a mut Ctx<'c, 't>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = Option<Map<String, Value>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = Option<Map<String, Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an account export page or an array of them")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(Page(&mut *self.0))?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Page(self.0).visit_map(map)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.not_a_page("null"))
    }

    other_values!(not_a_page; visit_bool(bool), visit_u64(u64), visit_i64(i64), visit_str(&str), visit_string(String));
}

impl Top<'_, '_, '_> {
    fn not_a_page<E: de::Error>(self, found: &str) -> E {
        Page(self.0).not_a_page(found)
    }
}

/// One page: an object whose lists are read item by item. Gives the page's keys (with
/// null values).
struct Page<'a, 'c, 't>(&'a mut Ctx<'c, 't>);

impl<'de> DeserializeSeed<'de> for Page<'_, '_, '_> {
    type Value = Option<Map<String, Value>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Page<'_, '_, '_> {
    fn not_a_page<E: de::Error>(self, found: &str) -> E {
        self.0.pages.count += 1;
        let e = AccountError::NotAPage {
            page: self.0.pages.count,
            line: self.0.line,
            found: found.to_string(),
        };
        self.0.refuse(e)
    }
}

impl<'de> Visitor<'de> for Page<'_, '_, '_> {
    type Value = Option<Map<String, Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an account export page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.0;
        // Keys in order (values left out), to check repeats and name them in messages.
        let mut keys: Map<String, Value> = Map::new();
        let mut truncated = false;
        let mut lists = false;
        while let Some(key) = map.next_key::<String>()? {
            if keys.is_empty() && key == NUMBER_TOKEN {
                // `arbitrary_precision`'s number (or a reserved key, refused as the strict
                // reader refuses it).
                ctx.strict()
                    .number::<A::Error>(&map.next_value_seed(NumberText)?)?;
                return Err(Page(ctx).not_a_page("a number"));
            }
            if keys.contains_key(&key) {
                return Err(de::Error::custom(json::duplicate_key(&key)));
            }
            if let Some(list) = LISTS.iter().find(|l| **l == key) {
                if !lists {
                    lists = true;
                    ctx.pages.count += 1;
                }
                map.next_value_seed(List(&mut *ctx, list))?;
            } else {
                let value = map.next_value_seed(ctx.strict())?;
                match key.as_str() {
                    "IsTruncated" => truncated |= value.as_bool() == Some(true),
                    "NextToken" => truncated |= !value.is_null(),
                    _ => {}
                }
            }
            keys.insert(key, Value::Null);
        }
        if !lists {
            let found = describe_keys(&keys);
            return Err(Page(ctx).not_a_page(&found));
        }
        ctx.pages.last_truncated = truncated;
        Ok(Some(keys))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.not_a_page("an array"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.not_a_page("null"))
    }

    other_values!(not_a_page; visit_bool(bool), visit_u64(u64), visit_i64(i64), visit_str(&str), visit_string(String));
}

/// One of a page's four lists, its items handed to the builder one at a time.
struct List<'a, 'c, 't>(&'a mut Ctx<'c, 't>, &'static str);

impl<'de> DeserializeSeed<'de> for List<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for List<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let strict = self.0.strict();
        let page = self.0.pages.count;
        let mut index = 0;
        // One item's tree at a time: read, turned into the account's own types, dropped.
        while let Some(item) = seq.next_element_seed(strict)? {
            index += 1;
            if let Err(e) = self.0.builder.item(page, self.1, index, item) {
                return Err(self.0.refuse(e));
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = self.0.strict().visit_map(map)?;
        Err(self.wrong(json::kind(&value)))
    }

    other_values!(wrong; visit_bool(bool), visit_u64(u64), visit_i64(i64), visit_str(&str), visit_string(String));
}

impl List<'_, '_, '_> {
    fn wrong<E: de::Error>(self, found: &'static str) -> E {
        let e = AccountError::ListType {
            page: self.0.pages.count,
            list: self.1,
            found,
        };
        self.0.refuse(e)
    }
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
