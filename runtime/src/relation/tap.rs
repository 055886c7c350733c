//! A row read through while chosen integer columns are noted: a batched load takes a row's
//! keys from the values its decoder read (the parent key of a post is its `user_id` field,
//! decoded with the post) instead of reading those columns again. Reading a key column costs
//! what reading any column costs (sqlx's checked decode on MariaDB: ~150 instructions), and a
//! level reads one or two per row (bench/RESULTS.md, W5).

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

use crate::decode::ColumnSource;

/// Columns a tap notes at most.
pub(crate) const TAPPED: usize = 4;

/// `row`, with the `i64` values read from columns `watched` noted.
pub(crate) struct Tap<'r> {
    row: &'r dyn ColumnSource,
    watched: &'r [usize],
    /// Bit `k`: `seen[k]` holds the value read from `watched[k]`. (Atomics only because a
    /// column source is `Sync`; a tap is read on one thread.)
    read: AtomicU8,
    seen: [AtomicI64; TAPPED],
}

impl<'r> Tap<'r> {
    /// A tap of `row` noting `watched` (at most [`TAPPED`] columns; the rest are not noted).
    pub(crate) fn new(row: &'r dyn ColumnSource, watched: &'r [usize]) -> Self {
        Tap {
            row,
            watched: &watched[..watched.len().min(TAPPED)],
            read: AtomicU8::new(0),
            seen: [const { AtomicI64::new(0) }; TAPPED],
        }
    }

    /// The value read from column `idx`, if it was watched and read as an `i64`.
    pub(crate) fn value_of(&self, idx: usize) -> Option<i64> {
        let k = self.watched.iter().position(|&w| w == idx)?;
        let read = self.read.load(Ordering::Relaxed);
        (read & (1 << k) != 0).then(|| self.seen[k].load(Ordering::Relaxed))
    }
}

impl ColumnSource for Tap<'_> {
    fn i64(&self, idx: usize) -> Result<i64, String> {
        let value = self.row.i64(idx)?;
        for (k, &w) in self.watched.iter().enumerate() {
            if w == idx {
                self.seen[k].store(value, Ordering::Relaxed);
                let read = self.read.load(Ordering::Relaxed);
                self.read.store(read | (1 << k), Ordering::Relaxed);
            }
        }
        Ok(value)
    }

    fn is_null(&self, idx: usize) -> bool {
        self.row.is_null(idx)
    }
    fn bool(&self, idx: usize) -> Result<bool, String> {
        self.row.bool(idx)
    }
    fn i16(&self, idx: usize) -> Result<i16, String> {
        self.row.i16(idx)
    }
    fn i32(&self, idx: usize) -> Result<i32, String> {
        self.row.i32(idx)
    }
    fn u64(&self, idx: usize) -> Result<u64, String> {
        self.row.u64(idx)
    }
    fn f32(&self, idx: usize) -> Result<f32, String> {
        self.row.f32(idx)
    }
    fn f64(&self, idx: usize) -> Result<f64, String> {
        self.row.f64(idx)
    }
    fn text(&self, idx: usize) -> Result<&str, String> {
        self.row.text(idx)
    }
    fn bytes(&self, idx: usize) -> Result<&[u8], String> {
        self.row.bytes(idx)
    }
    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> Result<chrono::DateTime<chrono::Utc>, String> {
        self.row.timestamp(idx)
    }
    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> Result<chrono::NaiveDateTime, String> {
        self.row.local_timestamp(idx)
    }
    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> Result<chrono::NaiveDate, String> {
        self.row.date(idx)
    }
    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> Result<chrono::NaiveTime, String> {
        self.row.time(idx)
    }
    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> Result<uuid::Uuid, String> {
        self.row.uuid(idx)
    }
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> Result<rust_decimal::Decimal, String> {
        self.row.decimal(idx)
    }
    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> Result<&str, String> {
        self.row.json(idx)
    }
    fn column_count(&self) -> usize {
        self.row.column_count()
    }
    fn column_name(&self, idx: usize) -> &str {
        self.row.column_name(idx)
    }
}
