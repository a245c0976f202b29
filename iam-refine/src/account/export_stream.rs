//! An export read as it streams from a file or a pipe ([`crate::Account::read_from`]): its
//! text is never held whole, only a chunk of it at a time. Read whole, the text was the
//! larger part of reading an account: 22.4 MB held beside the 14 MB account read from it.
//!
//! What is read is what [`super::pages::read`] reads of the whole text, piece by piece as
//! `json_values::split` cuts it: between pieces, whitespace (and a byte-order mark at the
//! start); a piece
//! that starts with `{` or `[` is one JSON value, streamed into `serde_json` (which stops at
//! its closing bracket, as the cut does); any other piece (a scalar, the raw API's
//! URL-encoded text) runs to the end of its line and is read as a text. Number literals keep
//! their spelling as in the text: a [`NumberLexer`] lexes each chunk as it comes in, ahead of
//! `serde_json`, and `serde_json` reads the byte after a number before it reports the number,
//! so the literal is always lexed first. The text is checked to be UTF-8 a chunk at a time, a
//! character never split between chunks.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};

use super::pages::{read_piece, read_value, Pages};
use super::parse::{AccountError, Builder};
use crate::json::{NumberLexer, Numbers};

/// How much of the input is read at a time.
const CHUNK: usize = 1 << 16;

/// Reads every page of `input` into `builder`, as [`super::pages::read`] reads a whole text.
pub(super) fn read_from(input: impl Read, builder: &mut Builder) -> Result<Pages, AccountError> {
    let literals = RefCell::new(VecDeque::new());
    let mut feed = Feed::new(input, &literals);
    let mut pages = Pages::default();
    let mut k = 0;
    while let Some(first) = feed.next_piece()? {
        let line = feed.line();
        if matches!(first, b'{' | b'[') {
            // Each piece's numbers are its own, as each text piece's are.
            feed.lex_from_here();
            let numbers = Numbers::lexed(&literals);
            let read = {
                let mut de = serde_json::Deserializer::from_reader(&mut feed);
                read_value(&mut de, &numbers, false, (k, line), builder, &mut pages)
            };
            // An input that fails (not UTF-8, a read error) fails for that reason, whatever
            // `serde_json` made of it.
            if let Some(e) = feed.failed.take() {
                return Err(e);
            }
            read?;
            feed.stop_lexing();
        } else {
            let text = feed.line_text()?;
            read_piece(&text, k, line, builder, &mut pages)?;
        }
        k += 1;
    }
    Ok(pages)
}

/// The input, a chunk at a time. While a bracketed piece is read, each chunk is lexed for
/// number literals as it comes in (ahead of `serde_json`, whose numbers are taken in order),
/// from the piece's first byte on; text pieces and what lies between pieces are not lexed
/// (a URL-encoded page is all `%22`s and `%3A`s, each a literal to the lexer, and they were
/// kept until the next bracket). Lines are counted when a piece's line is asked for.
/// `serde_json` reads a byte at a time, so what it is handed is only copied.
struct Feed<'q, R> {
    input: R,
    buf: Box<[u8]>,
    /// The next byte to hand over.
    start: usize,
    /// Checked UTF-8 (and lexed) up to here.
    end: usize,
    /// Read up to here: `end..filled` is a character whose last bytes are still to come.
    filled: usize,
    eof: bool,
    /// The input's offset of `buf[0]`.
    offset: u64,
    /// The line (from 1) of `buf[counted]`.
    line: usize,
    counted: usize,
    lexer: NumberLexer,
    /// Whether a bracketed piece is being read: its chunks are lexed.
    lexing: bool,
    literals: &'q RefCell<VecDeque<String>>,
    /// Why the input cannot be read, once it cannot.
    failed: Option<AccountError>,
}

impl<'q, R: Read> Feed<'q, R> {
    fn new(input: R, literals: &'q RefCell<VecDeque<String>>) -> Self {
        Feed {
            input,
            buf: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            filled: 0,
            eof: false,
            offset: 0,
            line: 1,
            counted: 0,
            lexer: NumberLexer::default(),
            lexing: false,
            literals,
            failed: None,
        }
    }

    /// Makes at least one checked byte ready to hand over; `false` at the end of the input,
    /// or when it fails (`failed` says why).
    fn fill(&mut self) -> bool {
        while self.start == self.end {
            if self.failed.is_some() {
                return false;
            }
            // What is left is at most a character's first bytes.
            self.line += count_lines(&self.buf[self.counted..self.end]);
            let tail = self.filled - self.end;
            self.buf.copy_within(self.end..self.filled, 0);
            self.offset += self.end as u64;
            (self.start, self.end, self.filled, self.counted) = (0, 0, tail, 0);
            if self.eof {
                if tail > 0 {
                    self.failed = Some(AccountError::NotUtf8 {
                        offset: self.offset,
                    });
                } else if self.lexing {
                    // A literal read to the input's last byte is complete.
                    self.lexer.end(&mut self.literals.borrow_mut());
                }
                return false;
            }
            let n = loop {
                match self.input.read(&mut self.buf[tail..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.failed = Some(AccountError::Read {
                            message: e.to_string(),
                        });
                        return false;
                    }
                }
            };
            self.eof = n == 0;
            self.filled = tail + n;
            match std::str::from_utf8(&self.buf[..self.filled]) {
                Ok(_) => self.end = self.filled,
                // A character cut by the chunk's end: the rest comes with the next.
                Err(e) if e.error_len().is_none() => self.end = e.valid_up_to(),
                Err(e) => {
                    self.failed = Some(AccountError::NotUtf8 {
                        offset: self.offset + e.valid_up_to() as u64,
                    });
                    return false;
                }
            }
            if self.lexing {
                self.lexer
                    .feed(&self.buf[..self.end], &mut self.literals.borrow_mut());
            }
        }
        true
    }

    /// Lexes from the next byte on: a bracketed piece starts there.
    fn lex_from_here(&mut self) {
        let mut literals = self.literals.borrow_mut();
        literals.clear();
        self.lexer = NumberLexer::default();
        self.lexer
            .feed(&self.buf[self.start..self.end], &mut literals);
        self.lexing = true;
    }

    /// The bracketed piece is read: what follows it is not lexed (until the next one), and
    /// the literals lexed past its end are dropped.
    fn stop_lexing(&mut self) {
        self.lexing = false;
        self.literals.borrow_mut().clear();
    }

    /// The line (from 1) of the next byte.
    fn line(&mut self) -> usize {
        self.line += count_lines(&self.buf[self.counted..self.start]);
        self.counted = self.start;
        self.line
    }

    /// Skips whitespace (and the input's byte-order mark) to the next piece: its first
    /// byte, not taken; `None` at the end of the input. A byte-order mark elsewhere starts a
    /// piece that is not a bracket's, as the cut has it.
    fn next_piece(&mut self) -> Result<Option<u8>, AccountError> {
        while self.fill() {
            let rest = &self.buf[self.start..self.end];
            if self.offset == 0 && self.start == 0 && rest.starts_with("\u{feff}".as_bytes()) {
                self.start += 3;
                continue;
            }
            match rest.first() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.start += 1,
                first => return Ok(first.copied()),
            }
        }
        self.failed.take().map_or(Ok(None), Err)
    }

    /// The rest of the line (without its newline), taken.
    fn line_text(&mut self) -> Result<String, AccountError> {
        let mut text = Vec::new();
        while self.fill() {
            let rest = &self.buf[self.start..self.end];
            if let Some(i) = rest.iter().position(|&b| b == b'\n') {
                text.extend_from_slice(&rest[..i]);
                self.start += i;
                break;
            }
            text.extend_from_slice(rest);
            self.start = self.end;
        }
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        // Whole characters only: every chunk ends between two, and so does a newline.
        String::from_utf8(text).map_err(|_| AccountError::NotUtf8 {
            offset: self.offset + self.start as u64,
        })
    }
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

impl<R: Read> Read for Feed<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if !self.fill() {
            if self.failed.is_some() {
                return Err(io::Error::other("the export cannot be read"));
            }
            return Ok(0);
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use super::Feed;

    /// Text pieces (URL-encoded pages: every `%22` a number to the lexer) leave no literal
    /// behind, however many there are; nor does a bracketed piece once it is read.
    #[test]
    fn only_bracketed_pieces_are_lexed() {
        let page = "%7B%22RoleDetailList%22%3A%5B%5D%2C%22IsTruncated%22%3Afalse%7D\n";
        let text = format!("{}[1, 2.50, 3e1] 4\n{}", page.repeat(2_000), page);
        let literals = RefCell::new(VecDeque::new());
        let mut feed = Feed::new(text.as_bytes(), &literals);
        let mut lexed = Vec::new();
        while let Some(first) = feed.next_piece().expect("reads") {
            if first == b'[' {
                feed.lex_from_here();
                let value: serde_json::Value = serde_json::Deserializer::from_reader(&mut feed)
                    .into_iter()
                    .next()
                    .expect("a value")
                    .expect("reads");
                assert_eq!(value.as_array().map(Vec::len), Some(3));
                lexed.extend(literals.borrow_mut().drain(..3));
                feed.stop_lexing();
            } else {
                feed.line_text().expect("reads");
            }
            assert!(
                literals.borrow().is_empty(),
                "{} literals held",
                literals.borrow().len()
            );
        }
        assert_eq!(lexed, ["1", "2.50", "3e1"]);
    }
}
