//! Opt-outs from refinement, as teams need them for break-glass and rarely used actions.
//!
//! - `keep` patterns name actions that are never removed, whatever the findings say
//!   (`iam:PassRole`, which Access Advisor does not track, or a break-glass action). They
//!   act on the findings, before they are resolved ([`RefineOptions::resolve`]): the
//!   effective findings ([`RefineOptions::apply_keep`]) are the findings minus what the
//!   patterns match, over all strings (a service the findings call wholly unused stays
//!   unused but for what the patterns match, also in the actions the catalog does not
//!   know yet). They are what the refinement is exact against, and what a verifier must be
//!   given: the findings and the keep patterns, not a list of names.
//! - `skip_sid` patterns name statements (by `Sid`) that are left as written, like Deny
//!   statements ([`crate::refine_with`]); [`RefineOptions::skipped_statements`] lists them
//!   for a verifier, which must then hold them to "unchanged" instead of "exact".
//!
//! Both are IAM-style globs (`*` any run, `?` one character): `keep` patterns match actions
//! case-insensitively, as IAM matches actions; `skip_sid` patterns match `Sid`s with case
//! counting, as IAM compares them and as the prover (`iam-refine-verify`'s `Keep`) does, so
//! the statements the refiner leaves are exactly those the prover holds to "unchanged".

use std::borrow::Cow;

use crate::catalog::Catalog;
use crate::findings::{Findings, Unused};
use crate::pattern::Pattern;
use crate::policy::{Policy, Statement};

/// An opt-out pattern that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// Returned by [`RefineOptions::keep`] or [`RefineOptions::skip_sid`] for an empty
    /// pattern.
    #[error("`--{option}` needs a non-empty pattern")]
    Empty {
        /// The option given it, as spelled on the command line without its dashes (`keep`,
        /// `skip-sid`).
        option: &'static str,
    },
    /// Returned by [`RefineOptions::keep`] for a pattern that is neither `*` nor of the
    /// form `service:Action`.
    #[error("`--keep {pattern}`: an action pattern has the form `service:Action` (wildcards allowed), or is `*`")]
    NotAnAction {
        /// The pattern as given.
        pattern: String,
    },
}

/// Opt-outs for [`crate::refine_with`] and the account plan. The default opts out of
/// nothing, which is what [`crate::refine()`] does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefineOptions {
    keep: Vec<Pattern>,
    skip_sid: Vec<Pattern>,
}

impl RefineOptions {
    /// Options that opt out of nothing (the same as [`RefineOptions::default`]).
    #[must_use]
    pub fn new() -> RefineOptions {
        RefineOptions::default()
    }

    /// Never remove the actions `pattern` matches (`iam:PassRole`, `kms:*`, `*:Describe*`).
    ///
    /// # Errors
    ///
    /// [`OptionsError::Empty`] for an empty pattern, [`OptionsError::NotAnAction`] for one
    /// that is neither `*` nor `service:Action`.
    pub fn keep(mut self, pattern: &str) -> Result<RefineOptions, OptionsError> {
        if pattern.is_empty() {
            return Err(OptionsError::Empty { option: "keep" });
        }
        if pattern != "*" && !pattern.contains(':') {
            return Err(OptionsError::NotAnAction {
                pattern: pattern.to_string(),
            });
        }
        self.keep.push(Pattern::new(pattern));
        Ok(self)
    }

    /// Leave statements whose `Sid` matches `pattern` as written.
    ///
    /// # Errors
    ///
    /// [`OptionsError::Empty`] for an empty pattern.
    pub fn skip_sid(mut self, pattern: &str) -> Result<RefineOptions, OptionsError> {
        if pattern.is_empty() {
            return Err(OptionsError::Empty { option: "skip-sid" });
        }
        self.skip_sid.push(Pattern::new(pattern));
        Ok(self)
    }

    /// The `keep` patterns, as given and in the order given.
    pub fn keep_patterns(&self) -> impl Iterator<Item = &str> {
        self.keep.iter().map(Pattern::as_str)
    }

    /// The `skip_sid` patterns, as given and in the order given.
    pub fn skip_sid_patterns(&self) -> impl Iterator<Item = &str> {
        self.skip_sid.iter().map(Pattern::as_str)
    }

    /// Does a `keep` pattern match this (full) action name?
    #[must_use]
    pub fn keeps(&self, action: &str) -> bool {
        self.keep.iter().any(|p| p.matches(action))
    }

    /// Is this statement left as written? Only a statement with a string `Sid` can be.
    #[must_use]
    pub fn skips(&self, statement: &Statement) -> bool {
        if self.skip_sid.is_empty() {
            return false;
        }
        let value = statement.to_value();
        let Some(sid) = value.get("Sid").and_then(|s| s.as_str()) else {
            return false;
        };
        self.skip_sid.iter().any(|p| p.matches_case_sensitive(sid))
    }

    /// Indices (from 0) of the statements of `policy` that [`crate::refine_with`] leaves as
    /// written because of their `Sid` (Deny statements, always left, are not listed).
    #[must_use]
    pub fn skipped_statements(&self, policy: &Policy) -> Vec<usize> {
        policy
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect == crate::Effect::Allow && self.skips(s))
            .map(|(i, _)| i)
            .collect()
    }

    /// The findings minus what `keep` protects, over all strings: named actions a pattern
    /// matches are dropped, and a wholly unused service stays wholly unused but for what
    /// the patterns match ([`Findings::keep_patterns`] carries them), so a string of it that
    /// no catalog knows yet and no pattern matches is still unused. (Turning the service
    /// into its catalog names minus the kept ones would make every future action of it
    /// look used, and let wildcards reach them.)
    #[must_use]
    pub fn apply_keep(&self, findings: &Findings) -> Findings {
        if self.keep.is_empty() {
            return findings.clone();
        }
        findings.keeping(&self.keep)
    }

    /// [`RefineOptions::apply_keep`] without a copy when there is nothing to keep: the
    /// findings come back as they were given (a copy of 100,000 findings, and freeing it,
    /// cost more than refining a policy against them).
    #[must_use]
    pub fn apply_keep_cow<'f>(&self, findings: Cow<'f, Findings>) -> Cow<'f, Findings> {
        if self.keep.is_empty() {
            return findings;
        }
        Cow::Owned(findings.keeping(&self.keep))
    }

    /// [`RefineOptions::apply_keep`], then [`Findings::resolve`].
    #[must_use]
    pub fn resolve<'c>(&self, findings: &Findings, catalog: &'c Catalog) -> Unused<'c> {
        self.apply_keep(findings).resolve(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{refine, refine_with};

    fn catalog() -> &'static Catalog {
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        CATALOG.get_or_init(Catalog::embedded)
    }

    #[test]
    fn keep_takes_its_language_out_of_the_findings() {
        let findings = Findings::parse(
            r#"[{"serviceNamespace": "iam", "actions": ["PassRole", "CreateUser"]}, {"serviceNamespace": "kms"}, {"serviceNamespace": "sqs"}, {"serviceNamespace": "sns"}]"#,
        )
        .expect("findings");
        let options = RefineOptions::new()
            .keep("iam:PassRole")
            .and_then(|o| o.keep("kms:Decrypt"))
            .and_then(|o| o.keep("SNS:*"))
            .expect("valid");
        let effective = options.apply_keep(&findings);
        assert_eq!(effective.actions().collect::<Vec<_>>(), ["iam:CreateUser"]);
        // kms stays a wholly unused service but for `kms:Decrypt`; sns is kept whole.
        assert_eq!(effective.services().collect::<Vec<_>>(), ["kms", "sqs"]);
        let unused = effective.resolve(catalog());
        assert!(!unused.contains("kms:decrypt"));
        assert!(unused.contains("kms:encrypt"));
        assert!(
            unused.contains("kms:decryptsomedaylater"),
            "not in the catalog, not kept"
        );
        assert!(unused.contains("sqs:anything"));
        assert!(!unused.contains("sns:publish"));
        assert!(!unused.contains("iam:passrole"));
        assert!(unused.service_partly_kept("kms") && !unused.service_unused("kms"));
        assert!(unused.service_unused("sqs"));
        // Only a prefix one keep pattern covers is free of unused strings beyond the catalog.
        assert!(unused.unused_beyond_catalog("kms:decrypt"));
        assert!(unused.unused_beyond_catalog("kms:"));
        assert!(unused.unused_beyond_catalog("k"));
        assert!(!unused.unused_beyond_catalog("sns:"));
        assert!(!unused.unused_beyond_catalog("iam:pass"));
        let wide = RefineOptions::new().keep("kms:Decrypt*").expect("valid");
        let unused = wide.resolve(&findings, catalog());
        assert!(!unused.unused_beyond_catalog("kms:decrypt"));
        assert!(unused.unused_beyond_catalog("kms:decryp"));
    }

    #[test]
    fn refine_keeps_what_keep_protects() {
        let policy = Policy::parse(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["iam:PassRole", "iam:CreateUser", "kms:*"], "Resource": "*"}}"#,
        )
        .expect("policy");
        let findings = Findings::parse(
            r#"[{"serviceNamespace": "iam", "actions": ["PassRole", "CreateUser"]}, {"serviceNamespace": "kms"}]"#,
        )
        .expect("findings");
        let plain = refine(&policy, &findings.resolve(catalog()));
        assert!(plain.detach, "without keep everything is unused");

        let options = RefineOptions::new()
            .keep("iam:passrole")
            .and_then(|o| o.keep("kms:Decrypt*"))
            .expect("valid");
        let r = refine_with(&policy, &options.resolve(&findings, catalog()), &options);
        let out = &r.policy.statements[0].patterns;
        assert!(out.contains(&"iam:PassRole".to_string()), "{out:?}");
        assert!(!out.contains(&"iam:CreateUser".to_string()), "{out:?}");
        assert!(out.iter().any(|e| e.starts_with("kms:Decrypt")), "{out:?}");
        assert!(!out.iter().any(|e| e.starts_with("kms:Encrypt")), "{out:?}");
    }

    #[test]
    fn skip_sid_leaves_matching_statements_as_written() {
        let policy = Policy::parse(
            r#"{"Statement": [
                {"Sid": "BreakGlass", "Effect": "Allow", "Action": ["s3:*"], "Resource": "*"},
                {"Sid": "Daily", "Effect": "Allow", "Action": ["s3:*"], "Resource": "*"},
                {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
            ]}"#,
        )
        .expect("policy");
        let findings =
            Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}, {"serviceNamespace": "sqs"}]"#)
                .expect("findings");
        // Sids are compared with case counting, as IAM and the prover compare them.
        let other_case = RefineOptions::new().skip_sid("break*").expect("valid");
        assert_eq!(other_case.skipped_statements(&policy), [0usize; 0]);
        let options = RefineOptions::new().skip_sid("Break*").expect("valid");
        assert_eq!(options.skipped_statements(&policy), [0]);
        let r = refine_with(&policy, &findings.resolve(catalog()), &options);
        assert_eq!(r.policy.statements[0], policy.statements[0]);
        assert_ne!(r.policy.statements[1], policy.statements[1]);
        assert_eq!(r.policy.statements.len(), 2, "the sqs statement goes");
        assert_eq!(r.origins, [0, 1]);
        assert_eq!(
            refine(&policy, &findings.resolve(catalog())).origins,
            [0, 1]
        );
    }

    #[test]
    fn bad_patterns_are_named() {
        assert_eq!(
            RefineOptions::new().keep("PassRole").unwrap_err().to_string(),
            "`--keep PassRole`: an action pattern has the form `service:Action` (wildcards allowed), or is `*`"
        );
        assert!(RefineOptions::new().skip_sid("").is_err());
        assert!(RefineOptions::new().keep("*").is_ok());
    }
}
