//! The `time` crate's date and time types (feature `time`), stored exactly as their chrono
//! counterparts are: `OffsetDateTime` as an instant (`chrono::DateTime<Utc>`, read back with
//! the UTC offset: equal as an instant, which is what `OffsetDateTime`'s `==` compares),
//! `PrimitiveDateTime` as a date and time without zone, `Date` as a date, `Time` as a time of day. Every `time` value
//! fits chrono's range; a stored value outside `time`'s (years past ±9999) is a decode error,
//! never a clamped one. Timestamps are truncated to the microsecond, as chrono's are.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::value::CustomType;

fn to_naive_date(d: time::Date) -> NaiveDate {
    let (year, ordinal) = d.to_ordinal_date();
    // Cannot fail: time's years (±9999, ±999999 with `large-dates`) are within chrono's.
    NaiveDate::from_yo_opt(year, u32::from(ordinal)).unwrap_or_default()
}

fn from_naive_date(d: NaiveDate) -> Result<time::Date, String> {
    let ordinal = u16::try_from(d.ordinal()).map_err(|e| e.to_string())?;
    time::Date::from_ordinal_date(d.year(), ordinal)
        .map_err(|_| format!("{d} is outside the `time` crate's range of dates"))
}

fn to_naive_time(t: time::Time) -> NaiveTime {
    let (h, m, s, nanos) = t.as_hms_nano();
    NaiveTime::from_hms_nano_opt(h.into(), m.into(), s.into(), nanos).unwrap_or_default()
}

fn from_naive_time(t: NaiveTime) -> Result<time::Time, String> {
    let narrow = |n: u32| u8::try_from(n).map_err(|e| e.to_string());
    time::Time::from_hms_nano(
        narrow(t.hour())?,
        narrow(t.minute())?,
        narrow(t.second())?,
        t.nanosecond(),
    )
    .map_err(|_| format!("{t} is not a time the `time` crate holds (a leap second)"))
}

fn to_naive(t: time::PrimitiveDateTime) -> NaiveDateTime {
    to_naive_date(t.date()).and_time(to_naive_time(t.time()))
}

fn from_naive(t: NaiveDateTime) -> Result<time::PrimitiveDateTime, String> {
    Ok(time::PrimitiveDateTime::new(
        from_naive_date(t.date())?,
        from_naive_time(t.time())?,
    ))
}

impl CustomType for time::Date {
    type Repr = NaiveDate;
    fn to_repr(&self) -> NaiveDate {
        to_naive_date(*self)
    }
    fn from_repr(repr: NaiveDate) -> Result<Self, String> {
        from_naive_date(repr)
    }
}

/// A time of day, stored as `chrono::NaiveTime` is (truncated to the microsecond).
impl CustomType for time::Time {
    type Repr = NaiveTime;
    fn to_repr(&self) -> NaiveTime {
        to_naive_time(*self)
    }
    fn from_repr(repr: NaiveTime) -> Result<Self, String> {
        from_naive_time(repr)
    }
}

impl CustomType for time::PrimitiveDateTime {
    type Repr = NaiveDateTime;
    fn to_repr(&self) -> NaiveDateTime {
        to_naive(*self)
    }
    fn from_repr(repr: NaiveDateTime) -> Result<Self, String> {
        from_naive(repr)
    }
}

impl CustomType for time::OffsetDateTime {
    type Repr = DateTime<Utc>;
    fn to_repr(&self) -> DateTime<Utc> {
        // In chrono, whose range is wider: time's `to_offset` panics past its own.
        let local = to_naive(time::PrimitiveDateTime::new(self.date(), self.time()));
        let offset = chrono::TimeDelta::seconds(i64::from(self.offset().whole_seconds()));
        local.checked_sub_signed(offset).unwrap_or(local).and_utc()
    }
    fn from_repr(repr: DateTime<Utc>) -> Result<Self, String> {
        from_naive(repr.naive_utc()).map(time::PrimitiveDateTime::assume_utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact_at_the_extremes() {
        for d in [time::Date::MIN, time::Date::MAX] {
            assert_eq!(from_naive_date(to_naive_date(d)), Ok(d));
        }
        let t = time::Time::from_hms_nano(23, 59, 59, 999_999_999).unwrap();
        assert_eq!(from_naive_time(to_naive_time(t)), Ok(t));
        let late = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        assert!(from_naive_date(late).unwrap_err().contains("range"));
        // +05:00 on time's first day is an instant before time's first UTC day: stored, and
        // read back as an error rather than a panic or a clamped value.
        let east = time::UtcOffset::from_hms(5, 0, 0).unwrap();
        let first = time::Date::MIN.midnight().assume_offset(east);
        assert!(time::OffsetDateTime::from_repr(first.to_repr()).is_err());
        let at = time::Date::MAX.with_time(t).assume_offset(east);
        assert_eq!(time::OffsetDateTime::from_repr(at.to_repr()), Ok(at));
    }
}
