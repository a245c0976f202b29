//! Reading `aws iam get-account-authorization-details` output into an [`Account`].
//!
//! A page is an object with at least one of `RoleDetailList`, `UserDetailList`,
//! `GroupDetailList` and `Policies` (and AWS's paging keys `IsTruncated`, `Marker`,
//! `NextToken`, which are read for a warning only). Items repeated across pages are merged
//! when they are equal and refused when they differ. The text is read item by item
//! ([`super::pages`]); each item is turned into the account's types here ([`Builder::item`]).

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::document_text::{DocumentText, KeptBudget, ReadOnce};
use super::{Account, DocumentError, Group, InlinePolicy, ManagedPolicy, Principal, PrincipalKind};
use crate::json::kind as json_kind;
use crate::numbered::Numbered;
use crate::policy::{PolicyError, PolicyKind};

pub(super) const LISTS: [&str; 4] = [
    "RoleDetailList",
    "UserDetailList",
    "GroupDetailList",
    "Policies",
];

/// Errors that refuse the whole export. Pages count from 1, items within a list from 1.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The text is not JSON the strict reader accepts (a syntax error, a repeated key).
    #[error("page {page} (line {line}): {source}")]
    Json {
        /// Which top-level JSON value of the text it is, from 1 (a JSON array of pages
        /// counts as one).
        page: usize,
        /// The line (from 1) its JSON value starts on.
        line: usize,
        /// What the strict reader refused.
        source: PolicyError,
    },
    /// The text holds no page at all (blank, or an empty array).
    #[error(
        "the account export is empty: expected `aws iam get-account-authorization-details` output"
    )]
    Empty,
    /// The input could not be read ([`crate::Account::read_from`]).
    #[error("cannot read the account export: {message}")]
    Read {
        /// The reader's error, as it prints.
        message: String,
    },
    /// The input is not UTF-8 ([`crate::Account::read_from`]).
    #[error("the account export is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The offset (in bytes, from 0) of the first byte that is not UTF-8.
        offset: u64,
    },
    /// A page is not an object with any of `RoleDetailList`, `UserDetailList`,
    /// `GroupDetailList` or `Policies` (another command's output).
    #[error("page {page} (line {line}): expected `aws iam get-account-authorization-details` output (an object with RoleDetailList, UserDetailList, GroupDetailList or Policies), found {found}")]
    NotAPage {
        /// The page.
        page: usize,
        /// The line (from 1) its JSON value starts on.
        line: usize,
        /// What it is instead: a JSON kind, or an object's first keys.
        found: String,
    },
    /// One of the four lists is not an array.
    #[error("page {page}: `{list}` must be an array, found {found}")]
    ListType {
        /// The page.
        page: usize,
        /// The list's key (`RoleDetailList`, ...).
        list: &'static str,
        /// The JSON kind found.
        found: &'static str,
    },
    /// An item of one of the four lists is not an object.
    #[error("page {page}: {list} item {index}: expected an object, found {found}")]
    ItemType {
        /// The page.
        page: usize,
        /// The list's key (`RoleDetailList`, ...).
        list: &'static str,
        /// The item's position in the list, from 1.
        index: usize,
        /// The JSON kind found.
        found: &'static str,
    },
    /// An item lacks a field it cannot do without (`Arn`, `RoleName`, `PolicyDocument`,
    /// a version's `Document`, ...).
    #[error("page {page}: {item}: `{field}` is missing")]
    MissingField {
        /// The page.
        page: usize,
        /// The item, as messages name it (``role `Admin` ``, `RoleDetailList item 3`, with
        /// the inline policy or version within it when the field is theirs).
        item: String,
        /// The missing field's key.
        field: &'static str,
    },
    /// A field has the wrong JSON type (a number for a name, a string for a list).
    #[error("page {page}: {item}: `{field}` must be {expected}, found {found}")]
    Field {
        /// The page.
        page: usize,
        /// The item, as in [`AccountError::MissingField`].
        item: String,
        /// The field's key.
        field: &'static str,
        /// What it must be (`a string`, `an array`, ...).
        expected: &'static str,
        /// The JSON kind found.
        found: &'static str,
    },
    /// A managed policy appears on two pages with different default documents.
    #[error("managed policy `{arn}` is defined twice with different documents (pages {first} and {second})")]
    ConflictingPolicy {
        /// The policy's ARN.
        arn: String,
        /// The page that defined it first.
        first: usize,
        /// The page that defines it differently.
        second: usize,
    },
    /// A role, user or group appears twice with different contents.
    #[error(
        "{kind} `{arn}` is defined twice with different contents (pages {first} and {second})"
    )]
    ConflictingEntity {
        /// `role`, `user` or `group`.
        kind: &'static str,
        /// Its ARN.
        arn: String,
        /// The page that defined it first.
        first: usize,
        /// The page that defines it differently.
        second: usize,
    },
    /// A role, user or group lists two inline policies of the same name with different
    /// documents.
    #[error(
        "page {page}: {owner}: inline policy `{name}` is defined twice with different documents"
    )]
    ConflictingInline {
        /// The page.
        page: usize,
        /// The policy's owner, as messages name it (``role `Admin` ``).
        owner: String,
        /// The inline policy's `PolicyName`.
        name: String,
    },
}

pub(super) fn parse(text: &str) -> Result<Account, AccountError> {
    let mut b = Builder::default();
    let pages = super::pages::read(text, &mut b)?;
    finish(b, &pages)
}

/// [`parse`] of the text `input` gives, read as it streams.
pub(super) fn read_from(input: impl std::io::Read) -> Result<Account, AccountError> {
    let mut b = Builder::default();
    let pages = super::export_stream::read_from(input, &mut b)?;
    finish(b, &pages)
}

/// The account the pages read into `b` make; an export of no page is none.
fn finish(mut b: Builder, pages: &super::pages::Pages) -> Result<Account, AccountError> {
    if pages.count == 0 {
        return Err(AccountError::Empty);
    }
    if pages.last_truncated {
        b.warnings.push(format!(
            "the last page ({}) says more pages follow (`IsTruncated` or `NextToken`): \
             principals and policies of the missing pages are not in this run",
            pages.count
        ));
    }
    Ok(b.finish())
}

pub(super) fn describe_keys(map: &Map<String, Value>) -> String {
    if map.is_empty() {
        return "an empty object".to_string();
    }
    let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
    format!("an object with keys {}", keys.join(", "))
}

#[derive(Default)]
pub(super) struct Builder {
    /// By ARN, with the page that first defined each.
    principals: BTreeMap<String, (Principal, usize)>,
    groups: BTreeMap<String, (Group, usize)>,
    managed: BTreeMap<String, (ManagedPolicy, usize)>,
    warnings: Vec<String>,
    /// What the account's large managed policies may keep read.
    kept: KeptBudget,
    /// Every attached policy's ARN, once.
    arns: Numbered<Arc<str>>,
}

/// Reads one item's fields, naming the item in errors.
struct Item<'a> {
    page: usize,
    name: String,
    map: &'a Map<String, Value>,
}

impl<'a> Item<'a> {
    fn string(&self, field: &'static str) -> Result<Option<String>, AccountError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(field, "a string", other)),
        }
    }

    fn required(&self, field: &'static str) -> Result<String, AccountError> {
        self.string(field)?
            .ok_or_else(|| AccountError::MissingField {
                page: self.page,
                item: self.name.clone(),
                field,
            })
    }

    fn array(&self, field: &'static str) -> Result<&'a [Value], AccountError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(field, "an array", other)),
        }
    }

    fn wrong(&self, field: &'static str, expected: &'static str, found: &Value) -> AccountError {
        AccountError::Field {
            page: self.page,
            item: self.name.clone(),
            field,
            expected,
            found: json_kind(found),
        }
    }

    /// An inline policy list (`RolePolicyList`, ...): `{PolicyName, PolicyDocument}` items.
    fn inline(
        &self,
        field: &'static str,
        kind: PolicyKind,
    ) -> Result<Vec<InlinePolicy>, AccountError> {
        let mut out: Vec<InlinePolicy> = Vec::new();
        for (k, entry) in self.array(field)?.iter().enumerate() {
            let Value::Object(map) = entry else {
                return Err(AccountError::Field {
                    page: self.page,
                    item: format!("{}, {field} item {}", self.name, k + 1),
                    field: "PolicyName",
                    expected: "in an object",
                    found: json_kind(entry),
                });
            };
            let item = Item {
                page: self.page,
                name: format!("{}, {field} item {}", self.name, k + 1),
                map,
            };
            let name = item.required("PolicyName")?;
            let document = match map.get("PolicyDocument") {
                Some(doc) => DocumentText::keep(doc, kind),
                None => {
                    return Err(AccountError::MissingField {
                        page: self.page,
                        item: format!("{}, inline policy `{name}`", self.name),
                        field: "PolicyDocument",
                    })
                }
            };
            match out.iter().find(|p| p.name == name) {
                // An equal repeat (pages overlap): already there.
                Some(p) if p.document == document => {}
                Some(_) => {
                    return Err(AccountError::ConflictingInline {
                        page: self.page,
                        owner: self.name.clone(),
                        name,
                    })
                }
                None => out.push(InlinePolicy { name, document }),
            }
        }
        Ok(out)
    }

    /// The ARNs of `AttachedManagedPolicies` (`{PolicyName, PolicyArn}` items), each shared
    /// with every other use in `arns`.
    fn attached(&self, arns: &mut Numbered<Arc<str>>) -> Result<Vec<Arc<str>>, AccountError> {
        let mut out: Vec<Arc<str>> = Vec::new();
        for (k, entry) in self.array("AttachedManagedPolicies")?.iter().enumerate() {
            let name = format!("{}, AttachedManagedPolicies item {}", self.name, k + 1);
            let Value::Object(map) = entry else {
                return Err(AccountError::Field {
                    page: self.page,
                    item: name,
                    field: "PolicyArn",
                    expected: "in an object",
                    found: json_kind(entry),
                });
            };
            let arn = Item {
                page: self.page,
                name,
                map,
            }
            .required("PolicyArn")?;
            if !out.iter().any(|a| **a == *arn) {
                out.push(arns.shared(&arn, |w| Arc::from(w)));
            }
        }
        Ok(out)
    }
}

impl Builder {
    /// Reads item `index` (from 1) of `list` on `page`: its tree is dropped once it is
    /// read into the account's own types ([`super::pages`] hands over one at a time).
    pub(super) fn item(
        &mut self,
        page: usize,
        list: &'static str,
        index: usize,
        item: Value,
    ) -> Result<(), AccountError> {
        let Value::Object(obj) = item else {
            return Err(AccountError::ItemType {
                page,
                list,
                index,
                found: json_kind(&item),
            });
        };
        let (name_key, label) = match list {
            "RoleDetailList" => ("RoleName", "role"),
            "UserDetailList" => ("UserName", "user"),
            "GroupDetailList" => ("GroupName", "group"),
            _ => ("PolicyName", "managed policy"),
        };
        let name = match obj.get(name_key).and_then(Value::as_str) {
            Some(n) => format!("{label} `{n}`"),
            None => format!("{list} item {index}"),
        };
        let item = Item {
            page,
            name,
            map: &obj,
        };
        match list {
            "RoleDetailList" => self.principal(&item, PrincipalKind::Role),
            "UserDetailList" => self.principal(&item, PrincipalKind::User),
            "GroupDetailList" => self.group(&item),
            _ => self.managed(&item),
        }
    }

    fn principal(&mut self, item: &Item<'_>, kind: PrincipalKind) -> Result<(), AccountError> {
        let (name_key, id_key, list) = match kind {
            PrincipalKind::Role => ("RoleName", "RoleId", "RolePolicyList"),
            PrincipalKind::User => ("UserName", "UserId", "UserPolicyList"),
        };
        let groups = match kind {
            PrincipalKind::Role => Vec::new(),
            PrincipalKind::User => item
                .array("GroupList")?
                .iter()
                .map(|g| match g {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(item.wrong("GroupList", "an array of group names", other)),
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let principal = Principal {
            kind,
            name: item.required(name_key)?,
            arn: item.required("Arn")?,
            id: item.string(id_key)?,
            inline: item.inline(list, kind.inline_kind())?,
            attached: item.attached(&mut self.arns)?,
            groups,
        };
        let kind_name = kind.name();
        insert(
            &mut self.principals,
            principal.arn.clone(),
            principal,
            item.page,
            |arn, first, second| AccountError::ConflictingEntity {
                kind: kind_name,
                arn,
                first,
                second,
            },
        )
    }

    fn group(&mut self, item: &Item<'_>) -> Result<(), AccountError> {
        let group = Group {
            name: item.required("GroupName")?,
            arn: item.required("Arn")?,
            inline: item.inline("GroupPolicyList", PolicyKind::GroupInline)?,
            attached: item.attached(&mut self.arns)?,
        };
        // Users name their groups by name; names are unique in an account.
        insert(
            &mut self.groups,
            group.name.clone(),
            group,
            item.page,
            |_, first, second| AccountError::ConflictingEntity {
                kind: "group",
                arn: item
                    .map
                    .get("Arn")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                first,
                second,
            },
        )
    }

    fn managed(&mut self, item: &Item<'_>) -> Result<(), AccountError> {
        let arn = item.required("Arn")?;
        let default_version = item.string("DefaultVersionId")?;
        let attachment_count = match item.map.get("AttachmentCount") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64(),
            Some(other) => return Err(item.wrong("AttachmentCount", "a number", other)),
        };
        let mut flagged: Vec<(String, &Value)> = Vec::new();
        let mut named: Option<&Value> = None;
        for (k, version) in item.array("PolicyVersionList")?.iter().enumerate() {
            let Value::Object(v) = version else {
                return Err(item.wrong("PolicyVersionList", "an array of objects", version));
            };
            let vitem = Item {
                page: item.page,
                name: format!("{}, version {}", item.name, k + 1),
                map: v,
            };
            let id = vitem
                .string("VersionId")?
                .unwrap_or_else(|| format!("#{}", k + 1));
            let Some(doc) = v.get("Document") else {
                return Err(AccountError::MissingField {
                    page: item.page,
                    item: format!("{}, version `{id}`", item.name),
                    field: "Document",
                });
            };
            let is_default = match v.get("IsDefaultVersion") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => return Err(vitem.wrong("IsDefaultVersion", "a boolean", other)),
            };
            if default_version.as_deref() == Some(id.as_str()) {
                named = Some(doc);
            }
            if is_default {
                flagged.push((id, doc));
            }
        }
        let document = match (flagged.as_slice(), &default_version) {
            ([(id, _)], Some(n)) if id != n => Err(DocumentError::DefaultVersionMismatch {
                named: n.clone(),
                flagged: id.clone(),
            }),
            ([(_, doc)], _) => Ok(DocumentText::keep(doc, PolicyKind::Managed)),
            ([], _) => match named {
                Some(doc) => Ok(DocumentText::keep(doc, PolicyKind::Managed)),
                None => Err(DocumentError::NoDefaultVersion),
            },
            (several, _) => Err(DocumentError::SeveralDefaultVersions {
                versions: several
                    .iter()
                    .map(|(id, _)| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        };
        let policy = ManagedPolicy {
            name: item.required("PolicyName")?,
            id: item.string("PolicyId")?,
            update_date: item.string("UpdateDate")?,
            attachment_count,
            default_version,
            document,
            read: ReadOnce::new(self.kept.clone()),
            arn: arn.clone(),
        };
        match self.managed.entry(arn) {
            Entry::Vacant(v) => {
                v.insert((policy, item.page));
            }
            Entry::Occupied(mut o) => {
                let (existing, first) = o.get_mut();
                if existing.document != policy.document {
                    return Err(AccountError::ConflictingPolicy {
                        arn: policy.arn,
                        first: *first,
                        second: item.page,
                    });
                }
                // Pages taken at different times may count attachments differently.
                existing.attachment_count = existing.attachment_count.max(policy.attachment_count);
            }
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Account {
        let mut attached_by: BTreeMap<String, usize> = BTreeMap::new();
        let principals: Vec<Principal> = self.principals.into_values().map(|(p, _)| p).collect();
        let groups: BTreeMap<String, Group> =
            self.groups.into_iter().map(|(k, (g, _))| (k, g)).collect();
        for arn in principals
            .iter()
            .flat_map(|p| &p.attached)
            .chain(groups.values().flat_map(|g| &g.attached))
        {
            *attached_by.entry(arn.to_string()).or_insert(0) += 1;
        }
        Account {
            principals,
            groups,
            managed: self.managed.into_iter().map(|(k, (m, _))| (k, m)).collect(),
            attached_by,
            warnings: self.warnings,
        }
    }
}

/// Inserts `value` under `key`, accepting an equal repeat and refusing a different one.
fn insert<T: PartialEq>(
    map: &mut BTreeMap<String, (T, usize)>,
    key: String,
    value: T,
    page: usize,
    conflict: impl FnOnce(String, usize, usize) -> AccountError,
) -> Result<(), AccountError> {
    match map.entry(key) {
        Entry::Vacant(v) => {
            v.insert((value, page));
            Ok(())
        }
        Entry::Occupied(o) if o.get().0 == value => Ok(()),
        Entry::Occupied(o) => {
            let first = o.get().1;
            Err(conflict(o.key().clone(), first, page))
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
