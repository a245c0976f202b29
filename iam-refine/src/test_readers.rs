//! Readers the unit tests stream inputs through (what a pipe or a slow disk does).

/// Hands its bytes out in reads of the sizes given, in turn (cycled; 0 read as 1).
pub(crate) struct Chunky<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    k: usize,
}

impl<'a> Chunky<'a> {
    pub(crate) fn new(bytes: &'a [u8], sizes: &[usize]) -> Chunky<'a> {
        Chunky {
            bytes,
            sizes: sizes.to_vec(),
            k: 0,
        }
    }
}

impl std::io::Read for Chunky<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.k % self.sizes.len()].max(1);
        self.k += 1;
        let n = want.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}
