//! Reading inputs: every file (policy, findings, catalog, stdin) through one bounded
//! reader, so hostile input is refused before it is read whole, and every error names the
//! file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use iam_refine::{thousands, Catalog, CatalogError};

use crate::config::is_stdin;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read `{name}`: {source}")]
    Read {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("`{name}` is larger than --max-input-bytes ({} bytes); not read", thousands_u64(*.limit))]
    TooLarge { name: String, limit: u64 },
    #[error("`{name}` is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { name: String, offset: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogLoadError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{name}: not a usable catalog: {source}")]
    Invalid {
        name: String,
        #[source]
        source: CatalogError,
    },
}

fn thousands_u64(n: u64) -> String {
    usize::try_from(n).map_or_else(|_| n.to_string(), thousands)
}

/// How an input is named in messages: its path, or `<stdin>`.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads a whole input (`-` is stdin) of at most `limit` bytes, through [`Bounded`]: a
/// regular file over the limit is refused from its size alone; anything else (a pipe, a
/// file growing as it is read) is read through the limit and refused when it passes it.
pub fn read_input(path: &Path, limit: u64) -> Result<String, InputError> {
    let mut input = open_input(path, limit)?;
    let mut bytes = Vec::new();
    if let Some(size) = input.size {
        bytes.reserve(usize::try_from(size).unwrap_or(0));
    }
    if let Err(source) = input.read_to_end(&mut bytes) {
        return Err(input.too_large().unwrap_or(InputError::Read {
            name: input.name,
            source,
        }));
    }
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        name: input.name,
        offset: e.utf8_error().valid_up_to(),
    })
}

/// An input opened to be read as it streams (`-` is stdin), at most `limit` bytes: a
/// regular file over the limit is refused from its size alone ([`open_input`]); anything
/// else (a pipe, a file growing as it is read) fails the read that passes the limit,
/// after which [`Bounded::too_large`] says so.
pub struct Bounded {
    inner: Box<dyn Read>,
    name: String,
    /// A regular file's size, when it is one (what a whole read needs room for).
    size: Option<u64>,
    limit: u64,
    left: u64,
    over: bool,
}

/// Opens `path` for [`Bounded`] reading.
pub fn open_input(path: &Path, limit: u64) -> Result<Bounded, InputError> {
    let name = display_name(path);
    let mut size = None;
    let inner: Box<dyn Read> = if is_stdin(path) {
        Box::new(io::stdin().lock())
    } else {
        let read_error = |source| InputError::Read {
            name: name.clone(),
            source,
        };
        let file = File::open(path).map_err(read_error)?;
        let meta = file.metadata().map_err(read_error)?;
        if meta.is_file() {
            if meta.len() > limit {
                return Err(InputError::TooLarge { name, limit });
            }
            size = Some(meta.len());
        }
        Box::new(file)
    };
    Ok(Bounded {
        inner,
        name,
        size,
        limit,
        left: limit,
        over: false,
    })
}

impl Bounded {
    /// The error to report when a read passed the limit (whatever the reader of the
    /// bytes made of its failed read).
    pub fn too_large(&self) -> Option<InputError> {
        self.over.then(|| InputError::TooLarge {
            name: self.name.clone(),
            limit: self.limit,
        })
    }
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the limit: one more byte means the input is over it.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.over = true;
            return Err(io::Error::other(format!(
                "larger than --max-input-bytes ({} bytes)",
                thousands_u64(self.limit)
            )));
        }
        let most = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let n = self.inner.read(&mut buf[..most])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The embedded snapshot, or a catalog file (JSON object, or the snapshot's TSV format).
pub fn load_catalog(path: Option<&Path>, limit: u64) -> Result<Catalog, CatalogLoadError> {
    let Some(path) = path else {
        return Ok(Catalog::embedded());
    };
    let text = read_input(path, limit)?;
    let name = display_name(path);
    let catalog = if text.trim_start().starts_with('{') {
        Catalog::from_json(&text, name.clone())
    } else {
        Catalog::from_tsv(&text)
    };
    catalog.map_err(|source| CatalogLoadError::Invalid { name, source })
}
