//! The question asked of the solver: "a member of this language, or proof that there is
//! none". One [`Question`] per verification holds the solver, counts the queries and
//! remembers the first undecided one (an undecided query is never a pass).

use crate::error::VerifyError;
use crate::regex::{in_sigma, Re};
use crate::scope::common_prefix;
use crate::solver::{Answer, Listed, Solver};

pub(crate) struct Question<'s> {
    solver: &'s mut dyn Solver,
    /// Solver queries asked (a query whose language is syntactically empty is not asked).
    pub queries: usize,
    /// The first undecided query's reason.
    pub unknown: Option<String>,
}

impl<'s> Question<'s> {
    pub fn new(solver: &'s mut dyn Solver) -> Question<'s> {
        Question {
            solver,
            queries: 0,
            unknown: None,
        }
    }

    fn record<T>(&mut self, answer: Answer<T>) -> Option<T> {
        match answer {
            Answer::Empty => None,
            Answer::Unknown(reason) => {
                self.unknown.get_or_insert(reason);
                None
            }
            Answer::Member(m) => Some(m),
        }
    }

    /// A member of `language` over all strings (symbolic query). An undecided query is
    /// recorded (the final verdict becomes Unknown unless a counterexample turns up) and
    /// treated as "no witness".
    pub fn member(&mut self, language: Re) -> Result<Option<String>, VerifyError> {
        if language == Re::Empty {
            return Ok(None);
        }
        self.queries += 1;
        let answer = self.solver.find_member(&language);
        match self.record(answer) {
            Some(w) if !w.chars().all(in_sigma) => Err(VerifyError::WitnessRejected {
                claim:
                    "the witness is a string of printable ascii without upper case and backslash"
                        .to_string(),
                witness: w,
            }),
            found => Ok(found),
        }
    }

    /// A member of `language`, all of whose members start with `prefix`: asked as the
    /// derivative by `prefix` (Z3 4.8.12 is many times slower on long literal prefixes), the
    /// answer put back behind `prefix`.
    pub fn member_behind(
        &mut self,
        language: Re,
        prefix: &str,
    ) -> Result<Option<String>, VerifyError> {
        let found = self.member(language.derive_str(prefix))?;
        Ok(found.map(|rest| format!("{prefix}{rest}")))
    }

    /// A candidate that is in its group's language (ground query). Groups without candidates
    /// or with a syntactically empty language are not asked. Each group is asked behind the
    /// longest prefix its candidates share (derivative of the language, candidates with the
    /// prefix cut off), which makes Z3's work per candidate smaller.
    pub fn listed_member(
        &mut self,
        mut groups: Vec<Listed>,
    ) -> Result<Option<String>, VerifyError> {
        groups.retain(|g| !g.candidates.is_empty() && g.language != Re::Empty);
        if groups.is_empty() {
            return Ok(None);
        }
        let prefixes: Vec<String> = groups
            .iter()
            .map(|g| common_prefix(g.candidates.iter().map(String::as_str)))
            .collect();
        let mut asked = Vec::new();
        let mut asked_index = Vec::new(); // asked group -> group
        for (g, (group, prefix)) in groups.iter().zip(&prefixes).enumerate() {
            let language = group.language.derive_str(prefix);
            if language != Re::Empty {
                asked.push(Listed {
                    language,
                    candidates: group
                        .candidates
                        .iter()
                        .map(|c| c[prefix.len()..].to_string())
                        .collect(),
                });
                asked_index.push(g);
            }
        }
        if asked.is_empty() {
            return Ok(None);
        }
        self.queries += 1;
        let answer = self.solver.find_listed(&asked);
        match self.record(answer) {
            None => Ok(None),
            Some((g, i)) => match asked_index
                .get(g)
                .and_then(|&g| groups[g].candidates.get(i))
            {
                Some(name) => Ok(Some(name.clone())),
                None => Err(VerifyError::WitnessRejected {
                    witness: format!("candidate {i} of group {g}"),
                    claim: "the solver's answer is one of the listed candidates".to_string(),
                }),
            },
        }
    }
}
