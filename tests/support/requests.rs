//! A brute-force universe of requests for a set of policies: every combination of a few
//! actions, resources and context values, built from the literals the policies mention
//! plus fresh values, so that every statement, pattern and condition value is hit both ways.
//! The property tests compare the prover with the concrete evaluator over every request of
//! it (`docs/semantics.md` §8: keys no policy mentions cannot change a decision).
//!
//! Written from the policies' JSON alone, independently of the evaluator and of the
//! prover. The universe is small for small policies; [`Universe::len`] says how many
//! requests it has before anyone enumerates them.
//!
//! ```
//! use iam_refine_tests::Universe;
//!
//! let policy = serde_json::json!({"Version": "2012-10-17", "Statement": {
//!     "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*",
//!     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}});
//! let universe = Universe::from_policies(&[policy]);
//! assert_eq!(universe.len(), universe.requests().count() as u128);
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use iam_refine::request::{Request, ValueType};

/// The value a policy variable takes in the universe (and a candidate of its key).
pub const VARIABLE_VALUE: &str = "v1";
/// An action no policy names.
pub const FRESH_ACTION: &str = "fresh:Action";
/// A resource no policy names.
pub const FRESH_RESOURCE: &str = "arn:aws:fresh:::resource";
/// A string value no policy names.
pub const FRESH_VALUE: &str = "fresh";

/// Most candidate values per key (beyond absence), to keep the product small.
const MAX_CANDIDATES: usize = 8;

/// The values one context key takes in the universe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDomain {
    /// The key as a policy first wrote it.
    pub key: String,
    /// Its type: a `...List` type when every policy uses it with a set operator.
    pub kind: ValueType,
    /// Each choice: `None` for absent, or the values.
    pub choices: Vec<Option<Vec<String>>>,
}

/// Every request over a few actions, resources and context values.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub keys: Vec<KeyDomain>,
}

/// What the policies say about one key.
#[derive(Default)]
struct KeyUse {
    key: String,
    /// Used with a set operator / with a plain operator or as a variable.
    set: bool,
    plain: bool,
    kind: Option<ValueType>,
    candidates: Vec<String>,
}

fn push_unique(list: &mut Vec<String>, v: String) {
    if !list.contains(&v) {
        list.push(v);
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(other @ (Value::Number(_) | Value::Bool(_))) => vec![other.to_string()],
        _ => Vec::new(),
    }
}

/// The `${...}` keys of a text, and the text with each variable replaced by its default
/// (when it has one) and by [`VARIABLE_VALUE`].
fn substitutions(text: &str) -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut with_value = String::new();
    let mut with_default = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        with_value.push_str(&rest[..at]);
        with_default.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(close) = after.find('}') else {
            break;
        };
        let inside = &after[..close];
        match inside {
            "*" | "?" | "$" => {
                with_value.push_str(inside);
                with_default.push_str(inside);
            }
            _ => {
                let (key, default) = match inside.split_once(',') {
                    Some((k, d)) => (k.trim(), d.trim().trim_matches('\'')),
                    None => (inside.trim(), VARIABLE_VALUE),
                };
                keys.push(key.to_string());
                with_value.push_str(VARIABLE_VALUE);
                with_default.push_str(default);
            }
        }
        rest = &after[close + 1..];
    }
    with_value.push_str(rest);
    with_default.push_str(rest);
    let mut texts = vec![text.to_string()];
    push_unique(&mut texts, with_value);
    push_unique(&mut texts, with_default);
    (keys, texts)
}

/// Strings a glob matches: each `*` as nothing, as `x`, and as `x:y` (which only a `*`
/// that may cross a colon takes); each `?` as `q`.
fn glob_instances(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    for star in ["", "x", "x:y"] {
        push_unique(&mut out, pattern.replace('*', star).replace('?', "q"));
    }
    out
}

fn family(base: &str) -> Option<(&'static str, ValueType)> {
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    Some(match base {
        "StringEquals" | "StringNotEquals" => ("equals", ValueType::String),
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => ("ignorecase", ValueType::String),
        "StringLike" | "StringNotLike" | "ArnEquals" | "ArnLike" | "ArnNotEquals"
        | "ArnNotLike" => ("like", ValueType::String),
        b if b.starts_with("Numeric") => ("numeric", ValueType::Numeric),
        b if b.starts_with("Date") => ("date", ValueType::Date),
        "Bool" => ("bool", ValueType::Boolean),
        "BinaryEquals" => ("binary", ValueType::Binary),
        "IpAddress" | "NotIpAddress" => ("ip", ValueType::Ip),
        "Null" => ("null", ValueType::String),
        _ => return None,
    })
}

/// Values of a key that are equal to, near, and unlike a policy value `p`.
fn candidates(family: &str, p: &str) -> Vec<String> {
    let mut out = Vec::new();
    match family {
        "equals" => out.push(p.to_string()),
        "ignorecase" => {
            out.push(p.to_string());
            out.push(p.to_ascii_uppercase());
        }
        "like" => out.extend(glob_instances(p)),
        "numeric" => {
            out.push(p.to_string());
            out.push(if p.contains('.') {
                format!("{p}1")
            } else {
                format!("{p}.5")
            });
            out.push(format!("-{}", p.trim_start_matches('-')));
        }
        "date" => {
            out.push(p.to_string());
            // Epoch seconds, a nanosecond past 2020, and a month (which is no date).
            out.extend(
                [
                    "0",
                    "4102444800",
                    "2020-01-01T00:00:00.000000001Z",
                    "2020-01",
                ]
                .map(String::from),
            );
        }
        "bool" => out.extend(["true", "false", "TRUE"].map(String::from)),
        "binary" => {
            out.push(p.to_string());
            out.push("Zm9v".to_string());
        }
        "ip" => {
            out.push(p.split('/').next().unwrap_or(p).to_string());
            out.extend(["198.51.100.77", "2001:db8:ffff::1"].map(String::from));
        }
        _ => {}
    }
    out
}

impl Universe {
    /// The universe of a set of policy documents (bare documents, as JSON values).
    pub fn from_policies(policies: &[Value]) -> Universe {
        let mut actions = Vec::new();
        let mut resources = Vec::new();
        let mut keys: BTreeMap<String, KeyUse> = BTreeMap::new();
        let variable = |keys: &mut BTreeMap<String, KeyUse>, key: &str| {
            let u = keys.entry(key.to_ascii_lowercase()).or_default();
            if u.key.is_empty() {
                u.key = key.to_string();
            }
            u.plain = true;
            u.kind.get_or_insert(ValueType::String);
            push_unique(&mut u.candidates, VARIABLE_VALUE.to_string());
        };
        for doc in policies {
            for s in statements(doc) {
                for a in strings(s.get("Action").or_else(|| s.get("NotAction"))) {
                    for i in glob_instances(&a) {
                        push_unique(&mut actions, i);
                    }
                }
                for r in strings(s.get("Resource").or_else(|| s.get("NotResource"))) {
                    let (vars, texts) = substitutions(&r);
                    for k in vars {
                        variable(&mut keys, &k);
                    }
                    for t in texts {
                        for i in glob_instances(&t) {
                            push_unique(&mut resources, i);
                        }
                    }
                }
                let Some(Value::Object(condition)) = s.get("Condition") else {
                    continue;
                };
                for (op, block) in condition {
                    let (set, base) = match op.split_once(':') {
                        Some((_, b)) => (true, b),
                        None => (false, op.as_str()),
                    };
                    let Some((fam, kind)) = family(base) else {
                        continue;
                    };
                    let Value::Object(block) = block else {
                        continue;
                    };
                    for (key, values) in block {
                        let mut texts = Vec::new();
                        for v in strings(Some(values)) {
                            let (vars, substituted) = substitutions(&v);
                            for k in vars {
                                variable(&mut keys, &k);
                            }
                            texts.extend(substituted);
                        }
                        let u = keys.entry(key.to_ascii_lowercase()).or_default();
                        if u.key.is_empty() {
                            u.key = key.clone();
                        }
                        if fam != "null" {
                            u.set |= set;
                            u.plain |= !set;
                            u.kind.get_or_insert(kind);
                        }
                        for t in texts {
                            for c in candidates(fam, &t) {
                                push_unique(&mut u.candidates, c);
                            }
                        }
                    }
                }
            }
        }
        push_unique(&mut actions, FRESH_ACTION.to_string());
        if let Some(upper) = actions.first().map(|a| a.to_ascii_uppercase()) {
            push_unique(&mut actions, upper);
        }
        push_unique(&mut resources, FRESH_RESOURCE.to_string());
        let keys = keys
            .into_values()
            .map(|mut u| {
                push_unique(&mut u.candidates, FRESH_VALUE.to_string());
                u.candidates.truncate(MAX_CANDIDATES);
                let base = u.kind.unwrap_or(ValueType::String);
                let multivalued = u.set && !u.plain;
                let mut choices: Vec<Option<Vec<String>>> = vec![None];
                if multivalued {
                    choices.extend(u.candidates.iter().map(|c| Some(vec![c.clone()])));
                    for (i, a) in u.candidates.iter().enumerate().take(3) {
                        for b in u.candidates.iter().skip(i + 1).take(2) {
                            choices.push(Some(vec![a.clone(), b.clone()]));
                        }
                    }
                } else {
                    choices.extend(u.candidates.iter().map(|c| Some(vec![c.clone()])));
                }
                KeyDomain {
                    key: u.key,
                    kind: if multivalued { list_of(base) } else { base },
                    choices,
                }
            })
            .collect();
        Universe {
            actions,
            resources,
            keys,
        }
    }

    /// How many requests [`Universe::requests`] yields.
    pub fn len(&self) -> u128 {
        let mut n = self.actions.len() as u128 * self.resources.len() as u128;
        for k in &self.keys {
            n = n.saturating_mul(k.choices.len() as u128);
        }
        n
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every request: each action with each resource and each combination of key choices.
    pub fn requests(&self) -> impl Iterator<Item = Request> + '_ {
        let radices: Vec<usize> = [self.actions.len(), self.resources.len()]
            .into_iter()
            .chain(self.keys.iter().map(|k| k.choices.len()))
            .collect();
        let mut digits = vec![0usize; radices.len()];
        let mut done = radices.contains(&0);
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let request = self.request_at(&digits);
            // The next combination, last digit fastest.
            done = true;
            for i in (0..digits.len()).rev() {
                digits[i] += 1;
                if digits[i] < radices[i] {
                    done = false;
                    break;
                }
                digits[i] = 0;
            }
            Some(request)
        })
    }

    /// The `n`th request of [`Universe::requests`] (for sampling a universe too large to
    /// enumerate), `n < len()`.
    pub fn nth(&self, mut n: u128) -> Request {
        let radices: Vec<usize> = [self.actions.len(), self.resources.len()]
            .into_iter()
            .chain(self.keys.iter().map(|k| k.choices.len()))
            .collect();
        let mut digits = vec![0usize; radices.len()];
        for i in (0..radices.len()).rev() {
            let r = radices[i].max(1) as u128;
            digits[i] = (n % r) as usize;
            n /= r;
        }
        self.request_at(&digits)
    }

    fn request_at(&self, digits: &[usize]) -> Request {
        let mut r = Request::new(
            self.actions[digits[0]].clone(),
            self.resources[digits[1]].clone(),
        );
        for (k, &d) in self.keys.iter().zip(&digits[2..]) {
            if let Some(values) = &k.choices[d] {
                r.insert(k.key.clone(), k.kind, values.clone())
                    .expect("the universe's keys are distinct and typed");
            }
        }
        r
    }
}

fn list_of(t: ValueType) -> ValueType {
    match t {
        ValueType::Numeric => ValueType::NumericList,
        ValueType::Boolean => ValueType::BooleanList,
        ValueType::Date => ValueType::DateList,
        ValueType::Ip => ValueType::IpList,
        ValueType::Binary => ValueType::BinaryList,
        other if other.is_list() => other,
        _ => ValueType::StringList,
    }
}
