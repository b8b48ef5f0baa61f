//! `cargo xtask diff`: what changed between two API versions, classified for
//! a client and translated into what moves in the generated Rust crates.
//!
//! Both documents go through the code generator's normalization first, so
//! schema and operation names are those the generated crates use. Operations
//! are matched by method and by path below the version prefix
//! (`/logistics/api/2024-04/`). Named schemas are compared once, by name;
//! each operation's parameters, inline bodies and statuses are compared per
//! operation.

pub mod render;
pub mod rules;
mod schemas;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde::Serialize;
use serde_json::Value;

use flexport_codegen::operations::path_prefix;
use rules::{Direction, Rule, Severity};
use schemas::{Context, compare, directions, rust_type, rust_type_name};

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The rule's id, such as `response-enum-value-added`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The operation (`POST /orders`) or schema (`schema Parcel`) concerned.
    pub subject: String,
    /// Where below the subject, such as `request body: items[].sku`.
    pub location: String,
    pub detail: String,
    /// What changes in the generated crate.
    pub rust: String,
}

/// Every change from one document to another.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
    pub changes: Vec<Change>,
}

impl Diff {
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|change| change.severity == severity)
            .count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a usable OpenAPI document: {source}")]
    Invalid {
        path: String,
        source: Box<flexport_codegen::Error>,
    },
}

/// Reads, validates and normalizes a document.
pub fn load_document(path: &Path) -> Result<Value, DiffError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DiffError::Read {
        path: shown.clone(),
        source,
    })?;
    let invalid = |source: flexport_codegen::Error| DiffError::Invalid {
        path: shown.clone(),
        source: Box::new(source),
    };
    let mut document =
        flexport_codegen::validate::parse_document(&bytes).map_err(|e| invalid(e.into()))?;
    flexport_codegen::normalize::normalize(&mut document).map_err(|e| invalid(e.into()))?;
    Ok(document)
}

/// Compares two normalized documents.
pub fn diff_documents(from_label: &str, from: &Value, to_label: &str, to: &Value) -> Diff {
    let mut changes = Vec::new();
    let renames = schema_renames(from, to);
    diff_operations(from, to, &renames, &mut changes);
    diff_schemas(from, to, &renames, &mut changes);
    changes.sort_by(|a, b| {
        (a.severity, &a.subject, &a.location, a.rule).cmp(&(
            b.severity,
            &b.subject,
            &b.location,
            b.rule,
        ))
    });
    changes.dedup();
    Diff {
        from: from_label.to_owned(),
        to: to_label.to_owned(),
        changes,
    }
}

fn change(
    rule: &'static Rule,
    subject: &str,
    location: &str,
    detail: String,
    rust: String,
) -> Change {
    Change {
        rule: rule.id,
        severity: rule.severity,
        subject: subject.to_owned(),
        location: location.to_owned(),
        detail,
        rust,
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Operations keyed by `METHOD /path-below-the-version-prefix`.
fn operations_by_key(document: &Value) -> BTreeMap<String, &Value> {
    let prefix = path_prefix(document);
    let mut found = BTreeMap::new();
    for (path, item) in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let relative = path
                    .strip_prefix(prefix.trim_end_matches('/'))
                    .unwrap_or(path);
                found.insert(format!("{} {relative}", method.to_uppercase()), operation);
            }
        }
    }
    found
}

fn operation_id(operation: &Value) -> String {
    operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn method_name(operation: &Value) -> String {
    operation_id(operation).to_snake_case()
}

fn tag_trait(operation: &Value) -> String {
    let tag = operation
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or("");
    if tag.is_empty() {
        "Client".to_owned()
    } else {
        format!("Client{}Ext", tag.to_upper_camel_case())
    }
}

fn diff_operations(
    from: &Value,
    to: &Value,
    renames: &HashMap<String, String>,
    changes: &mut Vec<Change>,
) {
    let (old, new) = (operations_by_key(from), operations_by_key(to));
    // An operation whose method and path are gone but whose operationId
    // reappears elsewhere has moved, not been removed and added.
    let moved: BTreeMap<&String, &String> = old
        .iter()
        .filter(|(key, _)| !new.contains_key(*key))
        .filter_map(|(old_key, old_op)| {
            let id = operation_id(old_op);
            let (new_key, _) = new.iter().find(|(new_key, new_op)| {
                !old.contains_key(*new_key) && !id.is_empty() && operation_id(new_op) == id
            })?;
            Some((old_key, new_key))
        })
        .collect();
    let moved_to: BTreeSet<&String> = moved.values().copied().collect();
    for (key, operation) in new
        .iter()
        .filter(|(key, _)| !old.contains_key(*key) && !moved_to.contains(key))
    {
        changes.push(change(
            rules::OPERATION_ADDED,
            key,
            "",
            format!("new operation `{}`", operation_id(operation)),
            format!(
                "new method `{}()` on `{}`",
                method_name(operation),
                tag_trait(operation)
            ),
        ));
    }
    for (key, operation) in old
        .iter()
        .filter(|(key, _)| !new.contains_key(*key) && !moved.contains_key(key))
    {
        changes.push(change(
            rules::OPERATION_REMOVED,
            key,
            "",
            format!("operation `{}` removed", operation_id(operation)),
            format!(
                "method `{}()` of `{}` removed",
                method_name(operation),
                tag_trait(operation)
            ),
        ));
    }
    for (old_key, new_key) in &moved {
        changes.push(change(
            rules::OPERATION_PATH_CHANGED,
            new_key,
            "",
            format!(
                "operation `{}` moved from `{old_key}`",
                operation_id(new[*new_key])
            ),
            format!(
                "method `{}()` keeps its name and sends to the new path",
                method_name(new[*new_key])
            ),
        ));
        diff_operation(new_key, old[*old_key], new[*new_key], renames, changes);
    }
    for (key, old_operation) in &old {
        if let Some(new_operation) = new.get(key) {
            diff_operation(key, old_operation, new_operation, renames, changes);
        }
    }
}

fn diff_operation(
    subject: &str,
    old: &Value,
    new: &Value,
    renames: &HashMap<String, String>,
    changes: &mut Vec<Change>,
) {
    if operation_id(old) != operation_id(new) {
        changes.push(change(
            rules::OPERATION_ID_CHANGED,
            subject,
            "",
            format!(
                "operationId `{}` is now `{}`",
                operation_id(old),
                operation_id(new)
            ),
            format!(
                "method `{}()` is now `{}()`",
                method_name(old),
                method_name(new)
            ),
        ));
    }
    diff_parameters(subject, old, new, changes);

    let builder = operation_id(new).to_upper_camel_case();
    let request = Context {
        subject: subject.to_owned(),
        location: "request body".to_owned(),
        owner: None,
        direction: Direction::REQUEST,
        renames,
    };
    let body_schema = |op: &Value| {
        op.pointer("/requestBody/content")
            .and_then(json_schema)
            .cloned()
    };
    match (body_schema(old), body_schema(new)) {
        (Some(a), Some(b)) => compare(&a, &b, &request, changes),
        (None, Some(b)) => changes.push(change(
            rules::REQUEST_BODY_ADDED,
            subject,
            "request body",
            "the operation now takes a JSON body".to_owned(),
            format!(
                "builder `{builder}` gains `.body()`, of type `{}`",
                rust_type(&b)
            ),
        )),
        (Some(_), None) => changes.push(change(
            rules::REQUEST_BODY_REMOVED,
            subject,
            "request body",
            "the operation no longer takes a JSON body".to_owned(),
            format!("builder `{builder}` loses `.body()`"),
        )),
        (None, None) => {}
    }

    let statuses = |op: &Value| -> BTreeMap<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|r| r.clone().into_iter().collect())
            .unwrap_or_default()
    };
    let (old_responses, new_responses) = (statuses(old), statuses(new));
    let is_success = |status: &str| status.starts_with('2');
    for status in new_responses
        .keys()
        .filter(|s| !old_responses.contains_key(*s))
    {
        let rule = if is_success(status) {
            rules::RESPONSE_SUCCESS_STATUS_ADDED
        } else {
            rules::RESPONSE_ERROR_STATUS_ADDED
        };
        changes.push(change(
            rule,
            subject,
            &format!("response {status}"),
            format!("status {status} added"),
            rust_for_status(status, true),
        ));
    }
    for status in old_responses
        .keys()
        .filter(|s| !new_responses.contains_key(*s))
    {
        let rule = if is_success(status) {
            rules::RESPONSE_SUCCESS_STATUS_REMOVED
        } else {
            rules::RESPONSE_ERROR_STATUS_REMOVED
        };
        changes.push(change(
            rule,
            subject,
            &format!("response {status}"),
            format!("status {status} removed"),
            rust_for_status(status, false),
        ));
    }
    for (status, old_response) in &old_responses {
        let Some(new_response) = new_responses.get(status) else {
            continue;
        };
        let body = |response: &Value| response.get("content").and_then(json_schema).cloned();
        if let (Some(a), Some(b)) = (body(old_response), body(new_response)) {
            let response = Context {
                location: format!("response {status} body"),
                direction: Direction::RESPONSE,
                ..request.clone()
            };
            compare(&a, &b, &response, changes);
        }
    }
}

fn rust_for_status(status: &str, added: bool) -> String {
    match (status.starts_with('2'), added) {
        (true, true) => format!(
            "`send()` now accepts {status}; older crates return `Error::UnexpectedResponse` for it"
        ),
        (true, false) => format!("`send()` treats {status} as `Error::UnexpectedResponse`"),
        (false, true) => format!(
            "{status} arrives as `Error::ErrorResponse` instead of `Error::UnexpectedResponse`"
        ),
        (false, false) => format!("{status} arrives as `Error::UnexpectedResponse`"),
    }
}

/// The JSON media type's schema in a `content` map.
fn json_schema(content: &Value) -> Option<&Value> {
    content
        .as_object()?
        .iter()
        .find(|(media_type, _)| media_type.starts_with("application/json"))
        .and_then(|(_, m)| m.get("schema"))
}

fn diff_parameters(subject: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let parameters = |op: &Value| -> BTreeMap<(String, String), Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| ((text(p, "in"), text(p, "name")), p.clone()))
            .collect()
    };
    let (old_params, new_params) = (parameters(old), parameters(new));
    let builder = operation_id(new).to_upper_camel_case();
    let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
    for ((place, name), parameter) in new_params
        .iter()
        .filter(|(k, _)| !old_params.contains_key(*k))
    {
        let location = format!("{place} parameter `{name}`");
        let setter = name.to_snake_case();
        if required(parameter) {
            changes.push(change(
                rules::PARAMETER_ADDED_REQUIRED,
                subject,
                &location,
                format!("required {location} added"),
                format!(
                    "builder `{builder}` gains `.{setter}()`, which must be set or `send()` fails"
                ),
            ));
        } else {
            changes.push(change(
                rules::PARAMETER_ADDED_OPTIONAL,
                subject,
                &location,
                format!("optional {location} added"),
                format!("builder `{builder}` gains `.{setter}()`"),
            ));
        }
    }
    for (place, name) in old_params.keys().filter(|k| !new_params.contains_key(*k)) {
        let location = format!("{place} parameter `{name}`");
        changes.push(change(
            rules::PARAMETER_REMOVED,
            subject,
            &location,
            format!("{location} removed"),
            format!("builder `{builder}` loses `.{}()`", name.to_snake_case()),
        ));
    }
    for (key, old_param) in &old_params {
        let Some(new_param) = new_params.get(key) else {
            continue;
        };
        let location = format!("{} parameter `{}`", key.0, key.1);
        match (required(old_param), required(new_param)) {
            (false, true) => changes.push(change(
                rules::PARAMETER_BECAME_REQUIRED,
                subject,
                &location,
                format!("{location} is now required"),
                format!(
                    "`.{}()` must now be set on `{builder}`",
                    key.1.to_snake_case()
                ),
            )),
            (true, false) => changes.push(change(
                rules::PARAMETER_BECAME_OPTIONAL,
                subject,
                &location,
                format!("{location} is now optional"),
                format!(
                    "`.{}()` may be left unset on `{builder}`",
                    key.1.to_snake_case()
                ),
            )),
            _ => {}
        }
        let schema = |p: &Value| p.get("schema").cloned().unwrap_or(Value::Null);
        let (a, b) = (schema(old_param), schema(new_param));
        if (text(&a, "type"), text(&a, "format")) != (text(&b, "type"), text(&b, "format")) {
            changes.push(change(
                rules::PARAMETER_TYPE_CHANGED,
                subject,
                &location,
                format!(
                    "{location} changed from `{}` to `{}`",
                    rust_type(&a),
                    rust_type(&b)
                ),
                format!("`.{}()` takes `{}`", key.1.to_snake_case(), rust_type(&b)),
            ));
        }
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn named_schemas(document: &Value) -> BTreeMap<String, Value> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.clone().into_iter().collect())
        .unwrap_or_default()
}

/// Schemas that disappear from `from` while one with the same content
/// appears in `to` under another name.
fn schema_renames(from: &Value, to: &Value) -> HashMap<String, String> {
    let (old, new) = (named_schemas(from), named_schemas(to));
    let added: Vec<(&String, &Value)> = new
        .iter()
        .filter(|(name, _)| !old.contains_key(*name))
        .collect();
    let mut taken = BTreeSet::new();
    let mut renames = HashMap::new();
    for (name, schema) in old.iter().filter(|(name, _)| !new.contains_key(*name)) {
        if let Some((new_name, _)) = added
            .iter()
            .find(|(n, s)| *s == schema && !taken.contains(*n))
        {
            taken.insert((*new_name).clone());
            renames.insert(name.clone(), (*new_name).clone());
        }
    }
    renames
}

fn diff_schemas(
    from: &Value,
    to: &Value,
    renames: &HashMap<String, String>,
    changes: &mut Vec<Change>,
) {
    let (old, new) = (named_schemas(from), named_schemas(to));
    let renamed_to: BTreeSet<&String> = renames.values().collect();
    let new_directions = directions(to);
    let old_directions = directions(from);
    for name in new
        .keys()
        .filter(|name| !old.contains_key(*name) && !renamed_to.contains(name))
    {
        changes.push(change(
            rules::SCHEMA_ADDED,
            &format!("schema {name}"),
            "",
            format!("schema `{name}` added"),
            format!("new type `types::{}`", rust_type_name(name)),
        ));
    }
    for name in old.keys().filter(|name| !new.contains_key(*name)) {
        let subject = format!("schema {name}");
        match renames.get(name) {
            Some(new_name) => changes.push(change(
                rules::SCHEMA_RENAMED,
                &subject,
                "",
                format!("schema `{name}` is now `{new_name}`, with the same shape"),
                format!(
                    "`types::{}` is now `types::{}`",
                    rust_type_name(name),
                    rust_type_name(new_name)
                ),
            )),
            None => changes.push(change(
                rules::SCHEMA_REMOVED,
                &subject,
                "",
                format!("schema `{name}` removed"),
                format!("type `types::{}` removed", rust_type_name(name)),
            )),
        }
    }
    for (name, old_schema) in &old {
        let Some(new_schema) = new.get(name) else {
            continue;
        };
        let direction = new_directions
            .get(name)
            .or(old_directions.get(name))
            .copied()
            .unwrap_or(Direction::RESPONSE);
        let context = Context {
            subject: format!("schema {name}"),
            location: String::new(),
            owner: Some(rust_type_name(name)),
            direction,
            renames,
        };
        compare(old_schema, new_schema, &context, changes);
    }
}
