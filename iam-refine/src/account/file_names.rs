//! Which role or user a per-principal input file stands for, by its name: the principal's
//! name, or `role-<name>` / `user-<name>` (the form needed when a role and a user share the
//! name, as the output files of an account run are named), with any extension or none,
//! compared without case.
//!
//! An IAM name may hold a `.` (`deploy.bot`), so a file `deploy.bot` may be the name
//! without an extension or `deploy` with the extension `.bot`: both readings are tried, and
//! a file that reads as two principals is refused as ambiguous rather than guessed.

use std::collections::HashMap;

use super::{Account, Principal, PrincipalKind};

/// Why a file name stands for no single principal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileNameError {
    /// No role or user of the export has the name the file is named after.
    #[error("`{file}` is named after no role or user of the export")]
    NoPrincipal {
        /// The file name.
        file: String,
    },
    /// The name reads as several principals (a role and a user of one name, or a name
    /// with a `.` read with and without its extension).
    #[error("`{file}` could stand for {candidates}; name it {renames}")]
    Ambiguous {
        /// The file name.
        file: String,
        /// The principals it could stand for (``role `alice` and user `alice` ``).
        candidates: String,
        /// The names that would say which (`` `role-alice.json` or `user-alice.json` ``).
        renames: String,
    },
}

/// The account's principals by the names their files may have.
#[derive(Debug)]
pub struct PrincipalFiles<'a> {
    /// Lowercased name -> every principal of that name (a role and a user may share one).
    by_name: HashMap<String, Vec<&'a Principal>>,
}

impl<'a> PrincipalFiles<'a> {
    /// Indexes every role and user of `account` by name.
    #[must_use]
    pub fn new(account: &'a Account) -> PrincipalFiles<'a> {
        let mut by_name: HashMap<String, Vec<&'a Principal>> = HashMap::new();
        for p in account.principals() {
            by_name.entry(p.name.to_lowercase()).or_default().push(p);
        }
        PrincipalFiles { by_name }
    }

    /// The principal the file `file_name` (a name, not a path) stands for.
    ///
    /// # Errors
    ///
    /// [`FileNameError::NoPrincipal`] when it is named after no principal;
    /// [`FileNameError::Ambiguous`] when it reads as more than one.
    pub fn principal(&self, file_name: &str) -> Result<&'a Principal, FileNameError> {
        let found = self.readings(file_name);
        match found.as_slice() {
            [] => Err(FileNameError::NoPrincipal {
                file: file_name.to_string(),
            }),
            [(one, _)] => Ok(one),
            several => Err(FileNameError::Ambiguous {
                file: file_name.to_string(),
                candidates: several
                    .iter()
                    .map(|(p, _)| format!("{} `{}`", p.kind.name(), p.name))
                    .collect::<Vec<_>>()
                    .join(" and "),
                renames: several
                    .iter()
                    .map(|(p, ext)| format!("`{}`", self.rename(p, ext)))
                    .collect::<Vec<_>>()
                    .join(" or "),
            }),
        }
    }

    /// Every principal `file_name` may stand for, each with the extension of its reading.
    fn readings<'f>(&self, file_name: &'f str) -> Vec<(&'a Principal, &'f str)> {
        let mut readings: Vec<(&str, &str)> = vec![(file_name, "")];
        if let Some(dot) = file_name.rfind('.').filter(|&i| i > 0) {
            readings.push((&file_name[..dot], &file_name[dot..]));
        }
        let mut found: Vec<(&'a Principal, &str)> = Vec::new();
        for (stem, extension) in readings {
            for p in self.named(stem) {
                if !found.iter().any(|(q, _)| q.arn == p.arn) {
                    found.push((p, extension));
                }
            }
        }
        found
    }

    /// A file name that stands for `p` alone: its name, else with its kind's prefix.
    fn rename(&self, p: &Principal, extension: &str) -> String {
        let plain = format!("{}{extension}", p.name);
        let prefixed = format!("{}-{}{extension}", p.kind.name(), p.name);
        let alone =
            |name: &str| matches!(self.readings(name).as_slice(), [(q, _)] if q.arn == p.arn);
        if alone(&plain) {
            plain
        } else {
            prefixed
        }
    }

    /// The principals `stem` names: by name, or by `role-`/`user-` and a name of that kind.
    fn named(&self, stem: &str) -> Vec<&'a Principal> {
        let lower = stem.to_lowercase();
        let mut out: Vec<&'a Principal> = self.by_name.get(&lower).cloned().unwrap_or_default();
        for kind in [PrincipalKind::Role, PrincipalKind::User] {
            let Some(name) = lower
                .strip_prefix(kind.name())
                .and_then(|rest| rest.strip_prefix('-'))
            else {
                continue;
            };
            if let Some(list) = self.by_name.get(name) {
                out.extend(list.iter().filter(|p| p.kind == kind));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(roles: &[&str], users: &[&str]) -> Account {
        let item = |kind: &str, name: &str| {
            let key = if kind == "role" { "Role" } else { "User" };
            format!(
                r#"{{"{key}Name": "{name}", "Arn": "arn:aws:iam::123456789012:{kind}/{name}", "{key}PolicyList": [], "AttachedManagedPolicies": []}}"#
            )
        };
        let roles: Vec<String> = roles.iter().map(|n| item("role", n)).collect();
        let users: Vec<String> = users.iter().map(|n| item("user", n)).collect();
        let text = format!(
            r#"{{"RoleDetailList": [{}], "UserDetailList": [{}]}}"#,
            roles.join(","),
            users.join(",")
        );
        Account::parse(&text).expect("account")
    }

    fn arn_of(files: &PrincipalFiles<'_>, file: &str) -> Result<String, String> {
        files
            .principal(file)
            .map(|p| p.arn.clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_file_is_named_after_its_principal_with_any_extension() {
        let a = account(&["EC2role", "deploy.bot"], &["alice"]);
        let f = PrincipalFiles::new(&a);
        let role = "arn:aws:iam::123456789012:role/EC2role";
        for name in [
            "EC2role.json",
            "ec2ROLE.txt",
            "EC2role",
            "role-ec2role.json",
        ] {
            assert_eq!(arn_of(&f, name).as_deref(), Ok(role), "{name}");
        }
        let bot = "arn:aws:iam::123456789012:role/deploy.bot";
        assert_eq!(arn_of(&f, "deploy.bot").as_deref(), Ok(bot));
        assert_eq!(arn_of(&f, "deploy.bot.json").as_deref(), Ok(bot));
        assert_eq!(
            arn_of(&f, "user-alice").as_deref(),
            Ok("arn:aws:iam::123456789012:user/alice")
        );
    }

    #[test]
    fn a_file_named_after_no_principal_is_refused() {
        let a = account(&["EC2role"], &["alice"]);
        let f = PrincipalFiles::new(&a);
        for name in [
            "bob.json",
            "user-EC2role.json",
            "role-alice",
            "EC2role.json.bak",
            "a1b2c3d4-0001-4000-8000-000000000001.json",
            "",
        ] {
            let e = arn_of(&f, name).unwrap_err();
            assert_eq!(
                e,
                format!("`{name}` is named after no role or user of the export")
            );
        }
    }

    #[test]
    fn a_name_that_reads_as_two_principals_is_ambiguous() {
        let a = account(&["alice", "role-bob", "x"], &["alice", "bob", "x.txt"]);
        let f = PrincipalFiles::new(&a);
        assert_eq!(
            arn_of(&f, "ALICE.json").unwrap_err(),
            "`ALICE.json` could stand for role `alice` and user `alice`; name it `role-alice.json` or `user-alice.json`"
        );
        assert_eq!(
            arn_of(&f, "role-alice.json").as_deref(),
            Ok("arn:aws:iam::123456789012:role/alice")
        );
        // A role named `role-bob`, and `role-` + the user `bob`'s name: only a role of that
        // name would be `role-bob`, and there is none.
        assert_eq!(
            arn_of(&f, "role-bob.json").as_deref(),
            Ok("arn:aws:iam::123456789012:role/role-bob")
        );
        // A role `bob` too: `role-bob.json` is either role; the role `bob` is `bob.json`
        // (the user `bob` is then `user-bob.json`).
        let b = account(&["role-bob", "bob"], &[]);
        assert_eq!(
            arn_of(&PrincipalFiles::new(&b), "role-bob.json").unwrap_err(),
            "`role-bob.json` could stand for role `role-bob` and role `bob`; name it `role-role-bob.json` or `bob.json`"
        );
        // `x.txt` is the user `x.txt` without an extension, or the role `x` with one.
        assert_eq!(
            arn_of(&f, "x.txt").unwrap_err(),
            "`x.txt` could stand for user `x.txt` and role `x`; name it `user-x.txt` or `role-x.txt`"
        );
    }
}
