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
    // The text is scanned where it is: a copy in a cutter's buffer was one more export's
    // size held while the export was read.
    let mut scan = Scan::default();
    let mut pieces = Vec::new();
    while let Some(cut) = scan.next_piece(text.as_bytes(), true) {
        // Pieces start after whitespace, a bracket or a newline (or the byte-order mark)
        // and end before a newline, after a bracket or at the end: all between characters.
        if let Some(piece) = text.get(cut.range) {
            pieces.push(Piece {
                text: piece,
                line: cut.line,
            });
        }
    }
    pieces
}

/// The cut [`split`] makes, over a text that arrives a chunk at a time ([`Cutter::feed`]):
/// each piece is found as soon as its last byte is in, and the scan resumes where it
/// stopped, so a value of any size is scanned once (a JSON array of a whole organisation's
/// findings is one value).
#[derive(Debug, Default)]
pub(crate) struct Cutter {
    /// What has arrived and is not yet cut off ([`Cutter::compact`]).
    buf: Vec<u8>,
    scan: Scan,
}

/// Where a scan is: over a cutter's buffer, or over a whole text where it lies ([`split`]).
#[derive(Debug, Default)]
struct Scan {
    /// Where the scan resumes in the bytes.
    pos: usize,
    /// The line (from 0 here; pieces count from 1) at `pos`.
    line: usize,
    /// The piece being scanned, when one has started.
    open: Option<Open>,
    /// Whether a leading byte-order mark was looked for.
    bom_checked: bool,
    /// Bytes dropped from the front of the bytes so far.
    base: u64,
}

/// A piece whose end is not yet in.
#[derive(Debug, Clone, Copy)]
struct Open {
    start: usize,
    line: usize,
    /// Starts with `{` or `[`: ends at its matching bracket (else at the end of its line).
    bracket: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// A piece [`Cutter::next_piece`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Where it is in [`Cutter::bytes`].
    pub range: std::ops::Range<usize>,
    /// The line (from 1) of the whole input on which it starts.
    pub line: usize,
    /// Its offset in the whole input.
    pub offset: u64,
}

impl Cutter {
    /// Adds the next chunk of the input.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// What has arrived (pieces are ranges of it) since the last [`Cutter::compact`].
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drops what the pieces found so far took: call once they are read, before feeding
    /// more, so that what is held is the piece being scanned.
    pub(crate) fn compact(&mut self) {
        let scan = &mut self.scan;
        let keep = scan.open.map_or(scan.pos, |o| o.start);
        self.buf.drain(..keep);
        scan.pos -= keep;
        if let Some(open) = &mut scan.open {
            open.start = 0;
        }
        scan.base += keep as u64;
    }

    /// The next piece whose end has arrived; with `eof`, the rest is one too (unbalanced
    /// brackets: the rest of the input, for the parser to report).
    pub(crate) fn next_piece(&mut self, eof: bool) -> Option<Cut> {
        self.scan.next_piece(&self.buf, eof)
    }
}

impl Scan {
    /// [`Cutter::next_piece`] over `bytes`: what has arrived (the whole text for [`split`]).
    fn next_piece(&mut self, bytes: &[u8], eof: bool) -> Option<Cut> {
        if !self.bom_checked {
            if bytes.len() < 3 && !eof {
                return None;
            }
            if bytes.starts_with("\u{feff}".as_bytes()) {
                self.pos = 3;
            }
            self.bom_checked = true;
        }
        let mut open = match self.open {
            Some(open) => open,
            None => {
                while let Some(&b) = bytes.get(self.pos) {
                    match b {
                        b'\n' => self.line += 1,
                        b' ' | b'\t' | b'\r' => {}
                        _ => break,
                    }
                    self.pos += 1;
                }
                let &first = bytes.get(self.pos)?;
                Open {
                    start: self.pos,
                    line: self.line,
                    bracket: matches!(first, b'{' | b'['),
                    depth: 0,
                    in_string: false,
                    escaped: false,
                }
            }
        };
        let mut end = None;
        if open.bracket {
            while let Some(&b) = bytes.get(self.pos) {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if open.in_string {
                    if open.escaped {
                        open.escaped = false;
                    } else if b == b'\\' {
                        open.escaped = true;
                    } else if b == b'"' {
                        open.in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => open.in_string = true,
                    b'{' | b'[' => open.depth += 1,
                    b'}' | b']' => {
                        open.depth = open.depth.saturating_sub(1);
                        if open.depth == 0 {
                            end = Some(self.pos);
                            break;
                        }
                    }
                    _ => {}
                }
            }
        } else {
            match bytes[self.pos..].iter().position(|&b| b == b'\n') {
                Some(k) => {
                    self.pos += k;
                    end = Some(self.pos);
                }
                // No newline yet: the scan resumes after what is here.
                None => self.pos = bytes.len(),
            }
        }
        let end = match end {
            Some(end) => end,
            None if eof => bytes.len(),
            None => {
                self.open = Some(open);
                return None;
            }
        };
        self.open = None;
        Some(Cut {
            range: open.start..end,
            line: open.line + 1,
            offset: self.base + open.start as u64,
        })
    }
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

    /// The whole-text scan the streaming [`Cutter`] replaced, kept as the model it must
    /// agree with.
    fn reference_split(text: &str) -> Vec<Piece<'_>> {
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

    /// Cuts `text` fed in chunks of the given sizes (cycled), compacting after each.
    fn streamed(text: &str, sizes: &[usize]) -> Vec<(String, usize, u64)> {
        let bytes = text.as_bytes();
        let mut cutter = Cutter::default();
        let mut out = Vec::new();
        let (mut at, mut k) = (0, 0);
        loop {
            let n = sizes[k % sizes.len()].max(1);
            k += 1;
            let chunk = &bytes[at..(at + n).min(bytes.len())];
            at += chunk.len();
            cutter.feed(chunk);
            let eof = at == bytes.len();
            while let Some(cut) = cutter.next_piece(eof) {
                let piece = &cutter.bytes()[cut.range];
                out.push((
                    String::from_utf8_lossy(piece).into_owned(),
                    cut.line,
                    cut.offset,
                ));
            }
            cutter.compact();
            if eof {
                return out;
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Fed a chunk at a time, of any sizes, the cut is the whole-text scan's: the same
        /// pieces, lines and offsets (structural characters, strings, escapes, unbalanced
        /// brackets, a byte-order mark, multi-byte characters).
        #[test]
        fn streaming_cuts_as_the_whole_text_scan(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", "\"", "\\", "\n", " ", "\t", "\r", "a", "1", ",", ":", "é", "%7B",
                ]),
                0..60,
            ),
            bom in proptest::bool::ANY,
            sizes in proptest::collection::vec(1usize..9, 1..5),
        ) {
            let text = format!("{}{}", if bom { "\u{feff}" } else { "" }, parts.concat());
            let whole: Vec<(String, usize, u64)> = reference_split(&text)
                .into_iter()
                .map(|p| {
                    let offset = p.text.as_ptr() as u64 - text.as_ptr() as u64;
                    (p.text.to_string(), p.line, offset)
                })
                .collect();
            let split_now: Vec<(String, usize)> =
                split(&text).into_iter().map(|p| (p.text.to_string(), p.line)).collect();
            let whole_pieces: Vec<(String, usize)> =
                whole.iter().map(|(t, l, _)| (t.clone(), *l)).collect();
            proptest::prop_assert_eq!(&split_now, &whole_pieces);
            proptest::prop_assert_eq!(streamed(&text, &sizes), whole);
        }
    }
}
