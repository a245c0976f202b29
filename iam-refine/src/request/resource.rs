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
//!
//! U4: the `Arn...` operators' page says instead that "each of the six colon-delimited
//! components of the ARN is checked separately", and other evaluators match resources that
//! way. So each pattern is matched by both readings: (I) the rules above; (II) the pattern
//! and the resource split at their first five `:` into at most six components, each
//! component's glob (wildcards taking any character) against the resource's, a shorter
//! pattern's last component against the rest of the resource. Both say yes: it matches;
//! neither: it does not; they disagree: undetermined.

use super::glob::{components, plain_tokens, resource_tokens, Glob, PChar};
use super::open::{Reason, Rule, Tri};
use super::variables::{Env, Template};
use crate::json::quote;

/// One `Resource` / `NotResource` pattern.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePattern {
    template: Template,
    /// Compiled once when the pattern has no variable.
    compiled: Option<Readings>,
}

/// A pattern compiled for both readings of U4.
#[derive(Debug, Clone)]
struct Readings {
    /// (I) the segment rule: one glob over the whole resource, whose wildcards cross `:`
    /// only where rule 2 says.
    segments: Glob,
    /// (II) the six-component reading: one glob per component of the pattern (at most six,
    /// split at its first five `:`), each of whose wildcards takes any character.
    components: Vec<Glob>,
}

impl Readings {
    fn new(chars: &[PChar]) -> Readings {
        Readings {
            segments: Glob::new(resource_tokens(chars)),
            components: components(chars)
                .into_iter()
                .map(|c| Glob::new(plain_tokens(c)))
                .collect(),
        }
    }

    /// Reading (I).
    fn by_segments(&self, resource: &str) -> bool {
        self.segments.matches(resource)
    }

    /// Reading (II): a pattern of `k` components matches when the resource split at its
    /// first `k - 1` colons has `k` parts (the last keeps any further `:`) and each glob
    /// matches its part. So a six-component pattern needs six components, and a shorter
    /// one's last glob matches the rest of the resource.
    fn by_components(&self, resource: &str) -> bool {
        let k = self.components.len();
        let parts: Vec<&str> = resource.splitn(k, ':').collect();
        parts.len() == k && self.components.iter().zip(parts).all(|(g, p)| g.matches(p))
    }
}

impl ResourcePattern {
    pub(crate) fn new(template: Template) -> ResourcePattern {
        let compiled = template
            .is_constant()
            .then(|| Readings::new(&template.constant_chars()));
        ResourcePattern { template, compiled }
    }

    /// Does the pattern match `resource`? True when both readings say so, false when
    /// neither does, undetermined (U4) when they disagree; false when a variable has no
    /// value (it matches no resource).
    pub(crate) fn matches(&self, resource: &str, env: Env<'_>, element: &str) -> Tri {
        let owned;
        let readings = match &self.compiled {
            Some(r) => r,
            None => match self.template.resolve_chars(env) {
                Err(e) => return Tri::Open(e.into()),
                Ok(None) => return Tri::False,
                Ok(Some(chars)) => {
                    owned = Readings::new(&chars);
                    &owned
                }
            },
        };
        let one = readings.by_segments(resource);
        let two = readings.by_components(resource);
        if one == two {
            return Tri::from(one);
        }
        let (yes, no) = if one {
            (
                "the segment rule (the Resource page)",
                "the six-component reading (the `Arn...` operators' page)",
            )
        } else {
            (
                "the six-component reading (the `Arn...` operators' page)",
                "the segment rule (the Resource page)",
            )
        };
        Tri::Open(Reason::Undetermined {
            rule: Rule::ResourceReadingsDisagree,
            detail: format!(
                "the `{element}` pattern {} matches the resource {} by {yes} but not by {no}",
                quote(&self.template.text),
                quote(resource)
            ),
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

    pub(crate) fn template(&self) -> &Template {
        &self.template
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::glob::wild_chars;

    fn readings(p: &str, r: &str) -> (bool, bool) {
        let chars: Vec<PChar> = wild_chars(p).collect();
        let c = Readings::new(&chars);
        (c.by_segments(r), c.by_components(r))
    }

    #[test]
    fn reading_two_six_components() {
        // Each component apart; the sixth keeps its colons.
        assert_eq!(
            readings("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a:b/log"),
            (true, true)
        );
        assert_eq!(
            readings("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a:b/log"),
            (false, true)
        );
        assert_eq!(
            readings("arn:aws:s3:*:1:x", "arn:aws:s3:a:b:1:x"),
            (true, false)
        );
        assert_eq!(
            readings("arn:aws:s3:::b?c", "arn:aws:s3:::b:c"),
            (false, true)
        );
        // A six-component pattern needs six components.
        assert_eq!(readings("arn:aws:s3:::*", "arn:aws:s3::b"), (false, false));
        assert_eq!(readings("arn:*:*:*:*:*", "arn:::::"), (true, true));
        assert_eq!(
            readings("arn:aws:logs:*:*:*", "arn:aws:logs:r:1:log-group:x:*"),
            (true, true)
        );
        // A `*` in a middle component never reaches into the next.
        assert_eq!(readings("arn:aws:*:1:x", "arn:aws:a:b:1:x"), (true, false));
    }

    #[test]
    fn reading_two_fewer_components() {
        // The last component's glob takes the rest of the resource, colons included.
        assert_eq!(readings("*", "arn:aws:s3:::b/k"), (true, true));
        assert_eq!(readings("*", ""), (true, true));
        assert_eq!(readings("arn:aws:s3*", "arn:aws:s3:::b/k"), (true, true));
        assert_eq!(
            readings("arn:aws:*", "arn:aws"),
            (false, false),
            "no third component"
        );
        assert_eq!(readings("arn:*:s3", "arn:a:b:s3"), (true, false));
        assert_eq!(readings("arn:aws:s?:::b", "arn:aws:s::::b"), (false, false));
        assert_eq!(
            readings("arn:a?b", "arn:a:b"),
            (false, true),
            "`?` takes a `:` in the rest"
        );
        assert_eq!(readings("not-an-arn", "not-an-arn"), (true, true));
        assert_eq!(readings("a*b", "a:x:b"), (false, true));
    }

    #[test]
    fn reading_one_is_the_segment_rule() {
        assert_eq!(
            readings(
                "arn:aws:ec2:*:1:instance/*",
                "arn:aws:ec2:us-east-1:999:1:instance/i"
            ),
            (true, false)
        );
        assert_eq!(
            readings("arn:aws:s3:::b**", "arn:aws:s3:::b:c"),
            (true, true)
        );
    }
}
