//! The rules a subject can break, with ids that never change once published: code
//! scanning tracks an alert across runs by its rule id, and CI scripts match on them. A new
//! rule is appended (the SARIF log lists them all, in this order, so every index stays).
//!
//! `verify`'s rules are its theorems (`iam_refine_verify::Theorem::id`; a test of the prover
//! build checks that every theorem has its rule here), then `unknown` and `error`, which
//! any command may give.

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable, lower-case words joined by `-`.
    pub id: &'static str,
    /// PascalCase, as SARIF's `reportingDescriptor.name` wants it.
    pub name: &'static str,
    /// One sentence.
    pub short: &'static str,
    /// What it means and what to do.
    pub full: &'static str,
}

/// Every rule, in the order SARIF lists them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "exactness",
        name: "RefinementNotExact",
        short: "T1: over the catalog, a refined statement must allow exactly what its original statement allows minus the unused actions.",
        full: "A refined Allow statement allows a catalog action its original statement does not allow, or drops one that was used. The witness is that action.",
    },
    Rule {
        id: "containment",
        name: "RefinementNotContained",
        short: "T2: a refined statement may allow only strings its original statement allows, including actions AWS has not added yet.",
        full: "A refined Allow statement allows a string (an action name, possibly one AWS adds later) that its original statement does not allow. The witness is that string.",
    },
    Rule {
        id: "no-unused",
        name: "UnusedActionAllowed",
        short: "T3: a refined policy may allow no unused action, over all strings.",
        full: "A refined Allow statement still allows an action the usage evidence calls unused (with --keep, one no --keep pattern matches). The witness is that action.",
    },
    Rule {
        id: "deny-changed",
        name: "DenyStatementChanged",
        short: "A Deny statement must match the same strings as its original.",
        full: "A refinement removes unused actions from Allow statements; it must leave every Deny statement denying exactly what it denied. The witness is an action the two differ on.",
    },
    Rule {
        id: "deny-removed",
        name: "DenyStatementRemoved",
        short: "An original Deny statement that denies something must still be there.",
        full: "A Deny statement of the original has no counterpart in the refined policy. The witness is an action it denied.",
    },
    Rule {
        id: "statement-dropped",
        name: "StatementDroppedWithUsedActions",
        short: "An Allow statement may be removed only when nothing it allows is still used.",
        full: "An original Allow statement was removed although it allows a catalog action that is not unused. The witness is that action.",
    },
    Rule {
        id: "unpaired",
        name: "StatementWithoutCounterpart",
        short: "Each refined statement must pair with an original one (same Effect, Sid, Resource, Condition).",
        full: "A refined statement that matches something has no counterpart in the original: statements pair in order by everything but Action/NotAction. A reordered, split or merged policy is refuted here even when it grants nothing new.",
    },
    Rule {
        id: "top-level-key",
        name: "TopLevelKeyChanged",
        short: "Top-level keys other than Statement (Version, Id) must be unchanged.",
        full: "A top-level key of the policy document other than Statement differs between the original and a refined document, or is missing from one.",
    },
    Rule {
        id: "kept-statement-changed",
        name: "KeptStatementChanged",
        short: "A statement left as written (--skip-sid) must appear unchanged, once.",
        full: "An original statement whose Sid matches a --skip-sid pattern does not appear, JSON-identical, exactly once in the refined documents.",
    },
    Rule {
        id: "unknown",
        name: "Undecided",
        short: "The solver could not decide within its limits; nothing is claimed.",
        full: "A solver query hit its time or resource limit (--timeout, --rlimit) before deciding. Nothing is claimed either way: raise the limits or simplify the policy.",
    },
    Rule {
        id: "error",
        name: "NotJudged",
        short: "The subject could not be judged.",
        full: "The input could not be judged as given: a malformed file, a recommendation step without a policy id, a change the command does not judge. The message names it.",
    },
    Rule {
        id: "new-access",
        name: "NewAccess",
        short: "compare, ci: the new (changed) policies must allow no request the old (base) ones deny.",
        full: "The new side, or the changed policy, allows a request (action, resource, context) that the old side, or the policy before the change, denies: new access. The witness is that request, re-checked by the library's evaluator; `aws iam simulate-custom-policy` with its action, resource and context entries asks AWS the same question.",
    },
    Rule {
        id: "access-removed",
        name: "NotEquivalent",
        short: "compare --expect equivalent: the new policies must allow every request the old ones allow.",
        full: "The old side allows a request that the new side denies, so the two are not equivalent. The witness is that request, re-checked by the library's evaluator.",
    },
    Rule {
        id: "access-granted",
        name: "ForbiddenAccessGranted",
        short: "check-not-granted: the policies must allow no request for the rule's actions on its resources.",
        full: "The policies allow a request whose action matches one of the rule's action patterns and whose resource matches one of its resource patterns, for some context. The witness is that request, re-checked by the library's evaluator.",
    },
    Rule {
        id: "deny-narrowed",
        name: "DenyNarrowed",
        short: "A changed or deleted policy's Deny statements must still deny every request they denied.",
        full: "A Deny statement of a principal's policy also overrides what its other policies allow, so a Deny that denies less can grant access through another policy even when this policy alone allows nothing new. The witness is a request the Deny statements before the change denied and no longer deny.",
    },
];

/// The rule with id `id`, and its index in [`RULES`].
pub fn rule(id: &str) -> Option<(usize, &'static Rule)> {
    RULES.iter().enumerate().find(|(_, r)| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        for (k, r) in RULES.iter().enumerate() {
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
            assert!(
                r.name.bytes().all(|b| b.is_ascii_alphabetic()),
                "{}",
                r.name
            );
            assert_eq!(rule(r.id).map(|(i, _)| i), Some(k));
            assert!(RULES[..k].iter().all(|o| o.name != r.name));
        }
    }

    #[cfg(feature = "verify")]
    #[test]
    fn every_theorem_has_its_rule() {
        for t in iam_refine_verify::Theorem::ALL {
            assert!(rule(t.id()).is_some(), "{t} ({})", t.id());
        }
    }
}
