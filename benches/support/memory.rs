//! Resident memory of this process, from `/proc/self/status` (Linux; `None` elsewhere).

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident set size in kB, since the process started or the last [`reset_peak_rss`].
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

/// Current resident set size in kB.
pub fn rss_kb() -> Option<u64> {
    status_kb("VmRSS:")
}

/// Resets the peak to the current resident size (Linux: 5 written to `clear_refs`);
/// `false` when the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
