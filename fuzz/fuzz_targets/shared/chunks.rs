//! A reader that hands its bytes out `size` at a time, as a pipe does: shared by the fuzz
//! targets that read a stream against its whole text.

pub struct Chunks<'a> {
    pub bytes: &'a [u8],
    pub size: usize,
}

impl std::io::Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}
