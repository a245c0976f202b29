//! The exit codes: defined here and nowhere else. `--help` prints [`Exit::help`]; README.md's
//! "Exit codes" table says the same (a test in `cli/tests/cli.rs` checks the two agree).

use std::process::ExitCode;

/// How a run ended, as the process's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success (for `verify` and `refine --verify`: proved).
    Ok = 0,
    /// Bad input or another error.
    Error = 1,
    /// A bad flag or flag value.
    Usage = 2,
    /// A refinement was refuted: the witness action is on stdout.
    Counterexample = 3,
    /// The solver could not decide (time or resource limit); nothing is claimed.
    Unknown = 4,
    /// Every action of a policy is unused: detach it. Nothing is printed or written for
    /// it, so `refine p.json > out.json && apply out.json` stops at the empty file.
    Detach = 5,
}

impl Exit {
    pub const ALL: [Exit; 6] = [
        Exit::Ok,
        Exit::Error,
        Exit::Usage,
        Exit::Counterexample,
        Exit::Unknown,
        Exit::Detach,
    ];

    /// One line for `--help` and README.md.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success (for verify and refine --verify: proved)",
            Exit::Error => "bad input or another error; nothing is written",
            Exit::Usage => "usage error (an unknown flag, a bad flag value)",
            Exit::Counterexample => "a refinement was refuted; the witness action is printed on stdout",
            Exit::Unknown => "the solver could not decide (time or resource limit), or simulate's decision is undetermined; nothing is claimed",
            Exit::Detach => {
                "a policy is to be detached (every action unused); with --format policy nothing is printed or written for it"
            }
        }
    }

    /// The "Exit codes:" section of `--help`.
    pub fn help() -> String {
        let mut s = String::from("Exit codes:");
        for e in Exit::ALL {
            s.push_str(&format!("\n  {}  {}", e as u8, e.meaning()));
        }
        s
    }

    /// What each code means for `account`, which runs over many principals: a failing
    /// principal does not stop the others, and a policy to detach is a recommendation like
    /// any other.
    pub fn account_meaning(self) -> &'static str {
        match self {
            Exit::Ok => "every principal planned (with --verify: every changed policy proved)",
            Exit::Error => "a principal failed (named on stderr; the others are still written), or another error",
            Exit::Usage => Exit::Usage.meaning(),
            Exit::Counterexample => "with --verify: a refinement was refuted; that principal gets no file",
            Exit::Unknown => "with --verify: the solver could not decide; that principal gets no file",
            Exit::Detach => "not used by account (a policy to detach is a DETACH_POLICY step)",
        }
    }

    /// The "Exit codes:" section of `account --help`.
    pub fn account_help() -> String {
        let mut s = String::from("Exit codes:");
        for e in Exit::ALL.into_iter().filter(|&e| e != Exit::Detach) {
            s.push_str(&format!("\n  {}  {}", e as u8, e.account_meaning()));
        }
        s
    }

    /// What each code means for `simulate`.
    pub fn simulate_meaning(self) -> &'static str {
        match self {
            Exit::Ok => "the request was evaluated (and, with --expect, decided as expected)",
            Exit::Error => {
                "bad input, a construct that is not modelled (named on stderr), or another error"
            }
            Exit::Usage => Exit::Usage.meaning(),
            Exit::Counterexample => {
                "with --expect: the decision is not the one expected (it is printed)"
            }
            Exit::Unknown => {
                "the decision is undetermined: it depends on clauses AWS's documentation does not decide (named on stdout); nothing is claimed"
            }
            Exit::Detach => "not used by simulate",
        }
    }

    /// The "Exit codes:" section of `simulate --help`.
    pub fn simulate_help() -> String {
        Exit::section(Exit::simulate_meaning)
    }

    /// What each code means for `compare`.
    pub fn compare_meaning(self) -> &'static str {
        match self {
            Exit::Ok => "the relation was decided (with --expect: it holds)",
            Exit::Error => "bad input, a resource-based policy, a witness the library's evaluator rejects, or another error",
            Exit::Usage => Exit::Usage.meaning(),
            Exit::Counterexample => "with --expect: the relation fails; the request that refutes it is printed",
            Exit::Unknown => "the relation could not be decided (a construct not modelled, a time or resource limit; named); nothing is claimed",
            Exit::Detach => "not used by compare",
        }
    }

    /// The "Exit codes:" section of `compare --help`.
    pub fn compare_help() -> String {
        Exit::section(Exit::compare_meaning)
    }

    /// What each code means for `check-not-granted`: the worst over its rules.
    pub fn check_meaning(self) -> &'static str {
        match self {
            Exit::Ok => "no rule's access is granted",
            Exit::Error => "bad input (policies or rules file), a witness the library's evaluator rejects, or another error",
            Exit::Usage => Exit::Usage.meaning(),
            Exit::Counterexample => "a rule's access is granted; the request that shows it is printed",
            Exit::Unknown => "a rule could not be decided (a construct not modelled, a time or resource limit; named); nothing is claimed",
            Exit::Detach => "not used by check-not-granted",
        }
    }

    /// The "Exit codes:" section of `check-not-granted --help`.
    pub fn check_help() -> String {
        Exit::section(Exit::check_meaning)
    }

    /// What each code means for `ci`: the worst verdict over the policies.
    pub fn ci_meaning(self) -> &'static str {
        match self {
            Exit::Ok => "every changed policy proved to allow nothing new (new and deleted policies reported), and no rule granted",
            Exit::Error => "bad input (a malformed plan, template or rules file, named with its line), a policy the prover cannot read, a witness the library's evaluator rejects, or another error",
            Exit::Usage => Exit::Usage.meaning(),
            Exit::Counterexample => "a policy allows a request its base did not, a Deny denies less, or a rule is granted; the witness request is printed",
            Exit::Unknown => "a policy could not be decided (known only after deployment, a construct not modelled, a time or resource limit; named); nothing is claimed",
            Exit::Detach => "not used by ci",
        }
    }

    /// The "Exit codes:" section of `ci --help`.
    pub fn ci_help() -> String {
        Exit::section(Exit::ci_meaning)
    }

    /// An "Exit codes:" section of the codes 0 to 4.
    fn section(meaning: fn(Exit) -> &'static str) -> String {
        let mut s = String::from("Exit codes:");
        for e in [
            Exit::Ok,
            Exit::Error,
            Exit::Usage,
            Exit::Counterexample,
            Exit::Unknown,
        ] {
            s.push_str(&format!("\n  {}  {}", e as u8, meaning(e)));
        }
        s
    }

    /// The worse of two outcomes, for a run over several policies: an error outranks a
    /// counterexample, which outranks an unknown, which outranks a policy to detach, which
    /// outranks success.
    pub fn worse(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Detach => 1,
            Exit::Unknown => 2,
            Exit::Counterexample => 3,
            Exit::Usage => 4,
            Exit::Error => 5,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_outcome_wins_whatever_the_order() {
        for a in Exit::ALL {
            for b in Exit::ALL {
                assert_eq!(a.worse(b), b.worse(a));
                assert!(a.worse(b) == a || a.worse(b) == b);
            }
            assert_eq!(a.worse(Exit::Ok), a);
            assert_eq!(a.worse(Exit::Error), Exit::Error);
        }
        assert_eq!(Exit::Detach.worse(Exit::Unknown), Exit::Unknown);
    }

    #[test]
    fn codes_are_distinct_and_in_order() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|&e| e as u8).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5]);
    }
}
