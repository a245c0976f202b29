//! The `--catalog` JSON format, read straight into the catalog builder: a large catalog
//! never becomes a JSON tree, and, as everywhere in the crate, a repeated key is refused.
//!
//! `{"s3": ["GetObject", ...]}`, or with access levels `{"s3": {"GetObject": "Read"}}`.
//! IAM prefixes and action names are case-insensitive, so `"s3"` beside `"S3"`, or
//! `"GetObject"` beside `"getobject"` in one service, is a repeat too: which one a reader
//! kept would decide what the catalog says.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::catalog::{AccessLevel, Builder, Catalog, CatalogError, CatalogInfo};
use crate::json::{self, describe, JsonError, Numbers, StrictValue};

/// Reads a JSON catalog.
pub(crate) fn read(text: &str, info: CatalogInfo) -> Result<Catalog, CatalogError> {
    let mut builder = Builder::with_capacity(text.len(), text.len() / 24);
    let mut typed: Option<CatalogError> = None;
    let text = text.trim_start_matches('\u{feff}');
    let numbers = Numbers::scan(text);
    let seed = Services {
        builder: &mut builder,
        typed: &mut typed,
        values: StrictValue { numbers: &numbers },
    };
    match json::parse_with(text, seed) {
        Ok(()) => builder.finish_strict(info),
        // A catalog error found while reading is reported with serde_json's position.
        Err(JsonError { line, column, .. }) if typed.is_some() => Err(CatalogError::At {
            line,
            column: Some(column),
            source: Box::new(typed.unwrap_or(CatalogError::Empty)),
        }),
        Err(JsonError {
            line,
            column,
            message,
        }) => Err(CatalogError::Json {
            line,
            column,
            message,
        }),
    }
}

/// Records `error` and returns the deserializer's error that stops the reading.
fn fail<E: de::Error>(slot: &mut Option<CatalogError>, error: CatalogError) -> E {
    let e = E::custom(error.to_string());
    *slot = Some(error);
    e
}

/// The top-level object.
struct Services<'b, 'q, 't> {
    builder: &'b mut Builder,
    typed: &'b mut Option<CatalogError>,
    values: StrictValue<'q, 't>,
}

impl<'de> DeserializeSeed<'de> for Services<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Services<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object mapping service prefixes to action names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Lower-cased prefix to the spelling first seen.
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut first_key = true;
        while let Some(service) = map.next_key::<String>()? {
            if first_key && service == json::NUMBER_TOKEN {
                let number = self
                    .values
                    .number(&map.next_value_seed(json::NumberText)?)?;
                return self.not_an_object(&number);
            }
            first_key = false;
            let lower = service.to_ascii_lowercase();
            if let Some(first) = seen.get(&lower) {
                if *first == service {
                    return Err(de::Error::custom(json::duplicate_key(&service)));
                }
                let error = CatalogError::DuplicateService {
                    service,
                    first: first.clone(),
                };
                return Err(fail(self.typed, error));
            }
            map.next_value_seed(Actions {
                service: &service,
                service_checked: false,
                builder: self.builder,
                typed: self.typed,
                values: self.values,
            })?;
            seen.insert(lower, service);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        let found = "an array".to_string();
        Err(fail(self.typed, CatalogError::NotAnObject { found }))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.not_an_object(&Value::String(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.not_an_object(&Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.not_an_object(&Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.not_an_object(&Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.not_an_object(&Value::from(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_an_object(&Value::Null)
    }
}

impl Services<'_, '_, '_> {
    fn not_an_object<E: de::Error>(self, v: &Value) -> Result<(), E> {
        let found = describe(v);
        Err(fail(self.typed, CatalogError::NotAnObject { found }))
    }
}

/// One service's value: an array of names or an object of name to level.
struct Actions<'s, 'b, 'q, 't> {
    service: &'s str,
    /// The service name has been validated (with its first action): it is not validated
    /// again for each of its actions.
    service_checked: bool,
    builder: &'b mut Builder,
    typed: &'b mut Option<CatalogError>,
    values: StrictValue<'q, 't>,
}

/// A service's lower-cased action names, each with the builder row of its first spelling.
/// Hashed with FxHash:
/// SipHash's resistance to chosen collisions buys nothing for a catalog file the user
/// supplies (a collision costs time only) and was a seventh of reading a 1M-action catalog.
type Seen = HashMap<String, usize, std::hash::BuildHasherDefault<crate::fxhash::FxHasher>>;

/// What one service's actions so far need to find a repeat. While the lower-cased names
/// come in increasing order (as a generated catalog's mostly do) a new name can only repeat
/// an earlier one if it is not greater than the last, so only the last is kept; the first
/// name out of order switches to a map of all of them. Hashing every name was a fifth of
/// reading a 1M-action catalog.
struct Repeats {
    /// The service's first row in the builder.
    first_row: usize,
    last: String,
    current: String,
    seen: Option<Seen>,
}

impl Repeats {
    fn new(first_row: usize) -> Repeats {
        Repeats {
            first_row,
            last: String::new(),
            current: String::new(),
            seen: None,
        }
    }
}

impl Actions<'_, '_, '_, '_> {
    /// Refuses `action` when this service has it already (case-insensitively).
    fn check_repeat<E: de::Error>(&mut self, names: &mut Repeats, action: &str) -> Result<(), E> {
        let row = self.builder.len();
        names.current.clear();
        names.current.push_str(action);
        names.current.make_ascii_lowercase();
        let seen = match &mut names.seen {
            Some(seen) => seen,
            None if row == names.first_row || names.current > names.last => {
                std::mem::swap(&mut names.current, &mut names.last);
                return Ok(());
            }
            None => {
                // the service's rows so far are distinct (each was checked)
                let seen = (names.first_row..row)
                    .map(|r| (self.builder.action(r).to_ascii_lowercase(), r))
                    .collect();
                names.seen.insert(seen)
            }
        };
        match seen.entry(names.current.clone()) {
            Entry::Occupied(first) => {
                let first = self.builder.action(*first.get()).to_string();
                let error = CatalogError::DuplicateAction {
                    name: format!("{}:{action}", self.service),
                    first: format!("{}:{first}", self.service),
                    first_line: None,
                };
                Err(fail(self.typed, error))
            }
            Entry::Vacant(slot) => {
                // the row this action is about to be pushed as (its first spelling)
                slot.insert(row);
                Ok(())
            }
        }
    }

    fn push<E: de::Error>(&mut self, action: &str, level: AccessLevel) -> Result<(), E> {
        let pushed = if self.service_checked {
            self.builder
                .push_in_valid_service(self.service, action, level)
        } else {
            self.builder.push(self.service, action, level)
        };
        pushed.map_err(|e| fail(self.typed, e))?;
        self.service_checked = true;
        Ok(())
    }

    fn bad_service<E: de::Error>(self, v: &Value) -> Result<(), E> {
        let error = CatalogError::BadService {
            service: self.service.to_string(),
            found: describe(v),
        };
        Err(fail(self.typed, error))
    }
}

impl<'de> DeserializeSeed<'de> for Actions<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Actions<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of action names or an object of name to access level")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut names = Repeats::new(self.builder.len());
        while seq
            .next_element_seed(ActionName {
                actions: &mut self,
                names: &mut names,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Repeats::new(self.builder.len());
        let mut first_key = true;
        while let Some(action) = map.next_key::<String>()? {
            if first_key && action == json::NUMBER_TOKEN {
                let number = self
                    .values
                    .number(&map.next_value_seed(json::NumberText)?)?;
                return self.bad_service(&number);
            }
            first_key = false;
            self.check_repeat(&mut seen, &action)?;
            let value = map.next_value_seed(self.values)?;
            let level = match &value {
                Value::String(l) => AccessLevel::parse(l),
                Value::Null => Some(AccessLevel::Unknown),
                _ => None,
            };
            let Some(level) = level else {
                let error = CatalogError::BadLevel {
                    service: self.service.to_string(),
                    action,
                    level: match value {
                        Value::String(l) => l,
                        other => other.to_string(),
                    },
                };
                return Err(fail(self.typed, error));
            };
            self.push(&action, level)?;
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.bad_service(&Value::String(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.bad_service(&Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.bad_service(&Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.bad_service(&Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.bad_service(&Value::from(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.bad_service(&Value::Null)
    }
}

/// One name of a service's list of actions: a string is checked and pushed as serde_json
/// reads it (building a `Value::String` for each name and dropping it was a tenth of
/// reading a 1M-action catalog); anything else is read as a strict value, for the error.
struct ActionName<'a, 's, 'b, 'q, 't> {
    actions: &'a mut Actions<'s, 'b, 'q, 't>,
    names: &'a mut Repeats,
}

impl<'de> DeserializeSeed<'de> for ActionName<'_, '_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl ActionName<'_, '_, '_, '_, '_> {
    fn not_a_name<E: de::Error>(self, item: Result<Value, E>) -> Result<(), E> {
        let error = CatalogError::BadAction {
            service: self.actions.service.to_string(),
            found: describe(&item?),
        };
        Err(fail(self.actions.typed, error))
    }
}

impl<'de> Visitor<'de> for ActionName<'_, '_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an action name")
    }

    fn visit_str<E: de::Error>(self, action: &str) -> Result<(), E> {
        self.actions.check_repeat(self.names, action)?;
        self.actions.push(action, AccessLevel::Unknown)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let item = self.actions.values.visit_bool(v);
        self.not_a_name(item)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let item = self.actions.values.visit_u64(v);
        self.not_a_name(item)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let item = self.actions.values.visit_i64(v);
        self.not_a_name(item)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        let item = self.actions.values.visit_unit();
        self.not_a_name(item)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let item = self.actions.values.visit_seq(seq);
        self.not_a_name(item)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let item = self.actions.values.visit_map(map);
        self.not_a_name(item)
    }
}
