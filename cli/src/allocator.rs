//! The process's allocator, mimalloc (see the root Cargo.toml for why), and the one thing
//! asked of it besides allocating and freeing: [`release_freed`].

/// mimalloc rather than glibc's allocator: see the root Cargo.toml (`account --verify` spent
/// 28 % of its instructions in malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's own `mi_collect` (`void mi_collect(bool force)`, mimalloc.h), in the static
// library `mimalloc` links. Declared here, not taken from `libmimalloc-sys`: its binding is
// behind that crate's `extended` feature, which needs one more crate (`cty`) for nothing
// this call uses.
extern "C" {
    fn mi_collect(force: bool);
}

/// Gives the memory freed so far back to the system now, rather than when mimalloc would
/// (a second after it was freed: v3's `purge_delay`), and lets this thread use what the
/// threads that have ended freed.
///
/// `account` calls it once its pool's threads have ended, before the end of the run: what
/// they freed (every account's documents and findings) was otherwise still resident when
/// the end of the run allocated beside it. An organisation of 100,450 principals
/// (`--jobs 2 --verify`): 139 MB resident at the end of the run without it, 127 MB with it,
/// which is the run's own peak (benches/README.md).
pub fn release_freed() {
    // SAFETY: `mi_collect` takes a plain `bool` (C's `_Bool`, the same ABI) and only walks
    // mimalloc's own structures; it may be called at any time from any thread.
    unsafe { mi_collect(true) }
}

#[cfg(test)]
mod tests {
    /// Memory in use is untouched: only what was freed is given back.
    #[test]
    fn what_is_in_use_survives_a_release() {
        let kept: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let freed: Vec<String> = (0..10_000).map(|i| format!("{i:>100}")).collect();
        drop(freed);
        super::release_freed();
        assert!(kept.iter().enumerate().all(|(i, s)| *s == i.to_string()));
    }
}
