//! Dates and times as the backends send them, read exactly over chrono's whole range.
//!
//! Text comes in several spellings: ISO 8601 with `T` or a space, years of more than four
//! digits or with a sign (`+10000-01-01`, `-0044-03-15`, as chrono and SQLite write them),
//! PostgreSQL's `0044-03-15 BC`, offsets `Z`, `+00`, `+00:00`. PostgreSQL's binary form is a
//! count from 2000-01-01, whose extremes mean `±infinity`. A value chrono cannot hold is an
//! error, never a panic or a clamped value.

#[cfg(feature = "postgres")]
use chrono::TimeDelta;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// `t` without its sub-microsecond digits: how every timestamp is stored, on every backend
/// (PostgreSQL and MariaDB keep microseconds; SQLite's text is written to the same precision
/// so that a test suite on SQLite sees what production sees). Truncated, not rounded, as the
/// servers' own `now()` and chrono's `DurationRound::duration_trunc` do. A leap second
/// (`:60`, nanoseconds past 10⁹) stays one and is refused where it is not stored.
pub(crate) fn truncate_micros<T: chrono::Timelike>(t: T) -> T {
    let nanos = t.nanosecond();
    let micros = nanos - nanos % 1_000;
    if micros == nanos {
        return t;
    }
    // Cannot fail: the value is of the same second and no larger.
    t.with_nanosecond(micros).unwrap_or(t)
}

/// A time of day as SQLite stores it: `HH:MM:SS.ffffff`, fixed width (so text order is time
/// order).
#[cfg(feature = "sqlite")]
pub(crate) fn time_text(t: NaiveTime) -> String {
    t.format("%H:%M:%S%.6f").to_string()
}

/// A time of day: `HH:MM:SS` with optional fractional seconds (every backend's spelling, flat
/// and in JSON).
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok()
}

/// A date: `[+-]Y…Y-MM-DD`, optionally followed by ` BC`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let (body, bc) = strip_bc(text);
    let (date, rest) = split_date(body, bc)?;
    rest.is_empty().then_some(date)
}

/// A date and time without zone (`2000-01-01T00:00:00`, `2000-01-01 00:00:00.123456`).
pub(crate) fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    let (date_time, offset) = parse_parts(text)?;
    offset.is_none().then_some(date_time)
}

/// An instant: a date and time with an offset, or a UTC wall-clock time without one.
pub(crate) fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let (date_time, offset) = parse_parts(text)?;
    let offset = offset.unwrap_or(FixedOffset::east_opt(0)?);
    date_time
        .checked_sub_offset(offset)
        .map(|utc| utc.and_utc())
}

fn strip_bc(text: &str) -> (&str, bool) {
    match text.strip_suffix(" BC") {
        Some(body) => (body, true),
        None => (text, false),
    }
}

/// The date at the start of `text` and what follows it.
fn split_date(text: &str, bc: bool) -> Option<(NaiveDate, &str)> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if bc && unsigned.len() != text.len() {
        return None;
    }
    let year_len = unsigned.find('-')?;
    let year_digits = &unsigned[..year_len];
    if year_digits.len() < 4 || !year_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year_digits.parse().ok()?;
    // Astronomical numbering: 1 BC is year 0.
    let year = match (negative, bc) {
        (true, _) => -year,
        (false, true) => 1 - year,
        (false, false) => year,
    };
    let rest = &unsigned[year_len + 1..];
    let month: u32 = two_digits(rest.get(..2)?)?;
    if rest.as_bytes().get(2) != Some(&b'-') {
        return None;
    }
    let day: u32 = two_digits(rest.get(3..5)?)?;
    Some((NaiveDate::from_ymd_opt(year, month, day)?, &rest[5..]))
}

fn two_digits(text: &str) -> Option<u32> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// A date and time, and the offset written after it, if any.
fn parse_parts(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let (body, bc) = strip_bc(text);
    let (date, rest) = split_date(body, bc)?;
    let rest = rest.strip_prefix(['T', ' '])?;
    let zone_at = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let time = NaiveTime::parse_from_str(time, "%H:%M:%S%.f").ok()?;
    let offset = match zone {
        "" => None,
        "Z" => Some(FixedOffset::east_opt(0)?),
        zone => Some(parse_offset(zone)?),
    };
    Some((date.and_time(time), offset))
}

/// `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS` (and `-`).
fn parse_offset(zone: &str) -> Option<FixedOffset> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !digits.len().is_multiple_of(2)
        || digits.len() > 6
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let part = |i: usize| -> i32 {
        digits
            .get(i..i + 2)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0)
    };
    FixedOffset::east_opt(sign * (part(0) * 3600 + part(2) * 60 + part(4)))
}

/// PostgreSQL's binary TIMESTAMP / TIMESTAMPTZ: microseconds since 2000-01-01 00:00:00.
#[cfg(feature = "postgres")]
pub(crate) fn pg_timestamp(bytes: &[u8]) -> Result<NaiveDateTime, String> {
    let micros = i64::from_be_bytes(
        bytes
            .try_into()
            .map_err(|_| format!("a timestamp of {} bytes (expected 8)", bytes.len()))?,
    );
    match micros {
        i64::MAX => Err("`infinity` is not a timestamp chrono can hold".to_owned()),
        i64::MIN => Err("`-infinity` is not a timestamp chrono can hold".to_owned()),
        _ => pg_epoch()
            .and_hms_opt(0, 0, 0)
            .and_then(|epoch| epoch.checked_add_signed(TimeDelta::microseconds(micros)))
            .ok_or_else(|| out_of_range("timestamp")),
    }
}

/// PostgreSQL's binary DATE: days since 2000-01-01.
#[cfg(feature = "postgres")]
pub(crate) fn pg_date(bytes: &[u8]) -> Result<NaiveDate, String> {
    let days = i32::from_be_bytes(
        bytes
            .try_into()
            .map_err(|_| format!("a date of {} bytes (expected 4)", bytes.len()))?,
    );
    match days {
        i32::MAX => Err("`infinity` is not a date chrono can hold".to_owned()),
        i32::MIN => Err("`-infinity` is not a date chrono can hold".to_owned()),
        _ => TimeDelta::try_days(days.into())
            .and_then(|d| pg_epoch().checked_add_signed(d))
            .ok_or_else(|| out_of_range("date")),
    }
}

#[cfg(feature = "postgres")]
fn pg_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

#[cfg(feature = "postgres")]
fn out_of_range(what: &str) -> String {
    format!("a {what} outside chrono's range (years -262143 to 262142)")
}

/// What a text that is not a date or time says, for the error message.
pub(crate) fn not_a(what: &str, text: &str) -> String {
    match text {
        "infinity" | "-infinity" => format!("`{text}` is not a {what} chrono can hold"),
        _ => format!("`{text}` is not a {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_spelling_of_a_date() {
        assert_eq!(parse_date("2024-02-29"), Some(ymd(2024, 2, 29)));
        assert_eq!(parse_date("+10000-01-01"), Some(ymd(10000, 1, 1)));
        assert_eq!(parse_date("10000-01-01"), Some(ymd(10000, 1, 1)));
        assert_eq!(parse_date("-0044-03-15"), Some(ymd(-44, 3, 15)));
        assert_eq!(parse_date("0044-03-15 BC"), Some(ymd(-43, 3, 15)));
        assert_eq!(parse_date("0001-01-01 BC"), Some(ymd(0, 1, 1)));
        for bad in [
            "",
            "2024-2-29",
            "2024-02-30",
            "-0044-03-15 BC",
            "infinity",
            "24-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_spelling_of_a_timestamp() {
        let t = ymd(10000, 1, 1).and_hms_micro_opt(1, 2, 3, 456).unwrap();
        assert_eq!(parse_naive("10000-01-01T01:02:03.000456"), Some(t));
        assert_eq!(parse_naive("+10000-01-01 01:02:03.000456"), Some(t));
        assert_eq!(
            parse_utc("+10000-01-01T01:02:03.000456+00:00"),
            Some(t.and_utc())
        );
        assert_eq!(
            parse_utc("+10000-01-01T03:02:03.000456+02"),
            Some(t.and_utc())
        );
        assert_eq!(parse_utc("10000-01-01T01:02:03.000456Z"), Some(t.and_utc()));
        let bc = ymd(-43, 3, 15).and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(parse_naive("0044-03-15T12:00:00 BC"), Some(bc));
        assert_eq!(parse_naive("-0043-03-15 12:00:00"), Some(bc));
        assert_eq!(parse_naive("2000-01-01T00:00:00+00:00"), None);
        assert_eq!(parse_utc("infinity"), None);
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_binary_extremes_are_errors() {
        assert!(
            pg_timestamp(&i64::MAX.to_be_bytes())
                .unwrap_err()
                .contains("infinity")
        );
        assert!(
            pg_timestamp(&i64::MIN.to_be_bytes())
                .unwrap_err()
                .contains("-infinity")
        );
        assert!(
            pg_timestamp(&(i64::MAX - 1).to_be_bytes())
                .unwrap_err()
                .contains("range")
        );
        assert_eq!(
            pg_timestamp(&0i64.to_be_bytes()).unwrap(),
            ymd(2000, 1, 1).and_hms_opt(0, 0, 0).unwrap()
        );
        assert!(
            pg_date(&i32::MAX.to_be_bytes())
                .unwrap_err()
                .contains("infinity")
        );
        assert!(
            pg_date(&(i32::MAX - 1).to_be_bytes())
                .unwrap_err()
                .contains("range")
        );
        assert_eq!(pg_date(&(-1i32).to_be_bytes()).unwrap(), ymd(1999, 12, 31));
        assert!(pg_date(&[0, 1]).is_err());
    }
}
