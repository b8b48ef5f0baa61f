//! What the normalization passes share, whichever module holds them: the
//! error a pass reports, the walk over a document's operations, the rule
//! that strips a revision suffix and the note a renamed operation keeps.
//!
//! A leaf: [`crate::normalize`] registers the passes of [`crate::names`] and
//! [`crate::numbers`], and those passes read these helpers from here, not
//! from the registry.

use serde_json::{Map, Value};

/// A construct no pass can turn into something progenitor accepts.
#[derive(Debug, thiserror::Error)]
#[error("operation {operation}: {problem}")]
pub struct Unsupported {
    pub operation: String,
    pub problem: String,
}

/// The fields of a path item that hold an operation.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation object in the document, with its method and path.
pub(crate) fn operations_mut(
    document: &mut Value,
) -> impl Iterator<Item = (String, String, &mut Map<String, Value>)> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .filter_map(|(path, item)| Some((path, item.as_object_mut()?)))
        .flat_map(|(path, item)| {
            item.iter_mut()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .filter_map(move |(method, op)| {
                    Some((method.clone(), path.clone(), op.as_object_mut()?))
                })
        })
}

/// The operationId without its revision suffix, if it has one: `V` or `v`
/// and digits after a lower-case letter, digit or `_` (`CreateParcelV3`,
/// `get_quote_v2`), or a year-month `YYYYMM` after a letter or `_`
/// (`CreateOrder202307`). A `_` before the suffix goes with it.
pub fn strip_revision_suffix(id: &str) -> Option<&str> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let before = &id[..id.len() - digits];
    let number = &id[id.len() - digits..];
    let stem = if let Some(stem) = before.strip_suffix(['V', 'v']) {
        let boundary = stem
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        (boundary && digits <= 3).then_some(stem)?
    } else {
        let year_month = digits == 6
            && matches!(&number[..2], "19" | "20")
            && matches!(number[4..].parse::<u8>(), Ok(1..=12));
        let boundary = before
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        (year_month && boundary).then_some(before)?
    };
    let stem = stem.strip_suffix('_').unwrap_or(stem);
    stem.starts_with(|c: char| c.is_ascii_alphabetic())
        .then_some(stem)
}

/// The prefix of the note a renamed operation's description ends with.
pub const DOCUMENTED_OPERATION_ID_NOTE: &str = "Documented operationId:";

/// Appends the documented operationId to the operation's description, unless
/// an earlier rename already did (the first note names the documented id).
pub(crate) fn note_documented_operation_id(operation: &mut Map<String, Value>, id: String) {
    let note = format!("{DOCUMENTED_OPERATION_ID_NOTE} `{id}`.");
    let description = match operation.get("description").and_then(Value::as_str) {
        Some(text) if text.contains(DOCUMENTED_OPERATION_ID_NOTE) => return,
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{note}"),
        _ => note,
    };
    operation.insert("description".into(), Value::String(description));
}
