//! The process's allocator, mimalloc (see the root Cargo.toml for why), and the one thing
//! asked of it besides allocating and freeing: [`release_freed`].

/// mimalloc rather than glibc's allocator: see the root Cargo.toml (`account --verify` spent
/// 28 % of its instructions in malloc and free).
#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// In tests, mimalloc with each thread's allocations counted ([`counting::measured`]).
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

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

/// mimalloc, with the bytes each thread has allocated and not freed counted, and their
/// peak: what a piece of work holds, measured by bytes (not by time, so the same on every
/// machine) and on its own thread (so that tests running at once on other threads do not
/// count).
#[cfg(test)]
pub mod counting {
    use std::alloc::{GlobalAlloc, Layout};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        // Const-initialised, without a destructor: using them allocates nothing.
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn count(bytes: isize) {
        // A thread being torn down has no counters left: nothing to count.
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + bytes);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
    }

    fn size(bytes: usize) -> isize {
        isize::try_from(bytes).unwrap_or(isize::MAX)
    }

    // SAFETY: every call is passed on to mimalloc unchanged, with the caller's guarantees;
    // only sizes are counted.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's guarantees for `alloc` hold for mimalloc's.
            let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
            if !p.is_null() {
                count(size(layout.size()));
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` was allocated by mimalloc with `layout` (every allocation is).
            unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
            count(-size(layout.size()));
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as for `dealloc`, and the caller's guarantees on `new_size` hold.
            let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                count(size(new_size) - size(layout.size()));
            }
            p
        }
    }

    /// What `work` gives, and the most bytes it held at once on this thread beyond what was
    /// held when it started (what it was given and frees counts down).
    pub fn measured<T>(work: impl FnOnce() -> T) -> (T, usize) {
        let start = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(start));
        let out = work();
        let peak = PEAK.with(Cell::get);
        (out, usize::try_from(peak - start).unwrap_or(0))
    }

    /// What `work` gives, and the bytes it still holds once it is done: what it gives holds.
    pub fn kept<T>(work: impl FnOnce() -> T) -> (T, usize) {
        let start = LIVE.with(Cell::get);
        let out = work();
        let end = LIVE.with(Cell::get);
        (out, usize::try_from(end - start).unwrap_or(0))
    }
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

    /// What a thread freed leaves the process's resident memory at the release, not a
    /// second later: 128 MB of small allocations, freed, then released.
    #[cfg(target_os = "linux")]
    #[test]
    fn freed_memory_leaves_at_the_release() {
        let resident = || {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<usize>().ok())
                .unwrap_or(0)
        };
        let many: Vec<Vec<u8>> = (0..1_000_000).map(|i| vec![i as u8; 128]).collect();
        drop(many);
        let freed = resident();
        super::release_freed();
        let released = resident();
        assert!(
            released + 64 * 1024 < freed,
            "resident {freed} kB once freed, {released} kB once released"
        );
    }

    /// The counter sees what is held, and only at its peak.
    #[test]
    fn the_peak_is_what_was_held_at_once() {
        let ((), peak) = super::counting::measured(|| {
            let a = vec![0u8; 10_000];
            drop(a);
            let b = vec![0u8; 4_000];
            drop(b);
        });
        assert_eq!(peak, 10_000);
        let (kept, held) = super::counting::kept(|| {
            drop(vec![0u8; 10_000]);
            vec![0u8; 4_000]
        });
        assert_eq!((kept.len(), held), (4_000, 4_000));
    }
}
