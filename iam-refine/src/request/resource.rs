//! The `Resource` / `NotResource` element (`docs/semantics.md` §3), after
//! [the Resource element's documentation](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards):
//!
//! 1. "You can use wildcard characters (`*` and `?`) within the individual segments of an
//!    ARN (the parts separated by colons)", "any combination of characters (`*`)", "any
//!    single character (`?`)", "multiple `*` or `?` characters in each segment";
//! 2. "If the `*` wildcard is the last character of a resource ARN segment, it can expand
//!    to match beyond the colon boundaries": a `*` followed by `:` or ending the pattern
//!    matches any run, colons included;
//! 3. every other `*`, and every `?`, match only characters other than `:`;
//! 4. "The asterisk character can expand to replace everything within a segment, including
//!    characters like a forward slash (`/`)";
//! 5. `"Resource": "*"` matches every resource (rule 2);
//! 6. "You can't use a wildcard in the service segment": such a pattern is matched by the
//!    same rules, with a warning.
//!
//! Matching is case-sensitive. Policy variables are substituted first, as literal text
//! (`variables.rs`); a `:` they bring in then separates segments like any other.

use super::glob::{resource_tokens, Glob, PChar};
use super::variables::{Env, Template, Unresolved};

/// One `Resource` / `NotResource` pattern.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePattern {
    template: Template,
    /// Compiled once when the pattern has no variable.
    compiled: Option<Glob>,
}

impl ResourcePattern {
    pub(crate) fn new(template: Template) -> ResourcePattern {
        let compiled = template
            .is_constant()
            .then(|| Glob::new(resource_tokens(&template.constant_chars())));
        ResourcePattern { template, compiled }
    }

    /// Does the pattern match `resource`? `Ok(false)` when a variable has no value.
    pub(crate) fn matches(&self, resource: &str, env: Env<'_>) -> Result<bool, Unresolved> {
        if let Some(g) = &self.compiled {
            return Ok(g.matches(resource));
        }
        Ok(match self.template.resolve_chars(env)? {
            Some(chars) => Glob::new(resource_tokens(&chars)).matches(resource),
            None => false,
        })
    }

    /// A wildcard in the third `:`-separated segment of an ARN pattern (`arn:aws:s*:::x`),
    /// which AWS says cannot be used there.
    pub(crate) fn wildcard_in_service(&self) -> bool {
        if !self.template.text.starts_with("arn:") {
            return false;
        }
        let chars = self.template.constant_chars();
        let service = chars
            .split(|c| *c == PChar::Lit(':'))
            .nth(2)
            .unwrap_or_default();
        service
            .iter()
            .any(|c| matches!(c, PChar::Star | PChar::One))
    }

    pub(crate) fn text(&self) -> &str {
        &self.template.text
    }
}
