//! The IAM policies of infrastructure as code: every policy of a Terraform plan
//! (`terraform show -json PLAN`) or a CloudFormation template (JSON or YAML, CDK's
//! `cdk.out/*.template.json` included), found, resolved as far as the file allows, and
//! handed over as JSON documents with their **declared unknowns** (docs/semantics.md §7).
//!
//! ```
//! use iam_refine_iac::{extract, FileKind, Found, Options};
//!
//! let template = r#"
//! Resources:
//!   Bucket: {Type: AWS::S3::Bucket}
//!   AppRole:
//!     Type: AWS::IAM::Role
//!     Properties:
//!       AssumeRolePolicyDocument: {}
//!       Policies:
//!         - PolicyName: s3-read
//!           PolicyDocument:
//!             Version: 2012-10-17
//!             Statement:
//!               - Effect: Allow
//!                 Action: s3:GetObject
//!                 Resource: !Sub '${Bucket.Arn}/*'
//! "#;
//! let found = extract("template.yaml", template, &Options::default())?;
//! assert_eq!(found.kind, FileKind::CloudFormationYaml);
//! let Found::Template(policies) = &found.found else { unreachable!() };
//! let p = &policies[0];
//! assert_eq!((p.address.as_str(), p.line), ("AppRole/Policies/s3-read", Some(9)));
//! assert_eq!(p.document["Statement"][0]["Resource"], "${cfn:GetAtt:Bucket.Arn}/*");
//! assert_eq!(p.unknowns[0].name, "cfn:GetAtt:Bucket.Arn");
//! assert_eq!(p.unknowns[0].expression, r#"{"Fn::GetAtt":["Bucket","Arn"]}"#);
//! # Ok::<(), iam_refine_iac::IacError>(())
//! ```
//!
//! # What is found
//!
//! - Terraform ([`Found::Plan`]): `aws_iam_policy`, `aws_iam_role_policy`,
//!   `aws_iam_user_policy`, `aws_iam_group_policy`, the `inline_policy` blocks of
//!   `aws_iam_role`, and the documents of `aws_iam_policy_document` data sources, each with
//!   the two sides of its change (`before` from the prior state, `after` planned). See
//!   [`terraform`] for how values unknown until apply are named.
//! - CloudFormation ([`Found::Template`]): `AWS::IAM::ManagedPolicy`, `Policy`, `RolePolicy`,
//!   `UserPolicy`, `GroupPolicy`, and the `Policies` of `AWS::IAM::Role`, `User` and `Group`,
//!   with every intrinsic function that the template and the caller's [`Options`] decide
//!   resolved; see [`cloudformation`] for the rules.
//!
//! # Declared unknowns
//!
//! A value known only after deployment is never guessed: it occurs in the document as
//! `${NAME}` and is listed in [`FoundPolicy::unknowns`] with the expression it stands for.
//! Where only part of a value is unknown (one ARN in a `Fn::Sub`), the known rest is kept.
//! Names follow one deterministic scheme ([below](crate#the-naming-scheme)):
//! two files that write the same expression get the same name. A wholly unknown document
//! is the string `"${NAME}"`, a wholly unknown statement or list likewise in its place: an
//! unknown where the semantics does not model one (an action, a condition key, a
//! statement) is produced as it is, and the consumer decides. A text the input writes
//! itself that reads as a declared name (`${tf:...}`, `${cfn:...}`) is refused, so every
//! such occurrence in an output is one this crate declared.
//!
//! # The naming scheme
//!
//! A name is a prefix and a text percent-encoded outside `A-Z a-z 0-9 - _ . : / @ + = [ ]
//! ( ) ; | ~ !` (so never `}`, `,`, `'`, `"`, `$`, `*`, `?` or a space; `%` itself is
//! encoded, which makes the encoding one-to-one):
//!
//! | input | name |
//! | --- | --- |
//! | Terraform `after_unknown` of `policy` of `module.app.aws_iam_role_policy.this` | `tf:module.app.aws_iam_role_policy.this.policy` |
//! | the same, one element of a data source's statement | `tf:data.aws_iam_policy_document.s3.statement[0].resources[1]` |
//! | `!Ref Bucket`, `{"Ref": "Bucket"}`, `${Bucket}` in `Fn::Sub` | `cfn:Ref:Bucket` |
//! | `!Ref AWS::AccountId` (not given by the caller) | `cfn:Ref:AWS::AccountId` |
//! | `!GetAtt Bucket.Arn`, `!GetAtt [Bucket, Arn]`, `${Bucket.Arn}` in `Fn::Sub` | `cfn:GetAtt:Bucket.Arn` |
//! | `!ImportValue SharedBucketArn` | `cfn:ImportValue:SharedBucketArn` |
//! | anything else (`Fn::If` on an undecidable condition, `Fn::GetAZs`, ...) | `cfn:expr=` and the expression, resolved as far as possible, as JSON with sorted keys |
//!
//! # Hostile input
//!
//! JSON is read strictly (a key repeated in any object is refused, numbers keep their
//! text, nesting is limited to 128); YAML refuses aliases (so every "billion laughs"
//! document), merge keys, repeated keys and deep nesting, as [`cloudformation`] describes.
//! Every error names the file, and the line where there is one ([`IacError`]). The caller
//! bounds the size of what it reads (the command line's `--max-input-bytes`).

#![warn(missing_docs)]

pub mod cloudformation;
mod json;
mod lines;
mod names;
pub mod terraform;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::lines::LineIndex;

/// What a file is, detected by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `terraform show -json PLAN` output.
    TerraformPlan,
    /// A CloudFormation template in JSON; `cdk` when CDK synthesised it (its resources
    /// carry `aws:cdk:path` metadata).
    CloudFormationJson {
        /// Synthesised by the AWS CDK.
        cdk: bool,
    },
    /// A CloudFormation template in YAML.
    CloudFormationYaml,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::TerraformPlan => "Terraform plan",
            FileKind::CloudFormationJson { cdk: true } => "CloudFormation template (JSON, CDK)",
            FileKind::CloudFormationJson { cdk: false } => "CloudFormation template (JSON)",
            FileKind::CloudFormationYaml => "CloudFormation template (YAML)",
        })
    }
}

/// How a policy is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    /// A managed policy (`aws_iam_policy`, `AWS::IAM::ManagedPolicy`).
    Managed,
    /// Inline in a role (`aws_iam_role_policy`, `inline_policy` of `aws_iam_role`,
    /// `AWS::IAM::RolePolicy`, `Policies` of `AWS::IAM::Role`).
    RoleInline,
    /// Inline in a user.
    UserInline,
    /// Inline in a group.
    GroupInline,
    /// `AWS::IAM::Policy`: inline in every role, user and group it names.
    Inline,
    /// A document computed by an `aws_iam_policy_document` data source, attached to
    /// nothing by itself.
    Document,
}

impl PolicyKind {
    /// The kind's short name: `managed`, `role-inline`, `user-inline`, `group-inline`,
    /// `inline`, `document`.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Managed => "managed",
            PolicyKind::RoleInline => "role-inline",
            PolicyKind::UserInline => "user-inline",
            PolicyKind::GroupInline => "group-inline",
            PolicyKind::Inline => "inline",
            PolicyKind::Document => "document",
        }
    }
}

/// A declared unknown: a value known only after deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The name, as it occurs in the document inside `${...}`.
    pub name: String,
    /// What it stands for: the CloudFormation expression as JSON
    /// (`{"Fn::GetAtt":["Bucket","Arn"]}`), or the Terraform attribute
    /// (`aws_iam_policy.p.policy (known after apply)`).
    pub expression: String,
}

/// One IAM policy found in a file (for a plan: one side of a change).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundPolicy {
    /// The file, as the caller named it.
    pub file: String,
    /// The line of its resource (or its entry in `Policies`), where the input has lines.
    pub line: Option<usize>,
    /// Terraform: the resource address with its module path
    /// (`module.app.aws_iam_role_policy.this`; a role's inline block:
    /// `aws_iam_role.app/inline_policy/NAME`). CloudFormation: the logical id, and for an
    /// entry of `Policies` the logical id, `/Policies/` and the policy name
    /// (`AppRole/Policies/s3-read`).
    pub address: String,
    /// How it is attached.
    pub kind: PolicyKind,
    /// The policy's name, where the input gives one.
    pub name: Option<String>,
    /// The policy document, resolved; declared unknowns occur in it as `${NAME}`.
    pub document: Value,
    /// The declared unknowns occurring in `document`, in order of first occurrence.
    pub unknowns: Vec<Unknown>,
    /// CloudFormation: the resource exists only if this condition holds, and the template
    /// and the caller's values do not decide it. (A condition decided false leaves the
    /// resource out; decided true, this is `None`.)
    pub condition: Option<String>,
}

/// What a plan does to a resource (`change.actions` of `resource_changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `["create"]`.
    Create,
    /// `["update"]`.
    Update,
    /// `["delete"]`.
    Delete,
    /// `["delete", "create"]` or `["create", "delete"]`.
    Replace,
    /// `["no-op"]`.
    NoOp,
    /// `["read"]`, or a data source read while planning.
    Read,
    /// `["forget"]`: removed from the state, not destroyed (the policy stays in AWS).
    Forget,
}

impl Change {
    /// The change as Terraform prints it: `create`, `update`, `delete`, `replace`, `no-op`,
    /// `read`, `forget`.
    pub fn name(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Delete => "delete",
            Change::Replace => "replace",
            Change::NoOp => "no-op",
            Change::Read => "read",
            Change::Forget => "forget",
        }
    }
}

/// One policy of a plan, both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPolicy {
    /// The address (see [`FoundPolicy::address`]).
    pub address: String,
    /// How it is attached.
    pub kind: PolicyKind,
    /// What the plan does.
    pub change: Change,
    /// The policy before the change (absent when created or read).
    pub before: Option<FoundPolicy>,
    /// The policy after the change (absent when deleted or forgotten).
    pub after: Option<FoundPolicy>,
}

/// The policies of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A template's policies, in the template's order.
    Template(Vec<FoundPolicy>),
    /// A plan's policies, in the plan's order.
    Plan(Vec<PlannedPolicy>),
}

/// Everything found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// The file, as the caller named it.
    pub file: String,
    /// What it is.
    pub kind: FileKind,
    /// Its policies.
    pub found: Found,
    /// What the caller should know that is not a policy: a template `Transform` whose
    /// generated resources are not seen, a `Fn::ForEach` resource, ...
    pub notes: Vec<String>,
}

/// Values the file itself does not give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// CloudFormation parameter values by name (they override `Default`s).
    pub parameters: BTreeMap<String, String>,
    /// CloudFormation pseudo-parameters by name (`AWS::AccountId`, `AWS::Region`,
    /// `AWS::Partition` (default `aws`), `AWS::URLSuffix`, `AWS::StackName`,
    /// `AWS::StackId`, `AWS::NotificationARNs` (comma-separated)).
    pub pseudo: BTreeMap<String, String>,
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IacError {
    /// Not JSON or YAML, or a construct refused by the reader (a repeated key, a YAML alias).
    #[error("{file}:{line}:{column}: invalid {format}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// `JSON` or `YAML`.
        format: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Valid JSON or YAML, but neither a Terraform plan nor a CloudFormation template.
    #[error("{file}: not a Terraform plan (`terraform show -json`) or a CloudFormation template: {found}")]
    NotRecognized {
        /// The file.
        file: String,
        /// What it looks like instead.
        found: String,
    },
    /// A plan or template that is not what its format documents, or that asks for what
    /// cannot be resolved soundly.
    #[error("{file}{}: {address}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file.
        file: String,
        /// The line, where the input has one.
        line: Option<usize>,
        /// The resource address or template section concerned.
        address: String,
        /// What is wrong, quoting the input.
        message: String,
    },
}

/// An error inside a file, before the file's name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub line: Option<usize>,
    pub address: String,
    pub message: String,
}

impl Located {
    pub(crate) fn new(
        line: Option<usize>,
        address: impl Into<String>,
        message: impl Into<String>,
    ) -> Located {
        Located {
            line,
            address: address.into(),
            message: message.into(),
        }
    }

    pub(crate) fn in_file(self, file: &str) -> IacError {
        IacError::Invalid {
            file: file.to_string(),
            line: self.line,
            address: self.address,
            message: self.message,
        }
    }
}

/// A parsed file: its value, lines, and (YAML) its uncertain scalars.
pub(crate) struct Parsed {
    pub value: Value,
    pub lines: LineIndex,
    pub ambiguous: Vec<yaml::Ambiguous>,
    pub yaml: bool,
}

fn parse(file: &str, text: &str) -> Result<Parsed, IacError> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        let value = json::parse(text).map_err(|e| IacError::Syntax {
            file: file.to_string(),
            format: "JSON",
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        return Ok(Parsed {
            value,
            lines: LineIndex::of_json(text.strip_prefix('\u{feff}').unwrap_or(text)),
            ambiguous: Vec::new(),
            yaml: false,
        });
    }
    let loaded = yaml::parse(text).map_err(|e| IacError::Syntax {
        file: file.to_string(),
        format: "YAML",
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    Ok(Parsed {
        value: loaded.value,
        lines: loaded.lines,
        ambiguous: loaded.ambiguous,
        yaml: true,
    })
}

/// What a parsed value is, or what it looks like instead.
fn kind_of(parsed: &Parsed) -> Result<FileKind, String> {
    let Value::Object(map) = &parsed.value else {
        return Err(format!("{} at the top level", describe(&parsed.value)));
    };
    let plan_keys = [
        "planned_values",
        "resource_changes",
        "prior_state",
        "configuration",
    ];
    if !parsed.yaml
        && map.contains_key("format_version")
        && plan_keys.iter().any(|k| map.contains_key(*k))
    {
        return Ok(FileKind::TerraformPlan);
    }
    if map.contains_key("format_version") && map.contains_key("values") {
        return Err(
            "a Terraform state (`terraform show -json` of a state), not of a plan".to_string(),
        );
    }
    if map.contains_key("Resources") || map.contains_key("AWSTemplateFormatVersion") {
        if parsed.yaml {
            return Ok(FileKind::CloudFormationYaml);
        }
        return Ok(FileKind::CloudFormationJson {
            cdk: cloudformation::is_cdk(&parsed.value),
        });
    }
    if map.contains_key("Statement") {
        return Err("an IAM policy document".to_string());
    }
    let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
    Err(if keys.is_empty() {
        "an empty object".to_string()
    } else {
        format!("an object with keys {}", keys.join(", "))
    })
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The lines of a JSON text's values near its top (at most six levels deep), by JSON
/// pointer: for reports that point into a policy file or a recommendation (the line of
/// `/Statement/2`, of `/recommendedSteps/1`). A member's line is its key's line; an item's,
/// its first character's.
#[derive(Debug)]
pub struct JsonLines(LineIndex);

impl JsonLines {
    /// Indexes `text`, which should be JSON that was already accepted by a parser: of any
    /// other text the lines are meaningless, never an error.
    #[must_use]
    pub fn of(text: &str) -> JsonLines {
        JsonLines(LineIndex::of_json(text))
    }

    /// The line (from 1) of the value at `path` (its segments, unescaped: `["Statement",
    /// "2"]`), when it is indexed.
    #[must_use]
    pub fn line(&self, path: &[&str]) -> Option<usize> {
        self.0.line(path)
    }
}

/// What `text` is, by its content: `Ok(None)` for valid JSON or YAML that is neither a
/// Terraform plan nor a CloudFormation template (a policy document, a CDK `manifest.json`).
///
/// # Errors
///
/// [`IacError::Syntax`] when the text is neither JSON (text starting with `{` is read as
/// JSON) nor YAML as CloudFormation reads it.
pub fn detect(file: &str, text: &str) -> Result<Option<FileKind>, IacError> {
    Ok(kind_of(&parse(file, text)?).ok())
}

/// Every IAM policy of a Terraform plan or a CloudFormation template, resolved.
///
/// `file` names the file in policies and errors; `text` is its content.
///
/// # Errors
///
/// [`IacError`] naming `file` (and the line where there is one) when the text is not JSON
/// or YAML, not a plan or template ([`IacError::NotRecognized`]), or not what its format
/// documents: an unsupported plan `format_version`, a policy that is not JSON, a `Ref` to
/// nothing, a condition that refers to itself, a plain YAML scalar of uncertain meaning
/// where it can reach a policy, text reading as a declared unknown, two policies with one
/// address ([`IacError::Invalid`]).
pub fn extract(file: &str, text: &str, options: &Options) -> Result<Extraction, IacError> {
    let parsed = parse(file, text)?;
    let kind = kind_of(&parsed).map_err(|found| IacError::NotRecognized {
        file: file.to_string(),
        found,
    })?;
    match kind {
        FileKind::TerraformPlan => {
            let (policies, notes) = terraform::extract(file, &parsed.value, &parsed.lines)
                .map_err(|e| e.in_file(file))?;
            Ok(Extraction {
                file: file.to_string(),
                kind,
                found: Found::Plan(policies),
                notes,
            })
        }
        FileKind::CloudFormationJson { .. } | FileKind::CloudFormationYaml => {
            let (policies, notes) =
                cloudformation::extract(file, &parsed, options).map_err(|e| e.in_file(file))?;
            Ok(Extraction {
                file: file.to_string(),
                kind,
                found: Found::Template(policies),
                notes,
            })
        }
    }
}
