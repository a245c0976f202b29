//! Values read many times over, each allocated once and numbered in the order first read:
//! the action names of an account's findings, the services and dates they repeat, the
//! managed policies' ARNs thousands of principals attach. One table for all three, looked up
//! by text.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};

use crate::fxhash::FxHasher;

/// Every distinct value given so far, numbered in the order first given.
#[derive(Debug)]
pub(crate) struct Numbered<T> {
    numbers: HashMap<T, usize, BuildHasherDefault<FxHasher>>,
    all: Vec<T>,
}

impl<T> Default for Numbered<T> {
    fn default() -> Numbered<T> {
        Numbered {
            numbers: HashMap::default(),
            all: Vec::new(),
        }
    }
}

impl<T: Borrow<str> + Hash + Eq + Clone> Numbered<T> {
    /// The number of the value `text` names, made by `make` and numbered if it has none yet.
    pub(crate) fn number(&mut self, text: &str, make: impl FnOnce(&str) -> T) -> usize {
        if let Some(&number) = self.numbers.get(text) {
            return number;
        }
        let value = make(text);
        let number = self.all.len();
        self.numbers.insert(value.clone(), number);
        self.all.push(value);
        number
    }

    /// The value `text` names, shared with every earlier use (made by `make` the first
    /// time).
    pub(crate) fn shared(&mut self, text: &str, make: impl FnOnce(&str) -> T) -> T {
        let number = self.number(text, make);
        self.all[number].clone()
    }

    /// The value numbered `number`, if there is one.
    pub(crate) fn at(&self, number: usize) -> Option<&T> {
        self.all.get(number)
    }

    /// Drops the index from texts to numbers, once no more values are to be numbered:
    /// [`Numbered::at`] still answers. A value numbered later is numbered again, as a new
    /// one.
    pub(crate) fn forget_numbers(&mut self) {
        self.numbers = HashMap::default();
        self.all.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn one_value_per_text_numbered_in_order() {
        let mut words: Numbered<Arc<str>> = Numbered::default();
        let a = words.shared("ec2", |w| Arc::from(w));
        assert_eq!(words.number("s3", |w| Arc::from(w)), 1);
        assert!(Arc::ptr_eq(&a, &words.shared("ec2", |_| unreachable!())));
        assert_eq!(words.at(1).map(|w| &**w), Some("s3"));
        assert!(words.at(2).is_none());
        words.forget_numbers();
        assert_eq!(words.at(0).map(|w| &**w), Some("ec2"));
        // Numbered again, as a new one.
        assert_eq!(words.number("ec2", |w| Arc::from(w)), 2);
    }
}
