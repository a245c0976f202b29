//! Who and what the inputs say they are about, and the check that they agree.
//!
//! Several AWS CLI outputs name the principal or the policy they are about: a
//! `get-finding-recommendation` output its principal (`resourceArn`), a `get-finding-v2`
//! output its principal (`resource`), `get-role-policy` / `get-user-policy` /
//! `get-group-policy` output its owner (`RoleName`, `UserName`, `GroupName`) and its inline
//! policy (`PolicyName`); our own recommendations add `iamRefine.principalType` /
//! `principalName`. (`get-policy-version` output names neither: its `PolicyVersion` holds a
//! version id and the document.) Inputs given together must be about one principal: a
//! proof against another principal's findings, or of another principal's policy, would say
//! "proved" of a change nobody asked about. Where any two inputs name a principal, they must
//! name the same one; this module says so, or names both files and both principals.
//!
//! Names are compared exactly, as AWS writes them: every one of these outputs spells a
//! principal as IAM returned it.

use std::fmt;

use serde_json::{Map, Value};

/// How deep findings nest before their `resource` (a `findings` array of `get-finding-v2`
/// outputs in an array), as [`iam_refine::Findings`] reads them.
const MAX_DEPTH: usize = 4;

/// The kind of an IAM identity, as an ARN (`role/...`) or a CLI output (`RoleName`) says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Role,
    User,
    Group,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::User => "user",
            Kind::Group => "group",
        }
    }

    /// The key of `get-<kind>-policy` output that names the owner.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Role => "RoleName",
            Kind::User => "UserName",
            Kind::Group => "GroupName",
        }
    }

    pub const ALL: [Kind; 3] = [Kind::Role, Kind::User, Kind::Group];
}

/// A principal as one input names it: by ARN, or by kind and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Arn(String),
    /// `get-role-policy`'s `RoleName` and the like: only `verify` reads those.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    Named {
        kind: Kind,
        name: String,
    },
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Arn(arn) => write!(f, "`{arn}`"),
            Principal::Named { kind, name } => write!(f, "{} `{name}`", kind.name()),
        }
    }
}

/// The parts of an IAM ARN (`arn:PARTITION:iam::ACCOUNT:TYPE/PATH/NAME`) this module
/// compares; `None` for anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    /// `role`, `user`, `group`, `policy`, ...
    pub kind: &'a str,
    /// The last segment of the path: the entity's name.
    pub name: &'a str,
}

/// Reads an IAM ARN, per "IAM identifiers" in the IAM User Guide
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns>):
/// `arn:partition:iam::account:resource-type/path/name`, with an empty region.
pub fn iam_arn(arn: &str) -> Option<IamArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let (kind, rest) = resource.split_once('/')?;
    let name = rest.rsplit('/').next().filter(|n| !n.is_empty())?;
    Some(IamArn {
        partition,
        account,
        kind,
        name,
    })
}

impl Principal {
    /// Do two inputs' names for a principal stand for the same one? Two ARNs must be
    /// equal; an ARN and a name must agree on the kind and the name (the ARN's path is not
    /// in a `RoleName`); two names must be equal.
    pub fn agrees_with(&self, other: &Principal) -> bool {
        match (self, other) {
            (Principal::Arn(a), Principal::Arn(b)) => a == b,
            (Principal::Arn(arn), Principal::Named { kind, name })
            | (Principal::Named { kind, name }, Principal::Arn(arn)) => {
                iam_arn(arn).is_some_and(|p| p.kind == kind.name() && p.name == name)
            }
            (a, b) => a == b,
        }
    }
}

/// One input's word on the principal: which file, which field, what it says.
#[derive(Debug, Clone)]
pub struct Mention {
    /// The file, as messages name it.
    pub file: String,
    /// The field that names the principal (`resourceArn`, `resource`, `RoleName`, ...).
    pub field: &'static str,
    pub principal: Principal,
}

#[derive(Debug, thiserror::Error)]
pub enum NamesError {
    #[error("{} (`{}`) is about {}, but {} (`{}`) is about {}: the inputs must be about one principal", .first.file, .first.field, .first.principal, .second.file, .second.field, .second.principal)]
    Principals {
        first: Box<Mention>,
        second: Box<Mention>,
    },
    #[error("{file}: `{field}` must be a string, found {found}")]
    NotAString {
        file: String,
        field: &'static str,
        found: &'static str,
    },
    #[error("{file}: findings nested more than {MAX_DEPTH} levels deep")]
    TooDeep { file: String },
    #[error("{file}: {source}")]
    Owner {
        file: String,
        #[source]
        source: OwnerError,
    },
}

/// Every mention must agree with every other: each pair is checked, since agreement is not
/// transitive (`role/a/R` and `role/b/R` both agree with `RoleName` `R`, not with each other).
pub fn check_agree(mentions: &[Mention]) -> Result<(), NamesError> {
    for (i, a) in mentions.iter().enumerate() {
        if let Some(b) = mentions[i + 1..]
            .iter()
            .find(|b| !a.principal.agrees_with(&b.principal))
        {
            return Err(NamesError::Principals {
                first: Box::new(a.clone()),
                second: Box::new(b.clone()),
            });
        }
    }
    Ok(())
}

/// The `resource` of every `get-finding-v2` output in a findings file (an output, an array
/// of them, a `findings` array, or one nested where the findings reader looks), in
/// document order: the principals the findings are about. Shapes that name no principal
/// (`[{"serviceNamespace", "actions"}]`) give none.
pub fn finding_resources(file: &str, value: &Value) -> Result<Vec<Mention>, NamesError> {
    let mut out = Vec::new();
    walk(file, value, &mut out, 0)?;
    Ok(out)
}

fn walk(file: &str, value: &Value, out: &mut Vec<Mention>, depth: usize) -> Result<(), NamesError> {
    if depth > MAX_DEPTH {
        return Err(NamesError::TooDeep {
            file: file.to_string(),
        });
    }
    match value {
        Value::Array(items) => items.iter().try_for_each(|v| walk(file, v, out, depth + 1)),
        Value::Object(map) => {
            match map.get("resource") {
                None | Some(Value::Null) => {}
                Some(Value::String(arn)) => out.push(Mention {
                    file: file.to_string(),
                    field: "resource",
                    principal: Principal::Arn(arn.clone()),
                }),
                Some(other) => {
                    return Err(NamesError::NotAString {
                        file: file.to_string(),
                        field: "resource",
                        found: kind_of(other),
                    })
                }
            }
            // Every key the findings reader descends through (it takes the first present;
            // a `resource` under any of them is a principal named all the same).
            ["findingDetails", "unusedPermissionDetails", "findings"]
                .into_iter()
                .filter_map(|key| map.get(key))
                .try_for_each(|inner| walk(file, inner, out, depth + 1))
        }
        _ => Ok(()),
    }
}

/// What is wrong with the owner of a `get-<kind>-policy` output.
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    #[error("`{key}` must be a string, found {found}")]
    NotAString {
        key: &'static str,
        found: &'static str,
    },
    #[error("the output has both `{first}` and `{second}`: whose policy it is is ambiguous")]
    Two {
        first: &'static str,
        second: &'static str,
    },
}

/// The owner `get-role-policy` / `get-user-policy` / `get-group-policy` output names beside
/// its `PolicyDocument` (`RoleName`, `UserName`, `GroupName`), if any.
pub fn owner_of(map: &Map<String, Value>) -> Result<Option<(Kind, String)>, OwnerError> {
    let mut owner: Option<(Kind, String)> = None;
    for kind in Kind::ALL {
        match map.get(kind.key()) {
            None => {}
            Some(Value::String(name)) => {
                if let Some((first, _)) = &owner {
                    return Err(OwnerError::Two {
                        first: first.key(),
                        second: kind.key(),
                    });
                }
                owner = Some((kind, name.clone()));
            }
            Some(other) => {
                return Err(OwnerError::NotAString {
                    key: kind.key(),
                    found: kind_of(other),
                })
            }
        }
    }
    Ok(owner)
}

/// What a policy file's `get-<kind>-policy` envelope says of its owner, read at the top
/// level as `refine` reads the file (`verify` reads nested envelopes too:
/// [`crate::document`]).
pub fn policy_file_owner(file: &str, value: &Value) -> Result<Option<Mention>, NamesError> {
    let Value::Object(map) = value else {
        return Ok(None);
    };
    if !map.contains_key("PolicyDocument") {
        return Ok(None);
    }
    let owner = owner_of(map).map_err(|source| NamesError::Owner {
        file: file.to_string(),
        source,
    })?;
    Ok(owner.map(|(kind, name)| Mention {
        file: file.to_string(),
        field: kind.key(),
        principal: Principal::Named { kind, name },
    }))
}

/// The one principal a findings file is about, if it names one; two different ones are an
/// error naming both.
pub fn finding_principal(file: &str, value: &Value) -> Result<Option<String>, NamesError> {
    let mentions = finding_resources(file, value)?;
    check_agree(&mentions)?;
    Ok(mentions.into_iter().next().and_then(|m| match m.principal {
        Principal::Arn(arn) => Some(arn),
        Principal::Named { .. } => None,
    }))
}

pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::123456789012:role/path/MyRole";

    fn named(kind: Kind, name: &str) -> Principal {
        Principal::Named {
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn an_arn_and_a_name_agree_on_kind_and_last_segment() {
        let arn = Principal::Arn(ROLE.into());
        assert!(arn.agrees_with(&named(Kind::Role, "MyRole")));
        assert!(!arn.agrees_with(&named(Kind::User, "MyRole")));
        assert!(!arn.agrees_with(&named(Kind::Role, "myrole")));
        assert!(!arn.agrees_with(&named(Kind::Role, "path")));
        assert!(!arn.agrees_with(&Principal::Arn(
            "arn:aws:iam::123456789012:role/MyRole".into()
        )));
        assert!(!Principal::Arn("MyRole".into()).agrees_with(&named(Kind::Role, "MyRole")));
        assert_eq!(
            iam_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            Some(IamArn {
                partition: "aws",
                account: "aws",
                kind: "policy",
                name: "ReadOnlyAccess"
            })
        );
        for bad in [
            "arn:aws:s3:::bucket/x",
            "arn:aws:iam::1:role/",
            "arn:aws:iam:us-east-1:1:role/x",
            "arn:aws:iam::1:role",
        ] {
            assert_eq!(iam_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn findings_name_one_principal_or_are_refused() {
        let one = json!({"resource": ROLE, "findingDetails": []});
        assert_eq!(finding_principal("f", &one).unwrap().as_deref(), Some(ROLE));
        let two = json!([one, {"resource": "arn:aws:iam::123456789012:role/Other"}]);
        let err = finding_principal("f", &two).unwrap_err().to_string();
        assert!(
            err.contains("role/path/MyRole") && err.contains("role/Other"),
            "{err}"
        );
        let listed = json!({"findings": [{"resource": ROLE}, {"resource": ROLE}]});
        assert_eq!(
            finding_principal("f", &listed).unwrap().as_deref(),
            Some(ROLE)
        );
        let plain = json!([{"serviceNamespace": "s3", "actions": []}]);
        assert_eq!(finding_principal("f", &plain).unwrap(), None);
        let err = finding_principal("f", &json!({"resource": 1}))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "f: `resource` must be a string, found a number");
    }
}
