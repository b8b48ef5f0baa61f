//! The committed documents, embedded and parsed once, and what the sandbox
//! does with their schemas as plain JSON, apart from HTTP: [`Checker`]
//! checks a value against a schema, [`prune`] keeps only the fields a
//! schema declares, and [`number_texts`] gives as numbers the texts of
//! values a schema types as numbers (the SDK's types hold ids as text, the
//! generator's `counts-and-ids` pass, while the documents, and production,
//! give them as numbers).
//!
//! The checker understands the OpenAPI 3.0 schema keywords the committed
//! documents use (listed in [`KEYWORDS`]; a test fails when a document uses
//! another), so it never silently passes a constraint it does not know.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;

mod documents {
    include!(concat!(env!("OUT_DIR"), "/documents.rs"));
}
pub use documents::DOCUMENTS;

/// Every committed document, parsed once per process, by version.
pub fn documents() -> &'static BTreeMap<&'static str, Value> {
    static PARSED: OnceLock<BTreeMap<&'static str, Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        DOCUMENTS
            .iter()
            .map(|(version, text, _)| {
                let document = serde_json::from_str(text).expect("a committed document is JSON");
                (*version, document)
            })
            .collect()
    })
}

/// The newest document that declares the component schema `name`, and
/// that schema: `None` when no document has it.
pub fn component(name: &str) -> Option<(&'static Value, &'static Value)> {
    documents().values().rev().find_map(|document| {
        let schema = document["components"]["schemas"].get(name)?;
        Some((document, schema))
    })
}

/// The schema keywords the checker enforces or knowingly ignores.
pub const KEYWORDS: &[&str] = &[
    // enforced
    "$ref",
    "type",
    "nullable",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "format",
    // annotations, no constraint
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "x-enum-varnames",
];

/// Where and why a value does not fit its schema.
#[derive(Debug, PartialEq)]
pub struct Invalid {
    /// `lineItems[0].quantity`, or `body` for the whole value.
    pub path: String,
    pub reason: String,
}

/// Checks values against the OpenAPI 3.0 schemas of one document.
pub struct Checker<'d> {
    document: &'d Value,
}

impl<'d> Checker<'d> {
    pub fn new(document: &'d Value) -> Self {
        Self { document }
    }

    pub fn check(&self, schema: &Value, value: &Value) -> Result<(), Invalid> {
        self.at(schema, value, &mut Vec::new())
            .map_err(|(path, reason)| Invalid {
                path: if path.is_empty() {
                    "body".to_owned()
                } else {
                    path
                },
                reason,
            })
    }

    fn at(
        &self,
        schema: &Value,
        value: &Value,
        path: &mut Vec<String>,
    ) -> Result<(), (String, String)> {
        let schema = resolve(self.document, schema);
        let fail = |path: &Vec<String>, reason: String| Err((render(path), reason));
        if value.is_null() && schema["nullable"] == Value::Bool(true) {
            return Ok(());
        }
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.at(part, value, path)?;
            }
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(branches) = schema[keyword].as_array() {
                let fitting = branches
                    .iter()
                    .filter(|branch| self.at(branch, value, &mut path.clone()).is_ok())
                    .count();
                if fitting == 0 || (exactly_one && fitting > 1) {
                    return fail(
                        path,
                        format!("fits {fitting} of the {} allowed shapes", branches.len()),
                    );
                }
            }
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return fail(path, format!("{value} is not one of {}", names.join(", ")));
        }
        if let Some(kind) = schema["type"].as_str() {
            let fits = match kind {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "boolean" => value.is_boolean(),
                "number" => value.is_number(),
                "integer" => {
                    value.as_i64().is_some()
                        || value.as_u64().is_some()
                        || value.as_f64().is_some_and(|n| n.fract() == 0.0)
                }
                _ => true,
            };
            if !fits {
                let what = if value.is_null() {
                    "null".to_owned()
                } else {
                    value.to_string()
                };
                return fail(path, format!("{what} is not of type {kind}"));
            }
        }
        match value {
            Value::Object(object) => {
                for name in schema["required"].as_array().into_iter().flatten() {
                    let name = name.as_str().unwrap_or_default();
                    if !object.contains_key(name) {
                        path.push(name.to_owned());
                        let missing = fail(path, "is required".to_owned());
                        path.pop();
                        return missing;
                    }
                }
                let properties = schema["properties"].as_object();
                for (name, field) in object {
                    let field_schema = properties.and_then(|properties| properties.get(name));
                    let extra = &schema["additionalProperties"];
                    let field_schema = match (field_schema, extra) {
                        (Some(schema), _) => Some(schema),
                        (None, Value::Bool(false)) => {
                            path.push(name.clone());
                            let unknown = fail(path, "is not a field of this version".to_owned());
                            path.pop();
                            return unknown;
                        }
                        (None, Value::Object(_)) => Some(extra),
                        (None, _) => None,
                    };
                    if let Some(field_schema) = field_schema {
                        path.push(name.clone());
                        self.at(field_schema, field, path)?;
                        path.pop();
                    }
                }
            }
            Value::Array(items) => {
                let count = items.len() as u64;
                if schema["minItems"].as_u64().is_some_and(|min| count < min) {
                    return fail(
                        path,
                        format!(
                            "has {count} items; at least {} are required",
                            schema["minItems"]
                        ),
                    );
                }
                if schema["maxItems"].as_u64().is_some_and(|max| count > max) {
                    return fail(
                        path,
                        format!(
                            "has {count} items; at most {} are allowed",
                            schema["maxItems"]
                        ),
                    );
                }
                if schema["items"].is_object() {
                    for (index, item) in items.iter().enumerate() {
                        path.push(format!("[{index}]"));
                        self.at(&schema["items"], item, path)?;
                        path.pop();
                    }
                }
            }
            Value::String(text) => {
                let length = text.chars().count() as u64;
                if schema["minLength"].as_u64().is_some_and(|min| length < min) {
                    return fail(
                        path,
                        format!("is shorter than {} characters", schema["minLength"]),
                    );
                }
                if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
                    return fail(
                        path,
                        format!("is longer than {} characters", schema["maxLength"]),
                    );
                }
                if let Some(pattern) = schema["pattern"].as_str() {
                    match regress::Regex::new(pattern) {
                        Ok(regex) if regex.find(text).is_none() => {
                            return fail(path, format!("does not match `{pattern}`"));
                        }
                        _ => {}
                    }
                }
                match schema["format"].as_str() {
                    Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                        return fail(path, format!("`{text}` is not an RFC 3339 date-time"));
                    }
                    Some("uri") if url::Url::parse(text).is_err() => {
                        return fail(path, format!("`{text}` is not an absolute URI"));
                    }
                    _ => {}
                }
            }
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or(f64::NAN);
                let bound = |keyword: &str| schema[keyword].as_f64();
                let exclusive = |keyword: &str| schema[keyword] == Value::Bool(true);
                if let Some(min) = bound("minimum")
                    && (n < min || (exclusive("exclusiveMinimum") && n == min))
                {
                    return fail(path, format!("{number} is below the minimum {min}"));
                }
                if let Some(max) = bound("maximum")
                    && (n > max || (exclusive("exclusiveMaximum") && n == max))
                {
                    return fail(path, format!("{number} is above the maximum {max}"));
                }
                if schema["format"] == "int32"
                    && (n.fract() != 0.0 || n < f64::from(i32::MIN) || n > f64::from(i32::MAX))
                {
                    return fail(path, format!("{number} is not a 32-bit integer"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// `#/components/schemas/X` → its schema (following chains of references).
fn resolve<'d>(document: &'d Value, mut schema: &'d Value) -> &'d Value {
    for _ in 0..32 {
        match schema["$ref"].as_str() {
            Some(reference) => match reference
                .strip_prefix('#')
                .and_then(|pointer| document.pointer(pointer))
            {
                Some(target) => schema = target,
                None => return &Value::Null,
            },
            None => return schema,
        }
    }
    schema
}

fn render(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if !segment.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        out.push_str(segment);
    }
    out
}

/// Removes from `value`, at every depth, the object fields that none of
/// `schemas` declares. An object whose schemas declare no properties, or
/// allow additional ones, is kept whole.
pub fn prune(document: &Value, schemas: &[&Value], value: &mut Value) {
    let mut flat = Vec::new();
    for schema in schemas {
        flatten(document, schema, &mut flat);
    }
    if flat.is_empty() {
        return;
    }
    match value {
        Value::Object(object) => {
            let open = flat.iter().any(|schema| {
                matches!(
                    schema["additionalProperties"],
                    Value::Bool(true) | Value::Object(_)
                )
            });
            let declared: BTreeSet<&str> = flat
                .iter()
                .filter_map(|schema| schema["properties"].as_object())
                .flat_map(|properties| properties.keys().map(String::as_str))
                .collect();
            if !open && !declared.is_empty() {
                object.retain(|name, _| declared.contains(name.as_str()));
            }
            for (name, field) in object.iter_mut() {
                let field_schemas: Vec<&Value> = flat
                    .iter()
                    .filter_map(|schema| schema["properties"].get(name.as_str()))
                    .collect();
                prune(document, &field_schemas, field);
            }
        }
        Value::Array(items) => {
            let item_schemas: Vec<&Value> = flat
                .iter()
                .map(|schema| &schema["items"])
                .filter(|items| items.is_object())
                .collect();
            for item in items {
                prune(document, &item_schemas, item);
            }
        }
        _ => {}
    }
}

/// Replaces in `value`, at every depth, a string that `schemas` type as a
/// `number` or `integer` (and none as a `string`) by the number it is the
/// text of (`"7"` becomes `7`). A string that is not a number's text is
/// left as it is, so the checker of the answer still sees it for what it
/// is.
pub fn number_texts(document: &Value, schemas: &[&Value], value: &mut Value) {
    let mut flat = Vec::new();
    for schema in schemas {
        flatten(document, schema, &mut flat);
    }
    if flat.is_empty() {
        return;
    }
    match value {
        Value::Object(object) => {
            for (name, field) in object.iter_mut() {
                let field_schemas: Vec<&Value> = flat
                    .iter()
                    .filter_map(|schema| {
                        schema["properties"].get(name.as_str()).or_else(|| {
                            Some(&schema["additionalProperties"]).filter(|extra| extra.is_object())
                        })
                    })
                    .collect();
                number_texts(document, &field_schemas, field);
            }
        }
        Value::Array(items) => {
            let item_schemas: Vec<&Value> = flat
                .iter()
                .map(|schema| &schema["items"])
                .filter(|items| items.is_object())
                .collect();
            for item in items {
                number_texts(document, &item_schemas, item);
            }
        }
        Value::String(text) => {
            let typed = |kinds: &[&str]| {
                flat.iter()
                    .any(|schema| schema["type"].as_str().is_some_and(|t| kinds.contains(&t)))
            };
            if typed(&["number", "integer"])
                && !typed(&["string"])
                && let Ok(Value::Number(number)) = serde_json::from_str::<Value>(text)
                && number.to_string() == *text
            {
                *value = Value::Number(number);
            }
        }
        _ => {}
    }
}

/// `schema` and the parts of its `allOf`, `anyOf` and `oneOf`, references
/// resolved.
fn flatten<'d>(document: &'d Value, schema: &'d Value, out: &mut Vec<&'d Value>) {
    let schema = resolve(document, schema);
    if !schema.is_object() || out.len() > 256 {
        return;
    }
    out.push(schema);
    for keyword in ["allOf", "anyOf", "oneOf"] {
        for part in schema[keyword].as_array().into_iter().flatten() {
            flatten(document, part, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Value {
        json!({"components": {"schemas": {
            "Line": {"type": "object", "required": ["sku", "quantity"], "properties": {
                "sku": {"type": "string", "minLength": 1},
                "quantity": {"type": "integer", "format": "int32", "minimum": 1},
                "status": {"type": "string", "enum": ["OPEN", "SHIPPED"]}
            }},
            "Order": {"type": "object", "required": ["lines"], "properties": {
                "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                "note": {"allOf": [{"type": "string"}], "nullable": true},
                "at": {"type": "string", "format": "date-time"}
            }}
        }}})
    }

    fn check(value: Value) -> Result<(), Invalid> {
        let document = document();
        Checker::new(&document).check(&json!({"$ref": "#/components/schemas/Order"}), &value)
    }

    #[test]
    fn names_the_first_offending_field() {
        assert_eq!(
            check(json!({"lines": [{"sku": "A", "quantity": 2}], "note": null})),
            Ok(())
        );
        let invalid =
            check(json!({"lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 0}]}))
                .unwrap_err();
        assert_eq!(invalid.path, "lines[1].quantity");
        assert!(invalid.reason.contains("minimum"), "{invalid:?}");
        assert_eq!(
            check(json!({"lines": [{"sku": "A"}]})).unwrap_err().path,
            "lines[0].quantity"
        );
        assert_eq!(check(json!({})).unwrap_err().path, "lines");
        assert_eq!(check(json!([])).unwrap_err().path, "body");
        let newer = check(json!({"lines": [{"sku": "A", "quantity": 1, "status": "RETURNED"}]}))
            .unwrap_err();
        assert_eq!(newer.path, "lines[0].status");
        assert_eq!(
            check(json!({"lines": [], "at": "yesterday"}))
                .unwrap_err()
                .path,
            "at"
        );
        assert_eq!(
            check(json!({"lines": [{"sku": "A", "quantity": 3_000_000_000u64}]}))
                .unwrap_err()
                .path,
            "lines[0].quantity"
        );
        assert_eq!(
            check(json!({"lines": [], "note": 5})).unwrap_err().path,
            "note"
        );
    }

    #[test]
    fn prunes_fields_the_schema_does_not_declare_at_every_depth() {
        let document = document();
        let mut value = json!({
            "lines": [{"sku": "A", "quantity": 1, "lot": "L1"}],
            "note": "n",
            "newerField": {"x": 1}
        });
        prune(
            &document,
            &[&json!({"$ref": "#/components/schemas/Order"})],
            &mut value,
        );
        assert_eq!(
            value,
            json!({"lines": [{"sku": "A", "quantity": 1}], "note": "n"})
        );
        // A free-form object is kept whole.
        let mut free = json!({"anything": [1, 2]});
        prune(&document, &[&json!({"type": "object"})], &mut free);
        assert_eq!(free, json!({"anything": [1, 2]}));
    }

    /// Fails when an id the engine holds as text (the SDK's type) is
    /// answered as text where the document says number.
    #[test]
    fn answers_as_a_number_the_text_of_a_value_the_document_types_as_one() {
        let document = json!({"components": {"schemas": {
            "Hook": {"type": "object", "properties": {
                "id": {"type": "number"},
                "jobIds": {"type": "array", "items": {"type": "integer"}},
                "name": {"type": "string"},
                "either": {"oneOf": [{"type": "number"}, {"type": "string"}]},
                "nested": {"allOf": [{"$ref": "#/components/schemas/Inner"}]}
            }},
            "Inner": {"type": "object", "properties": {"quoteId": {"type": "number"}}}
        }}});
        let mut value = json!({
            "id": "18446744073709551615",
            "jobIds": ["3", "ret_4"],
            "name": "12",
            "either": "5",
            "nested": {"quoteId": "9"}
        });
        number_texts(
            &document,
            &[&json!({"$ref": "#/components/schemas/Hook"})],
            &mut value,
        );
        assert_eq!(
            value,
            json!({
                "id": u64::MAX,
                "jobIds": [3, "ret_4"],
                "name": "12",
                "either": "5",
                "nested": {"quoteId": 9}
            })
        );
    }

    /// Fails when a document uses a schema keyword the checker would
    /// silently pass.
    #[test]
    fn understands_every_keyword_the_documents_use() {
        fn walk(schema: &Value, unknown: &mut BTreeSet<String>) {
            let Some(object) = schema.as_object() else {
                return;
            };
            for (keyword, inner) in object {
                match keyword.as_str() {
                    "properties" => inner
                        .as_object()
                        .into_iter()
                        .flatten()
                        .for_each(|(_, field)| walk(field, unknown)),
                    "allOf" | "anyOf" | "oneOf" => inner
                        .as_array()
                        .into_iter()
                        .flatten()
                        .for_each(|part| walk(part, unknown)),
                    "items" | "additionalProperties" => walk(inner, unknown),
                    known if KEYWORDS.contains(&known) => {}
                    other => {
                        unknown.insert(other.to_owned());
                    }
                }
            }
        }
        let mut unknown = BTreeSet::new();
        for (_, text, _) in DOCUMENTS {
            let document: Value = serde_json::from_str(text).unwrap();
            for schema in document["components"]["schemas"]
                .as_object()
                .unwrap()
                .values()
            {
                walk(schema, &mut unknown);
            }
            for item in document["paths"].as_object().unwrap().values() {
                for operation in item.as_object().unwrap().values() {
                    walk(
                        &operation["requestBody"]["content"]["application/json"]["schema"],
                        &mut unknown,
                    );
                    for answer in operation["responses"].as_object().into_iter().flatten() {
                        walk(
                            &answer.1["content"]["application/json"]["schema"],
                            &mut unknown,
                        );
                    }
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "keywords the checker does not know: {unknown:?}"
        );
    }
}
