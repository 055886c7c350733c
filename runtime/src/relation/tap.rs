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

/// Getters that read the row as it is.
macro_rules! forward {
    ($($(#[$attr:meta])* fn $name:ident -> $ty:ty;)*) => {$(
        $(#[$attr])*
        fn $name(&self, idx: usize) -> Result<$ty, String> {
            self.row.$name(idx)
        }
    )*};
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

    forward! {
        fn bool -> bool;
        fn i16 -> i16;
        fn i32 -> i32;
        fn u64 -> u64;
        fn f32 -> f32;
        fn f64 -> f64;
        fn text -> &str;
        fn bytes -> &[u8];
        #[cfg(feature = "chrono")]
        fn timestamp -> chrono::DateTime<chrono::Utc>;
        #[cfg(feature = "chrono")]
        fn local_timestamp -> chrono::NaiveDateTime;
        #[cfg(feature = "chrono")]
        fn date -> chrono::NaiveDate;
        #[cfg(feature = "chrono")]
        fn time -> chrono::NaiveTime;
        #[cfg(feature = "uuid")]
        fn uuid -> uuid::Uuid;
        #[cfg(feature = "rust_decimal")]
        fn decimal -> rust_decimal::Decimal;
        #[cfg(feature = "json")]
        fn json -> &str;
    }

    fn column_count(&self) -> usize {
        self.row.column_count()
    }
    fn column_name(&self, idx: usize) -> &str {
        self.row.column_name(idx)
    }
}
