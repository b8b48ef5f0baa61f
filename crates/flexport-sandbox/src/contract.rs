//! Each API version's own document as the contract of its paths, so that one
//! engine serves six versions without giving any of them answers it never
//! gives:
//!
//! - an operation the version's document does not have answers 404 (405 if
//!   only the method is wrong), even where a newer version has it;
//! - a JSON request body is checked against the version's request schema
//!   (400 naming the first offending field, as `lineItems[0].quantity`);
//! - a JSON answer keeps only the fields the version's response schema
//!   declares, at every depth, so a field a version does not have is never
//!   sent on its paths;
//! - a JSON answer gives a value the response schema types as a number (and
//!   never as a string) as that number, where the engine holds it as text
//!   (see [`number_texts`]).
//!
//! The schema work itself is plain JSON, in [`crate::schema`]; this module
//! is the HTTP layer around it. An operation whose document gives no JSON request body (the OAuth token
//! exchange's form) has its body left to its handler.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flexport_runtime::Operation;
use serde_json::Value;

use crate::error_answer::ErrorAnswer;
use crate::schema::{Checker, DOCUMENTS, documents, number_texts, prune};

/// The largest request body the sandbox reads.
pub const MAX_BODY: usize = 4 << 20;

/// The contracts of every embedded version.
pub struct Contract {
    versions: BTreeMap<&'static str, Version>,
}

struct Version {
    document: &'static Value,
    operations: Vec<OperationContract>,
}

/// One row of the version crate's `OPERATIONS` table with what its
/// document says of its bodies.
struct OperationContract {
    row: &'static Operation,
    method: Method,
    /// Path segments after `/logistics/api/{version}`; `None` is a parameter.
    template: Vec<Option<String>>,
    /// The JSON request body's schema, and whether a body is required.
    request: Option<(Value, bool)>,
    /// Status (`"200"`, `"default"`) → the JSON answer's schema.
    responses: BTreeMap<String, Value>,
}

/// The version prefix of the sandbox's paths, `/logistics/api/{version}`.
pub fn prefix(version: &str) -> String {
    format!("/logistics/api/{version}")
}

impl Contract {
    /// The contracts of the embedded documents, parsed once per process.
    pub fn get() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| {
            let versions = DOCUMENTS
                .iter()
                .map(|(version, _, operations)| {
                    let document = &documents()[version];
                    (
                        *version,
                        Version::new(document, operations, &prefix(version)),
                    )
                })
                .collect();
            Contract { versions }
        })
    }

    pub fn versions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.versions.keys().copied()
    }

    /// The row of the operation a request for `method` and `path` (version
    /// prefix included) is, as [`per_version`] finds it; `None` outside the
    /// versions' paths or when no operation has that method and path.
    pub fn find(&self, method: &Method, path: &str) -> Option<&'static Operation> {
        let (version, rest) = split_version(path)?;
        let segments: Vec<&str> = rest.split('/').collect();
        let found = self.versions.get(version)?.find(method, &segments).ok()?;
        Some(found.row)
    }
}

/// `/logistics/api/{version}/rest` → `(version, "rest")`.
fn split_version(path: &str) -> Option<(&str, &str)> {
    path.strip_prefix("/logistics/api/")
        .and_then(|rest| rest.split_once('/').or(Some((rest, ""))))
}

impl Version {
    fn new(document: &'static Value, rows: &'static [Operation], prefix: &str) -> Self {
        let mut operations = Vec::new();
        for row in rows {
            let Ok(method) = row.method.parse::<Method>() else {
                continue;
            };
            let template: Vec<Option<String>> = row
                .path_below(prefix)
                .trim_start_matches('/')
                .split('/')
                .map(|segment| (!segment.starts_with('{')).then(|| segment.to_owned()))
                .collect();
            let operation = &document["paths"][row.path][row.method.to_lowercase()];
            let request = operation["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|schema| {
                    let required = operation["requestBody"]["required"] == Value::Bool(true);
                    (Value::Object(schema.clone()), required)
                });
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(status, answer)| {
                    let schema = &answer["content"]["application/json"]["schema"];
                    schema.is_object().then(|| (status.clone(), schema.clone()))
                })
                .collect();
            operations.push(OperationContract {
                row,
                method,
                template,
                request,
                responses,
            });
        }
        Self {
            document,
            operations,
        }
    }

    /// The operation for `method` and the path segments after the version,
    /// preferring literal segments over parameters (`/parcels/quote` over
    /// `/parcels/{parcelId}`); `Err(true)` when the path exists with other
    /// methods only.
    fn find(&self, method: &Method, segments: &[&str]) -> Result<&OperationContract, bool> {
        let mut path_exists = false;
        let mut best: Option<(usize, &OperationContract)> = None;
        for operation in &self.operations {
            if operation.template.len() != segments.len() {
                continue;
            }
            let mut literals = 0;
            let matches = operation
                .template
                .iter()
                .zip(segments)
                .all(|(template, segment)| match template {
                    Some(literal) => {
                        literals += 1;
                        literal == segment
                    }
                    None => !segment.is_empty(),
                });
            if !matches {
                continue;
            }
            path_exists = true;
            if operation.method == *method && best.is_none_or(|(most, _)| literals > most) {
                best = Some((literals, operation));
            }
        }
        best.map(|(_, operation)| operation).ok_or(path_exists)
    }
}

/// The layer: see the module's documentation. Paths outside
/// `/logistics/api/{version}` of a known version pass through untouched.
pub async fn per_version(request: Request, next: Next) -> Response {
    let contract = Contract::get();
    let path = request.uri().path().to_owned();
    let Some((version, rest)) = split_version(&path) else {
        return next.run(request).await;
    };
    let Some(contract) = contract.versions.get(version) else {
        return next.run(request).await;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let operation = match contract.find(request.method(), &segments) {
        Ok(operation) => operation,
        Err(true) => {
            return ErrorAnswer::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "API version {version} does not allow {} on `{path}`",
                    request.method()
                ),
            )
            .into_response();
        }
        Err(false) => {
            return ErrorAnswer::new(
                StatusCode::NOT_FOUND,
                format!("API version {version} has no operation at `{path}`"),
            )
            .into_response();
        }
    };

    let request = match &operation.request {
        Some((schema, required)) => {
            match check_body(contract.document, schema, *required, request).await {
                Ok(request) => request,
                Err(response) => return response,
            }
        }
        None => request,
    };

    let response = next.run(request).await;
    let status = response.status();
    let schema = operation
        .responses
        .get(status.as_str())
        .or_else(|| operation.responses.get("default"));
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    match schema {
        Some(schema) if is_json => prune_answer(contract.document, schema, response).await,
        _ => response,
    }
}

async fn check_body(
    document: &Value,
    schema: &Value,
    required: bool,
    request: Request,
) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return Err(
            ErrorAnswer::new(StatusCode::PAYLOAD_TOO_LARGE, "request body over 4 MiB")
                .into_response(),
        );
    };
    // Whatever its `Content-Type` says: the handlers read the body as JSON,
    // so a header must not let a body past the version's schema.
    if bytes.is_empty() {
        if required {
            return Err(
                ErrorAnswer::invalid_field("body", "a JSON body is required").into_response(),
            );
        }
    } else {
        let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
            ErrorAnswer::invalid_field("body", format!("not JSON: {error}")).into_response()
        })?;
        if let Err(invalid) = Checker::new(document).check(schema, &value) {
            return Err(ErrorAnswer::invalid_field(&invalid.path, invalid.reason).into_response());
        }
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

async fn prune_answer(document: &Value, schema: &Value, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ErrorAnswer::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the answer could not be read",
        )
        .into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    prune(document, &[schema], &mut value);
    number_texts(document, &[schema], &mut value);
    let bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_literal_segments_before_parameters() {
        const fn row(method: &'static str, path: &'static str, id: &'static str) -> Operation {
            Operation {
                method,
                path,
                operation_id: id,
                method_name: id,
                tag: "Parcels",
                request_type: None,
                response_type: None,
                bearer_token: true,
            }
        }
        static ROWS: [Operation; 3] = [
            row("GET", "/logistics/api/v/parcels/{parcelId}", "GetParcel"),
            row("POST", "/logistics/api/v/parcels/quote", "Quote"),
            row(
                "GET",
                "/logistics/api/v/parcels/{parcelId}/tracking",
                "Track",
            ),
        ];
        static EMPTY: OnceLock<Value> = OnceLock::new();
        let document = EMPTY.get_or_init(|| json!({"paths": {}}));
        let version = Version::new(document, &ROWS, "/logistics/api/v");
        let find = |method: Method, path: &str| {
            let segments: Vec<&str> = path.split('/').collect();
            version
                .find(&method, &segments)
                .map(|op| op.row.operation_id.to_owned())
        };
        assert_eq!(find(Method::GET, "parcels/7"), Ok("GetParcel".to_owned()));
        assert_eq!(find(Method::POST, "parcels/quote"), Ok("Quote".to_owned()));
        assert_eq!(
            find(Method::GET, "parcels/7/tracking"),
            Ok("Track".to_owned())
        );
        assert_eq!(find(Method::DELETE, "parcels/7"), Err(true));
        assert_eq!(find(Method::GET, "parcels"), Err(false));
        assert_eq!(find(Method::GET, "parcels//tracking"), Err(false));
    }

    /// Fails when a version crate's table and the embedded document of
    /// that version disagree on the operations.
    #[test]
    fn every_row_of_every_table_is_an_operation_of_its_document() {
        for (version, text, operations) in DOCUMENTS {
            let document: Value = serde_json::from_str(text).unwrap();
            let declared: usize = document["paths"]
                .as_object()
                .unwrap()
                .values()
                .map(|item| item.as_object().unwrap().len())
                .sum();
            assert_eq!(operations.len(), declared, "{version}");
            for row in *operations {
                assert!(
                    document["paths"][row.path][row.method.to_lowercase()].is_object(),
                    "{version}: {} {} is not in the document",
                    row.method,
                    row.path
                );
            }
        }
    }

    #[test]
    fn embeds_exactly_the_versions_the_sdk_knows() {
        let embedded: Vec<&str> = Contract::get().versions().collect();
        assert_eq!(embedded, flexport_runtime::API_VERSIONS);
    }
}
