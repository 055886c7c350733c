//! Decimals read and written exactly: `rust_decimal::Decimal` holds 28 fractional digits and
//! a 96-bit magnitude, and keeps its scale (`1.50` is not `1.5`). Nothing here rounds: a value
//! that does not fit is an error.

/// Reads a decimal's text exactly: the value and its scale, or an error when
/// `rust_decimal::Decimal` cannot hold it (more than 28 fractional digits, or a magnitude of
/// 2^96 or more) — never a rounded value. Zeros past the 28th fractional digit (a column's
/// padding) are dropped, since they change nothing but the scale.
pub(crate) fn parse_decimal(text: &str) -> Result<rust_decimal::Decimal, String> {
    let mut exact = text;
    if let Some(point) = text.find('.') {
        let max = point + 1 + rust_decimal::Decimal::MAX_SCALE as usize;
        if exact.len() > max {
            let kept = exact.trim_end_matches('0');
            exact = &exact[..kept.len().max(max)];
        }
    }
    rust_decimal::Decimal::from_str_exact(exact).map_err(|e| {
        use rust_decimal::Error as E;
        match e {
            E::Underflow => format!(
                "`{text}` has more fractional digits than rust_decimal::Decimal holds (28); \
                 weft does not round it"
            ),
            E::ExceedsMaximumPossibleValue | E::LessThanMinimumPossibleValue => {
                format!("`{text}` is out of rust_decimal::Decimal's range")
            }
            other => format!("`{text}` is not an exact decimal: {other}"),
        }
    })
}

/// A MySQL DECIMAL's text without the zeros its column's scale pads it with (`1.5000` → `1.5`).
#[cfg(feature = "mysql")]
pub(crate) fn trim_padding(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// The text of a PostgreSQL NUMERIC in its binary form: digit count, weight (of the first
/// base-10000 digit), sign and display scale, then the base-10000 digits.
#[cfg(feature = "postgres")]
pub(crate) fn pg_numeric_text(bytes: &[u8]) -> Result<String, String> {
    let word = |i: usize| -> Result<u16, String> {
        bytes
            .get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a NUMERIC value shorter than its header".to_owned())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = usize::from(word(3)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Err("NaN is not a decimal".to_owned()),
        0xD000 | 0xF000 => return Err("infinity is not a decimal".to_owned()),
        other => return Err(format!("a NUMERIC value with unknown sign {other:#x}")),
    }
    let digit = |w: i64| -> Result<u16, String> {
        // The digit of weight `w` (10000^w), zero where none is stored.
        let i = weight - w;
        if i < 0 || i >= ndigits as i64 {
            return Ok(0);
        }
        let d = word(4 + i as usize)?;
        if d > 9999 {
            return Err(format!("a NUMERIC digit out of range: {d}"));
        }
        Ok(d)
    };
    let mut text = String::with_capacity(8 + ndigits * 4 + dscale);
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        use std::fmt::Write as _;
        let _ = write!(text, "{}", digit(weight)?);
        for w in (0..weight).rev() {
            let _ = write!(text, "{:04}", digit(w)?);
        }
    }
    if dscale > 0 {
        use std::fmt::Write as _;
        text.push('.');
        let start = text.len();
        let mut w = -1;
        while text.len() - start < dscale {
            let _ = write!(text, "{:04}", digit(w)?);
            w -= 1;
        }
        text.truncate(start + dscale);
    }
    Ok(text)
}

/// A decimal bound on PostgreSQL. sqlx's encoder writes every zero as `0`, dropping its scale
/// (`0.00` would read back as `0`); this one keeps it.
#[cfg(feature = "postgres")]
pub(crate) struct PgDecimal(pub(crate) rust_decimal::Decimal);

#[cfg(feature = "postgres")]
mod pg {
    use rust_decimal::Decimal;
    use sqlx::encode::{Encode, IsNull};
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, Postgres};

    use super::PgDecimal;

    impl sqlx::Type<Postgres> for PgDecimal {
        fn type_info() -> PgTypeInfo {
            <Decimal as sqlx::Type<Postgres>>::type_info()
        }
    }

    impl PgHasArrayType for PgDecimal {
        fn array_type_info() -> PgTypeInfo {
            <Decimal as PgHasArrayType>::array_type_info()
        }
    }

    impl Encode<'_, Postgres> for PgDecimal {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            if !self.0.is_zero() {
                return Encode::<Postgres>::encode_by_ref(&self.0, buf);
            }
            // NUMERIC's binary form: no digits, weight 0, positive, the display scale.
            let scale = u16::try_from(self.0.scale())?;
            for word in [0u16, 0, 0, scale] {
                buf.extend_from_slice(&word.to_be_bytes());
            }
            Ok(IsNull::No)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_is_exact_or_refused() {
        let scale = |t: &str| parse_decimal(t).map(|d| d.scale());
        assert_eq!(scale("1.50"), Ok(2));
        assert_eq!(scale("1.1234567890123456789012345678000"), Ok(28));
        assert!(
            parse_decimal("0.12345678901234567890123456789")
                .unwrap_err()
                .contains("28")
        );
        let too_big = parse_decimal("79228162514264337593543950336").unwrap_err();
        assert!(
            too_big.contains("79228162514264337593543950336"),
            "{too_big}"
        );
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_numeric_digits() {
        let numeric =
            |words: &[u16]| -> Vec<u8> { words.iter().flat_map(|w| w.to_be_bytes()).collect() };
        // 12345.678 = digits [1, 2345, 6780], weight 1, scale 3.
        assert_eq!(
            pg_numeric_text(&numeric(&[3, 1, 0, 3, 1, 2345, 6780])).unwrap(),
            "12345.678"
        );
        // -0.00012 = digits [1, 2000], weight -1, scale 5.
        assert_eq!(
            pg_numeric_text(&numeric(&[2, 0xFFFF, 0x4000, 5, 1, 2000])).unwrap(),
            "-0.00012"
        );
        // 0.12 = digits [1200], weight -1, scale 5.
        assert_eq!(
            pg_numeric_text(&numeric(&[1, 0xFFFF, 0, 5, 1200])).unwrap(),
            "0.12000"
        );
        // Zero keeps its scale.
        assert_eq!(pg_numeric_text(&numeric(&[0, 0, 0, 2])).unwrap(), "0.00");
        assert!(
            pg_numeric_text(&numeric(&[0, 0, 0xC000, 0]))
                .unwrap_err()
                .contains("NaN")
        );
        assert!(
            pg_numeric_text(&numeric(&[0, 0, 0xD000, 0]))
                .unwrap_err()
                .contains("infinity")
        );
    }
}
