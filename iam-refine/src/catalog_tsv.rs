//! The catalog's TSV format (`data/catalog.tsv`): `#` comment lines (`# date: ...`,
//! `# source: ...`, `# actions: N` are read), then `service<TAB>action[<TAB>level]` lines.
//!
//! This file uses `std` only: `build.rs` compiles it too, so the embedded snapshot is
//! read at build time by the same code that reads a `--catalog` TSV file at run time.

/// What the comment lines say.
#[derive(Debug, Default)]
pub(crate) struct TsvHeader {
    pub date: Option<String>,
    pub source: Option<String>,
    /// `# actions: N`, the row count the generator wrote.
    pub actions: Option<usize>,
}

/// One data line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TsvRow<'a> {
    /// 1-based line number.
    pub line: usize,
    pub service: &'a str,
    pub action: &'a str,
    pub level: Option<&'a str>,
}

/// Reads `text`, calling `row` for each data line, and `bad_line` for a line that has
/// neither two nor three fields.
pub(crate) fn read_tsv<'a, E>(
    text: &'a str,
    mut row: impl FnMut(TsvRow<'a>) -> Result<(), E>,
    bad_line: impl Fn(usize) -> E,
) -> Result<TsvHeader, E> {
    let mut header = TsvHeader::default();
    // Lines and fields are cut with plain byte loops: the lines are short, and
    // `str::lines` / `str::split` pay a `memchr` set-up per call.
    let mut rest = text;
    let mut line = 0;
    while !rest.is_empty() {
        let (text, next) = match rest.bytes().position(|b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        line += 1;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if let Some(comment) = text.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(date) = comment.strip_prefix("date:") {
                header.date = Some(date.trim().to_string());
            } else if let Some(source) = comment.strip_prefix("source:") {
                header.source = Some(source.trim().to_string());
            } else if let Some(n) = comment.strip_prefix("actions:") {
                header.actions = n.trim().parse().ok();
            }
            continue;
        }
        let Some((service, action, level)) = tab_fields(text) else {
            if text.trim().is_empty() {
                continue;
            }
            return Err(bad_line(line));
        };
        row(TsvRow {
            line,
            service,
            action,
            level,
        })?;
    }
    Ok(header)
}

/// `service<TAB>action[<TAB>level]`, or `None` for any other number of fields.
fn tab_fields(line: &str) -> Option<(&str, &str, Option<&str>)> {
    let tab = |s: &str| s.bytes().position(|b| b == b'\t');
    let t1 = tab(line)?;
    let (service, rest) = (&line[..t1], &line[t1 + 1..]);
    match tab(rest) {
        None => Some((service, rest, None)),
        Some(t2) => {
            let level = &rest[t2 + 1..];
            tab(level)
                .is_none()
                .then_some((service, &rest[..t2], Some(level)))
        }
    }
}

/// A service prefix or action name: non-empty, no `:`, `*`, `?`, whitespace or control
/// characters.
pub(crate) fn valid_name(name: &str) -> bool {
    // The common case first: printable ASCII other than space, `:`, `*` and `?`, checked
    // without early exit so that it is vectorised (a catalog can hold a million names).
    let plain = name.bytes().fold(true, |ok, b| {
        ok & (b.wrapping_sub(b'!') <= b'~' - b'!') & (b != b':') & (b != b'*') & (b != b'?')
    });
    if plain {
        return !name.is_empty();
    }
    let bad = |c: char| c == ':' || c == '*' || c == '?' || c.is_whitespace() || c.is_control();
    !name.is_empty()
        && if name.is_ascii() {
            // Printable ASCII other than space, `:`, `*` and `?`.
            name.bytes()
                .all(|b| b.is_ascii_graphic() && b != b':' && b != b'*' && b != b'?')
        } else {
            !name.chars().any(bad)
        }
}
