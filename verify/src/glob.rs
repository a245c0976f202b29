//! The plain reference matcher used to re-check every counterexample.
//!
//! It is deliberately the textbook dynamic program over (pattern prefix, text prefix) so that
//! its correctness can be seen by reading it: `*` matches any run of characters (also none),
//! `?` exactly one character, every other character itself, ASCII letters compared
//! case-insensitively for actions and exactly for `Sid`s. It shares no code with the regex construction or with the refiner.

/// Whether IAM action pattern `pattern` matches `text`: `*` matches any run of characters
/// (also none), `?` exactly one character, ASCII letters case-insensitively.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    matches(pattern, text, true)
}

/// [`glob_match`] with every character compared exactly, as IAM compares `Sid`s (for
/// `--skip-sid` patterns).
pub(crate) fn glob_match_exact(pattern: &str, text: &str) -> bool {
    matches(pattern, text, false)
}

fn matches(pattern: &str, text: &str, fold_case: bool) -> bool {
    let fold = |c: char| if fold_case { c.to_ascii_lowercase() } else { c };
    let p: Vec<char> = pattern.chars().map(fold).collect();
    let t: Vec<char> = text.chars().map(fold).collect();
    // row[j] = "the pattern prefix handled so far matches t[..j]"
    let mut row = vec![false; t.len() + 1];
    let mut next = vec![false; t.len() + 1];
    row[0] = true; // empty pattern matches empty text
    for &pc in &p {
        for j in 0..=t.len() {
            next[j] = match pc {
                // `*` eats nothing (row[j]) or one more character (next[j - 1])
                '*' => row[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && row[j - 1],
                c => j > 0 && row[j - 1] && t[j - 1] == c,
            };
        }
        std::mem::swap(&mut row, &mut next);
    }
    row[t.len()]
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn literals_and_case() {
        assert!(glob_match("s3:GetObject", "s3:getobject"));
        assert!(glob_match("S3:GETOBJECT", "s3:GetObject"));
        assert!(!glob_match("s3:GetObject", "s3:GetObjects"));
        assert!(!glob_match("s3:GetObject", "s3:GetObjec"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "a"));
    }

    #[test]
    fn stars() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything:at-all"));
        assert!(glob_match("s3:*", "s3:"));
        assert!(glob_match("s3:Get*", "s3:GetObject"));
        assert!(glob_match("s3:Get*", "s3:get"));
        assert!(!glob_match("s3:Get*", "s3:Ge"));
        assert!(!glob_match("s3:Get*", "s3-outposts:GetObject"));
        assert!(glob_match("iam:*AccessKey*", "iam:CreateAccessKey"));
        assert!(glob_match("iam:*AccessKey*", "iam:accesskey"));
        assert!(glob_match("iam:*AccessKey*", "iam:ListAccessKeys"));
        assert!(!glob_match("iam:*AccessKey*", "iam:ListAccessKe"));
        assert!(glob_match("*:*", ":"));
        assert!(glob_match("a**b", "ab"));
        assert!(glob_match("*a*a*", "aa"));
        assert!(!glob_match("*a*a*", "a"));
    }

    #[test]
    fn question_marks() {
        assert!(glob_match("s3:Get?bject", "s3:GetObject"));
        assert!(glob_match("s3:Get?bject", "s3:Get_bject"));
        assert!(!glob_match("s3:Get?bject", "s3:Getbject"));
        assert!(!glob_match("s3:Get?bject", "s3:GetOObject"));
        assert!(glob_match("??", "ab"));
        assert!(!glob_match("??", "a"));
        assert!(glob_match("?*", "a"));
        assert!(!glob_match("?*", ""));
        // one character, not one byte
        assert!(glob_match("a?c", "aéc"));
    }

    #[test]
    fn exact_matching_keeps_case() {
        use super::glob_match_exact;
        assert!(glob_match_exact("BreakGlass*", "BreakGlassAdmin"));
        assert!(!glob_match_exact("breakglass*", "BreakGlassAdmin"));
        assert!(glob_match_exact("Sid?", "Sid1"));
        assert!(!glob_match_exact("Sid?", "Sid"));
        assert!(glob_match_exact("*", ""));
    }

    #[test]
    fn wildcards_in_text_are_plain_characters() {
        assert!(glob_match("s3:*", "s3:*"));
        assert!(!glob_match("s3:Get", "s3:*"));
        assert!(glob_match("a?", "a*"));
    }
}
