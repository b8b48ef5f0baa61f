//! `cargo xtask diff`: what changed between two API versions, classified for
//! a client of the API by the [`rules`], and what changed between the two
//! crates `flexport-codegen` generates from them, classified for Rust code
//! by whether it still compiles ([`rust`]).
//!
//! Both documents go through the code generator's normalization first, so
//! schema and operation names are those the generated crates use. Operations
//! are matched by method and by path below the version prefix
//! (`/logistics/api/2024-04/`). Named schemas are compared once, by name;
//! each operation's parameters, inline bodies and statuses are compared per
//! operation.

pub mod render;
pub mod rules;
pub mod rust;
mod schemas;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use flexport_codegen::operations::path_prefix;
use rules::{Direction, Rule, Severity};
use rust::{RustApi, RustChange, RustChangeKind};
use schemas::{Context, api_type, compare, directions};

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
    /// The enum value added or removed, or the new name of a renamed
    /// schema: what the change is about below its location.
    pub value: Option<String>,
    /// What changes in the generated crate, read from both generated
    /// crates (see [`rust`]); empty when the generated code does not change.
    pub rust: Vec<RustChange>,
}

impl Change {
    /// Some code that compiled against the older crate no longer compiles.
    pub fn breaks_rust(&self) -> bool {
        self.rust.iter().any(|change| change.breaks_rust)
    }
}

/// Every change from one document to another.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
    pub changes: Vec<Change>,
    /// Changes to the generated crate that no document change explains
    /// (types progenitor names after an operation, a type an alias pass
    /// removed, ...). With [`Change::rust`], every difference between the
    /// two crates' public surfaces is listed at least once.
    pub other_rust: Vec<RustChange>,
}

impl Diff {
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|change| change.severity == severity)
            .count()
    }

    /// Document changes that break Rust code, plus Rust-only changes that do.
    pub fn count_breaking_rust(&self) -> usize {
        self.changes.iter().filter(|c| c.breaks_rust()).count()
            + self.other_rust.iter().filter(|c| c.breaks_rust).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot generate the `{version}` crate to compare: {source}")]
    Generate {
        version: String,
        source: Box<flexport_codegen::Error>,
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

/// Compares two normalized documents, and the crates `flexport-codegen`
/// generates from them.
pub fn diff_documents(
    from_label: &str,
    from: &Value,
    to_label: &str,
    to: &Value,
) -> Result<Diff, DiffError> {
    let generate = |label: &str, document: &Value| {
        rust::generate(document).map_err(|source| DiffError::Generate {
            version: label.to_owned(),
            source: Box::new(source),
        })
    };
    let (old_api, new_api) = (generate(from_label, from)?, generate(to_label, to)?);
    Ok(diff_with_crates(
        from_label, from, &old_api, to_label, to, &new_api,
    ))
}

/// [`diff_documents`] with both crates' surfaces already read.
pub fn diff_with_crates(
    from_label: &str,
    from: &Value,
    old_api: &RustApi,
    to_label: &str,
    to: &Value,
    new_api: &RustApi,
) -> Diff {
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
    let schema_names: BTreeSet<String> = named_schemas(from)
        .into_keys()
        .chain(named_schemas(to).into_keys())
        .collect();
    let other_rust = attribute(
        &mut changes,
        rust::diff(old_api, new_api),
        [old_api, new_api],
        &schema_names,
    );
    Diff {
        from: from_label.to_owned(),
        to: to_label.to_owned(),
        changes,
        other_rust,
    }
}

/// Lower-case letters and digits only: `orderId`, `order_id` and `OrderId`
/// compare equal.
fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The last property name of a location: `lineItems[].sku` gives `sku`.
fn last_property(location: &str) -> &str {
    location
        .rsplit(['.', ' '])
        .map(|segment| segment.trim_end_matches("[]"))
        .find(|segment| !segment.is_empty())
        .unwrap_or_default()
}

/// Hands each document change the changes of the generated crates that it
/// explains, and returns the rest.
///
/// The link is read from the generated code, never predicted: a type
/// carries its schema name (typify's first doc line), a field or variant
/// its JSON name (`#[serde(rename)]`), a method its HTTP method and path
/// (the generator's `OPERATIONS` table). A schema's family is its
/// own type plus the inline types typify names after it (whose names start
/// with it and which are not themselves a named schema); an operation's is
/// the types its body setter and `send()` mention, and theirs.
fn attribute(
    changes: &mut [Change],
    rust: Vec<RustChange>,
    apis: [&RustApi; 2],
    schema_names: &BTreeSet<String>,
) -> Vec<RustChange> {
    // typify names a type after its schema, in PascalCase (`FreightModeDRAYAGE`
    // becomes `FreightModeDrayage`), and repeats that name as its first doc
    // line; both compare equal to the schema name once squashed.
    let type_name = |path: &str| path.rsplit("::").next().unwrap_or_default().to_owned();
    let squashed_schemas: BTreeSet<String> = schema_names.iter().map(|s| squash(s)).collect();
    let is_named_schema = |path: &str| {
        squashed_schemas.contains(&squash(&type_name(path)))
            || apis.iter().any(|api| {
                api.types
                    .get(path)
                    .and_then(|t| t.schema.as_deref())
                    .is_some_and(|doc| squashed_schemas.contains(&squash(doc)))
            })
    };
    let types_of_schema = |schema: &str| -> BTreeSet<String> {
        let wanted = squash(schema);
        apis.iter()
            .flat_map(|api| api.types.values())
            .filter(|t| {
                squash(&type_name(&t.path)) == wanted
                    || t.schema.as_deref().is_some_and(|doc| squash(doc) == wanted)
            })
            .map(|t| t.path.clone())
            .collect()
    };
    // A type in the family of `roots`: one of them, or an inline type whose
    // name extends one of theirs.
    let in_family = |roots: &BTreeSet<String>, path: &str| {
        roots.contains(path)
            || (roots.iter().any(|root| path.starts_with(root.as_str())) && !is_named_schema(path))
    };
    let operation_roots = |operation: &str| -> BTreeSet<String> {
        let mut roots = BTreeSet::new();
        for method in apis
            .iter()
            .flat_map(|api| api.methods.values())
            .filter(|m| m.operation == operation)
        {
            let mentioned = method
                .setters
                .values()
                .map(|s| s.ty.as_str())
                .chain([method.returns.as_str()])
                .collect::<Vec<_>>()
                .join(" ");
            for path in apis.iter().flat_map(|api| api.types.keys()) {
                let name = type_name(path);
                if mentioned
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|word| word == name)
                    && !is_named_schema(path)
                {
                    roots.insert(path.clone());
                }
            }
        }
        roots
    };
    use RustChangeKind as K;
    let mut used = vec![false; rust.len()];
    for change in changes.iter_mut() {
        let property = last_property(&change.location).to_owned();
        let value = change.value.clone();
        let matches: Box<dyn Fn(&RustChange) -> bool> =
            if let Some(schema) = change.subject.strip_prefix("schema ") {
                let mut roots = types_of_schema(schema);
                if change.rule == rules::SCHEMA_RENAMED.id
                    && let Some(new_name) = &value
                {
                    roots.extend(types_of_schema(new_name));
                }
                let whole_schema = [
                    rules::SCHEMA_ADDED.id,
                    rules::SCHEMA_REMOVED.id,
                    rules::SCHEMA_RENAMED.id,
                ]
                .contains(&change.rule);
                let location = change.location.clone();
                Box::new(move |rc: &RustChange| {
                    if whole_schema {
                        return matches!(rc.kind, K::TypeAdded | K::TypeRemoved)
                            && in_family(&roots, &rc.owner);
                    }
                    if let Some(value) = &value {
                        return matches!(rc.kind, K::VariantAdded | K::VariantRemoved)
                            && rc.anchor == *value
                            && in_family(&roots, &rc.owner);
                    }
                    if location.is_empty() {
                        return rc.kind == K::TypeChanged && roots.contains(&rc.owner);
                    }
                    matches!(
                        rc.kind,
                        K::FieldAdded | K::FieldRemoved | K::FieldTypeChanged
                    ) && rc.anchor == property
                        && in_family(&roots, &rc.owner)
                })
            } else {
                let operation = change.subject.clone();
                let rule = change.rule;
                let location = change.location.clone();
                let parameter = location.split('`').nth(1).map(squash).unwrap_or_default();
                let roots = operation_roots(&operation);
                Box::new(move |rc: &RustChange| {
                    let own = rc.anchor == operation;
                    match rule {
                        "operation-added"
                        | "operation-removed"
                        | "operation-path-changed"
                        | "operation-id-changed" => {
                            own && matches!(
                                rc.kind,
                                K::MethodAdded | K::MethodRemoved | K::MethodRequestChanged
                            )
                        }
                        _ if rule.starts_with("parameter-") => {
                            own && rc.member.as_deref().map(squash) == Some(parameter.clone())
                        }
                        "request-body-added" | "request-body-removed" => {
                            own && rc
                                .member
                                .as_deref()
                                .is_some_and(|m| m == "body" || m == "body_map")
                        }
                        _ if rule.starts_with("response-") && rule.contains("status") => {
                            own && rc.kind == K::MethodReturnChanged
                        }
                        _ => {
                            let json = value.clone().unwrap_or_else(|| property.clone());
                            let kinds = if value.is_some() {
                                matches!(rc.kind, K::VariantAdded | K::VariantRemoved)
                            } else {
                                matches!(
                                    rc.kind,
                                    K::FieldAdded | K::FieldRemoved | K::FieldTypeChanged
                                )
                            };
                            kinds && rc.anchor == json && in_family(&roots, &rc.owner)
                        }
                    }
                })
            };
        for (index, rc) in rust.iter().enumerate() {
            if matches(rc) {
                change.rust.push(rc.clone());
                used[index] = true;
            }
        }
    }
    rust.into_iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(rc, _)| rc)
        .collect()
}

fn change(rule: &'static Rule, subject: &str, location: &str, detail: String) -> Change {
    Change {
        rule: rule.id,
        severity: rule.severity,
        subject: subject.to_owned(),
        location: location.to_owned(),
        detail,
        value: None,
        rust: Vec::new(),
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
        ));
    }
    diff_parameters(subject, old, new, changes);

    let request = Context {
        subject: subject.to_owned(),
        location: "request body".to_owned(),
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
        (None, Some(_)) => changes.push(change(
            rules::REQUEST_BODY_ADDED,
            subject,
            "request body",
            "the operation now takes a JSON body".to_owned(),
        )),
        (Some(_), None) => changes.push(change(
            rules::REQUEST_BODY_REMOVED,
            subject,
            "request body",
            "the operation no longer takes a JSON body".to_owned(),
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
    let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
    for ((place, name), parameter) in new_params
        .iter()
        .filter(|(k, _)| !old_params.contains_key(*k))
    {
        let location = format!("{place} parameter `{name}`");
        if required(parameter) {
            changes.push(change(
                rules::PARAMETER_ADDED_REQUIRED,
                subject,
                &location,
                format!("required {location} added"),
            ));
        } else {
            changes.push(change(
                rules::PARAMETER_ADDED_OPTIONAL,
                subject,
                &location,
                format!("optional {location} added"),
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
            )),
            (true, false) => changes.push(change(
                rules::PARAMETER_BECAME_OPTIONAL,
                subject,
                &location,
                format!("{location} is now optional"),
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
                    api_type(&a),
                    api_type(&b)
                ),
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
        ));
    }
    for name in old.keys().filter(|name| !new.contains_key(*name)) {
        let subject = format!("schema {name}");
        match renames.get(name) {
            Some(new_name) => changes.push(Change {
                value: Some(new_name.clone()),
                ..change(
                    rules::SCHEMA_RENAMED,
                    &subject,
                    "",
                    format!("schema `{name}` is now `{new_name}`, with the same shape"),
                )
            }),
            None => changes.push(change(
                rules::SCHEMA_REMOVED,
                &subject,
                "",
                format!("schema `{name}` removed"),
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
            direction,
            renames,
        };
        compare(old_schema, new_schema, &context, changes);
    }
}
