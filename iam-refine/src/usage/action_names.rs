//! Unused actions' names as findings hold them: lower-cased (for matching) and as written,
//! in one allocation shared by every finding that names the action.
//!
//! An organisation's findings name the same few thousand actions hundreds of thousands of
//! times: 100,450 principals' findings held as two strings per name took 875 MB, more than
//! the findings file; as one pointer per name into a table of each distinct name, a few
//! MB. [`ActionNames`] is that table, kept while a findings text is read; it numbers each
//! name too, so that an account's findings can be held as numbers until they are used
//! (`held.rs`).

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::numbered::Numbered;

/// A full action name (`s3:GetObject`), as written and lower-cased: one allocation, the
/// name as written followed by its lower-cased copy, which is as long (ASCII lower-casing
/// changes no character's length). Two strings behind a pointer took twice the memory: an
/// account's findings name thousands of distinct actions, held to the end of the run.
#[derive(Debug, Clone)]
pub(crate) struct ActionName(Arc<str>);

impl ActionName {
    pub(crate) fn new(written: String) -> ActionName {
        let mut both = written;
        both.reserve_exact(both.len());
        let lower = both.to_ascii_lowercase();
        both.push_str(&lower);
        ActionName(Arc::from(both))
    }

    /// Lower-cased: how names are matched and sorted.
    pub(crate) fn lower(&self) -> &str {
        // The middle is where one spelling ends and the other starts: a character boundary.
        self.0.get(self.0.len() / 2..).unwrap_or_default()
    }

    /// As the findings wrote it.
    pub(crate) fn written(&self) -> &str {
        self.0.get(..self.0.len() / 2).unwrap_or_default()
    }
}

// Equal as written (and so equal lower-cased): what `Borrow<str>` looks names up by.
impl PartialEq for ActionName {
    fn eq(&self, other: &ActionName) -> bool {
        self.written() == other.written()
    }
}

impl Eq for ActionName {}

impl Hash for ActionName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.written().hash(state);
    }
}

impl Borrow<str> for ActionName {
    fn borrow(&self) -> &str {
        self.written()
    }
}

/// Every distinct name read so far, each allocated once and numbered in the order read.
pub(crate) type ActionNames = Numbered<ActionName>;

impl Numbered<ActionName> {
    /// The name `written`, shared with every earlier use of the same spelling.
    pub(crate) fn get(&mut self, written: &str) -> ActionName {
        self.shared(written, |w| ActionName::new(w.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_allocation_per_spelling() {
        let mut names = ActionNames::default();
        let a = names.get("s3:GetObject");
        let b = names.get("s3:GetObject");
        let c = names.get("s3:getobject");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!((a.lower(), a.written()), ("s3:getobject", "s3:GetObject"));
        assert_eq!(c.lower(), a.lower());
        assert_ne!(a, c);
        assert!(Arc::ptr_eq(&names.at(0).expect("numbered").0, &a.0));
        assert!(Arc::ptr_eq(&names.at(1).expect("numbered").0, &c.0));
        assert!(names.at(2).is_none());
        // Other scripts: only ASCII letters are lower-cased, so both halves are as long.
        let other = names.get("s3:GÉtObjectΣ");
        assert_eq!(
            (other.written(), other.lower()),
            ("s3:GÉtObjectΣ", "s3:gÉtobjectΣ")
        );
        let empty = ActionName::new(String::new());
        assert_eq!((empty.written(), empty.lower()), ("", ""));
    }
}
