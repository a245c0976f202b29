//! IAM Access Analyzer's unused-access findings for a whole account: a folder of `aws
//! accessanalyzer get-finding-v2` outputs, or a JSON-lines file of them.
//!
//! Each finding names its role or user by `resource` (an ARN). By `findingType`:
//! - `UnusedPermission`: the unused services and actions of `findingDetails`, per
//!   principal by the rules of `findings_read.rs`: the pages of one finding add up; of
//!   several findings, an action is unused only if every one says so (with a note);
//! - `UnusedIAMRole`: the whole role is unused; it is to be deleted, not refined;
//! - `UnusedIAMUserAccessKey`, `UnusedIAMUserPassword`: reported with the principal;
//! - anything else (`ExternalAccess`, ...), and findings whose `status` is not `ACTIVE`
//!   (archived, resolved), is set aside as ignored, with the reason. A `status` that is
//!   not a string (`null` included) is refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::findings_read::{self, PageId, Status};
use super::held::{self, Corrupt, HeldFindings, Record, Tables};
use crate::account::Account;
use crate::document::parse_json_text;
use crate::findings::{Findings, FindingsError};
use crate::json::kind as json_kind;
use crate::json_values;
use crate::policy::PolicyError;

/// Errors in a findings input; `file` is the name the caller gave the text, `line` the
/// line the finding starts on.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountFindingsError {
    /// The text is not JSON the strict reader accepts (a syntax error, a repeated key).
    #[error("{file}:{line}: {source}")]
    Json {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the JSON value that failed starts on.
        line: usize,
        /// What the strict reader refused.
        source: PolicyError,
    },
    /// A value is not a finding: not an object, or an object without `findingType`.
    #[error("{file}:{line}: expected `aws accessanalyzer get-finding-v2` output (an object with `findingType`, `resource` and `findingDetails`), found {found}")]
    NotAFinding {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
        /// What it is instead: a JSON kind, or an object's first keys.
        found: String,
    },
    /// The input is `list-findings-v2` output (a `findings` list), which lacks the
    /// unused actions.
    #[error("{file}:{line}: `list-findings-v2` output has no finding details: save `aws accessanalyzer get-finding-v2` for each finding id instead")]
    ListOnly {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
    },
    /// A field of a finding has the wrong JSON type.
    #[error("{file}:{line}: `{field}` must be {expected}, found {found}")]
    Field {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
        /// The field's key (`findingType`, `resource`, `findingDetails`, ...).
        field: &'static str,
        /// What it must be (`a string`, `an array`).
        expected: &'static str,
        /// The JSON kind found.
        found: &'static str,
    },
    /// An active finding about unused access has no `resource`.
    #[error("{file}:{line}: finding{id}: `{field}` is missing")]
    MissingField {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
        /// The finding's `id` in backticks after a space, or empty when it has none.
        id: String,
        /// The missing field's key.
        field: &'static str,
    },
    /// An active finding about unused access names a `resource` that is not a role's or
    /// user's ARN.
    #[error("{file}:{line}: finding{id}: `{resource}` is not the ARN of an IAM role or user")]
    NotAPrincipal {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
        /// The finding's `id` in backticks after a space, or empty when it has none.
        id: String,
        /// Its `resource`, as written.
        resource: String,
    },
    /// The input could not be read ([`AccountFindingsReader::read_from`]).
    #[error("cannot read `{file}`: {message}")]
    Read {
        /// The name the caller gave the input (a file name).
        file: String,
        /// The reader's error, as it prints.
        message: String,
    },
    /// The input is not UTF-8 ([`AccountFindingsReader::read_from`]).
    #[error("`{file}` is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The name the caller gave the input (a file name).
        file: String,
        /// The offset (in bytes, from 0) of the first byte that is not UTF-8.
        offset: u64,
    },
    /// An `UnusedPermission` finding's `findingDetails` are not what the findings reader
    /// accepts.
    #[error("{file}:{line}: finding{id}: {source}")]
    Details {
        /// The name the caller gave the text (a file name).
        file: String,
        /// The line (from 1) the finding starts on.
        line: usize,
        /// The finding's `id` in backticks after a space, or empty when it has none.
        id: String,
        /// What the findings reader refused.
        source: FindingsError,
    },
    /// What was held of a principal's findings does not read back
    /// ([`HeldFindings::unpack`]): a bug in iam-refine, never the input's fault.
    #[error("the findings held for `{arn}` do not read back: this is a bug in iam-refine")]
    Held {
        /// The principal's ARN.
        arn: String,
    },
}

/// A role found wholly unused (`UnusedIAMRole`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedRole {
    /// The finding's `id`, when it has one.
    pub finding_id: Option<String>,
    /// `unusedIamRoleDetails.lastAccessed`, when the role was ever used.
    pub last_accessed: Option<String>,
}

/// A finding reported with its principal but not acted on (an unused access key or
/// password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedFinding {
    /// The finding's `id`, when it has one.
    pub finding_id: Option<String>,
    /// Its `findingType`: `UnusedIAMUserAccessKey` or `UnusedIAMUserPassword`.
    pub finding_type: String,
    /// One line, e.g. "access key AKIA... unused (last accessed 2023-01-01T00:00:00Z)".
    pub detail: String,
}

/// A finding set aside, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFinding {
    /// `file:line`.
    pub at: String,
    /// The finding's `id`, when it has one.
    pub finding_id: Option<String>,
    /// Why it was set aside, one line (``finding type `ExternalAccess` is not about unused
    /// access``, `status is ARCHIVED, not ACTIVE`).
    pub reason: String,
}

/// What the findings say about one role or user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalFindings {
    /// The principal's ARN, as the findings' `resource` wrote it.
    pub arn: String,
    /// What its active `UnusedPermission` findings agree is unused (the pages of one add
    /// up; of several, an action is unused only if every one says so); `None` when it has
    /// none.
    pub unused: Option<Findings>,
    /// Its `UnusedIAMRole` finding (the last one read, when several).
    pub unused_role: Option<UnusedRole>,
    /// Its unused access key and password findings, in input order.
    pub reported: Vec<ReportedFinding>,
    /// The ids of every finding read for it, in input order.
    pub finding_ids: Vec<String>,
}

/// Findings for an account, by principal ARN: each principal's held packed
/// ([`HeldFindings`]) until it is worked on.
#[derive(Debug, Clone, Default)]
pub struct AccountFindings {
    principals: BTreeMap<String, Box<[u8]>>,
    /// What `principals` number their names by.
    tables: Arc<Tables>,
    ignored: Vec<IgnoredFinding>,
    notes: Vec<String>,
}

/// Equal when they say the same of every principal (however their names are numbered),
/// and set aside and note the same.
impl PartialEq for AccountFindings {
    fn eq(&self, other: &AccountFindings) -> bool {
        self.ignored == other.ignored
            && self.notes == other.notes
            && self.principals.len() == other.principals.len()
            && self.principals().eq(other.principals())
    }
}

impl Eq for AccountFindings {}

impl AccountFindings {
    /// Reads `(name, text)` pairs: each text one or more `get-finding-v2` outputs (one per
    /// line, or one after another), or a JSON array of them. The name is for messages.
    ///
    /// # Errors
    ///
    /// [`AccountFindingsError`], naming the source and line, when a text is not JSON the
    /// strict reader accepts, a value is not a `get-finding-v2` output (or is
    /// `list-findings-v2` output), a finding's field is missing or of the wrong type, its
    /// `resource` is not a role or user, or its unused-permission details are malformed.
    /// Findings of other types, or not active, are set aside ([`AccountFindings::ignored`]).
    pub fn parse<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AccountFindings, AccountFindingsError> {
        let mut reader = AccountFindingsReader::default();
        for (file, text) in sources {
            reader.read_text(file, text)?;
        }
        Ok(reader.finish())
    }

    /// The findings about `arn` ([`HeldFindings::unpack`] reads them).
    #[must_use]
    pub fn principal(&self, arn: &str) -> Option<HeldFindings> {
        let (arn, bytes) = self.principals.get_key_value(arn)?;
        Some(HeldFindings::new(
            arn.clone(),
            bytes.clone(),
            Arc::clone(&self.tables),
        ))
    }

    /// Takes the findings of the principal `arn` out (to be dropped once it is worked on:
    /// a run need not hold every principal's findings to its end).
    pub fn take(&mut self, arn: &str) -> Option<HeldFindings> {
        let (arn, bytes) = self.principals.remove_entry(arn)?;
        let held = HeldFindings::new(arn, bytes, Arc::clone(&self.tables));
        if self.principals.is_empty() {
            // The last one taken: the tables go once it and the others taken are done.
            self.tables = Arc::default();
        }
        Some(held)
    }

    /// The ARN of every principal with findings, in order.
    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.principals.keys().map(String::as_str)
    }

    /// Every principal with findings, by ARN, unpacked one at a time.
    ///
    /// # Errors
    ///
    /// Each as [`HeldFindings::unpack`].
    pub fn principals(
        &self,
    ) -> impl Iterator<Item = Result<PrincipalFindings, AccountFindingsError>> + '_ {
        self.principals
            .iter()
            .map(|(arn, bytes)| held::unpack(arn, bytes, &self.tables))
    }

    /// Findings set aside (other types, not active).
    #[must_use]
    pub fn ignored(&self) -> &[IgnoredFinding] {
        &self.ignored
    }

    /// What the reader put together and how, one line each (a principal with several
    /// active findings, of which only what all agree on is unused).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// ARNs with findings that the account does not have (another account's findings, or
    /// an export older than the findings).
    pub fn unmatched<'a>(&'a self, account: &Account) -> Vec<&'a str> {
        self.arns()
            .filter(|arn| account.principal(arn).is_none())
            .collect()
    }
}

/// [`AccountFindings::parse`] one source at a time, each a text or a reader: a reader's
/// input is read a chunk at a time and each finding read as soon as it is in, so what is
/// held is the findings read so far, not the input's text (an organisation's findings file
/// is hundreds of MB).
#[derive(Debug, Default)]
pub struct AccountFindingsReader {
    /// Principals with one finding so far, packed (the tables are filled in at the end).
    out: AccountFindings,
    /// Principals with several findings so far (pages of one, or several), as read: put
    /// together and packed at the end, as more may come anywhere in the input.
    open: BTreeMap<String, Record>,
    /// What the packed findings number their names by; every principal's findings share
    /// one allocation per action name.
    tables: Tables,
}

/// How much of a reader's input is read at a time.
const CHUNK: usize = 1 << 20;

impl AccountFindingsReader {
    /// Reads `text`, named `file` in messages.
    ///
    /// # Errors
    ///
    /// As [`AccountFindings::parse`].
    pub fn read_text(&mut self, file: &str, text: &str) -> Result<(), AccountFindingsError> {
        for piece in json_values::split(text) {
            self.value(file, piece.text, piece.line)?;
        }
        Ok(())
    }

    /// Reads `input` to its end, named `file` in messages: what [`Self::read_text`] reads of
    /// its whole text, found in the same places, holding one value's text at a time.
    ///
    /// # Errors
    ///
    /// As [`AccountFindings::parse`], and [`AccountFindingsError::Read`] when `input`
    /// fails, [`AccountFindingsError::NotUtf8`] at a byte that is not UTF-8. After an
    /// error the reader holds the findings read before it: drop it, as
    /// [`AccountFindings::parse`] gives nothing for an input with an error.
    pub fn read_from(
        &mut self,
        file: &str,
        mut input: impl std::io::Read,
    ) -> Result<(), AccountFindingsError> {
        let mut cutter = json_values::Cutter::default();
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let n = match input.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(AccountFindingsError::Read {
                        file: file.to_string(),
                        message: e.to_string(),
                    })
                }
            };
            cutter.feed(&chunk[..n]);
            let eof = n == 0;
            while let Some(cut) = cutter.next_piece(eof) {
                let bytes = cutter.bytes().get(cut.range).unwrap_or_default();
                let text =
                    std::str::from_utf8(bytes).map_err(|e| AccountFindingsError::NotUtf8 {
                        file: file.to_string(),
                        offset: cut.offset + e.valid_up_to() as u64,
                    })?;
                self.value(file, text, cut.line)?;
            }
            cutter.compact();
            if eof {
                return Ok(());
            }
        }
    }

    /// Every source read, put together.
    #[must_use]
    pub fn finish(self) -> AccountFindings {
        let AccountFindingsReader {
            mut out,
            open,
            mut tables,
        } = self;
        for (arn, record) in open {
            if let Some(note) = record.current.note() {
                out.notes.push(format!("`{arn}`: {note}"));
            }
            let packed = record.pack(&arn, &mut tables);
            out.principals.insert(arn, packed);
        }
        tables.forget_numbers();
        out.tables = Arc::new(tables);
        out
    }

    /// One top-level value, `text`, starting on `line` of `file`: a finding or an array
    /// of them, each read into its principal's sets at once.
    fn value(&mut self, file: &str, text: &str, line: usize) -> Result<(), AccountFindingsError> {
        let value = parse_json_text(text).map_err(|source| AccountFindingsError::Json {
            file: file.to_string(),
            line,
            source,
        })?;
        let at = At { file, line };
        match value {
            Value::Array(items) => {
                for item in &items {
                    self.finding(&at, item)?;
                }
                Ok(())
            }
            other => self.finding(&at, &other),
        }
    }

    /// One finding, `value`, read into its principal's record.
    fn finding(&mut self, at: &At<'_>, value: &Value) -> Result<(), AccountFindingsError> {
        let (map, finding_type) = at.typed_finding(value)?;
        let id = at.string(map, "id")?;
        let label = id.as_deref().map(|i| format!(" `{i}`")).unwrap_or_default();
        let ignore = |this: &mut AccountFindingsReader, reason: String| {
            this.out.ignored.push(IgnoredFinding {
                at: format!("{}:{}", at.file, at.line),
                finding_id: id.clone(),
                reason,
            });
        };
        let principal_type = matches!(
            finding_type.as_str(),
            "UnusedPermission"
                | "UnusedIAMRole"
                | "UnusedIAMUserAccessKey"
                | "UnusedIAMUserPassword"
        );
        if !principal_type {
            ignore(
                self,
                format!("finding type `{finding_type}` is not about unused access"),
            );
            return Ok(());
        }
        let details_error = |source: FindingsError| AccountFindingsError::Details {
            file: at.file.to_string(),
            line: at.line,
            id: label.clone(),
            source,
        };
        if let Status::SetAside(reason) = findings_read::status(map).map_err(details_error)? {
            ignore(self, reason);
            return Ok(());
        }
        let arn = at.principal_arn(map, &label)?;
        let details = match map.get("findingDetails") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(at.field("findingDetails", "an array", other));
            }
        };
        let detail = |key: &str, field: &str| -> Option<String> {
            details
                .iter()
                .find_map(|d| d.get(key)?.get(field)?.as_str().map(str::to_string))
        };
        if !self.open.contains_key(&arn) {
            if let Some(bytes) = self.out.principals.remove(&arn) {
                // Its second finding: unpacked once, kept as read to the end of reading.
                let record = Record::unpack(&bytes, &arn, &self.tables)
                    .map_err(|Corrupt| AccountFindingsError::Held { arn: arn.clone() })?;
                self.open.insert(arn.clone(), record);
            }
        }
        let mut first = Record::default();
        let open = self.open.get_mut(&arn);
        let is_first = open.is_none();
        let entry = open.unwrap_or(&mut first);
        if let Some(i) = &id {
            if !entry.finding_ids.contains(i) {
                entry.finding_ids.push(i.clone());
            }
        }
        match finding_type.as_str() {
            "UnusedPermission" => {
                // Read by the rules every findings reader shares.
                let finding = findings_read::finding(map, &mut 0, &mut self.tables.names)
                    .map_err(details_error)?;
                let page = PageId::of(value).map_err(details_error)?;
                entry.current.add(finding, page).map_err(details_error)?;
            }
            "UnusedIAMRole" => {
                entry.unused_role = Some(UnusedRole {
                    finding_id: id.clone(),
                    last_accessed: detail("unusedIamRoleDetails", "lastAccessed"),
                });
            }
            "UnusedIAMUserAccessKey" => {
                let key = detail("unusedIamUserAccessKeyDetails", "accessKeyId")
                    .unwrap_or_else(|| "(id not given)".to_string());
                let last = detail("unusedIamUserAccessKeyDetails", "lastAccessed");
                entry.reported.push(ReportedFinding {
                    finding_id: id.clone(),
                    finding_type,
                    detail: format!("access key {key} unused{}", last_accessed(last)),
                });
            }
            _ => {
                let last = detail("unusedIamUserPasswordDetails", "lastAccessed");
                entry.reported.push(ReportedFinding {
                    finding_id: id.clone(),
                    finding_type,
                    detail: format!("console password unused{}", last_accessed(last)),
                });
            }
        }
        if is_first {
            // Most principals have one finding: packed at once.
            let packed = first.pack(&arn, &mut self.tables);
            self.out.principals.insert(arn, packed);
        }
        Ok(())
    }
}

fn last_accessed(last: Option<String>) -> String {
    match last {
        Some(t) => format!(" (last accessed {t})"),
        None => " (never used)".to_string(),
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/...` or `.../user/...`.
pub(crate) fn is_principal_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", account, resource]
        if !account.is_empty()
            && (resource.starts_with("role/") || resource.starts_with("user/"))
            && !resource.ends_with('/'))
}

/// Where a finding was read, for messages.
struct At<'a> {
    file: &'a str,
    line: usize,
}

impl At<'_> {
    /// `value` as a finding object, with its `findingType`.
    fn typed_finding<'v>(
        &self,
        value: &'v Value,
    ) -> Result<(&'v Map<String, Value>, String), AccountFindingsError> {
        let Value::Object(map) = value else {
            return Err(self.not_a_finding(json_kind(value).to_string()));
        };
        if map.contains_key("findings") && !map.contains_key("findingType") {
            return Err(AccountFindingsError::ListOnly {
                file: self.file.to_string(),
                line: self.line,
            });
        }
        let Some(finding_type) = self.string(map, "findingType")? else {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
            return Err(self.not_a_finding(if keys.is_empty() {
                "an empty object".to_string()
            } else {
                format!("an object with keys {}", keys.join(", "))
            }));
        };
        Ok((map, finding_type))
    }

    /// The finding's `resource`, which must be a role's or user's ARN; `label` names the
    /// finding in errors.
    fn principal_arn(
        &self,
        map: &Map<String, Value>,
        label: &str,
    ) -> Result<String, AccountFindingsError> {
        let Some(arn) = self.string(map, "resource")? else {
            return Err(AccountFindingsError::MissingField {
                file: self.file.to_string(),
                line: self.line,
                id: label.to_string(),
                field: "resource",
            });
        };
        if !is_principal_arn(&arn) {
            return Err(AccountFindingsError::NotAPrincipal {
                file: self.file.to_string(),
                line: self.line,
                id: label.to_string(),
                resource: arn,
            });
        }
        Ok(arn)
    }

    fn not_a_finding(&self, found: String) -> AccountFindingsError {
        AccountFindingsError::NotAFinding {
            file: self.file.to_string(),
            line: self.line,
            found,
        }
    }

    fn field(
        &self,
        field: &'static str,
        expected: &'static str,
        found: &Value,
    ) -> AccountFindingsError {
        AccountFindingsError::Field {
            file: self.file.to_string(),
            line: self.line,
            field,
            expected,
            found: json_kind(found),
        }
    }

    fn string(
        &self,
        map: &Map<String, Value>,
        field: &'static str,
    ) -> Result<Option<String>, AccountFindingsError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.field(field, "a string", other)),
        }
    }
}

#[cfg(test)]
#[path = "analyzer_tests.rs"]
mod tests;
