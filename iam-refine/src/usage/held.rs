//! An account's findings as they are held between reading and planning: each principal's
//! packed into one string of bytes, every name in it (an action, a service, a date) a number
//! into tables of the names read.
//!
//! Every finding is read before the first principal is planned: a principal's findings may
//! come anywhere in the input, and a bad one must be refused before anything is written. So
//! an account holds every principal's findings at once. Held as read (the ARN three times,
//! a map per finding of the services it names, a pointer per action), 8,050 principals'
//! findings took 22 MB at the end of reading, more than the account read from its 22 MB
//! export; packed, 2.4 MB, the table of their 19,941 distinct action names included. Each
//! is unpacked by the worker that plans its principal ([`HeldFindings::unpack`]), and
//! dropped once it is done.
//!
//! A principal's findings are packed after its first finding is read. When another of its
//! findings comes (another page of it, or another finding), they are unpacked once and kept
//! as read until the end of reading, then packed again: so reading stays linear however a
//! principal's findings are spread over the input. Principals with several findings are
//! held as before until the end of reading.
//!
//! The bytes are written and read only here: [`Record::pack`] and [`Record::unpack`] are
//! inverse (a property test checks it), and numbers are LEB128 varints, written by hand (a
//! dozen lines, where a serialisation crate would need the record's types to serialise
//! their names by number).

use std::sync::Arc;

use super::action_names::ActionNames;
use super::analyzer::{AccountFindingsError, PrincipalFindings, ReportedFinding, UnusedRole};
use super::findings_read::{Current, Group, PageId, Said};
use crate::numbered::Numbered;

/// The tables held findings number their names by, filled while the findings are read.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    /// Every action name read (the findings reader shares them).
    pub(crate) names: ActionNames,
    /// Services and dates: findings repeat them.
    words: Numbered<Arc<str>>,
}

impl Tables {
    /// Drops the indexes that number names, once every record is packed: unpacking reads
    /// names by number only (of 8,050 principals' findings, 1.4 MB of 3.3 MB).
    pub(crate) fn forget_numbers(&mut self) {
        self.names.forget_numbers();
        self.words.forget_numbers();
    }
}

/// Everything read about one principal: what [`PrincipalFindings`] is made of once every
/// finding is in.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) finding_ids: Vec<String>,
    pub(crate) unused_role: Option<UnusedRole>,
    pub(crate) reported: Vec<ReportedFinding>,
    /// Its active unused-permission findings, put together as read.
    pub(crate) current: Current,
}

/// Held bytes that do not read back: a bug in this module, never the input's fault.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Corrupt;

impl Record {
    /// The record as bytes; `arn` is its principal's (each finding's `resource` is, and is
    /// not written again), `tables` number its names.
    pub(crate) fn pack(&self, arn: &str, tables: &mut Tables) -> Box<[u8]> {
        let mut out = Packer::default();
        out.number(self.finding_ids.len());
        for id in &self.finding_ids {
            out.text(id);
        }
        match &self.unused_role {
            None => out.number(0),
            Some(role) => {
                out.number(1);
                out.maybe(role.finding_id.as_deref());
                out.maybe(role.last_accessed.as_deref());
            }
        }
        out.number(self.reported.len());
        for reported in &self.reported {
            out.maybe(reported.finding_id.as_deref());
            out.text(&reported.finding_type);
            out.text(&reported.detail);
        }
        out.number(self.current.groups.len());
        for group in &self.current.groups {
            out.maybe(group.id.as_deref());
            match &group.stamp {
                None => out.number(0),
                Some(stamp) => out.number(tables.words.number(stamp, |w| Arc::from(w)) + 1),
            }
            match group.resource.as_deref() {
                None => out.number(0),
                Some(resource) if resource == arn => out.number(1),
                Some(resource) => {
                    out.number(2);
                    out.text(resource);
                }
            }
            let said = &group.said;
            out.number(said.actions.len());
            for action in &said.actions {
                // A name this table has not numbered yet is taken as it is.
                out.number(tables.names.number(action.written(), |_| action.clone()));
            }
            out.number(said.services.len());
            for service in &said.services {
                out.number(tables.words.number(service, |w| Arc::from(w)));
            }
            out.number(said.named.len());
            for (service, entry) in &said.named {
                out.number(tables.words.number(service, |w| Arc::from(w)));
                out.number(*entry);
            }
            out.number(group.pages.len());
            for page in &group.pages {
                out.0.extend_from_slice(&page.0);
            }
        }
        out.0.into_boxed_slice()
    }

    /// The record `bytes` hold, as [`Record::pack`] wrote it with `arn` and `tables`.
    pub(crate) fn unpack(bytes: &[u8], arn: &str, tables: &Tables) -> Result<Record, Corrupt> {
        let mut r = Unpacker { rest: bytes };
        let finding_ids = r.many(Unpacker::text)?;
        let unused_role = match r.number()? {
            0 => None,
            1 => Some(UnusedRole {
                finding_id: r.maybe()?,
                last_accessed: r.maybe()?,
            }),
            _ => return Err(Corrupt),
        };
        let reported = r.many(|r| {
            Ok(ReportedFinding {
                finding_id: r.maybe()?,
                finding_type: r.text()?,
                detail: r.text()?,
            })
        })?;
        let word = |r: &mut Unpacker<'_>| -> Result<String, Corrupt> {
            let number = r.number()?;
            Ok(tables.words.at(number).ok_or(Corrupt)?.to_string())
        };
        let groups = r.many(|r| {
            let id = r.maybe()?;
            let stamp = match r.number()? {
                0 => None,
                n => Some(tables.words.at(n - 1).ok_or(Corrupt)?.to_string()),
            };
            let resource = match r.number()? {
                0 => None,
                1 => Some(arn.to_string()),
                2 => Some(r.text()?),
                _ => return Err(Corrupt),
            };
            let actions = r.many(|r| tables.names.at(r.number()?).cloned().ok_or(Corrupt))?;
            let services = r.many(word)?.into_iter().collect();
            let named = r
                .many(|r| Ok((word(r)?, r.number()?)))?
                .into_iter()
                .collect();
            let pages = r.many(|r| {
                let page = r.bytes(32)?;
                Ok(PageId(page.try_into().map_err(|_| Corrupt)?))
            })?;
            Ok(Group {
                id,
                stamp,
                resource,
                said: Said {
                    actions,
                    services,
                    named,
                },
                pages,
            })
        })?;
        if !r.rest.is_empty() {
            return Err(Corrupt);
        }
        Ok(Record {
            finding_ids,
            unused_role,
            reported,
            current: Current { groups },
        })
    }

    /// What the findings say of the principal `arn`, put together.
    pub(crate) fn into_principal(self, arn: String) -> PrincipalFindings {
        let unused = (!self.current.groups.is_empty()).then(|| self.current.findings());
        PrincipalFindings {
            arn,
            unused,
            unused_role: self.unused_role,
            reported: self.reported,
            finding_ids: self.finding_ids,
        }
    }
}

#[derive(Default)]
struct Packer(Vec<u8>);

impl Packer {
    fn number(&mut self, mut n: usize) {
        while n >= 0x80 {
            self.0.push(0x80 | (n & 0x7f) as u8);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn text(&mut self, text: &str) {
        self.number(text.len());
        self.0.extend_from_slice(text.as_bytes());
    }

    /// `None` as 0, a text as its length plus one, then the text.
    fn maybe(&mut self, text: Option<&str>) {
        match text {
            None => self.number(0),
            Some(text) => {
                self.number(text.len() + 1);
                self.0.extend_from_slice(text.as_bytes());
            }
        }
    }
}

struct Unpacker<'a> {
    rest: &'a [u8],
}

impl<'a> Unpacker<'a> {
    fn number(&mut self) -> Result<usize, Corrupt> {
        let mut n: usize = 0;
        let mut shift = 0;
        loop {
            let (&byte, rest) = self.rest.split_first().ok_or(Corrupt)?;
            self.rest = rest;
            let bits = usize::from(byte & 0x7f);
            if shift >= usize::BITS || (bits << shift) >> shift != bits {
                return Err(Corrupt);
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
            shift += 7;
        }
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8], Corrupt> {
        if self.rest.len() < len {
            return Err(Corrupt);
        }
        let (bytes, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(bytes)
    }

    fn text_of(&mut self, len: usize) -> Result<String, Corrupt> {
        let bytes = self.bytes(len)?;
        Ok(std::str::from_utf8(bytes).map_err(|_| Corrupt)?.to_string())
    }

    fn text(&mut self) -> Result<String, Corrupt> {
        let len = self.number()?;
        self.text_of(len)
    }

    fn maybe(&mut self) -> Result<Option<String>, Corrupt> {
        match self.number()? {
            0 => Ok(None),
            n => self.text_of(n - 1).map(Some),
        }
    }

    /// A count, then that many of what `one` reads (a count is never trusted to reserve:
    /// each item is read, or the bytes run out).
    fn many<T>(
        &mut self,
        mut one: impl FnMut(&mut Self) -> Result<T, Corrupt>,
    ) -> Result<Vec<T>, Corrupt> {
        let count = self.number()?;
        let mut items = Vec::new();
        for _ in 0..count {
            items.push(one(self)?);
        }
        Ok(items)
    }
}

/// One principal's findings, as an account's findings hold them until the principal is
/// worked on ([`crate::AccountFindings::take`]); [`HeldFindings::unpack`] reads them.
#[derive(Debug, Clone)]
pub struct HeldFindings {
    arn: String,
    bytes: Box<[u8]>,
    tables: Arc<Tables>,
}

impl HeldFindings {
    pub(crate) fn new(arn: String, bytes: Box<[u8]>, tables: Arc<Tables>) -> HeldFindings {
        HeldFindings { arn, bytes, tables }
    }

    /// The principal's ARN, as the findings' `resource` wrote it.
    #[must_use]
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// What the findings say of the principal, put together.
    ///
    /// # Errors
    ///
    /// [`AccountFindingsError::Held`] if what was held does not read back: a bug in
    /// iam-refine, never the input's fault, and never taken as "no findings".
    pub fn unpack(&self) -> Result<PrincipalFindings, AccountFindingsError> {
        unpack(&self.arn, &self.bytes, &self.tables)
    }
}

/// What the findings of the principal `arn`, held as `bytes`, say, put together.
pub(crate) fn unpack(
    arn: &str,
    bytes: &[u8],
    tables: &Tables,
) -> Result<PrincipalFindings, AccountFindingsError> {
    Record::unpack(bytes, arn, tables)
        .map(|record| record.into_principal(arn.to_string()))
        .map_err(|Corrupt| AccountFindingsError::Held {
            arn: arn.to_string(),
        })
}

#[cfg(test)]
#[path = "held_tests.rs"]
mod tests;
