//! Whether a value can be stored exactly by a database with given capabilities: checked
//! before every bind, so nothing is changed silently (NaN, -0.0, infinities, dates out of
//! range, sub-microsecond timestamps).

use std::borrow::Cow;

use super::Capabilities;
#[cfg(feature = "json")]
use crate::value::json;
use crate::value::{Scalar, SqlType, Value, is_negative_zero};

impl Value {
    /// Checks that this value can be stored by a database with `caps` without being changed,
    /// so nothing is lost silently. Returns the reason when it cannot.
    pub(crate) fn check_storable(&self, caps: &Capabilities) -> Result<(), Cow<'static, str>> {
        let reason = match self {
            Value::Unencodable(why) => return Err(Cow::Owned(why.clone())),
            Value::IntList(_) | Value::TextList(_) | Value::Array(..) if !caps.array_binds => {
                Err("array parameters are PostgreSQL-only")
            }
            Value::Array(ty, list) => {
                return check_elements(*ty, list.iter().map(|v| Some(Scalar::Value(v))), caps);
            }
            Value::F32(f) => check_float(f64::from(*f), caps),
            Value::F64(f) => check_float(*f, caps),
            #[cfg(feature = "json")]
            Value::Json(text)
                if !caps.json_keeps_negative_zero && json::has_negative_zero(text) =>
            {
                Err("PostgreSQL's JSONB stores -0.0 as 0; weft refuses to lose the sign")
            }
            #[cfg(feature = "chrono")]
            Value::Timestamp(t) if !caps.timestamp_nanoseconds => {
                date_in_range(t.date_naive(), caps, t)?;
                micros_only(t.timestamp_subsec_nanos())
            }
            #[cfg(feature = "chrono")]
            Value::LocalTimestamp(t) if !caps.timestamp_nanoseconds => {
                use chrono::Timelike;
                date_in_range(t.date(), caps, t)?;
                micros_only(t.nanosecond())
            }
            #[cfg(feature = "chrono")]
            Value::Date(d) => return date_in_range(*d, caps, d),
            #[cfg(feature = "chrono")]
            Value::Time(t) if !caps.timestamp_nanoseconds => {
                use chrono::Timelike;
                micros_only(t.nanosecond())
            }
            _ => Ok(()),
        };
        reason.map_err(Cow::Borrowed)
    }
}

/// Whether a float is stored as given: NaN, infinities and -0.0 are not everywhere.
fn check_float(f: f64, caps: &Capabilities) -> Result<(), &'static str> {
    if f.is_nan() && !caps.stores_nan && caps.stores_infinity {
        Err(NAN_SQLITE)
    } else if is_negative_zero(f) && !caps.stores_negative_zero {
        Err(NEGATIVE_ZERO)
    } else if !f.is_finite() && !caps.stores_infinity {
        Err(NON_FINITE_MYSQL)
    } else {
        Ok(())
    }
}

impl Scalar<'_> {
    /// [`Value::check_storable`]; text and bytes borrowed from a row are always storable.
    pub(crate) fn check_storable(self, caps: &Capabilities) -> Result<(), Cow<'static, str>> {
        match self {
            Scalar::Value(v) => v.check_storable(caps),
            Scalar::Text(_) | Scalar::Bytes(_) => Ok(()),
        }
    }
}

/// Checks the elements of an array bind of type `ty`: each storable, and each of that type
/// (or NULL), since the array is encoded as that type.
pub(crate) fn check_elements<'a>(
    ty: SqlType,
    elements: impl Iterator<Item = Option<Scalar<'a>>>,
    caps: &Capabilities,
) -> Result<(), Cow<'static, str>> {
    for (row, v) in elements.enumerate() {
        let Some(v) = v else {
            return Err(Cow::Owned(format!(
                "row {}: no value for a column the other rows give",
                row + 1
            )));
        };
        v.check_storable(caps)
            .and_then(|()| match v.sql_type() {
                Some(t) if t != ty => {
                    Err(Cow::Owned(format!("a {t:?} value in an array of {ty:?}")))
                }
                _ => Ok(()),
            })
            .map_err(|why| Cow::Owned(format!("row {}: {why}", row + 1)))?;
    }
    Ok(())
}

const NAN_SQLITE: &str = "SQLite stores NaN as NULL; weft refuses to lose it";
const NON_FINITE_MYSQL: &str = "MySQL and MariaDB cannot store NaN or infinite floats";
const NEGATIVE_ZERO: &str = "SQLite, MySQL and MariaDB store -0.0 as 0.0; weft refuses to lose the sign (add 0.0 to the value to store 0.0)";

/// Refuses a date (of a date, or of a timestamp in UTC) outside what the database's columns
/// hold exactly (SQLite stores text: every chrono date round-trips).
#[cfg(feature = "chrono")]
fn date_in_range(
    date: chrono::NaiveDate,
    caps: &Capabilities,
    value: &dyn std::fmt::Display,
) -> Result<(), Cow<'static, str>> {
    use chrono::Datelike;
    let Some(range) = caps.dates else {
        return Ok(());
    };
    let day = (date.year(), date.month(), date.day());
    if day < range.first || day > range.last {
        return Err(Cow::Owned(format!(
            "{value} is out of range: {}",
            range.why
        )));
    }
    Ok(())
}

#[cfg(feature = "chrono")]
fn micros_only(nanos: u32) -> Result<(), &'static str> {
    if nanos >= 1_000_000_000 {
        // chrono's leap second (`23:59:60`): PostgreSQL rolls it over to the next minute,
        // MySQL stores a zero date.
        Err("this backend has no leap seconds (chrono's `:60`)")
    } else if nanos.is_multiple_of(1_000) {
        Ok(())
    } else {
        Err(
            "this backend keeps timestamps to the microsecond; round the value first (e.g. `DurationRound::duration_trunc`)",
        )
    }
}
