//! Checks that a downloaded body is an OpenAPI 3.0 document we can generate from.

use serde_json::Value;

use crate::refs;

/// Why a body is not a usable OpenAPI 3.0 document.
#[derive(Debug, thiserror::Error)]
pub enum InvalidDocument {
    #[error("the body is empty")]
    Empty,
    #[error("the body is an HTML page, not a JSON document (it starts with {start:?})")]
    Html { start: String },
    #[error("the JSON ends early ({0}): the download was probably truncated")]
    Truncated(serde_json::Error),
    #[error("the body is not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("the JSON is not an object, so it is not an OpenAPI document")]
    NotAnObject,
    #[error("this is a Swagger 2.0 document; only OpenAPI 3.0.x is supported")]
    Swagger2,
    #[error("OpenAPI {0} is not supported; only 3.0.x is (the generator reads 3.0 only)")]
    UnsupportedVersion(String),
    #[error("there is no `openapi` version field, so this is not an OpenAPI document")]
    NoVersion,
    #[error("the document does not follow the OpenAPI 3.0 schema: {0}")]
    Schema(serde_json::Error),
    #[error("the document declares no paths")]
    NoPaths,
    #[error("{} `$ref`(s) point nowhere, for example {:?}", .0.len(), .0[0])]
    DanglingRefs(Vec<String>),
    #[error("external `$ref`s are not supported (the document must be self-contained): {0:?}")]
    ExternalRef(String),
}

/// Parses `body` and checks it is a self-contained OpenAPI 3.0.x document
/// with at least one path and no dangling references.
pub fn parse_document(body: &[u8]) -> Result<Value, InvalidDocument> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(InvalidDocument::Empty);
    }
    if trimmed.starts_with('<') {
        let start = trimmed.chars().take(40).collect();
        return Err(InvalidDocument::Html { start });
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|error| {
        if error.is_eof() {
            InvalidDocument::Truncated(error)
        } else {
            InvalidDocument::Json(error)
        }
    })?;
    let object = value.as_object().ok_or(InvalidDocument::NotAnObject)?;
    if object.contains_key("swagger") {
        return Err(InvalidDocument::Swagger2);
    }
    match object.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0.") => {}
        Some(version) => return Err(InvalidDocument::UnsupportedVersion(version.to_owned())),
        None => return Err(InvalidDocument::NoVersion),
    }
    serde_json::from_value::<openapiv3::OpenAPI>(value.clone()).map_err(InvalidDocument::Schema)?;
    if object
        .get("paths")
        .and_then(Value::as_object)
        .is_none_or(|paths| paths.is_empty())
    {
        return Err(InvalidDocument::NoPaths);
    }
    check_references(&value)?;
    Ok(value)
}

fn check_references(document: &Value) -> Result<(), InvalidDocument> {
    let mut external = None;
    let mut dangling = Vec::new();
    refs::for_each_ref(document, &mut |reference| {
        if !reference.starts_with('#') {
            external.get_or_insert_with(|| reference.to_owned());
        } else if refs::resolve(document, reference).is_none()
            && !dangling.iter().any(|d| d == reference)
        {
            dangling.push(reference.to_owned());
        }
    });
    if let Some(reference) = external {
        return Err(InvalidDocument::ExternalRef(reference));
    }
    if !dangling.is_empty() {
        return Err(InvalidDocument::DanglingRefs(dangling));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "A", "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": {"type": "object"}}}
        })
    }

    fn parse(value: &Value) -> Result<Value, InvalidDocument> {
        parse_document(value.to_string().as_bytes())
    }

    #[test]
    fn accepts_a_minimal_document() {
        assert_eq!(parse(&minimal()).unwrap(), minimal());
    }

    #[test]
    fn rejects_each_kind_of_bad_body() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"   ".to_vec(), "empty"),
            (b"<!DOCTYPE html><html>Sign in</html>".to_vec(), "HTML page"),
            (minimal().to_string().as_bytes()[..60].to_vec(), "truncated"),
            (b"{\"openapi\": 3.0.3}".to_vec(), "not valid JSON"),
            (b"[1]".to_vec(), "not an object"),
            (
                br#"{"swagger": "2.0", "paths": {}}"#.to_vec(),
                "Swagger 2.0",
            ),
            (
                br#"{"openapi": "3.1.0", "paths": {}}"#.to_vec(),
                "OpenAPI 3.1.0 is not supported",
            ),
            (br#"{"info": {}}"#.to_vec(), "no `openapi` version"),
            (
                br#"{"openapi": "3.0.0", "info": 5, "paths": {}}"#.to_vec(),
                "OpenAPI 3.0 schema",
            ),
        ];
        for (body, expected) in cases {
            let message = parse_document(&body).unwrap_err().to_string();
            assert!(
                message.contains(expected),
                "{message:?} should mention {expected:?}"
            );
        }
    }

    #[test]
    fn rejects_a_document_without_paths() {
        let mut doc = minimal();
        doc["paths"] = json!({});
        assert!(matches!(parse(&doc), Err(InvalidDocument::NoPaths)));
    }

    #[test]
    fn names_dangling_and_external_references() {
        let mut doc = minimal();
        doc["components"]["schemas"]["B"] =
            json!({"properties": {"c": {"$ref": "#/components/schemas/Gone"}}});
        let error = parse(&doc).unwrap_err();
        assert!(
            error.to_string().contains("#/components/schemas/Gone"),
            "{error}"
        );

        doc["components"]["schemas"]["B"] = json!({"$ref": "common.json#/Thing"});
        assert!(
            matches!(parse(&doc), Err(InvalidDocument::ExternalRef(r)) if r == "common.json#/Thing")
        );
    }
}
