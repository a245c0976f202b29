//! Where things are: the line of each value near the top of a document, by its JSON
//! pointer (RFC 6901), for JSON and YAML alike.
//!
//! `serde_json` gives no positions, so a JSON text that has already been parsed (and so is
//! valid) is scanned once more for lines. Only values at most [`MAX_DEPTH`] deep are indexed:
//! that covers `/Resources/Id/Properties/Policies/0` and `/resource_changes/0`, and keeps the
//! index small on a huge plan. A member's line is its key's line; an item's, its first
//! character's.

use std::collections::HashMap;

/// How deep values are indexed.
pub(crate) const MAX_DEPTH: usize = 6;

/// Lines of values by JSON pointer.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    lines: HashMap<String, usize>,
}

impl LineIndex {
    pub(crate) fn insert(&mut self, path: &[String], line: usize) {
        if path.len() <= MAX_DEPTH {
            self.lines.entry(pointer(path)).or_insert(line);
        }
    }

    /// The line of the value at `path` (segments, unescaped), when indexed.
    pub(crate) fn line(&self, path: &[&str]) -> Option<usize> {
        let owned: Vec<String> = path.iter().map(|s| (*s).to_string()).collect();
        self.lines.get(&pointer(&owned)).copied()
    }

    /// Lines of a JSON text that `serde_json` accepted.
    pub(crate) fn of_json(text: &str) -> LineIndex {
        JsonScan::new(text).run()
    }
}

fn pointer(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        out.push_str(&seg.replace('~', "~0").replace('/', "~1"));
    }
    out
}

enum Frame {
    Object { key: Option<(String, usize)> },
    Array { index: usize },
}

struct JsonScan<'t> {
    text: &'t str,
    bytes: &'t [u8],
    i: usize,
    line: usize,
    stack: Vec<Frame>,
    path: Vec<String>,
    index: LineIndex,
}

impl<'t> JsonScan<'t> {
    fn new(text: &'t str) -> JsonScan<'t> {
        JsonScan {
            text,
            bytes: text.as_bytes(),
            i: 0,
            line: 1,
            stack: Vec::new(),
            path: Vec::new(),
            index: LineIndex::default(),
        }
    }

    fn run(mut self) -> LineIndex {
        while self.i < self.bytes.len() {
            match self.bytes[self.i] {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                b'"' => {
                    let (start, line) = (self.i, self.line);
                    self.skip_string();
                    let is_key = matches!(self.stack.last(), Some(Frame::Object { key: None }));
                    if is_key {
                        let raw = self.text.get(start..self.i).unwrap_or("\"\"");
                        let key = serde_json::from_str::<String>(raw).unwrap_or_default();
                        if let Some(Frame::Object { key: slot }) = self.stack.last_mut() {
                            *slot = Some((key, line));
                        }
                    } else {
                        self.value_at(line, false);
                    }
                }
                b'{' | b'[' => {
                    let open = self.bytes[self.i];
                    self.value_at(self.line, true);
                    self.stack.push(if open == b'{' {
                        Frame::Object { key: None }
                    } else {
                        Frame::Array { index: 0 }
                    });
                    self.i += 1;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    self.path.pop();
                    self.i += 1;
                }
                b',' => {
                    match self.stack.last_mut() {
                        Some(Frame::Array { index }) => *index += 1,
                        Some(Frame::Object { key }) => *key = None,
                        None => {}
                    }
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' | b':' => self.i += 1,
                _ => {
                    // A number, `true`, `false` or `null`.
                    self.value_at(self.line, false);
                    while self.i < self.bytes.len()
                        && !matches!(
                            self.bytes[self.i],
                            b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'
                        )
                    {
                        self.i += 1;
                    }
                }
            }
        }
        self.index
    }

    fn skip_string(&mut self) {
        self.i += 1;
        while self.i < self.bytes.len() && self.bytes[self.i] != b'"' {
            self.i += if self.bytes[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i += 1;
    }

    /// A value starts at `line`: index it; a container's segment stays on the path until
    /// its end.
    fn value_at(&mut self, line: usize, container: bool) {
        let (segment, line) = match self.stack.last() {
            Some(Frame::Object { key: Some((k, l)) }) => (Some(k.clone()), *l),
            Some(Frame::Array { index }) => (Some(index.to_string()), line),
            _ => (None, line),
        };
        let Some(segment) = segment else {
            // The top-level value.
            if container {
                self.path.push(String::new());
            }
            return;
        };
        // The root's placeholder segment is not part of pointers.
        let mut full: Vec<String> = self.path.iter().skip(1).cloned().collect();
        full.push(segment.clone());
        self.index.insert(&full, line);
        if container {
            self.path.push(segment);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_items_have_their_lines() {
        let text =
            "{\n \"Resources\": {\n  \"A/b\": {\"x\": [1,\n 2, {\"y\": \"}\"}]},\n  \"B\": 3}}";
        let idx = LineIndex::of_json(text);
        assert_eq!(idx.line(&["Resources"]), Some(2));
        assert_eq!(idx.line(&["Resources", "A/b"]), Some(3));
        assert_eq!(idx.line(&["Resources", "A/b", "x", "1"]), Some(4));
        assert_eq!(idx.line(&["Resources", "A/b", "x", "2", "y"]), Some(4));
        assert_eq!(idx.line(&["Resources", "B"]), Some(5));
        assert_eq!(idx.line(&["Resources", "C"]), None);
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let idx = LineIndex::of_json("{\"a\\u0041\": {},\n\"q\\\"\": 1}");
        assert_eq!(idx.line(&["aA"]), Some(1));
        assert_eq!(idx.line(&["q\""]), Some(2));
    }
}
