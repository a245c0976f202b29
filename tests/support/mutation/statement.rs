//! Operators on whole statements and on the document: removed, reordered, a key changed,
//! `Action` renamed `NotAction`, a top-level key changed.

use serde_json::json;

use super::Mutator;
use crate::document::{action_key, entries, is_allow, statements_mut};

impl Mutator<'_, '_> {
    pub(super) fn statement_dropped(&mut self) -> Option<String> {
        let model = self.case.model;
        let allows: Vec<usize> = self
            .refined()
            .iter()
            .enumerate()
            .filter(|(_, r)| is_allow(r))
            .filter(|(_, r)| {
                action_key(r) == Some("NotAction")
                    || model
                        .matched(&entries(r))
                        .iter()
                        .any(|&u| self.kept(model.lower(u)))
            })
            .map(|(j, _)| j)
            .collect();
        let j = self.pick(&allows)?;
        statements_mut(&mut self.doc).remove(j);
        Some(format!("refined statement {j} removed"))
    }

    pub(super) fn statements_reordered(&mut self) -> Option<String> {
        let n = self.refined().len();
        if n < 2 {
            return None;
        }
        let a = self.rng.below(n - 1);
        let b = a + 1 + self.rng.below(n - a - 1);
        statements_mut(&mut self.doc).swap(a, b);
        Some(format!("refined statements {a} and {b} swapped"))
    }

    pub(super) fn key_changed(&mut self) -> Option<String> {
        let n = self.refined().len();
        if n == 0 {
            return None;
        }
        let j = self.rng.below(n);
        let has_resource = self.refined()[j].get("Resource").is_some();
        let (key, value) = match self.rng.below(3) {
            0 if has_resource => ("Resource", json!("arn:aws:s3:::mutated-bucket/*")),
            1 => (
                "Condition",
                json!({"Bool": {"aws:SecureTransport": "true"}}),
            ),
            _ => ("Sid", json!("MutatedSid")),
        };
        let s = self.statement(j);
        if s.get(key) == Some(&value) {
            return None;
        }
        s[key] = value;
        Some(format!("refined statement {j}: {key} changed"))
    }

    pub(super) fn action_to_not_action(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        let (j, _, _) = self.pick(&stmts)?;
        let s = self.statement(j);
        let list = s.as_object_mut()?.remove("Action")?;
        s["NotAction"] = list;
        Some(format!("refined statement {j}: Action renamed NotAction"))
    }

    pub(super) fn top_level_key_changed(&mut self) -> Option<String> {
        let doc = self.doc.as_object_mut()?;
        let what = match (doc.get("Version").cloned(), self.rng.below(3)) {
            (Some(_), 0) => {
                doc.shift_remove("Version");
                "Version dropped".to_string()
            }
            (Some(v), 1) if v != json!("2008-10-17") => {
                doc.insert("Version".into(), json!("2008-10-17"));
                "Version changed to 2008-10-17".to_string()
            }
            _ => {
                let id = json!("mutated-policy-id");
                if doc.get("Id") == Some(&id) {
                    return None;
                }
                doc.insert("Id".into(), id);
                "Id added or changed".to_string()
            }
        };
        Some(what)
    }
}
