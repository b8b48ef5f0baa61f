//! Sends every operation of a version's `OPERATIONS` table through the
//! facade, with values made from the version's document:
//!
//! - operations run creates first (a POST on a path that ends in a literal
//!   segment), then reads, updates, other actions and deletes, shorter
//!   paths first, so a call that takes an id finds one: the `id` a create at
//!   `/x` answers fills the parameter of `/x/{param}`, and any scalar field
//!   of any answer fills a parameter or body field of the same name
//!   (`logisticsSku`);
//! - bodies and query values are the smallest the schema allows (required
//!   fields only, first enum value, the minimum, one array item), each
//!   decoded into its setter's type before it is sent;
//! - an operation with optional query parameters is sent twice: once with
//!   the required ones only, once with all of them;
//! - an operation of [`crate::documents::routed_around`] goes to the
//!   `around` clients instead.

use std::collections::BTreeMap;

use flexport_runtime::Operation;
use serde_json::{Map, Value, json};

use crate::dispatch::{Clients, VERSIONS};
use crate::{Args, Sent};

/// One call the driver made.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: &'static Operation,
    /// Whether it went around the validator (see the module's documentation).
    pub around: bool,
    pub args: Args,
    pub sent: Sent,
}

/// Every call of one version.
#[derive(Debug, Clone)]
pub struct Driven {
    pub version: &'static str,
    /// Rows of the version's `OPERATIONS` table.
    pub operations: usize,
    pub calls: Vec<Call>,
    /// `operationId: parameter` of documented parameters no setter takes.
    pub unmapped: Vec<String>,
}

impl Driven {
    /// Operations sent at least once.
    pub fn operations_driven(&self) -> usize {
        let mut sent: Vec<&str> = self
            .calls
            .iter()
            .filter(|call| !matches!(call.sent, Sent::NotTyped(_)))
            .map(|call| call.operation.operation_id)
            .collect();
        sent.sort_unstable();
        sent.dedup();
        sent.len()
    }
}

/// The versions the dispatch knows, in order.
pub fn versions() -> impl Iterator<Item = &'static str> {
    VERSIONS.iter().map(|version| version.name)
}

/// Drives every operation of `version` through `through` (routed-around
/// ones through `around`); `None` for an unknown version.
pub async fn drive(version: &str, through: &Clients, around: &Clients) -> Option<Driven> {
    let crate::Version {
        name: version,
        document: text,
        setters,
        operations,
    } = VERSIONS.iter().find(|v| v.name == version)?;
    let document: Value = serde_json::from_str(text).expect("a committed document is JSON");
    let routed = crate::documents::routed_around();
    let mut order: Vec<&'static Operation> = operations.iter().collect();
    order.sort_by_key(|row| (rank(row), row.path.matches('/').count(), row.path));
    let mut pool = Pool::default();
    let mut driven = Driven {
        version,
        operations: operations.len(),
        calls: Vec::new(),
        unmapped: Vec::new(),
    };
    for row in order {
        let names: &[&str] = setters
            .iter()
            .find(|(method, _)| *method == row.method_name)
            .map_or(&[], |(_, names)| names);
        let operation = &document["paths"][row.path][row.method.to_lowercase()];
        let parameters = parameters(&document, operation);
        let optional = parameters
            .iter()
            .any(|p| p["in"] == "query" && p["required"] != true);
        let is_around = routed.iter().any(|suffix| row.path.ends_with(suffix));
        let clients = if is_around { around } else { through };
        for all in if optional {
            vec![false, true]
        } else {
            vec![false]
        } {
            let args = pool.args(&document, operation, &parameters, names, all, &mut |p| {
                let unmapped = format!("{}: {p}", row.operation_id);
                if !driven.unmapped.contains(&unmapped) {
                    driven.unmapped.push(unmapped);
                }
            });
            let sent = crate::dispatch::call(clients, version, row.method_name, &args)
                .await
                .unwrap_or_else(|| Sent::NotTyped(format!("no dispatch for {}", row.method_name)));
            if let Sent::Answered {
                body: Some(body), ..
            } = &sent
            {
                pool.learn(&document, row, body);
            }
            driven.calls.push(Call {
                operation: row,
                around: is_around,
                args,
                sent,
            });
        }
    }
    Some(driven)
}

/// Creates first, then reads, updates, other actions, deletes.
fn rank(row: &Operation) -> u8 {
    let creates = !row.path.ends_with('}');
    match row.method {
        "POST" if creates && !row.path.ends_with("/cancel") => 0,
        "GET" => 1,
        "PUT" | "PATCH" => 2,
        "POST" => 3,
        _ => 4,
    }
}

/// The operation's parameters (path item's and its own), references resolved.
fn parameters(document: &Value, operation: &Value) -> Vec<Value> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|parameter| resolve(document, parameter).clone())
        .collect()
}

fn resolve<'d>(document: &'d Value, mut schema: &'d Value) -> &'d Value {
    for _ in 0..32 {
        match schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// `orderId`, `order_id`, `order-id` → `orderid`.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Values answers gave, by [`key`] of the field or parameter they fill.
#[derive(Debug, Default)]
struct Pool(BTreeMap<String, Value>);

impl Pool {
    fn args(
        &self,
        document: &Value,
        operation: &Value,
        parameters: &[Value],
        setters: &[&str],
        all: bool,
        unmapped: &mut dyn FnMut(&str),
    ) -> Args {
        let mut args = BTreeMap::new();
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            let required = parameter["required"] == true;
            let value = match parameter["in"].as_str() {
                Some("path") => self
                    .0
                    .get(&key(name))
                    .map(|value| match value {
                        Value::String(_) => value.clone(),
                        other => Value::String(other.to_string()),
                    })
                    .unwrap_or_else(|| json!("1")),
                Some("query" | "header") if required || all => {
                    self.sample(document, &parameter["schema"], name, 0)
                }
                _ => continue,
            };
            match setters.iter().find(|setter| key(setter) == key(name)) {
                Some(setter) => {
                    args.insert((*setter).to_owned(), value);
                }
                None => unmapped(name),
            }
        }
        // The JSON body's schema, else the only media type's (the OAuth
        // token exchange's form).
        let content = &operation["requestBody"]["content"];
        let body = match content.get("application/json") {
            Some(json) => &json["schema"],
            None => content
                .as_object()
                .and_then(|media| media.values().next())
                .map_or(&Value::Null, |media| &media["schema"]),
        };
        if body.is_object() && setters.contains(&"body") {
            args.insert("body".to_owned(), self.sample(document, body, "body", 0));
        }
        Args(args)
    }

    /// Remembers the scalar fields of `answer`, and binds the `id` a create
    /// at `/x` answered to the parameter of `/x/{param}`.
    fn learn(&mut self, document: &Value, row: &Operation, answer: &Value) {
        fn walk(value: &Value, pool: &mut BTreeMap<String, Value>, depth: usize) {
            if depth > 8 {
                return;
            }
            match value {
                Value::Object(object) => {
                    for (name, field) in object {
                        match field {
                            Value::String(_) | Value::Number(_) => {
                                pool.entry(key(name)).or_insert_with(|| field.clone());
                            }
                            _ => walk(field, pool, depth + 1),
                        }
                    }
                }
                Value::Array(items) => {
                    for item in items.iter().take(3) {
                        walk(item, pool, depth + 1);
                    }
                }
                _ => {}
            }
        }
        walk(answer, &mut self.0, 0);
        if rank(row) == 0
            && let Some(id) = answer.get("id").filter(|id| !id.is_null())
        {
            let child = format!("{}/{{", row.path);
            for path in document["paths"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|p| p.0)
            {
                if let Some(rest) = path.strip_prefix(&child)
                    && let Some((param, _)) = rest.split_once('}')
                {
                    self.0.insert(key(param), id.clone());
                }
            }
        }
    }

    /// The smallest value `schema` allows, or the pool's value for `name`.
    fn sample(&self, document: &Value, schema: &Value, name: &str, depth: usize) -> Value {
        let schema = resolve(document, schema);
        if depth > 12 {
            return Value::Null;
        }
        if let Some(parts) = schema["allOf"].as_array() {
            let mut merged = Map::new();
            let mut last = Value::Null;
            for part in parts {
                match self.sample(document, part, name, depth + 1) {
                    Value::Object(object) => merged.extend(object),
                    other => last = other,
                }
            }
            return if merged.is_empty() {
                last
            } else {
                Value::Object(merged)
            };
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(branches) = schema[keyword].as_array() {
                let branch = branches
                    .iter()
                    .find(|branch| {
                        let branch = resolve(document, branch);
                        branch != &crate::documents::typed_null()
                    })
                    .or(branches.first());
                return branch.map_or(Value::Null, |branch| {
                    self.sample(document, branch, name, depth + 1)
                });
            }
        }
        if let Some(first) = schema["enum"]
            .as_array()
            .and_then(|values| values.iter().find(|v| !v.is_null()))
        {
            return first.clone();
        }
        let known = self.0.get(&key(name));
        match schema["type"].as_str() {
            Some("object") | None if schema["properties"].is_object() => {
                let mut object = Map::new();
                for field in schema["required"].as_array().into_iter().flatten() {
                    let field = field.as_str().unwrap_or_default();
                    let value =
                        self.sample(document, &schema["properties"][field], field, depth + 1);
                    object.insert(field.to_owned(), value);
                }
                Value::Object(object)
            }
            Some("object") => json!({}),
            Some("array") => {
                let count = schema["minItems"].as_u64().unwrap_or(1).max(1);
                let item = self.sample(document, &schema["items"], name, depth + 1);
                Value::Array(vec![item; count as usize])
            }
            Some("string") => match known {
                Some(Value::String(text)) => Value::String(text.clone()),
                Some(Value::Number(number)) => Value::String(number.to_string()),
                _ => string(schema),
            },
            Some("integer" | "number") => match known {
                Some(Value::Number(number)) if schema["format"] != "int32" => {
                    Value::Number(number.clone())
                }
                _ => {
                    let minimum = schema["minimum"].as_f64().unwrap_or(1.0).max(1.0);
                    let maximum = schema["maximum"].as_f64().unwrap_or(f64::MAX);
                    let n = if maximum < minimum { maximum } else { minimum };
                    let n = if schema["exclusiveMinimum"] == true && n == minimum {
                        n + 1.0
                    } else {
                        n
                    };
                    json!(n.ceil() as i64)
                }
            },
            Some("boolean") => json!(false),
            _ => Value::Null,
        }
    }
}

/// The smallest string `schema` allows, of a few candidates.
fn string(schema: &Value) -> Value {
    let candidates: &[&str] = match schema["format"].as_str() {
        Some("date-time") => &["2026-12-01T00:00:00Z"],
        Some("date") => &["2026-12-01"],
        Some("uri" | "url") => &["https://example.com/validator"],
        Some("email") => &["validator@example.com"],
        Some("uuid") => &["00000000-0000-4000-8000-000000000001"],
        _ => &["validator", "US", "1", "A1", "2026-12-01", "x"],
    };
    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
    let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX) as usize;
    let pattern = schema["pattern"]
        .as_str()
        .and_then(|pattern| regress::Regex::new(pattern).ok());
    let fits = |text: &str| {
        let length = text.chars().count();
        length >= min
            && length <= max
            && pattern
                .as_ref()
                .is_none_or(|pattern| pattern.find(text).is_some())
    };
    let found = candidates
        .iter()
        .find(|text| fits(text))
        .map(|t| (*t).to_owned());
    Value::String(found.unwrap_or_else(|| "x".repeat(min.max(1))))
}
