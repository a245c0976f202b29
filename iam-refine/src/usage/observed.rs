//! Observed usage: the actions a principal was seen to use (from CloudTrail, iamlive, a
//! test run). Unused is then everything its policies allow in the catalog minus these.
//!
//! Accepted shapes: one action per line (blank lines and `#` comments skipped), a JSON
//! array of action names, or a policy document whose Allow statements list the used
//! actions (what `iamlive --output-file` writes). An entry may be a wildcard (`s3:Get*`):
//! every catalog action it matches counts as used.
//!
//! Only catalog actions can be found unused this way: an action the catalog does not know,
//! and any action AWS adds later, stays allowed wherever a wildcard allowed it.

use std::collections::HashSet;

use serde_json::Value;

use super::UsageError;
use crate::catalog::Catalog;
use crate::document::parse_json_text;
use crate::findings::Findings;
use crate::json::kind as json_kind;
use crate::pattern::{Pattern, Shape};
use crate::policy::{ActionKey, Effect, Policy, PolicyKind};

/// The actions a principal used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedUsage {
    /// Lower-cased literal names.
    names: HashSet<String>,
    /// Wildcard entries.
    patterns: Vec<Pattern>,
}

impl ObservedUsage {
    /// Reads a list of used actions in any accepted shape.
    ///
    /// # Errors
    ///
    /// [`UsageError::Text`] for JSON the strict reader refuses; otherwise as
    /// [`ObservedUsage::from_value`] or, for a plain list, [`UsageError::UsedEntry`] for a
    /// line that is not `service:Action`.
    pub fn parse(text: &str) -> Result<ObservedUsage, UsageError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with(['[', '{']) {
            let value = parse_json_text(text).map_err(|source| UsageError::Text { source })?;
            return ObservedUsage::from_value(&value);
        }
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push((n + 1, line.to_string()));
        }
        ObservedUsage::from_entries(entries)
    }

    /// A parsed JSON array of names or a policy document.
    ///
    /// # Errors
    ///
    /// [`UsageError::UsedEntry`] for an entry that is not a `service:Action` string,
    /// [`UsageError::Text`] for a policy that does not parse, [`UsageError::Unrecognised`]
    /// for a value that is neither an array nor an object.
    pub fn from_value(value: &Value) -> Result<ObservedUsage, UsageError> {
        match value {
            Value::Array(items) => {
                let mut entries = Vec::with_capacity(items.len());
                for (k, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => entries.push((k + 1, s.clone())),
                        other => {
                            return Err(UsageError::UsedEntry {
                                entry: k + 1,
                                found: json_kind(other).to_string(),
                            })
                        }
                    }
                }
                ObservedUsage::from_entries(entries)
            }
            Value::Object(map) => {
                let policy = Policy::from_document(map.clone(), PolicyKind::Managed)
                    .map_err(|source| UsageError::Text { source })?;
                // A Deny or a `NotAction` says nothing plain about what was used; skipped,
                // its actions would count as unused.
                if let Some((k, s)) = policy
                    .statements
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.effect != Effect::Allow || s.key != ActionKey::Action)
                {
                    let what = if s.effect == Effect::Allow {
                        "`NotAction`"
                    } else {
                        "a Deny"
                    };
                    return Err(UsageError::UsedStatement {
                        statement: k + 1,
                        what,
                    });
                }
                let entries = policy
                    .statements
                    .iter()
                    .flat_map(|s| s.patterns.iter().cloned())
                    .enumerate()
                    .map(|(k, p)| (k + 1, p))
                    .collect();
                ObservedUsage::from_entries(entries)
            }
            other => Err(UsageError::Unrecognised {
                found: json_kind(other).to_string(),
            }),
        }
    }

    fn from_entries(entries: Vec<(usize, String)>) -> Result<ObservedUsage, UsageError> {
        let mut names = HashSet::new();
        let mut patterns = Vec::new();
        for (n, entry) in entries {
            let valid = entry == "*"
                || entry.split_once(':').is_some_and(|(svc, action)| {
                    !svc.is_empty() && !action.is_empty() && !action.contains(':')
                });
            if !valid || entry.contains(char::is_whitespace) {
                return Err(UsageError::UsedEntry {
                    entry: n,
                    found: format!("`{entry}`"),
                });
            }
            let pattern = Pattern::new(&entry);
            if pattern.shape() == Shape::Literal {
                names.insert(pattern.normalized().to_string());
            } else {
                patterns.push(pattern);
            }
        }
        Ok(ObservedUsage { names, patterns })
    }

    /// Was `lower` (a lower-cased full name) used?
    #[must_use]
    pub fn used(&self, lower: &str) -> bool {
        self.names.contains(lower) || self.patterns.iter().any(|p| p.matches(lower))
    }

    /// The findings this usage means for a principal carrying `policies`: every catalog
    /// action an Allow statement of theirs allows, unless it was used.
    pub fn unused_in<'p>(
        &self,
        policies: impl IntoIterator<Item = &'p Policy>,
        catalog: &Catalog,
    ) -> Findings {
        let mut allowed = vec![false; catalog.len()];
        for policy in policies {
            for s in policy
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let patterns: Vec<Pattern> = s.patterns.iter().map(|p| Pattern::new(p)).collect();
                match s.key {
                    ActionKey::Action => {
                        for p in &patterns {
                            for i in catalog.prefix_range(p.literal_prefix()) {
                                // The range is exactly a trailing-`*` pattern's matches; the
                                // others are matched one by one.
                                if p.shape() == Shape::Prefix || p.matches(catalog.lower(i)) {
                                    allowed[i] = true;
                                }
                            }
                        }
                    }
                    ActionKey::NotAction => {
                        for (i, slot) in allowed.iter_mut().enumerate() {
                            if !patterns.iter().any(|p| p.matches(catalog.lower(i))) {
                                *slot = true;
                            }
                        }
                    }
                }
            }
        }
        let unused: Vec<&str> = (0..catalog.len())
            .filter(|&i| allowed[i] && !self.used(catalog.lower(i)))
            .map(|i| catalog.name(i))
            .collect();
        Findings::from_names(&unused, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        CATALOG.get_or_init(Catalog::embedded)
    }

    fn policy(text: &str) -> Policy {
        Policy::parse(text).expect("policy")
    }

    #[test]
    fn lines_arrays_and_iamlive_policies() {
        let lines = ObservedUsage::parse("# from CloudTrail\ns3:GetObject\n\n  S3:ListBucket  \n")
            .expect("valid");
        assert!(lines.used("s3:getobject") && lines.used("s3:listbucket"));
        assert!(!lines.used("s3:putobject"));
        let array = ObservedUsage::parse(r#"["s3:GetObject", "s3:List*"]"#).expect("valid");
        assert!(array.used("s3:listallmybuckets"));
        let iamlive = ObservedUsage::parse(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "sts:GetCallerIdentity"], "Resource": "*"}]}"#,
        )
        .expect("valid");
        assert!(iamlive.used("sts:getcalleridentity"));
    }

    #[test]
    fn unused_is_allowed_minus_used() {
        let used = ObservedUsage::parse("s3:GetObject\ns3:GetObjectAcl\nsqs:*").expect("valid");
        let p = policy(
            r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject*", "sqs:SendMessage", "newsvc:Do"]}, {"Effect": "Deny", "Action": "ec2:*"}]}"#,
        );
        let f = used.unused_in([&p], catalog());
        let names: Vec<&str> = f.actions().collect();
        assert!(names.contains(&"s3:GetObjectVersion"), "{names:?}");
        assert!(!names.iter().any(|n| n.eq_ignore_ascii_case("s3:GetObject")));
        assert!(!names.iter().any(|n| n.starts_with("sqs:")));
        assert!(!names
            .iter()
            .any(|n| n.starts_with("ec2:") || n.starts_with("newsvc:")));
        assert_eq!(f.services().count(), 0);
        // Every name is one the policy allows.
        let pat = Pattern::new("s3:GetObject*");
        assert!(names.iter().all(|n| pat.matches(n)), "{names:?}");
    }

    #[test]
    fn not_action_allows_everything_else() {
        let used = ObservedUsage::parse("[]").expect("valid");
        let p = policy(r#"{"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "s3:*"]}}"#);
        let f = used.unused_in([&p], catalog());
        let n = f.actions().count();
        assert!(n > 15_000, "{n}");
        assert!(!f
            .actions()
            .any(|a| a.starts_with("iam:") || a.starts_with("s3:")));
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(
            ObservedUsage::parse("s3:GetObject\nGetObject")
                .unwrap_err()
                .to_string(),
            "used action 2: expected an action name (`service:Action`), found `GetObject`"
        );
        assert_eq!(
            ObservedUsage::parse(r#"["s3:GetObject", 3]"#)
                .unwrap_err()
                .to_string(),
            "used action 2: expected an action name (`service:Action`), found a number"
        );
    }
}
