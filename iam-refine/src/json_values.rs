//! Several JSON values in one text: AWS CLI pages printed one after another
//! (`--max-items` and `--starting-token` in a loop), or JSON lines.
//!
//! The text is cut at the end of each top-level value, and each piece goes through
//! [`parse_json_text`] on its own, so that every JSON text the crate reads is read by the
//! one parser that decides what is valid (duplicate keys included). Cutting needs only the
//! string and bracket structure: a piece that is not valid JSON is reported by the parser,
//! with its line counted from the start of the whole text.

use serde_json::Value;

use crate::document::parse_json_text;
use crate::policy::PolicyError;

/// One top-level value of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    pub text: &'a str,
    /// The line (from 1) of the whole text on which the piece starts.
    pub line: usize,
}

/// Cuts `text` into its top-level values. An object or array ends at its matching bracket;
/// anything else (a scalar, URL-encoded text) at the end of its line. Unbalanced brackets
/// leave the rest of the text in the last piece, for the parser to report.
pub(crate) fn split(text: &str) -> Vec<Piece<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let start = i;
        let start_line = line;
        let end = if matches!(bytes[i], b'{' | b'[') {
            let mut depth = 0usize;
            let mut in_string = false;
            let mut escaped = false;
            let mut end = bytes.len();
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'\n' {
                    line += 1;
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                end = i + 1;
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            end
        } else {
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |k| i + k);
            i = end;
            end
        };
        pieces.push(Piece {
            text: &text[start..end],
            line: start_line,
        });
    }
    pieces
}

/// A piece that failed to parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PieceError {
    /// The piece's number, from 1.
    pub index: usize,
    pub line: usize,
    pub source: PolicyError,
}

/// Every top-level value of `text`, parsed, with the line it starts on.
pub(crate) fn parse_all(text: &str) -> Result<Vec<(Value, usize)>, PieceError> {
    parse_each(text).collect()
}

/// [`parse_all`] one value at a time, for readers that turn each value into their own
/// types at once: they hold one value's tree, not the whole text's (a JSON-lines file of a
/// whole account's findings is ten times its size as trees).
pub(crate) fn parse_each(
    text: &str,
) -> impl Iterator<Item = Result<(Value, usize), PieceError>> + '_ {
    split(text).into_iter().enumerate().map(|(k, piece)| {
        parse_json_text(piece.text)
            .map(|v| (v, piece.line))
            .map_err(|source| PieceError {
                index: k + 1,
                line: piece.line,
                source,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(&str, usize)> {
        split(text).into_iter().map(|p| (p.text, p.line)).collect()
    }

    #[test]
    fn cuts_pages_and_lines() {
        assert_eq!(
            texts("{\"a\": 1}\n{\"b\": [1, {\"c\": \"}\"}]}\n\n[1]{\"d\":\"\\\"}\"}"),
            [
                ("{\"a\": 1}", 1),
                ("{\"b\": [1, {\"c\": \"}\"}]}", 2),
                ("[1]", 4),
                ("{\"d\":\"\\\"}\"}", 4)
            ]
        );
        assert_eq!(
            texts("{\n  \"a\": 1\n}\n{\n}"),
            [("{\n  \"a\": 1\n}", 1), ("{\n}", 4)]
        );
        assert_eq!(texts("  \n "), []);
        assert_eq!(texts("\u{feff}{}"), [("{}", 1)]);
        assert_eq!(texts("%7B%7D\n{}"), [("%7B%7D", 1), ("{}", 2)]);
        assert_eq!(
            texts("{\"a\": [}"),
            [("{\"a\": [}", 1)],
            "unbalanced: the rest"
        );
    }

    #[test]
    fn parse_errors_name_the_piece_and_its_line() {
        let e = parse_all("{}\n\n{\"a\": }").unwrap_err();
        assert_eq!((e.index, e.line), (2, 3));
        assert!(
            e.source.to_string().starts_with("invalid JSON"),
            "{}",
            e.source
        );
        let all = parse_all("{}\n[1, 2]").expect("valid");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].1, 2);
    }
}
