//! Walking and resolving local `$ref`s (`#/components/...`) in a JSON document.

use serde_json::Value;

/// Prefix of a reference to a named schema.
pub const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The name of the schema a `$ref` string points to, if it points to one.
pub fn schema_name(reference: &str) -> Option<String> {
    let escaped = reference.strip_prefix(SCHEMA_REF_PREFIX)?;
    Some(unescape_token(&percent_decode(escaped)))
}

/// The `$ref` string that points to the schema called `name`.
pub fn schema_ref(name: &str) -> String {
    format!("{SCHEMA_REF_PREFIX}{}", escape_token(name))
}

/// Resolves a local reference (`#/a/b`) against `root`.
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(&percent_decode(pointer))
}

/// Calls `visit` with every `$ref` string in `value`, depth first.
pub fn for_each_ref(value: &Value, visit: &mut impl FnMut(&str)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                visit(reference);
            }
            map.values().for_each(|child| for_each_ref(child, visit));
        }
        Value::Array(items) => items.iter().for_each(|child| for_each_ref(child, visit)),
        _ => {}
    }
}

/// Calls `visit` with every object in `value` that holds a `$ref`.
pub fn for_each_ref_mut(
    value: &mut Value,
    visit: &mut impl FnMut(&mut serde_json::Map<String, Value>),
) {
    match value {
        Value::Object(map) => {
            if map.get("$ref").is_some_and(Value::is_string) {
                visit(map);
            }
            map.values_mut()
                .for_each(|child| for_each_ref_mut(child, visit));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| for_each_ref_mut(child, visit)),
        _ => {}
    }
}

fn escape_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Decodes `%XX` escapes; a reference is a URI fragment, so names with
/// characters such as `<` or a space arrive percent-encoded.
fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `value` itself, or the schema its `$ref` names when that resolves.
pub fn resolved<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(document, reference).unwrap_or(value),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_names_round_trip_through_refs() {
        for name in [
            "Plain",
            "Pick_A.Exclude_keyofA.b__",
            "a/b~c",
            "InputMaybe_Scalars-at-String_",
        ] {
            assert_eq!(schema_name(&schema_ref(name)).as_deref(), Some(name));
        }
        assert_eq!(
            schema_name("#/components/schemas/Record%3Cstring%2Cany%3E").as_deref(),
            Some("Record<string,any>")
        );
        assert_eq!(schema_name("#/components/responses/X"), None);
    }

    #[test]
    fn resolves_escaped_pointers() {
        let doc = json!({"components": {"schemas": {"a/b": {"type": "string"}, "x y": {"type": "integer"}}}});
        assert_eq!(
            resolve(&doc, "#/components/schemas/a~1b"),
            Some(&json!({"type": "string"}))
        );
        assert_eq!(
            resolve(&doc, "#/components/schemas/x%20y"),
            Some(&json!({"type": "integer"}))
        );
        assert_eq!(resolve(&doc, "#/components/schemas/missing"), None);
        assert_eq!(resolve(&doc, "other.json#/x"), None);
    }
}
