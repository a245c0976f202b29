//! Intrinsic functions, resolved from what the template and the caller give; everything
//! else becomes a declared unknown.
//!
//! The rules are the module documentation of `cloudformation` (`resolution.md`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::val::{extend, render, Piece, Val};
use crate::names::{canonical, encode, looks_declared};
use crate::Options;

/// How deep `Condition` references may chain.
const MAX_CONDITION_DEPTH: usize = 64;

/// The pseudo parameters CloudFormation defines.
const PSEUDO: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

struct Parameter {
    kind: String,
    default: Option<Value>,
    allowed: Option<Vec<Value>>,
}

/// A template's context for resolving: its parameters, mappings, conditions and resources,
/// the caller's values, and the unknowns declared so far.
pub(crate) struct Resolver<'a> {
    parameters: BTreeMap<String, Parameter>,
    mappings: Option<&'a Map<String, Value>>,
    conditions: Option<&'a Map<String, Value>>,
    resources: BTreeSet<String>,
    options: &'a Options,
    /// Declared unknowns: name to expression.
    pub(crate) unknowns: BTreeMap<String, String>,
    decided: HashMap<String, Option<bool>>,
    deciding: Vec<String>,
}

type Resolved = Result<Option<Val>, String>;

impl<'a> Resolver<'a> {
    pub(crate) fn new(
        template: &'a Map<String, Value>,
        options: &'a Options,
    ) -> Result<Self, String> {
        let mut parameters = BTreeMap::new();
        if let Some(section) = template.get("Parameters") {
            let Value::Object(section) = section else {
                return Err("`Parameters` is not an object".to_string());
            };
            for (name, def) in section {
                let kind = def
                    .get("Type")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("parameter `{name}` has no `Type`"))?;
                let allowed = def.get("AllowedValues").and_then(Value::as_array).cloned();
                parameters.insert(
                    name.clone(),
                    Parameter {
                        kind: kind.to_string(),
                        default: def.get("Default").cloned(),
                        allowed,
                    },
                );
            }
        }
        let section = |key: &str| -> Result<Option<&'a Map<String, Value>>, String> {
            match template.get(key) {
                None => Ok(None),
                Some(Value::Object(m)) => Ok(Some(m)),
                Some(_) => Err(format!("`{key}` is not an object")),
            }
        };
        let resources = section("Resources")?
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        Ok(Resolver {
            parameters,
            mappings: section("Mappings")?,
            conditions: section("Conditions")?,
            resources,
            options,
            unknowns: BTreeMap::new(),
            decided: HashMap::new(),
            deciding: Vec::new(),
        })
    }

    /// Declares the unknown `name` standing for `expression`.
    fn unknown(&mut self, name: String, expression: &Value) -> Val {
        self.unknowns
            .entry(name.clone())
            .or_insert_with(|| expression.to_string());
        Val::Unknown(name)
    }

    /// Anything not resolvable: named after the expression with its arguments resolved.
    fn opaque(&mut self, function: &str, arg: Val) -> Val {
        let mut map = Map::new();
        map.insert(function.to_string(), arg.to_value());
        let expression = Value::Object(map);
        let name = format!("cfn:expr={}", encode(&canonical(&expression)));
        self.unknown(name, &expression)
    }

    /// A text the template (or the caller) writes: refused if it reads as a declared name.
    fn literal(&self, s: &str) -> Result<Val, String> {
        check_literal(s)?;
        Ok(Val::text(s))
    }

    /// Resolves a value; `None` is `AWS::NoValue` (the key or item is removed).
    pub(crate) fn resolve(&mut self, value: &Value) -> Resolved {
        match value {
            Value::Null => Ok(Some(Val::Null)),
            Value::Bool(b) => Ok(Some(Val::Bool(*b))),
            Value::Number(n) => Ok(Some(Val::Number(n.clone()))),
            Value::String(s) => self.literal(s).map(Some),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(v) = self.resolve(item)? {
                        out.push(v);
                    }
                }
                Ok(Some(Val::Array(out)))
            }
            Value::Object(map) => {
                if let Some((function, arg)) = intrinsic(map)? {
                    return self.call(function, arg);
                }
                let mut out = Vec::with_capacity(map.len());
                for (k, v) in map {
                    check_literal(k)?;
                    if let Some(v) = self.resolve(v)? {
                        out.push((k.clone(), v));
                    }
                }
                Ok(Some(Val::Object(out)))
            }
        }
    }

    fn call(&mut self, function: &str, arg: &Value) -> Resolved {
        match function {
            "Ref" => {
                let Value::String(name) = arg else {
                    return Err(format!("`Ref` takes a name, not {}", crate::describe(arg)));
                };
                self.reference(name)
            }
            "Fn::GetAtt" => self.get_att(arg).map(Some),
            "Fn::Join" => self.join(arg).map(Some),
            "Fn::Sub" => self.sub(arg).map(Some),
            "Fn::If" => self.if_(arg),
            "Fn::Select" => self.select(arg),
            "Fn::Split" => self.split(arg).map(Some),
            "Fn::FindInMap" => self.find_in_map(arg),
            "Fn::ImportValue" => {
                let v = self.resolve_some(arg, function)?;
                Ok(Some(match v.known_text() {
                    Some(name) if matches!(v, Val::Str(_)) => self.unknown(
                        format!("cfn:ImportValue:{}", encode(&name)),
                        &single(function, Value::String(name.clone())),
                    ),
                    _ => self.opaque(function, v),
                }))
            }
            _ => {
                let v = self.resolve(arg)?.unwrap_or_else(no_value);
                Ok(Some(self.opaque(function, v)))
            }
        }
    }

    fn resolve_some(&mut self, value: &Value, function: &str) -> Result<Val, String> {
        self.resolve(value)?
            .ok_or_else(|| format!("`AWS::NoValue` as an argument of `{function}`"))
    }

    fn reference(&mut self, name: &str) -> Resolved {
        let expression = single("Ref", Value::String(name.to_string()));
        let unknown_name = format!("cfn:Ref:{}", encode(name));
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if name.starts_with("AWS::") {
            if !PSEUDO.contains(&name) {
                return Err(format!(
                    "`Ref` to `{name}`, which is not a pseudo parameter"
                ));
            }
            let given = self.options.pseudo.get(name).map(String::as_str);
            let given = given.or((name == "AWS::Partition").then_some("aws"));
            return Ok(Some(match given {
                Some(v) if name == "AWS::NotificationARNs" => list(v, |s| self.literal(s))?,
                Some(v) => self.literal(v)?,
                None => self.unknown(unknown_name, &expression),
            }));
        }
        if let Some(p) = self.parameters.get(name) {
            let (kind, default, allowed) = (p.kind.clone(), p.default.clone(), p.allowed.clone());
            let listed = kind == "CommaDelimitedList" || kind.starts_with("List<");
            let value = if kind.starts_with("AWS::SSM::Parameter::Value<") {
                None
            } else if let Some(v) = self.options.parameters.get(name) {
                Some(v.clone())
            } else {
                match default {
                    None => None,
                    Some(Value::String(s)) => Some(s),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    Some(other) => {
                        return Err(format!(
                            "parameter `{name}` has a `Default` that is {}, not a string",
                            crate::describe(&other)
                        ))
                    }
                }
            };
            let Some(value) = value else {
                return Ok(Some(self.unknown(unknown_name, &expression)));
            };
            if let Some(allowed) = &allowed {
                let ok = allowed.iter().any(|a| match a {
                    Value::String(s) => *s == value,
                    Value::Number(n) => n.to_string() == value,
                    _ => false,
                });
                if !ok && !listed {
                    return Err(format!(
                        "parameter `{name}` is `{value}`, which is not one of its `AllowedValues`"
                    ));
                }
            }
            return Ok(Some(if listed {
                list(&value, |s| self.literal(s))?
            } else {
                self.literal(&value)?
            }));
        }
        if self.resources.contains(name) {
            return Ok(Some(self.unknown(unknown_name, &expression)));
        }
        Err(format!(
            "`Ref` to `{name}`, which is neither a parameter, a resource nor a pseudo parameter"
        ))
    }

    fn get_att(&mut self, arg: &Value) -> Result<Val, String> {
        let (resource, attribute) = match arg {
            Value::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), Val::text(a)),
                None => {
                    return Err(format!(
                        "`Fn::GetAtt` of `{s}`: expected `Resource.Attribute`"
                    ))
                }
            },
            Value::Array(items) if items.len() == 2 => {
                let Value::String(r) = &items[0] else {
                    return Err("`Fn::GetAtt` takes a resource's logical id first".to_string());
                };
                (r.clone(), self.resolve_some(&items[1], "Fn::GetAtt")?)
            }
            _ => return Err("`Fn::GetAtt` takes [resource, attribute]".to_string()),
        };
        if !self.resources.contains(&resource) {
            return Err(format!(
                "`Fn::GetAtt` of `{resource}`, which is not a resource"
            ));
        }
        match attribute.known_text() {
            Some(a) if matches!(attribute, Val::Str(_)) => {
                let expression = single(
                    "Fn::GetAtt",
                    Value::Array(vec![
                        Value::String(resource.clone()),
                        Value::String(a.clone()),
                    ]),
                );
                // Logical ids are alphanumeric, so the first `.` ends the resource's part.
                Ok(self.unknown(
                    format!("cfn:GetAtt:{}.{}", encode(&resource), encode(&a)),
                    &expression,
                ))
            }
            _ => Ok(self.opaque(
                "Fn::GetAtt",
                Val::Array(vec![Val::text(resource), attribute]),
            )),
        }
    }

    fn join(&mut self, arg: &Value) -> Result<Val, String> {
        let [delimiter, items] = pair(arg, "Fn::Join")?;
        let delimiter = self.resolve_some(delimiter, "Fn::Join")?;
        let items = self.resolve_some(items, "Fn::Join")?;
        let (Some(sep), Val::Array(list)) = (delimiter.known_text(), &items) else {
            if matches!(items, Val::Array(_) | Val::Unknown(_)) && delimiter.pieces().is_some() {
                return Ok(self.opaque("Fn::Join", Val::Array(vec![delimiter, items])));
            }
            return Err("`Fn::Join` takes [delimiter, list of strings]".to_string());
        };
        let mut pieces = Vec::new();
        for (i, item) in list.iter().enumerate() {
            if i > 0 {
                extend(&mut pieces, vec![Piece::Text(sep.clone())]);
            }
            let p = item
                .pieces()
                .ok_or_else(|| format!("`Fn::Join` of a list holding {}", val_kind(item)))?;
            extend(&mut pieces, p);
        }
        Ok(Val::Str(pieces))
    }

    fn sub(&mut self, arg: &Value) -> Result<Val, String> {
        let (template, vars) = match arg {
            Value::String(s) => (s.as_str(), Vec::new()),
            Value::Array(items) if items.len() == 2 => {
                let Value::String(s) = &items[0] else {
                    return Err("`Fn::Sub` takes a string first".to_string());
                };
                let Value::Object(map) = &items[1] else {
                    return Err("`Fn::Sub` takes [string, map of variables]".to_string());
                };
                let mut vars = Vec::new();
                for (k, v) in map {
                    vars.push((k.clone(), self.resolve_some(v, "Fn::Sub")?));
                }
                (s.as_str(), vars)
            }
            _ => return Err("`Fn::Sub` takes a string or [string, map of variables]".to_string()),
        };
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            extend(&mut pieces, vec![Piece::Text(rest[..start].to_string())]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                extend(&mut pieces, vec![Piece::Text(rest[start..].to_string())]);
                rest = "";
                break;
            };
            let inner = &after[..end];
            if let Some(literal) = inner.strip_prefix('!') {
                extend(&mut pieces, vec![Piece::Text(format!("${{{literal}}}"))]);
            } else {
                let value = match vars.iter().find(|(k, _)| k == inner) {
                    Some((_, v)) => v.clone(),
                    None => match inner.split_once('.') {
                        Some((resource, attribute)) => self.get_att(&Value::Array(vec![
                            Value::String(resource.to_string()),
                            Value::String(attribute.to_string()),
                        ]))?,
                        None => self
                            .reference(inner)?
                            .ok_or_else(|| "`${AWS::NoValue}` in `Fn::Sub`".to_string())?,
                    },
                };
                let p = value.pieces().ok_or_else(|| {
                    format!(
                        "`Fn::Sub` variable `{inner}` is {}, not a string",
                        val_kind(&value)
                    )
                })?;
                extend(&mut pieces, p);
            }
            rest = &after[end + 1..];
        }
        extend(&mut pieces, vec![Piece::Text(rest.to_string())]);
        for p in &pieces {
            if let Piece::Text(t) = p {
                check_literal(t)?;
            }
        }
        Ok(Val::Str(pieces))
    }

    fn if_(&mut self, arg: &Value) -> Resolved {
        let items = match arg {
            Value::Array(items) if items.len() == 3 => items,
            _ => {
                return Err("`Fn::If` takes [condition, value if true, value if false]".to_string())
            }
        };
        let Value::String(condition) = &items[0] else {
            return Err("`Fn::If` takes a condition's name first".to_string());
        };
        match self.condition(condition, 0)? {
            Some(true) => self.resolve(&items[1]),
            Some(false) => self.resolve(&items[2]),
            None => {
                let a = self.resolve(&items[1])?.unwrap_or_else(no_value);
                let b = self.resolve(&items[2])?.unwrap_or_else(no_value);
                Ok(Some(self.opaque(
                    "Fn::If",
                    Val::Array(vec![Val::text(condition.clone()), a, b]),
                )))
            }
        }
    }

    fn select(&mut self, arg: &Value) -> Resolved {
        let [index, items] = pair(arg, "Fn::Select")?;
        let index = self.resolve_some(index, "Fn::Select")?;
        let items = self.resolve_some(items, "Fn::Select")?;
        let (Some(i), Val::Array(list)) = (index.known_text(), &items) else {
            return Ok(Some(
                self.opaque("Fn::Select", Val::Array(vec![index, items])),
            ));
        };
        let i: usize = i
            .parse()
            .map_err(|_| format!("`Fn::Select` index `{i}` is not a number from 0"))?;
        list.get(i).cloned().map(Some).ok_or_else(|| {
            format!(
                "`Fn::Select` index {i} is out of range (the list has {} items)",
                list.len()
            )
        })
    }

    fn split(&mut self, arg: &Value) -> Result<Val, String> {
        let [delimiter, source] = pair(arg, "Fn::Split")?;
        let delimiter = self.resolve_some(delimiter, "Fn::Split")?;
        let source = self.resolve_some(source, "Fn::Split")?;
        match (delimiter.known_text(), source.known_text()) {
            (Some(d), Some(s)) if !d.is_empty() => {
                Ok(Val::Array(s.split(d.as_str()).map(Val::text).collect()))
            }
            (Some(d), _) if d.is_empty() => Err("`Fn::Split` with an empty delimiter".to_string()),
            _ if source.pieces().is_some() => {
                Ok(self.opaque("Fn::Split", Val::Array(vec![delimiter, source])))
            }
            _ => Err(format!("`Fn::Split` of {}", val_kind(&source))),
        }
    }

    fn find_in_map(&mut self, arg: &Value) -> Resolved {
        let items = match arg {
            Value::Array(items) if items.len() == 3 || items.len() == 4 => items,
            _ => {
                return Err(
                    "`Fn::FindInMap` takes [map, top-level key, second-level key]".to_string(),
                )
            }
        };
        let mut keys = Vec::new();
        for item in &items[..3] {
            keys.push(self.resolve_some(item, "Fn::FindInMap")?);
        }
        let default = match items.get(3) {
            Some(Value::Object(m)) if m.len() == 1 && m.contains_key("DefaultValue") => {
                m.get("DefaultValue")
            }
            Some(_) => {
                return Err(
                    "`Fn::FindInMap`'s fourth argument is not {DefaultValue: ...}".to_string(),
                )
            }
            None => None,
        };
        let texts: Option<Vec<String>> = keys.iter().map(Val::known_text).collect();
        let Some(texts) = texts else {
            let mut args = keys;
            if let Some(d) = default {
                let d = self.resolve(d)?.unwrap_or_else(no_value);
                args.push(Val::Object(vec![("DefaultValue".to_string(), d)]));
            }
            return Ok(Some(self.opaque("Fn::FindInMap", Val::Array(args))));
        };
        let found = self
            .mappings
            .and_then(|m| m.get(&texts[0]))
            .and_then(|m| m.get(&texts[1]))
            .and_then(|m| m.get(&texts[2]))
            .cloned();
        match (found, default) {
            (Some(v), _) => literal_value(&v).map(Some),
            (None, Some(d)) => self.resolve(d),
            (None, None) => Err(format!(
                "`Fn::FindInMap` of [{}, {}, {}]: no such entry in `Mappings`",
                texts[0], texts[1], texts[2]
            )),
        }
    }

    /// Decides a named condition: `None` when the template and the caller do not.
    pub(crate) fn condition(&mut self, name: &str, depth: usize) -> Result<Option<bool>, String> {
        if let Some(d) = self.decided.get(name) {
            return Ok(*d);
        }
        if self.deciding.iter().any(|n| n == name) {
            return Err(format!("condition `{name}` refers to itself"));
        }
        if depth > MAX_CONDITION_DEPTH {
            return Err(format!(
                "conditions refer to each other more than {MAX_CONDITION_DEPTH} deep"
            ));
        }
        let expression = self
            .conditions
            .and_then(|c| c.get(name))
            .ok_or_else(|| format!("condition `{name}` is not in `Conditions`"))?;
        self.deciding.push(name.to_string());
        let decided = self.condition_expression(expression, depth + 1);
        self.deciding.pop();
        let decided = decided.map_err(|e| format!("condition `{name}`: {e}"))?;
        self.decided.insert(name.to_string(), decided);
        Ok(decided)
    }

    fn condition_expression(
        &mut self,
        value: &Value,
        depth: usize,
    ) -> Result<Option<bool>, String> {
        let Value::Object(map) = value else {
            return Err(format!(
                "{} where a condition function belongs",
                crate::describe(value)
            ));
        };
        let (function, arg) = match map.iter().next() {
            Some((k, v)) if map.len() == 1 && (k == "Condition" || k.starts_with("Fn::")) => {
                (k.as_str(), v)
            }
            _ => return Err("an object that is not a condition function".to_string()),
        };
        let members =
            |arg: &Value, n: std::ops::RangeInclusive<usize>| -> Result<Vec<Value>, String> {
                match arg {
                    Value::Array(items) if n.contains(&items.len()) => Ok(items.clone()),
                    _ => Err(format!(
                        "`{function}` takes a list of {} to {} conditions",
                        n.start(),
                        n.end()
                    )),
                }
            };
        match function {
            "Condition" => {
                let Value::String(name) = arg else {
                    return Err("`Condition` takes a condition's name".to_string());
                };
                self.condition(name, depth)
            }
            "Fn::Equals" => {
                let [a, b] = pair(arg, "Fn::Equals")?;
                let a = self.resolve_some(a, "Fn::Equals")?;
                let b = self.resolve_some(b, "Fn::Equals")?;
                Ok(equals(&a, &b))
            }
            "Fn::Not" => Ok(self
                .condition_expression(&members(arg, 1..=1)?[0], depth)?
                .map(|b| !b)),
            "Fn::And" | "Fn::Or" => {
                // Three-valued: a false member decides `Fn::And`, a true one `Fn::Or`,
                // whatever the others are.
                let is_and = function == "Fn::And";
                let (mut decided, mut undecided) = (false, false);
                for m in members(arg, 2..=10)? {
                    match self.condition_expression(&m, depth)? {
                        Some(b) if b != is_and => decided = true,
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                Ok(if decided {
                    Some(!is_and)
                } else if undecided {
                    None
                } else {
                    Some(is_and)
                })
            }
            other => Err(format!("`{other}` is not a condition function")),
        }
    }
}

/// `{function: arg}`.
fn single(function: &str, arg: Value) -> Value {
    let mut map = Map::new();
    map.insert(function.to_string(), arg);
    Value::Object(map)
}

/// `AWS::NoValue` where a value must stand (inside an unknown's expression).
fn no_value() -> Val {
    Val::Object(vec![("Ref".to_string(), Val::text("AWS::NoValue"))])
}

/// Refuses a literal text that could be read as a declared unknown.
pub(crate) fn check_literal(s: &str) -> Result<(), String> {
    match looks_declared(s) {
        Some(prefix) => Err(format!(
            "the text `{s}` holds `${{{prefix}`, which is how declared unknowns are written"
        )),
        None => Ok(()),
    }
}

/// The function and argument of an intrinsic function call (an object whose one key is
/// `Ref` or `Fn::...`).
pub(crate) fn intrinsic(map: &Map<String, Value>) -> Result<Option<(&str, &Value)>, String> {
    let is_function = |k: &str| k == "Ref" || k.starts_with("Fn::");
    match map.iter().next() {
        Some((k, v)) if map.len() == 1 && is_function(k) => Ok(Some((k.as_str(), v))),
        _ => match map.keys().find(|k| is_function(k)) {
            Some(k) => Err(format!("`{k}` beside other keys in one object")),
            None => Ok(None),
        },
    }
}

fn pair<'v>(arg: &'v Value, function: &str) -> Result<[&'v Value; 2], String> {
    match arg {
        Value::Array(items) if items.len() == 2 => Ok([&items[0], &items[1]]),
        _ => Err(format!("`{function}` takes a list of two arguments")),
    }
}

/// A comma-separated list, members space-trimmed.
fn list(text: &str, mut item: impl FnMut(&str) -> Result<Val, String>) -> Result<Val, String> {
    let items: Result<Vec<Val>, String> = text.split(',').map(|s| item(s.trim())).collect();
    Ok(Val::Array(items?))
}

/// A literal from `Mappings`: no function may occur in it.
fn literal_value(value: &Value) -> Result<Val, String> {
    Ok(match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Number(n.clone()),
        Value::String(s) => {
            check_literal(s)?;
            Val::text(s.clone())
        }
        Value::Array(items) => {
            Val::Array(items.iter().map(literal_value).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Val::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), literal_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// Two known values of one type: equal or not; anything else: undecided.
fn equals(a: &Val, b: &Val) -> Option<bool> {
    if !a.is_known() || !b.is_known() {
        return None;
    }
    match (a, b) {
        (Val::Str(_), Val::Str(_)) => Some(a.known_text() == b.known_text()),
        (Val::Number(x), Val::Number(y)) => Some(x.to_string() == y.to_string()),
        (Val::Bool(x), Val::Bool(y)) => Some(x == y),
        _ => None,
    }
}

fn val_kind(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Number(_) => "a number",
        Val::Str(_) => "a string",
        Val::Array(_) => "a list",
        Val::Object(_) => "an object",
        Val::Unknown(_) => "an unknown value",
    }
}

/// The text of a resolved string with its unknowns as `${NAME}`.
pub(crate) fn text_of(v: &Val) -> Option<String> {
    v.pieces().map(|p| render(&p))
}
