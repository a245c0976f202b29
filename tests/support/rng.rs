//! The one random generator of the tests and benchmarks: SplitMix64, seeded explicitly, so a
//! failure reproduces from the seed it prints and every bench run sees the same inputs.
//! (Not `rand`: a fixed, documented sequence matters more here than quality or speed, and
//! `proptest` drives it by choosing the seed.)

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, and the same sequence on every platform.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (about).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() <= p
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `k` distinct items of `items` (all when `k >= len`), in their original order.
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut picked: Vec<usize> = (0..items.len()).collect();
        let k = k.min(picked.len());
        for j in 0..k {
            let r = j + self.below(picked.len() - j);
            picked.swap(j, r);
        }
        picked.truncate(k);
        picked.sort_unstable();
        picked.into_iter().map(|i| items[i].clone()).collect()
    }
}

/// A stable seed for a name (FNV-1a), so a case named by a corpus policy reproduces.
pub fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}
