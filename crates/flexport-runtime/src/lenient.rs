//! Lenient decoding of strings in responses: where a document says string
//! and production sends a number or a boolean (event payload ids, see
//! [`crate::production::DIFFERENCES`]), the value decodes into its text
//! (`1001` into `"1001"`, `true` into `"true"`) instead of failing the call.
//!
//! The generator's `lenient-response-strings` pass points every `String`
//! field, `Option<String>`, `Vec<String>` and string-valued map of the types
//! a response reaches at these functions. Anything else (an object, an
//! array where a string was expected) still fails as before. A number keeps
//! the text `serde_json` gives it: integers exactly; an integral float below
//! 2^53 as that integer (`7.0` reads `"7"`, the text of the same id sent as
//! `7` or `"7"`); any other float as its shortest round-trip form (`1.50`
//! reads `"1.5"`, `1e300` reads `"1e+300"`).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A string, or the text of a number or a boolean.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LenientString(pub String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor).map(LenientString)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or a number or boolean, kept as text)")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_i128<E: de::Error>(self, value: i128) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_u128<E: de::Error>(self, value: u128) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<String, E> {
        // Every whole float below 2^53 is exactly that integer.
        if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
            return Ok((value as i64).to_string());
        }
        Ok(
            serde_json::Number::from_f64(value)
                .map_or_else(|| value.to_string(), |n| n.to_string()),
        )
    }
}

/// For a `String` field.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    LenientString::deserialize(deserializer).map(|s| s.0)
}

/// For an `Option<String>` field (`null` is `None`).
pub fn option_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<LenientString>::deserialize(deserializer).map(|s| s.map(|s| s.0))
}

/// For a `Vec<String>` field.
pub fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Vec::<LenientString>::deserialize(deserializer).map(|v| v.into_iter().map(|s| s.0).collect())
}

/// For a `HashMap<K, String>` field.
pub fn string_map<'de, D, K>(deserializer: D) -> Result<HashMap<K, String>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Eq + Hash,
{
    HashMap::<K, LenientString>::deserialize(deserializer)
        .map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// For an `Option<HashMap<K, String>>` field (`null` is `None`).
pub fn option_string_map<'de, D, K>(deserializer: D) -> Result<Option<HashMap<K, String>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Eq + Hash,
{
    Option::<HashMap<K, LenientString>>::deserialize(deserializer)
        .map(|m| m.map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Event {
        #[serde(deserialize_with = "string")]
        id: String,
        #[serde(deserialize_with = "option_string_map")]
        payload: Option<HashMap<String, String>>,
        #[serde(default, deserialize_with = "option_string")]
        note: Option<String>,
        #[serde(default, deserialize_with = "strings")]
        tags: Vec<String>,
    }

    #[test]
    fn numbers_and_booleans_keep_their_text_and_other_shapes_still_fail() {
        let event: Event = serde_json::from_str(
            r#"{"id": 7, "payload": {"orderId": 1001, "big": 18446744073709551615, "neg": -3,
                "ratio": 1.5, "whole": 7.0, "minus": -0.0, "huge": 1e300, "ok": true,
                "name": "x"}, "tags": ["a", 2]}"#,
        )
        .unwrap();
        assert_eq!(event.id, "7");
        let payload = event.payload.unwrap();
        for (key, text) in [
            ("orderId", "1001"),
            ("big", "18446744073709551615"),
            ("neg", "-3"),
            ("ratio", "1.5"),
            ("whole", "7"),
            ("minus", "0"),
            ("huge", "1e+300"),
            ("ok", "true"),
            ("name", "x"),
        ] {
            assert_eq!(payload[key], text, "{key}");
        }
        assert_eq!(event.note, None);
        assert_eq!(event.tags, ["a", "2"]);
        let null: Event = serde_json::from_str(r#"{"id": "e", "payload": null}"#).unwrap();
        assert!(null.payload.is_none());
        for bad in [
            r#"{"id": {"x": 1}, "payload": null}"#,
            r#"{"id": [1], "payload": null}"#,
            r#"{"id": "e", "payload": {"orderId": {"n": 1}}}"#,
            r#"{"id": "e"}"#,
        ] {
            assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        }
    }
}
