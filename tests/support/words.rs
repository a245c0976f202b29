//! The README's CamelCase rule, written from the README rather than from the library: the
//! word prefixes (trie nodes) of an action name.

/// The trie nodes above and at `full`: `""` (all actions), `service:`, then one CamelCase
/// word at a time. A word starts at a capital that follows a non-capital, and at the last
/// capital of a run of capitals when a lower-case letter follows.
pub fn word_prefixes(full: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let Some((service, action)) = full.split_once(':') else {
        out.push(full.to_string());
        return out;
    };
    out.push(format!("{service}:"));
    let c: Vec<char> = action.chars().collect();
    for i in 1..c.len() {
        let boundary = c[i].is_ascii_uppercase()
            && (!c[i - 1].is_ascii_uppercase()
                || c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            out.push(format!("{service}:{}", c[..i].iter().collect::<String>()));
        }
    }
    out.push(full.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_stay_whole() {
        assert_eq!(
            word_prefixes("rds:CreateDBInstance"),
            [
                "",
                "rds:",
                "rds:Create",
                "rds:CreateDB",
                "rds:CreateDBInstance"
            ]
        );
        assert_eq!(
            word_prefixes("waf:ListIPSets"),
            ["", "waf:", "waf:List", "waf:ListIP", "waf:ListIPSets"]
        );
    }
}
