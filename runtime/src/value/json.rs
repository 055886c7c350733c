//! `Json<T>`: any serde type as a column, stored as JSON text exactly (NaN and infinities,
//! which serde_json would write as `null`, are refused; so is -0.0 where JSONB would drop its
//! sign).

use super::column::RowRef;
use super::{SqlType, SqlValue, Value, is_negative_zero};

/// A column holding any serde type as JSON.
///
/// Stored as `JSONB` on PostgreSQL, `JSON` on the MySQL family and `TEXT` on SQLite.
///
/// ```
/// # use weft::Json;
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Prefs { theme: String }
/// let prefs = Json(Prefs { theme: "dark".into() });
/// assert_eq!(prefs.theme, "dark"); // derefs to the inner value
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: serde::Serialize> serde::Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Json<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Json)
    }
}

impl<T> SqlValue for Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    const SQL_TYPE: SqlType = SqlType::Json;
    fn to_value(&self) -> Value {
        encode(&self.0)
    }
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        // Projected as a one-element array (`relation::json`). Its serde error names the
        // column: it is recorded with it (`relation::nested`).
        <(T,) as serde::Deserialize>::deserialize(d).map(|(value,)| Ok(Json(value)))
    }
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        serde_json::from_str(row.columns().json(idx)?)
            .map(Json)
            .map_err(|e| e.to_string())
    }
}

/// `value` as a JSON bind.
fn encode<T: serde::Serialize>(value: &T) -> Value {
    // serde_json fails only on values JSON cannot hold (maps with non-string keys, a
    // failing Serialize impl); storing something else would lose data, so the bind fails.
    // It writes NaN and infinities as `null`: those are refused too.
    match serde_json::to_string(value) {
        Ok(s) if s.contains("null") => match crate::finite::first_non_finite(value) {
            Some(f) => Value::Unencodable(format!(
                "JSON has no {f}: serde_json would store it as null"
            )),
            None => Value::Json(s),
        },
        Ok(s) => Value::Json(s),
        Err(e) => Value::Unencodable(format!("cannot serialize to JSON: {e}")),
    }
}

/// A JSON document as a column, without a `Json<…>` wrapper: stored as `Json<T>` is.
impl SqlValue for serde_json::Value {
    const SQL_TYPE: SqlType = SqlType::Json;
    fn to_value(&self) -> Value {
        encode(self)
    }
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        <Json<serde_json::Value> as SqlValue>::from_json(d).map(|r| r.map(|Json(v)| v))
    }
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        <Json<serde_json::Value> as SqlValue>::decode(row, idx).map(|Json(v)| v)
    }
}

/// Whether a JSON document holds the number -0.0.
pub(crate) fn has_negative_zero(text: &str) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) => n.as_f64().is_some_and(is_negative_zero),
            serde_json::Value::Array(items) => items.iter().any(walk),
            serde_json::Value::Object(map) => map.values().any(walk),
            _ => false,
        }
    }
    // serde_json writes -0.0 as `-0.0`, always: parse only where that token occurs (not in
    // every document with a small negative number).
    let token = text.match_indices("-0.0").any(|(at, _)| {
        !text[at + 4..].starts_with(|c: char| c.is_ascii_digit() || c == 'e' || c == 'E')
    });
    token && serde_json::from_str(text).is_ok_and(|v| walk(&v))
}

#[cfg(test)]
mod tests {
    #[test]
    fn negative_zero_in_json_is_found_only_as_a_number() {
        use super::has_negative_zero as found;
        assert!(found("[-0.0]"));
        assert!(found(r#"{"a":[1,{"b":-0.0}]}"#));
        assert!(!found("[-0.05, 0.0, -1.0]"));
        assert!(!found(r#"["-0.0"]"#));
    }
}
