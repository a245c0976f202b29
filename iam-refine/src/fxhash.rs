//! FxHash (rustc's multiply-rotate hash) for hash maps keyed by names the user supplies.
//!
//! SipHash, the standard library's default, resists chosen-collision attacks; nothing here
//! needs that (a collision costs time only, on the user's own input) and SipHash was a
//! large part of reading a million-action catalog. Written out (a dozen lines) rather than
//! adding a dependency to a library that has only `serde_json` and `thiserror`.

use std::hash::Hasher;

/// The hasher; use through `BuildHasherDefault<FxHasher>`.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}
