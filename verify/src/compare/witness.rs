//! Witnesses: a concrete request (docs/semantics.md §1) that one side allows and the other
//! denies, with the values of declared unknowns it assumed; its JSON form and the
//! arguments that let anyone re-check it with `aws iam simulate-custom-policy`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// The declared type of a context value, as `aws iam simulate-custom-policy
/// --context-entries` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    String,
    StringList,
    Numeric,
    NumericList,
    Boolean,
    BooleanList,
    Date,
    DateList,
    Ip,
    IpList,
    Binary,
    BinaryList,
}

const TYPES: [(ValueType, &str); 12] = [
    (ValueType::String, "string"),
    (ValueType::StringList, "stringList"),
    (ValueType::Numeric, "numeric"),
    (ValueType::NumericList, "numericList"),
    (ValueType::Boolean, "boolean"),
    (ValueType::BooleanList, "booleanList"),
    (ValueType::Date, "date"),
    (ValueType::DateList, "dateList"),
    (ValueType::Ip, "ip"),
    (ValueType::IpList, "ipList"),
    (ValueType::Binary, "binary"),
    (ValueType::BinaryList, "binaryList"),
];

impl ValueType {
    /// The name AWS uses (`string`, `stringList`, ...).
    pub fn name(self) -> &'static str {
        TYPES
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("string", |(_, n)| n)
    }

    /// The type of that name.
    pub fn from_name(name: &str) -> Option<ValueType> {
        TYPES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// Whether a key of this type is multivalued (`...List`).
    pub fn is_list(self) -> bool {
        self.name().ends_with("List")
    }

    pub(crate) fn list(self) -> ValueType {
        match self {
            ValueType::String => ValueType::StringList,
            ValueType::Numeric => ValueType::NumericList,
            ValueType::Boolean => ValueType::BooleanList,
            ValueType::Date => ValueType::DateList,
            ValueType::Ip => ValueType::IpList,
            ValueType::Binary => ValueType::BinaryList,
            list => list,
        }
    }
}

/// The values of one context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextValue {
    pub kind: ValueType,
    /// Exactly one value unless `kind` is a `...List` type.
    pub values: Vec<String>,
}

/// A request: action, resource and context (key names as written in the policies).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Request {
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, ContextValue>,
}

impl Request {
    /// The JSON form of docs/semantics.md §1.
    pub fn to_json(&self) -> Value {
        let mut context = Map::new();
        for (k, v) in &self.context {
            context.insert(
                k.clone(),
                json!({"type": v.kind.name(), "values": v.values}),
            );
        }
        json!({"action": self.action, "resource": self.resource, "context": context})
    }

    /// Reads the JSON form of docs/semantics.md §1.
    pub fn from_json(value: &Value) -> Result<Request, String> {
        let object = value.as_object().ok_or("a request must be a JSON object")?;
        let text = |name: &str| -> Result<String, String> {
            object
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("the request needs a string `{name}`"))
        };
        let mut request = Request {
            action: text("action")?,
            resource: text("resource")?,
            context: BTreeMap::new(),
        };
        if let Some(context) = object.get("context") {
            let context = context.as_object().ok_or("`context` must be an object")?;
            for (key, entry) in context {
                let kind = entry
                    .get("type")
                    .and_then(Value::as_str)
                    .and_then(ValueType::from_name)
                    .ok_or_else(|| format!("context key `{key}`: unknown or missing `type`"))?;
                let values: Vec<String> = entry
                    .get("values")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("context key `{key}`: `values` must be an array"))?
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(|| format!("context key `{key}`: values must be strings"))?;
                if !kind.is_list() && values.len() != 1 {
                    return Err(format!(
                        "context key `{key}`: a `{}` holds exactly one value",
                        kind.name()
                    ));
                }
                request
                    .context
                    .insert(key.clone(), ContextValue { kind, values });
            }
        }
        Ok(request)
    }
}

/// A request one side allows and the other denies, re-checked before it is handed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    pub request: Request,
    /// The value assumed for each declared unknown the decision depends on.
    pub unknowns: BTreeMap<String, String>,
}

impl Witness {
    /// The request's JSON form, with `"unknowns"` (name → assumed value) when any.
    pub fn to_json(&self) -> Value {
        let mut value = self.request.to_json();
        if !self.unknowns.is_empty() {
            if let Some(object) = value.as_object_mut() {
                object.insert("unknowns".to_string(), json!(self.unknowns));
            }
        }
        value
    }

    /// The arguments of `aws iam simulate-custom-policy` that ask AWS about this request
    /// (the policy input, `--policy-input-list`, is the caller's): `--action-names`,
    /// `--resource-arns` and, when the context is not empty, `--context-entries` as JSON.
    pub fn simulate_args(&self) -> Vec<String> {
        let mut args = vec![
            "--action-names".to_string(),
            self.request.action.clone(),
            "--resource-arns".to_string(),
            self.request.resource.clone(),
        ];
        if !self.request.context.is_empty() {
            let entries: Vec<Value> = self
                .request
                .context
                .iter()
                .map(|(k, v)| {
                    json!({"ContextKeyName": k, "ContextKeyValues": v.values, "ContextKeyType": v.kind.name()})
                })
                .collect();
            args.push("--context-entries".to_string());
            args.push(Value::Array(entries).to_string());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let value = json!({
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/key",
            "context": {
                "aws:SourceIp": {"type": "ip", "values": ["203.0.113.7"]},
                "aws:TagKeys": {"type": "stringList", "values": ["team", "cost"]}
            }
        });
        let request = Request::from_json(&value).unwrap();
        assert_eq!(request.to_json(), value);
        assert!(Request::from_json(&json!({"action": "a", "resource": "r",
            "context": {"k": {"type": "string", "values": ["a", "b"]}}}))
        .is_err());
        let w = Witness {
            request,
            unknowns: BTreeMap::new(),
        };
        let args = w.simulate_args();
        assert_eq!(
            args[..4],
            [
                "--action-names",
                "s3:GetObject",
                "--resource-arns",
                "arn:aws:s3:::bucket/key"
            ]
        );
        assert!(args[5].contains("\"ContextKeyType\":\"stringList\""));
    }
}
