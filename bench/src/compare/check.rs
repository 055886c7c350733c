//! Checksums of what a contestant read: every contestant of a case must agree, so a
//! contestant that loads less (or attaches rows to the wrong parent) is caught. Sums, so the
//! order of rows does not matter; children are weighted by their parent's id.

/// A user row.
#[inline]
pub fn user(id: i64, name: &str, email: Option<&str>) -> u64 {
    (id as u64)
        .wrapping_mul(7)
        .wrapping_add(name.len() as u64 * 3)
        .wrapping_add(email.map_or(1, |e| e.len() as u64 * 5))
}

/// A child row `id` with text `text` under parent `parent`.
#[inline]
pub fn child(parent: i64, id: i64, text: &str) -> u64 {
    (id as u64)
        .wrapping_mul(17)
        .wrapping_add(text.len() as u64)
        .wrapping_mul(parent as u64 + 1)
}

/// The id W1 looks up on its `k`-th run: every contestant walks the same sequence.
#[inline]
pub fn lookup_id(k: u64) -> i64 {
    ((k * 7919) % 10_000) as i64 + 1
}
