//! Decoding counts as the documents promised them: a JSON number.
//!
//! The generator's `counts-and-ids` pass types counts, codes and request ids
//! as `u64`, where the documents say only `number`; its `integral-numbers`
//! step points every `u64`, `Option<u64>` and `Vec<u64>` field at these
//! functions, so a server that sends `2.0` still decodes. A fraction
//! (`0.5`), a negative number, a float beyond `u64` and anything not a number
//! fail to decode.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A `u64` that also decodes from an integral float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integral(pub u64);

impl<'de> Deserialize<'de> for Integral {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntegralVisitor).map(Integral)
    }
}

struct IntegralVisitor;

impl Visitor<'_> for IntegralVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative whole number")
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        Ok(value)
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        u64::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u64, E> {
        // 2^64 is exactly representable; everything below it that is whole fits.
        if value.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&value) {
            Ok(value as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(value), &self))
        }
    }
}

/// For a `u64` field.
pub fn u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Integral::deserialize(deserializer).map(|n| n.0)
}

/// For an `Option<u64>` field (`null` is `None`).
pub fn option_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Option::<Integral>::deserialize(deserializer).map(|n| n.map(|n| n.0))
}

/// For a `Vec<u64>` field.
pub fn u64s<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    Vec::<Integral>::deserialize(deserializer).map(|v| v.into_iter().map(|n| n.0).collect())
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct Line {
        #[serde(deserialize_with = "super::u64")]
        quantity: u64,
        #[serde(default, deserialize_with = "super::option_u64")]
        count: Option<u64>,
        #[serde(default, deserialize_with = "super::u64s")]
        ids: Vec<u64>,
    }

    fn line(json: &str) -> Result<Line, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn integral_floats_decode_and_fractions_negatives_and_text_do_not() {
        let ok = line(r#"{"quantity": 2.0, "count": 3, "ids": [1, 4.0]}"#).unwrap();
        assert_eq!((ok.quantity, ok.count, ok.ids), (2, Some(3), vec![1, 4]));
        let absent = line(r#"{"quantity": 18446744073709551615, "count": null}"#).unwrap();
        assert_eq!((absent.quantity, absent.count), (u64::MAX, None));
        for bad in [
            r#"{"quantity": 0.5}"#,
            r#"{"quantity": -1}"#,
            r#"{"quantity": -2.0}"#,
            r#"{"quantity": 1e20}"#,
            r#"{"quantity": "2"}"#,
            r#"{"quantity": 1, "count": 2.5}"#,
            r#"{"quantity": 1, "ids": [0.1]}"#,
        ] {
            assert!(line(bad).is_err(), "{bad} decoded");
        }
    }
}
