//! Sweeps over many cases on every core (`rayon`; `RAYON_NUM_THREADS` sets how many).

use rayon::prelude::*;

/// `f` over `items` in parallel, results in the order of `items`. Work is stolen item by
/// item, so one slow case (ReadOnlyAccess) does not leave a core idle.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    items.par_iter().with_max_len(1).map(f).collect()
}
