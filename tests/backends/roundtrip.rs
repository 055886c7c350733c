//! Property test: random values of every column type (each also as `Option`), adversarial ones
//! included, round-trip through an insert, a flat select and both relation strategies on every
//! backend. For each generated row either the insert is refused with a typed `weft::Error`
//! (acceptable only where the backend cannot store the value exactly, see [`may_refuse`]), or
//! all three reads return exactly what was inserted: floats by bits, decimals by value and
//! scale, JSON numbers by exact value. A refusal on one path and acceptance on another, a
//! panic, a missing or extra row are failures.
//!
//! Values come from proptest strategies driven by one seeded runner. Most are ordinary; about
//! one column in fifty holds something some backend cannot store (NaN, nanoseconds, a year
//! past 9999, NUL in text…), so that most rows are stored and all their columns checked.
//!
//! One isolated database per backend; rows are inserted and read in batches (one parent per
//! batch, the rows its children). A failing row is shrunk alone, greedily (columns reset to
//! [`simple`] ones, lists and documents cut down) while it fails the same way; every distinct
//! failure (path, column, kind) is collected, and the test fails listing them, each with its
//! smallest row, and the seed that replays the run.
//!
//! - `WEFT_PROPTEST_CASES=2000` sets the number of rows per backend (default [`ci_cases`]).
//! - `WEFT_PROPTEST_SEED=<u64>` replays a run (the seed is printed at the start and on failure).
//!
//! What may be refused is [`may_refuse`]; how values compare is [`differences`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use futures_util::FutureExt;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rust_decimal::Decimal;
use serde_json::Value as JsonValue;
use uuid::Uuid;
use weft::{Backend, Db, Json, NotLoaded, Strategy as Load, Table};
use weft_tests::backends;

/// Rows per backend in the default (CI) run, a few seconds each on a 2-core machine;
/// `WEFT_PROPTEST_CASES` overrides it.
fn ci_cases(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1500,
        Backend::Postgres | Backend::MySql => 600,
    }
}

/// At most this many rows per insert (one parent's children).
const BATCH: usize = 12;
/// Shrinking one failure stops after this many evaluations or this long.
const SHRINK_STEPS: usize = 400;
const SHRINK_TIME: Duration = Duration::from_secs(10);
/// Shrinking in one run stops after this long (later failures are reported as found).
const SHRINK_BUDGET: Duration = Duration::from_secs(60);
/// The run stops collecting after this many distinct failures.
const MAX_FAILURES: usize = 120;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rt_parent")]
pub struct RtParent<Children = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    #[relation(many = RtChild)]
    pub children: Children,
}

/// Every column type, each also nullable.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rt_child")]
pub struct RtChild {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = RtParent::id)]
    pub parent_id: i32,
    pub flag: bool,
    pub o_flag: Option<bool>,
    pub small: i16,
    pub o_small: Option<i16>,
    pub int: i32,
    pub o_int: Option<i32>,
    pub big: i64,
    pub o_big: Option<i64>,
    pub real: f32,
    pub o_real: Option<f32>,
    pub double: f64,
    pub o_double: Option<f64>,
    pub text: String,
    pub o_text: Option<String>,
    pub bytes: Vec<u8>,
    pub o_bytes: Option<Vec<u8>>,
    pub at: DateTime<Utc>,
    pub o_at: Option<DateTime<Utc>>,
    pub local: NaiveDateTime,
    pub o_local: Option<NaiveDateTime>,
    pub day: NaiveDate,
    pub o_day: Option<NaiveDate>,
    pub uuid: Uuid,
    pub o_uuid: Option<Uuid>,
    pub dec: Decimal,
    pub o_dec: Option<Decimal>,
    pub doc: Json<JsonValue>,
    pub o_doc: Option<Json<JsonValue>>,
    pub floats: Json<Vec<f64>>,
    pub o_floats: Option<Json<Vec<f64>>>,
}

// ---------------------------------------------------------------------------------------------
// Generators: ordinary values mostly, every class of adversarial value now and then.

fn nullable<T: std::fmt::Debug + Clone + 'static>(
    s: BoxedStrategy<T>,
) -> BoxedStrategy<(T, Option<T>)> {
    (s.clone(), proptest::option::weighted(0.75, s)).boxed()
}

macro_rules! int_strategy {
    ($name:ident, $ty:ty) => {
        fn $name() -> BoxedStrategy<$ty> {
            prop_oneof![
                2 => select(vec![0, 1, -1, <$ty>::MIN, <$ty>::MAX, <$ty>::MIN + 1, <$ty>::MAX - 1]),
                3 => any::<$ty>(),
            ]
            .boxed()
        }
    };
}
int_strategy!(i16s, i16);
int_strategy!(i32s, i32);
int_strategy!(i64s, i64);

/// Doubles of every class. Values some backend cannot store (NaN, infinities) are about 1 in
/// 100, so that most rows are storable and every other column of theirs is checked.
fn f64s(non_finite: bool) -> BoxedStrategy<f64> {
    let specials = vec![
        0.0,
        1.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 2.0,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::from_bits(0x000F_FFFF_FFFF_FFFF),
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        0.1,
        0.1 + 0.2,
        1e300,
        -1e-300,
        1e22,
        1e23,
        9_007_199_254_740_993.0,
        1e18,
        -2.5e-8,
        123_456_789.123_456_79,
    ];
    let finite = prop_oneof![
        20 => select(specials),
        // Any finite bit pattern.
        25 => any::<u64>().prop_map(f64::from_bits).prop_filter("finite", |f| f.is_finite()),
        // Decimal-looking values, where printing and parsing disagree most often.
        25 => (any::<i32>(), -40i32..40).prop_map(|(m, e)| f64::from(m) * 10f64.powi(e)),
        // Subnormals of either sign.
        10 => (1u64..(1 << 52), any::<bool>())
            .prop_map(|(bits, neg)| f64::from_bits(bits | if neg { 1 << 63 } else { 0 })),
        // Huge and tiny exponents.
        15 => (any::<u64>(), prop_oneof![0u64..8, 2038u64..2047])
            .prop_map(|(m, e)| f64::from_bits((m & 0x800F_FFFF_FFFF_FFFF) | (e << 52))),
    ];
    if !non_finite {
        return finite.boxed();
    }
    prop_oneof![
        95 => finite,
        // Infinities and NaNs, with any sign and payload.
        1 => (any::<u64>(), any::<bool>()).prop_map(|(m, inf)| {
            let mantissa = if inf { 0 } else { (m & 0x000F_FFFF_FFFF_FFFF).max(1) };
            f64::from_bits((m & (1 << 63)) | 0x7FF0_0000_0000_0000 | mantissa)
        }),
    ]
    .boxed()
}

fn f32s() -> BoxedStrategy<f32> {
    let specials = vec![
        0.0,
        1.0,
        -0.0,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::from_bits(0x007F_FFFF),
        f32::MAX,
        f32::MIN,
        f32::EPSILON,
        0.1,
        16_777_217.0,
        -1e-38,
    ];
    prop_oneof![
        20 => select(specials),
        25 => any::<u32>().prop_map(f32::from_bits).prop_filter("finite", |f| f.is_finite()),
        25 => (any::<i16>(), -30i32..30).prop_map(|(m, e)| f32::from(m) * 10f32.powi(e)),
        10 => (1u32..(1 << 23), any::<bool>())
            .prop_map(|(bits, neg)| f32::from_bits(bits | if neg { 1 << 31 } else { 0 })),
        1 => (any::<u32>(), any::<bool>()).prop_map(|(m, inf)| {
            let mantissa = if inf { 0 } else { (m & 0x007F_FFFF).max(1) };
            f32::from_bits((m & (1 << 31)) | 0x7F80_0000 | mantissa)
        }),
    ]
    .boxed()
}

/// Characters, NUL aside (it comes from [`texts`] now and then: PostgreSQL refuses it).
fn chars() -> BoxedStrategy<char> {
    let specials = vec![
        'a',
        ' ',
        '\t',
        '\n',
        '\r',
        '"',
        '\'',
        '\\',
        '%',
        '_',
        '/',
        'é',
        '\u{1}',
        '\u{7f}',
        '\u{80}',
        '\u{a0}',
        '\u{301}',
        '\u{2028}',
        '\u{feff}',
        '\u{200b}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fffd}',
        '\u{ffff}',
        '\u{10000}',
        '🦀',
        '😀',
        '\u{10ffff}',
        '漢',
    ];
    prop_oneof![
        3 => select(specials),
        2 => proptest::char::any().prop_filter("no NUL", |c| *c != '\0'),
        2 => proptest::char::range('a', 'z'),
    ]
    .boxed()
}

fn text_of(max: usize) -> BoxedStrategy<String> {
    vec(chars(), 0..max)
        .prop_map(|c| c.into_iter().collect::<String>())
        .boxed()
}

fn texts() -> BoxedStrategy<String> {
    let specials = vec![
        String::new(),
        " ".into(),
        "a ".into(),
        " a".into(),
        "null".into(),
        "\\u0000".into(),
        "🦀 ".into(),
        "  ".into(),
        "\u{10ffff}".into(),
    ];
    prop_oneof![
        10 => select(specials),
        50 => text_of(24),
        // Trailing spaces.
        20 => (text_of(8), 1usize..4).prop_map(|(s, n)| s + &" ".repeat(n)),
        // NUL inside.
        2 => (text_of(6), text_of(6)).prop_map(|(a, b)| format!("{a}\0{b}")),
        // Long values now and then.
        3 => (chars(), 1usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .boxed()
}

fn byte_strings() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        10 => select(vec![vec![], vec![0], vec![0, 0, 0], vec![0xff], b" ".to_vec(), b"a ".to_vec()]),
        40 => vec(any::<u8>(), 0..48),
        2 => (any::<u8>(), 1usize..20_000).prop_map(|(b, n)| vec![b; n]),
    ]
    .boxed()
}

/// Dates over chrono's whole range, mostly within 1000..=9999 (which every backend stores).
fn days() -> BoxedStrategy<NaiveDate> {
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    let specials = vec![
        ymd(1970, 1, 1),
        ymd(2000, 2, 29),
        ymd(1000, 1, 1),
        ymd(9999, 12, 31),
        ymd(1582, 10, 10),
        ymd(1900, 2, 28),
        ymd(999, 12, 31),
        ymd(1, 1, 1),
        ymd(0, 12, 31),
        ymd(-1, 1, 1),
        ymd(10000, 1, 1),
        ymd(-4712, 1, 1),
        ymd(-4713, 12, 31),
        ymd(294_276, 12, 31),
        NaiveDate::MIN,
        NaiveDate::MAX,
    ];
    let day = |n: i32| NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN);
    let days_of = |y| ymd(y, 1, 1).num_days_from_ce();
    prop_oneof![
        95 => (days_of(1000)..days_of(10000)).prop_map(day),
        2 => select(specials),
        // Either side of four-digit years.
        2 => prop_oneof![days_of(-10)..days_of(1001), days_of(9999)..days_of(10010)].prop_map(day),
        // Anywhere in chrono's range, BC and beyond year 9999 included.
        1 => (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce()).prop_map(day),
    ]
    .boxed()
}

/// Times of day: whole seconds, microseconds, now and then nanoseconds or a leap second.
fn times() -> BoxedStrategy<NaiveTime> {
    let nanos = prop_oneof![
        20 => Just(0u32),
        76 => (0u32..1_000_000).prop_map(|us| us * 1_000),
        2 => 0u32..1_000_000_000,
    ];
    prop_oneof![
        99 => (0u32..86_400, nanos).prop_map(|(s, n)| {
            NaiveTime::from_num_seconds_from_midnight_opt(s, n).unwrap_or(NaiveTime::MIN)
        }),
        // A leap second (chrono represents it; no backend has one).
        1 => (0u32..1440, 1_000_000u32..2_000_000).prop_map(|(m, us)| {
            NaiveTime::from_num_seconds_from_midnight_opt(m * 60 + 59, us * 1_000).unwrap_or(NaiveTime::MIN)
        }),
    ]
    .boxed()
}

fn local_times() -> BoxedStrategy<NaiveDateTime> {
    (days(), times()).prop_map(|(d, t)| d.and_time(t)).boxed()
}

fn instants() -> BoxedStrategy<DateTime<Utc>> {
    local_times().prop_map(|t| t.and_utc()).boxed()
}

fn uuids() -> BoxedStrategy<Uuid> {
    prop_oneof![
        1 => select(vec![Uuid::nil(), Uuid::max()]),
        3 => any::<u128>().prop_map(Uuid::from_u128),
    ]
    .boxed()
}

fn decimals() -> BoxedStrategy<Decimal> {
    let specials = vec![
        Decimal::ZERO,
        Decimal::ONE,
        Decimal::new(150, 2),
        Decimal::new(1, 28),
        Decimal::new(-1, 28),
        Decimal::MAX,
        Decimal::MIN,
        Decimal::from_parts(0, 0, 0, true, 0),
        Decimal::from_parts(0, 0, 0, false, 28),
        Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, false, 28),
        Decimal::new(10_000_000_000, 10),
    ];
    let mantissa = prop_oneof![
        (any::<u32>(), any::<u32>(), any::<u32>()),
        (any::<u32>(), Just(0u32), Just(0u32)),
        (any::<u32>(), any::<u32>(), Just(0u32)),
    ];
    prop_oneof![
        2 => select(specials),
        4 => (mantissa, any::<bool>(), 0u32..=28)
            .prop_map(|((lo, mid, hi), neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
        // Trailing zeros: 1.50, 12.000, 0.0
        2 => (any::<i32>(), 1u32..=9, 0u32..=19).prop_map(|(m, zeros, extra)| {
            let mantissa = i64::from(m) * 10i64.pow(zeros);
            Decimal::new(mantissa, zeros + extra.min(28 - zeros))
        }),
    ]
    .boxed()
}

fn json_values() -> BoxedStrategy<JsonValue> {
    let leaf = prop_oneof![
        20 => Just(JsonValue::Null),
        20 => any::<bool>().prop_map(JsonValue::Bool),
        40 => i64s().prop_map(JsonValue::from),
        20 => any::<u64>().prop_map(JsonValue::from),
        // JSON has no NaN or infinity: serde_json::Value cannot hold them.
        80 => f64s(false).prop_map(JsonValue::from),
        60 => text_of(12).prop_map(JsonValue::String),
        // A NUL inside a string, escaped as \u0000 (PostgreSQL's jsonb refuses it).
        1 => Just(JsonValue::String("a\0".into())),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(JsonValue::Array),
            btree_map(text_of(6), inner, 0..5)
                .prop_map(|m| JsonValue::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn docs() -> BoxedStrategy<Json<JsonValue>> {
    json_values().prop_map(Json).boxed()
}

fn float_lists() -> BoxedStrategy<Json<Vec<f64>>> {
    vec(f64s(true), 0..6).prop_map(Json).boxed()
}

fn rows() -> impl Strategy<Value = RtChild> {
    (
        (
            nullable(any::<bool>().boxed()),
            nullable(i16s()),
            nullable(i32s()),
            nullable(i64s()),
            nullable(f32s()),
            nullable(f64s(true)),
            nullable(texts()),
            nullable(byte_strings()),
        ),
        (
            nullable(instants()),
            nullable(local_times()),
            nullable(days()),
            nullable(uuids()),
            nullable(decimals()),
            nullable(docs()),
            nullable(float_lists()),
        ),
    )
        .prop_map(
            |(
                (
                    (flag, o_flag),
                    (small, o_small),
                    (int, o_int),
                    (big, o_big),
                    (real, o_real),
                    (double, o_double),
                    (text, o_text),
                    (bytes, o_bytes),
                ),
                (
                    (at, o_at),
                    (local, o_local),
                    (day, o_day),
                    (uuid, o_uuid),
                    (dec, o_dec),
                    (doc, o_doc),
                    (floats, o_floats),
                ),
            )| RtChild {
                id: 0,
                parent_id: 0,
                flag,
                o_flag,
                small,
                o_small,
                int,
                o_int,
                big,
                o_big,
                real,
                o_real,
                double,
                o_double,
                text,
                o_text,
                bytes,
                o_bytes,
                at,
                o_at,
                local,
                o_local,
                day,
                o_day,
                uuid,
                o_uuid,
                dec,
                o_dec,
                doc,
                o_doc,
                floats,
                o_floats,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// What a backend may refuse: values it cannot store exactly. A refusal of anything else is a
// failure; so is accepting one of these and reading back something different.

fn may_refuse(backend: Backend, row: &RtChild) -> Vec<&'static str> {
    let mut why = BTreeSet::new();
    let floats = [Some(row.double), row.o_double];
    let reals = [Some(row.real), row.o_real];
    let stamps = [
        Some(row.local),
        row.o_local,
        Some(row.at.naive_utc()),
        row.o_at.map(|t| t.naive_utc()),
    ];
    let dates = stamps
        .iter()
        .flatten()
        .map(|t| t.date())
        .chain([Some(row.day), row.o_day].into_iter().flatten());
    let texts = [Some(&row.text), row.o_text.as_ref()];
    let lists = [Some(&row.floats), row.o_floats.as_ref()];
    let docs = [Some(&row.doc), row.o_doc.as_ref()];

    // JSON has no NaN or infinity.
    if lists
        .iter()
        .flatten()
        .any(|l| l.iter().any(|f| !f.is_finite()))
    {
        why.insert("non-finite float in JSON");
    }
    // Leap seconds exist in chrono only.
    if stamps
        .iter()
        .flatten()
        .any(|t| t.nanosecond() >= 1_000_000_000)
    {
        why.insert("leap second");
    }
    let any_f = |p: fn(f64) -> bool| {
        floats.iter().flatten().any(|&f| p(f)) || reals.iter().flatten().any(|&f| p(f64::from(f)))
    };
    match backend {
        Backend::Sqlite => {
            if any_f(f64::is_nan) {
                why.insert("NaN (SQLite stores NULL)");
            }
            // A REAL with no fraction is written to disk as an integer.
            if any_f(|f| f == 0.0 && f.is_sign_negative()) {
                why.insert("-0.0 (SQLite stores 0)");
            }
            // Timestamps are ISO-8601 text, dates compare as text: four-digit years only.
            if dates.clone().any(|d| !(0..=9999).contains(&d.year())) {
                why.insert("year outside 0..=9999 (SQLite text dates)");
            }
        }
        Backend::Postgres => {
            if texts.iter().flatten().any(|t| t.contains('\0')) {
                why.insert("NUL in text (PostgreSQL)");
            }
            if docs.iter().flatten().any(|d| {
                json_has(
                    d,
                    &|v| matches!(v, JsonValue::String(s) if s.contains('\0')),
                )
            }) {
                why.insert("NUL in a JSON string (PostgreSQL jsonb)");
            }
            // PostgreSQL's calendar starts in 4714 BC; chrono's ends before PostgreSQL's does.
            if dates.clone().any(|d| d.year() <= -4712) {
                why.insert("before 4713 BC (PostgreSQL)");
            }
            // jsonb stores numbers as numeric, which has no negative zero.
            if docs.iter().flatten().any(|d| json_has(d, &|v| matches!(v, JsonValue::Number(n) if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()))))
                || lists.iter().flatten().any(|l| l.iter().any(|f| *f == 0.0 && f.is_sign_negative()))
            {
                why.insert("-0.0 in jsonb (PostgreSQL numeric has no negative zero)");
            }
        }
        Backend::MySql => {
            if any_f(|f| !f.is_finite()) {
                why.insert("NaN or infinity (MariaDB)");
            }
            // DOUBLE and FLOAT columns store -0.0 as 0 (`ATAN2(d, -1)` is π, not -π).
            if any_f(|f| f == 0.0 && f.is_sign_negative()) {
                why.insert("-0.0 (MariaDB stores 0)");
            }
            if dates.clone().any(|d| !(1000..=9999).contains(&d.year())) {
                why.insert("year outside 1000..=9999 (MariaDB DATE/DATETIME)");
            }
        }
    }
    why.into_iter().collect()
}

fn json_has(v: &JsonValue, p: &dyn Fn(&JsonValue) -> bool) -> bool {
    p(v) || match v {
        JsonValue::Array(a) => a.iter().any(|v| json_has(v, p)),
        JsonValue::Object(m) => m.values().any(|v| json_has(v, p)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Exact comparison.

/// Floats compare by bits: `-0.0` is not `0.0`, and a NaN must keep its sign and payload
/// (PostgreSQL's binary protocol stores all 64 bits; a NaN that comes back different was
/// changed on the way).
fn float_bits_eq(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn show_f64(f: f64) -> String {
    format!("{f:?} ({:#018x})", f.to_bits())
}

fn show_f32(f: f32) -> String {
    format!("{f:?} ({:#010x})", f.to_bits())
}

/// `None` when equal, else how they differ (a short kind, told apart in the report) and what
/// was written and read.
type Diff = Option<(&'static str, String)>;

fn written_read<T: std::fmt::Debug>(a: &T, b: &T) -> String {
    format!(
        "wrote {}, read {}",
        clip(&format!("{a:?}"), 300),
        clip(&format!("{b:?}"), 300)
    )
}

fn exact<T: PartialEq + std::fmt::Debug>(a: &T, b: &T) -> Diff {
    (a != b).then(|| ("different value", written_read(a, b)))
}

/// How two floats that are not bit-for-bit equal differ.
fn float_kind(a: f64, b: f64) -> &'static str {
    if a == 0.0 && b == 0.0 {
        "sign of zero lost"
    } else if a.is_nan() && b.is_nan() {
        "NaN sign or payload changed"
    } else if a.is_sign_negative() == b.is_sign_negative() && a.to_bits().abs_diff(b.to_bits()) <= 2
    {
        "off by an ulp"
    } else {
        "different value"
    }
}

fn f64_diff(a: &f64, b: &f64) -> Diff {
    (!float_bits_eq(*a, *b)).then(|| {
        (
            float_kind(*a, *b),
            format!("wrote {}, read {}", show_f64(*a), show_f64(*b)),
        )
    })
}

fn f32_diff(a: &f32, b: &f32) -> Diff {
    let kind = if a.is_nan() && b.is_nan() {
        "NaN sign or payload changed"
    } else if a.is_sign_negative() == b.is_sign_negative()
        && a.to_bits().abs_diff(b.to_bits()) <= 2
        && *a != 0.0
    {
        "off by an ulp"
    } else {
        float_kind(f64::from(*a), f64::from(*b))
    };
    (a.to_bits() != b.to_bits()).then(|| {
        (
            kind,
            format!("wrote {}, read {}", show_f32(*a), show_f32(*b)),
        )
    })
}

/// Decimals compare by value and scale: `1.50` is not `1.5`.
fn decimal_diff(a: &Decimal, b: &Decimal) -> Diff {
    let kind = if a == b {
        "scale lost"
    } else {
        "different value"
    };
    (a != b || a.scale() != b.scale()).then(|| {
        (
            kind,
            format!(
                "wrote {a} (scale {}), read {b} (scale {})",
                a.scale(),
                b.scale()
            ),
        )
    })
}

fn list_diff(a: &Json<Vec<f64>>, b: &Json<Vec<f64>>) -> Diff {
    if a.len() != b.len() {
        return Some(("different length", written_read(&a.0, &b.0)));
    }
    let i = a
        .iter()
        .zip(b.iter())
        .position(|(x, y)| !float_bits_eq(*x, *y))?;
    Some((
        float_kind(a[i], b[i]),
        format!(
            "[{i}]: wrote {}, read {} (whole list: wrote {:?}, read {:?})",
            show_f64(a[i]),
            show_f64(b[i]),
            a.0,
            b.0
        ),
    ))
}

fn doc_diff(a: &Json<JsonValue>, b: &Json<JsonValue>) -> Diff {
    json_diff(a, b, "$")
}

fn opt<T>(diff: impl Fn(&T, &T) -> Diff) -> impl Fn(&Option<T>, &Option<T>) -> Diff
where
    T: std::fmt::Debug,
{
    move |a, b| match (a, b) {
        (Some(a), Some(b)) => diff(a, b),
        (None, None) => None,
        (Some(_), None) => Some(("value read as NULL", written_read(a, b))),
        (None, Some(_)) => Some(("NULL read as a value", written_read(a, b))),
    }
}

fn opt_exact<T: PartialEq + std::fmt::Debug>(a: &Option<T>, b: &Option<T>) -> Diff {
    opt(exact)(a, b)
}

/// Whether integer `j` is the decimal number serde_json writes for `f` (its shortest digits).
fn same_decimal(f: f64, j: i128) -> bool {
    if f == 0.0 {
        return j == 0 && f.is_sign_positive();
    }
    // `{:e}` prints the same shortest digits as serde_json: `1.752160299e19`.
    let text = format!("{:e}", f.abs());
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return false;
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return false;
    };
    let digits = mantissa.replace('.', "");
    let zeros = i32::try_from(digits.len()).unwrap_or(i32::MAX) - 1 - exponent;
    let integer = j.unsigned_abs().to_string();
    (j < 0) == f.is_sign_negative()
        && zeros <= 0
        && integer.len() == digits.len() + zeros.unsigned_abs() as usize
        && integer.starts_with(&digits)
        && integer[digits.len()..].bytes().all(|b| b == b'0')
}

/// The first place where two JSON documents differ. Numbers compare by exact decimal value,
/// since JSON has one kind of number: a float may come back written as the integer it is
/// (`1e18` as `1000000000000000000`, as jsonb prints it); anything else must match exactly
/// (floats by bits, the sign of zero included; an integer must stay an integer).
fn json_diff(a: &JsonValue, b: &JsonValue, at: &str) -> Diff {
    let int = |n: &serde_json::Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (a, b) {
        (JsonValue::Number(x), JsonValue::Number(y)) => {
            let kind = match (int(x), int(y), x.as_f64(), y.as_f64()) {
                (Some(i), Some(j), _, _) => (i != j).then_some("different value"),
                (None, None, Some(f), Some(g)) => (!float_bits_eq(f, g)).then(|| float_kind(f, g)),
                // A float read back as an integer: the same number when the integer is the
                // decimal serde_json wrote (`1.752160299e19` as `17521602990000000000`).
                (None, Some(j), Some(f), _) => {
                    (!same_decimal(f, j)).then(|| float_kind(f, j as f64))
                }
                _ => Some("number changed kind"),
            };
            let show = |n: &serde_json::Number| match (int(n), n.as_f64()) {
                (None, Some(f)) => show_f64(f),
                _ => n.to_string(),
            };
            kind.map(|k| (k, format!("{at}: wrote {}, read {}", show(x), show(y))))
        }
        (JsonValue::Array(x), JsonValue::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (a, b))| json_diff(a, b, &format!("{at}[{i}]"))),
        (JsonValue::Object(x), JsonValue::Object(y)) if x.keys().eq(y.keys()) => x
            .iter()
            .zip(y.values())
            .find_map(|((k, a), b)| json_diff(a, b, &format!("{at}[{k:?}]"))),
        _ => (a != b).then(|| {
            (
                "different value",
                format!(
                    "{at}: wrote {}, read {}",
                    clip(&a.to_string(), 300),
                    clip(&b.to_string(), 300)
                ),
            )
        }),
    }
}

/// The columns in which `got` differs from `want`, each with both values.
fn differences(want: &RtChild, got: &RtChild) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($field:ident: $diff:expr),* $(,)?) => {$(
            if let Some((kind, detail)) = $diff(&want.$field, &got.$field) {
                out.push((stringify!($field), kind, detail));
            }
        )*};
    }
    cmp!(
        parent_id: exact,
        flag: exact, o_flag: opt_exact,
        small: exact, o_small: opt_exact,
        int: exact, o_int: opt_exact,
        big: exact, o_big: opt_exact,
        real: f32_diff, o_real: opt(f32_diff),
        double: f64_diff, o_double: opt(f64_diff),
        text: exact, o_text: opt_exact,
        bytes: exact, o_bytes: opt_exact,
        at: exact, o_at: opt_exact,
        local: exact, o_local: opt_exact,
        day: exact, o_day: opt_exact,
        uuid: exact, o_uuid: opt_exact,
        dec: decimal_diff, o_dec: opt(decimal_diff),
        doc: doc_diff, o_doc: opt(doc_diff),
        floats: list_diff, o_floats: opt(list_diff),
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Running one batch.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Path {
    Insert,
    Flat,
    SingleStatement,
    Batched,
}

impl Path {
    const READS: [Path; 3] = [Path::Flat, Path::SingleStatement, Path::Batched];
}

/// What went wrong with one row (or with the whole batch when `row` is `None`).
#[derive(Debug, Clone)]
struct Failure {
    path: Path,
    column: Option<String>,
    kind: &'static str,
    detail: String,
    /// The row, as generated (with the id it was given).
    row: Option<RtChild>,
}

/// Failures are told apart by where, in which column and how they happen.
type Signature = (Path, Option<String>, &'static str);

impl Failure {
    fn signature(&self) -> Signature {
        (self.path, self.column.clone(), self.kind)
    }
}

#[derive(Default)]
struct Outcome {
    failures: Vec<Failure>,
    /// Refusals of values the backend cannot store: (reasons, the error).
    refusals: Vec<(String, String)>,
}

/// An error from a statement, or a panic, as text with the column it names (if any).
struct Fault {
    column: Option<String>,
    panic: bool,
    message: String,
}

impl Fault {
    fn kind(&self, otherwise: &'static str) -> &'static str {
        if self.panic { "panic" } else { otherwise }
    }
}

async fn guard<T>(fut: impl std::future::Future<Output = weft::Result<T>>) -> Result<T, Fault> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Fault {
            column: match &e {
                weft::Error::Decode { column, .. } => Some((*column).to_owned()),
                _ => None,
            },
            panic: false,
            message: short(&e.to_string()),
        }),
        Err(panic) => Err(Fault {
            column: None,
            panic: true,
            message: panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(no message)".into()),
        }),
    }
}

/// At most `max` characters of `text`.
fn clip(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count > max {
        format!(
            "{}… ({count} chars)",
            text.chars().take(max).collect::<String>()
        )
    } else {
        text.to_owned()
    }
}

/// An error message without the (long) SQL it ran.
fn short(message: &str) -> String {
    let cut = message
        .find("\n  while running:")
        .or_else(|| message.find("\n  in:"));
    clip(cut.map_or(message, |i| &message[..i]), 300)
}

/// Runs `$m!` with the names of every value column.
macro_rules! for_each_column {
    ($m:ident) => {
        $m!(
            flag, o_flag, small, o_small, int, o_int, big, o_big, real, o_real, double, o_double,
            text, o_text, bytes, o_bytes, at, o_at, local, o_local, day, o_day, uuid, o_uuid, dec,
            o_dec, doc, o_doc, floats, o_floats
        )
    };
}

/// The simplest row: what shrinking resets columns to.
fn simple() -> RtChild {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    RtChild {
        id: 0,
        parent_id: 0,
        flag: false,
        o_flag: None,
        small: 0,
        o_small: None,
        int: 0,
        o_int: None,
        big: 0,
        o_big: None,
        real: 0.0,
        o_real: None,
        double: 0.0,
        o_double: None,
        text: String::new(),
        o_text: None,
        bytes: vec![],
        o_bytes: None,
        at: epoch.and_time(NaiveTime::MIN).and_utc(),
        o_at: None,
        local: epoch.and_time(NaiveTime::MIN),
        o_local: None,
        day: epoch,
        o_day: None,
        uuid: Uuid::nil(),
        o_uuid: None,
        dec: Decimal::ZERO,
        o_dec: None,
        doc: Json(JsonValue::Null),
        o_doc: None,
        floats: Json(vec![]),
        o_floats: None,
    }
}

/// The columns of a row that differ from [`simple`], long values clipped.
fn describe(row: &RtChild) -> String {
    let base = simple();
    let mut out = String::new();
    macro_rules! fields {
        ($($field:ident),*) => {$(
            let value = format!("{:?}", row.$field);
            if value != format!("{:?}", base.$field) {
                let _ = write!(out, "\n     {}: {}", stringify!($field), clip(&value, 300));
            }
        )*};
    }
    for_each_column!(fields);
    if out.is_empty() {
        out.push_str(" (every column simple)");
    }
    out
}

/// Smaller versions of a JSON document: each child alone, each with one element or entry
/// left out, strings halved.
fn smaller_json(v: &JsonValue) -> Vec<JsonValue> {
    match v {
        JsonValue::Array(items) => {
            let mut out: Vec<JsonValue> = items.clone();
            for i in 0..items.len() {
                let mut fewer = items.clone();
                fewer.remove(i);
                out.push(JsonValue::Array(fewer));
            }
            for (i, item) in items.iter().enumerate() {
                for smaller in smaller_json(item) {
                    let mut changed = items.clone();
                    changed[i] = smaller;
                    out.push(JsonValue::Array(changed));
                }
            }
            out
        }
        JsonValue::Object(map) => {
            let mut out: Vec<JsonValue> = map.values().cloned().collect();
            for key in map.keys() {
                let mut fewer = map.clone();
                fewer.remove(key);
                out.push(JsonValue::Object(fewer));
            }
            for (key, value) in map {
                for smaller in smaller_json(value) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), smaller);
                    out.push(JsonValue::Object(changed));
                }
            }
            out
        }
        JsonValue::String(s) => halves(s).into_iter().map(JsonValue::String).collect(),
        _ => vec![],
    }
}

/// The two halves of a string of more than one character.
fn halves(s: &str) -> Vec<String> {
    let n = s.chars().count();
    if n < 2 {
        return vec![];
    }
    vec![
        s.chars().take(n / 2).collect(),
        s.chars().skip(n / 2).collect(),
    ]
}

/// Simpler versions of `row`, simplest first: one column reset to [`simple`]'s, then a
/// value of one column made smaller.
fn simplifications(row: &RtChild) -> Vec<RtChild> {
    let base = simple();
    let mut out = Vec::new();
    macro_rules! reset {
        ($($field:ident),*) => {$(
            if format!("{:?}", row.$field) != format!("{:?}", base.$field) {
                out.push(RtChild { $field: base.$field.clone(), ..row.clone() });
            }
        )*};
    }
    for_each_column!(reset);
    for (list, set) in [
        (
            Some(&row.floats.0),
            (|r: &mut RtChild, l| r.floats = Json(l)) as fn(&mut RtChild, Vec<f64>),
        ),
        (row.o_floats.as_ref().map(|l| &l.0), |r, l| {
            r.o_floats = Some(Json(l))
        }),
    ] {
        for i in 0..list.map_or(0, Vec::len) {
            let mut fewer = list.cloned().unwrap_or_default();
            fewer.remove(i);
            let mut r = row.clone();
            set(&mut r, fewer);
            out.push(r);
        }
    }
    for smaller in smaller_json(&row.doc) {
        out.push(RtChild {
            doc: Json(smaller),
            ..row.clone()
        });
    }
    if let Some(doc) = &row.o_doc {
        for smaller in smaller_json(doc) {
            out.push(RtChild {
                o_doc: Some(Json(smaller)),
                ..row.clone()
            });
        }
    }
    for half in halves(&row.text) {
        out.push(RtChild {
            text: half,
            ..row.clone()
        });
    }
    for half in row.o_text.as_deref().map(halves).unwrap_or_default() {
        out.push(RtChild {
            o_text: Some(half),
            ..row.clone()
        });
    }
    let n = row.bytes.len();
    if n > 1 {
        out.push(RtChild {
            bytes: row.bytes[..n / 2].to_vec(),
            ..row.clone()
        });
        out.push(RtChild {
            bytes: row.bytes[n / 2..].to_vec(),
            ..row.clone()
        });
    }
    if let Some(bytes) = &row.o_bytes {
        let n = bytes.len();
        if n > 1 {
            out.push(RtChild {
                o_bytes: Some(bytes[..n / 2].to_vec()),
                ..row.clone()
            });
            out.push(RtChild {
                o_bytes: Some(bytes[n / 2..].to_vec()),
                ..row.clone()
            });
        }
    }
    out
}

struct Ctx {
    db: Db,
    backend: Backend,
    next_parent: i32,
    next_child: i32,
}

/// Reads the children of `parent` (only row `only`, if given) through `path`.
async fn read(
    ctx: &Ctx,
    path: Path,
    parent: i32,
    only: Option<i32>,
) -> Result<Vec<RtChild>, Fault> {
    let db = &ctx.db;
    let strategy = match path {
        Path::Flat => {
            let mut q = weft::select::<RtChild>().filter(RtChild::parent_id.eq(parent));
            if let Some(id) = only {
                q = q.filter(RtChild::id.eq(id));
            }
            return guard(q.order_by(RtChild::id).all(db)).await;
        }
        Path::SingleStatement => Load::SingleStatement,
        Path::Batched => Load::Batched,
        Path::Insert => unreachable!("not a read"),
    };
    let parents = weft::find_first::<RtParent>().filter(RtParent::id.eq(parent));
    let found = match only {
        None => {
            let q = parents.with(RtParent::children.order_by(RtChild::id));
            guard(q.strategy(strategy).first(db)).await?
        }
        Some(id) => {
            let q = parents.with(RtParent::children.filter(RtChild::id.eq(id)));
            guard(q.strategy(strategy).first(db)).await?
        }
    };
    match found {
        Some(p) => Ok(p.children),
        None => Err(Fault {
            column: None,
            panic: false,
            message: format!("parent {parent} not found"),
        }),
    }
}

/// What `backend` gives back for a stored row: timestamps truncated to the microsecond (on
/// every backend); MySQL's DECIMAL(65,28) has a fixed scale, so weft returns decimals with
/// their trailing zeros trimmed there (a documented difference).
fn expected(backend: Backend, row: &RtChild) -> RtChild {
    let mut row = row.clone();
    // Every backend stores timestamps truncated to the microsecond (the documented rule).
    let trunc = |t: NaiveDateTime| t.with_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap();
    row.local = trunc(row.local);
    row.o_local = row.o_local.map(trunc);
    row.at = trunc(row.at.naive_utc()).and_utc();
    row.o_at = row.o_at.map(|t| trunc(t.naive_utc()).and_utc());
    if backend == Backend::MySql {
        row.dec = row.dec.normalize();
        row.o_dec = row.o_dec.map(|d| d.normalize());
    }
    row
}

/// Compares what a read returned with what was stored (`want`: position in batch, row).
fn compare(backend: Backend, path: Path, want: &[&RtChild], got: &[RtChild], out: &mut Outcome) {
    for &w in want {
        let expected = expected(backend, w);
        match got.iter().find(|g| g.id == w.id) {
            None => out.failures.push(Failure {
                path,
                column: None,
                kind: "row missing",
                detail: "the insert said Ok; the row is not read back".into(),
                row: Some(w.clone()),
            }),
            Some(g) => {
                for (column, kind, detail) in differences(&expected, g) {
                    out.failures.push(Failure {
                        path,
                        column: Some(column.into()),
                        kind,
                        detail,
                        row: Some(w.clone()),
                    });
                }
            }
        }
    }
    for g in got {
        if !want.iter().any(|w| w.id == g.id) {
            out.failures.push(Failure {
                path,
                column: None,
                kind: "refused but stored",
                detail: format!(
                    "row {} was refused, yet it is read back:{}",
                    g.id,
                    describe(g)
                ),
                row: None,
            });
        }
    }
}

/// Inserts `batch` under a new parent, then reads it back through every path.
async fn check(ctx: &mut Ctx, batch: &[RtChild]) -> Outcome {
    let mut out = Outcome::default();
    ctx.next_parent += 1;
    let parent = ctx.next_parent;
    let rows: Vec<RtChild> = batch
        .iter()
        .map(|r| {
            ctx.next_child += 1;
            RtChild {
                id: ctx.next_child,
                parent_id: parent,
                ..r.clone()
            }
        })
        .collect();
    if let Err(f) = guard(
        weft::insert(RtParent {
            id: parent,
            children: NotLoaded,
        })
        .execute(&ctx.db),
    )
    .await
    {
        out.failures.push(Failure {
            path: Path::Insert,
            column: None,
            kind: f.kind("parent insert failed"),
            detail: f.message,
            row: None,
        });
        return out;
    }

    // One multi-row insert; when it fails, each row alone says which are refused.
    let mut stored: Vec<&RtChild> = Vec::new();
    match guard(weft::insert_many(&rows).execute(&ctx.db)).await {
        Ok(n) => {
            if n != rows.len() as u64 {
                out.failures.push(Failure {
                    path: Path::Insert,
                    column: None,
                    kind: "wrong row count",
                    detail: format!("inserted {} rows, execute said {n}", rows.len()),
                    row: None,
                });
            }
            stored.extend(&rows);
        }
        Err(batch_fault) => {
            if batch_fault.panic {
                out.failures.push(Failure {
                    path: Path::Insert,
                    column: None,
                    kind: "panic",
                    detail: batch_fault.message.clone(),
                    row: None,
                });
            }
            let written = guard(
                weft::select::<RtChild>()
                    .filter(RtChild::parent_id.eq(parent))
                    .count(&ctx.db),
            )
            .await;
            if let Ok(n @ 1..) = written {
                out.failures.push(Failure {
                    path: Path::Insert,
                    column: None,
                    kind: "refused but stored",
                    detail: format!(
                        "the multi-row insert failed ({}), yet stored {n} rows",
                        batch_fault.message
                    ),
                    row: None,
                });
                let _ = guard(
                    weft::delete::<RtChild>()
                        .filter(RtChild::parent_id.eq(parent))
                        .execute(&ctx.db),
                )
                .await;
            }
            for row in &rows {
                match guard(weft::insert(row.clone()).execute(&ctx.db)).await {
                    Ok(_) => stored.push(row),
                    Err(f) => {
                        let allowed = may_refuse(ctx.backend, row);
                        if f.panic || allowed.is_empty() {
                            out.failures.push(Failure {
                                path: Path::Insert,
                                column: f.column.clone(),
                                kind: f.kind("refused a storable value"),
                                detail: f.message,
                                row: Some(row.clone()),
                            });
                        } else {
                            out.refusals.push((allowed.join(" / "), f.message));
                        }
                    }
                }
            }
            if stored.len() == rows.len() {
                out.failures.push(Failure {
                    path: Path::Insert,
                    column: None,
                    kind: "multi-row insert refused, every row accepted alone",
                    detail: batch_fault.message,
                    row: None,
                });
            }
        }
    }

    for path in Path::READS {
        match read(ctx, path, parent, None).await {
            Ok(got) => compare(ctx.backend, path, &stored, &got, &mut out),
            Err(whole) => {
                // Which rows fail alone?
                let mut alone = 0;
                for &row in &stored {
                    match read(ctx, path, parent, Some(row.id)).await {
                        Ok(got) => compare(ctx.backend, path, &[row], &got, &mut out),
                        Err(f) => {
                            alone += 1;
                            out.failures.push(Failure {
                                path,
                                column: f.column.clone(),
                                kind: f.kind("read error"),
                                detail: format!("the insert said Ok, then: {}", f.message),
                                row: Some(row.clone()),
                            });
                        }
                    }
                }
                if alone == 0 {
                    out.failures.push(Failure {
                        path,
                        column: whole.column.clone(),
                        kind: whole.kind("read error for the batch, none alone"),
                        detail: whole.message,
                        row: None,
                    });
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The run.

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    // splitmix64, to spread one u64 over ChaCha's 32 bytes.
    let mut x = seed;
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={text:?} is not a number"),
    }
}

/// One distinct failure, shrunk to one row where it happens with that row alone.
struct Found {
    failure: Failure,
    /// The batch it was found in (number, rows), or `None` once shrunk to one row.
    batch: Option<(usize, usize)>,
    seen: usize,
}

/// Shrinks `row` greedily (see [`simplifications`]) while a batch of it alone fails with
/// `target`. Returns the smallest failing row and its failures, or `None` when the row alone
/// does not fail that way (the failure needs the rest of its batch).
async fn shrink(
    ctx: &mut Ctx,
    row: &RtChild,
    target: &Signature,
) -> Option<(RtChild, Vec<Failure>)> {
    let fails = |outcome: Outcome| {
        let hit = outcome.failures.iter().any(|f| &f.signature() == target);
        hit.then_some(outcome.failures)
    };
    let mut best = (
        row.clone(),
        fails(check(ctx, std::slice::from_ref(row)).await)?,
    );
    let started = Instant::now();
    let mut steps = 0;
    'smaller: loop {
        for candidate in simplifications(&best.0) {
            if steps >= SHRINK_STEPS || started.elapsed() >= SHRINK_TIME {
                break 'smaller;
            }
            steps += 1;
            if let Some(failures) = fails(check(ctx, std::slice::from_ref(&candidate)).await) {
                best = (candidate, failures);
                continue 'smaller;
            }
        }
        break;
    }
    Some(best)
}

/// The normalised form of a refusal's error, to count refusals by kind.
fn refusal_kind(error: &str) -> String {
    let digits_masked: String = error
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    clip(&digits_masked.replace("##", "#").replace("##", "#"), 140)
}

async fn property(db: Db) -> weft::Result<()> {
    db.create_tables::<(RtParent, RtChild)>().await?;
    let backend = db.backend();
    let cases = env_number("WEFT_PROPTEST_CASES").map_or(ci_cases(backend), |n| n as usize);
    let seed = env_number("WEFT_PROPTEST_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id())
    });
    let replay = format!("WEFT_PROPTEST_SEED={seed} WEFT_PROPTEST_CASES={cases}");
    println!("round-trip property on {backend}: {cases} rows, seed {seed} ({replay})");

    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    );
    let row_strategy = rows();
    let mut ctx = Ctx {
        db,
        backend,
        next_parent: 0,
        next_child: 0,
    };
    let started = Instant::now();
    let mut shrinking = Duration::ZERO;
    let (mut done, mut batches, mut refused) = (0usize, 0usize, 0usize);
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut found: BTreeMap<Signature, Found> = BTreeMap::new();

    while done < cases && found.len() < MAX_FAILURES {
        let size = (1..=BATCH.min(cases - done))
            .new_tree(&mut runner)
            .map(|t| t.current());
        let generated = size.and_then(|n| {
            (0..n)
                .map(|_| row_strategy.new_tree(&mut runner).map(|t| t.current()))
                .collect::<Result<Vec<RtChild>, _>>()
        });
        let batch = generated.unwrap_or_else(|reason| panic!("cannot generate a case: {reason}"));
        done += batch.len();
        batches += 1;
        let outcome = check(&mut ctx, &batch).await;
        refused += outcome.refusals.len();
        for (_, error) in &outcome.refusals {
            *refusals.entry(refusal_kind(error)).or_default() += 1;
        }
        for failure in outcome.failures {
            let signature = failure.signature();
            if let Some(known) = found.get_mut(&signature) {
                known.seen += 1;
                continue;
            }
            // A new failure: shrink its row alone, and keep what the smallest row shows.
            let shrink_start = Instant::now();
            let shrunk = match &failure.row {
                Some(row) if shrinking < SHRINK_BUDGET => shrink(&mut ctx, row, &signature).await,
                _ => None,
            };
            shrinking += shrink_start.elapsed();
            let batch_place = Some((batches, batch.len()));
            match shrunk {
                Some((_, failures)) => {
                    // The other failures of the shrunk row are counted when (and if) this
                    // batch shows them too.
                    for f in failures {
                        found.entry(f.signature()).or_insert(Found {
                            failure: f,
                            batch: None,
                            seen: 0,
                        });
                    }
                }
                None => {
                    found.insert(
                        signature.clone(),
                        Found {
                            failure,
                            batch: batch_place,
                            seen: 0,
                        },
                    );
                }
            }
            if let Some(known) = found.get_mut(&signature) {
                known.seen += 1;
            }
        }
    }

    let mut summary = format!(
        "round-trip property on {backend}: {done} rows in {batches} batches, {refused} refused as unstorable, {} distinct failures; {:.1}s ({:.1}s shrinking), seed {seed}\n",
        found.len(),
        started.elapsed().as_secs_f64(),
        shrinking.as_secs_f64(),
    );
    for (kind, n) in &refusals {
        let _ = writeln!(summary, "  refused {n}×: {kind}");
    }
    println!("{summary}");
    if found.is_empty() {
        return Ok(());
    }
    // One entry per cause: the same shrunk row failing the same way on several paths.
    let mut causes: Vec<(Vec<Path>, usize, &Found)> = Vec::new();
    for f in found.values() {
        let same = |(_, _, g): &&mut (Vec<Path>, usize, &Found)| {
            let (a, b) = (&g.failure, &f.failure);
            (&a.column, a.kind, &a.detail) == (&b.column, b.kind, &b.detail)
                && a.row.as_ref().map(describe) == b.row.as_ref().map(describe)
        };
        match causes.iter_mut().find(|c| same(c)) {
            Some((paths, seen, _)) => {
                paths.push(f.failure.path);
                *seen += f.seen;
            }
            None => causes.push((vec![f.failure.path], f.seen, f)),
        }
    }
    let mut report = format!(
        "{summary}\n{} FAILURES (reproduce with {replay}):\n",
        causes.len()
    );
    for (i, (paths, seen, f)) in causes.iter().enumerate() {
        let failure = &f.failure;
        let place = match f.batch {
            None => "shrunk to one row".to_owned(),
            Some((n, rows)) => format!("in batch {n} of {rows} rows, not shrunk"),
        };
        let _ = writeln!(
            report,
            "\n{}. {paths:?} {} — {} (seen {seen}×, {place})\n   {}",
            i + 1,
            failure.column.as_deref().unwrap_or("(row)"),
            failure.kind,
            clip(&failure.detail, 1200),
        );
        if let Some(row) = &failure.row {
            let _ = writeln!(report, "   row:{}", describe(row));
        }
    }
    panic!("{report}");
}

/// The property on every backend (the tests run in parallel), each in its own database.
#[backends]
async fn every_value_round_trips_or_is_refused(db: Db) -> weft::Result<()> {
    property(db).await
}

#[test]
fn same_decimal_compares_exact_values() {
    assert!(same_decimal(1e18, 1_000_000_000_000_000_000));
    assert!(same_decimal(1.752160299e19, 17_521_602_990_000_000_000));
    assert!(same_decimal(
        -8.128137213664409e18,
        -8_128_137_213_664_409_000
    ));
    assert!(same_decimal(0.0, 0));
    assert!(!same_decimal(-0.0, 0));
    assert!(!same_decimal(1.5, 1));
    assert!(!same_decimal(1e18, 1_000_000_000_000_000_001));
    assert!(!same_decimal(1e18, -1_000_000_000_000_000_000));
    assert!(same_decimal(123.0, 123));
    assert!(!same_decimal(123.0, 1230));
}
