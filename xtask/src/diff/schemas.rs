//! Comparing two schemas, property by property, down to the next named
//! schema (named schemas are compared once, by name, not at every use).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::ApiChange;
use super::rules::{self, Direction, Rule};
use flexport_codegen::refs;

/// Where a compared schema sits, for messages and Rust impact.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub subject: String,
    /// Dotted path below the subject (`items[].sku`), empty at the top.
    pub location: String,
    pub direction: Direction,
    /// Schema names of the old document mapped to their new names.
    pub renames: &'a HashMap<String, String>,
}

impl Context<'_> {
    fn at(&self, segment: &str) -> Self {
        let location = if self.location.is_empty() {
            segment.to_owned()
        } else {
            format!("{}.{segment}", self.location)
        };
        Context {
            location,
            ..self.clone()
        }
    }

    fn change(&self, rule: &'static Rule, detail: String) -> ApiChange {
        ApiChange {
            rule: rule.id,
            severity: rule.severity,
            subject: self.subject.clone(),
            location: self.location.clone(),
            detail,
            value: None,
            rust: Vec::new(),
        }
    }

    fn value_change(&self, rule: &'static Rule, detail: String, value: &str) -> ApiChange {
        ApiChange {
            value: Some(value.to_owned()),
            ..self.change(rule, detail)
        }
    }
}

/// A schema's type in the document's terms, for messages: the schema name
/// of a `$ref`, else the JSON type with its format (`string (uri)`).
pub fn api_type(schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return format!("`{name}`");
    }
    if let Some(members) = schema
        .get("anyOf")
        .or_else(|| schema.get("allOf"))
        .and_then(Value::as_array)
        && members.len() == 1
    {
        return nullable(schema, api_type(&members[0]));
    }
    let inner = match (text(schema, "type").as_deref(), text(schema, "format")) {
        (Some("array"), _) => format!(
            "array of {}",
            api_type(schema.get("items").unwrap_or(&Value::Null))
        ),
        (Some(kind), Some(format)) => format!("{kind} ({format})"),
        (Some(kind), None) if schema.get("enum").is_some() => format!("{kind} enum"),
        (Some(kind), None) => kind.to_owned(),
        (None, _) if schema.get("properties").is_some() => "object".to_owned(),
        (None, _) => "any".to_owned(),
    };
    nullable(schema, inner)
}

fn nullable(schema: &Value, inner: String) -> String {
    if is_nullable(schema) {
        format!("nullable {inner}")
    } else {
        inner
    }
}

fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(refs::schema_name)
}

fn text(schema: &Value, key: &str) -> Option<String> {
    schema.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
}

fn required_set(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn enum_values(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
    )
}

/// Compares `from` with `to` and pushes every change found.
pub fn compare(from: &Value, to: &Value, context: &Context<'_>, changes: &mut Vec<ApiChange>) {
    let (from_ref, to_ref) = (ref_name(from), ref_name(to));
    if from_ref.is_some() || to_ref.is_some() {
        let renamed_from = from_ref
            .as_ref()
            .map(|name| context.renames.get(name).unwrap_or(name));
        if renamed_from != to_ref.as_ref() {
            let rule = context
                .direction
                .pick(rules::REQUEST_TYPE_CHANGED, rules::RESPONSE_TYPE_CHANGED);
            changes.push(context.change(
                rule,
                format!("type changed from {} to {}", api_type(from), api_type(to)),
            ));
        }
        return;
    }

    let (from_type, to_type) = (text(from, "type"), text(to, "type"));
    if from_type != to_type {
        let rule = context
            .direction
            .pick(rules::REQUEST_TYPE_CHANGED, rules::RESPONSE_TYPE_CHANGED);
        changes.push(context.change(
            rule,
            format!("type changed from {} to {}", api_type(from), api_type(to)),
        ));
        return;
    }

    let (from_format, to_format) = (text(from, "format"), text(to, "format"));
    if from_format != to_format {
        let rule = context.direction.pick(
            rules::REQUEST_FORMAT_CHANGED,
            rules::RESPONSE_FORMAT_CHANGED,
        );
        let show =
            |f: &Option<String>| f.as_deref().map_or("none".to_owned(), |f| format!("`{f}`"));
        changes.push(context.change(
            rule,
            format!(
                "format changed from {} to {}",
                show(&from_format),
                show(&to_format)
            ),
        ));
    }

    compare_enums(from, to, context, changes);
    compare_properties(from, to, context, changes);

    if let (Some(from_items), Some(to_items)) = (from.get("items"), to.get("items")) {
        compare(from_items, to_items, &context.at("[]"), changes);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let (Some(Value::Array(old_members)), Some(Value::Array(new_members))) =
            (from.get(key), to.get(key))
        {
            let single = old_members.len() == 1 && new_members.len() == 1;
            for (index, (a, b)) in old_members.iter().zip(new_members).enumerate() {
                let segment = if single {
                    String::new()
                } else {
                    format!("{key}[{index}]")
                };
                let inner = if segment.is_empty() {
                    context.clone()
                } else {
                    context.at(&segment)
                };
                compare(a, b, &inner, changes);
            }
        }
    }
}

fn compare_enums(from: &Value, to: &Value, context: &Context<'_>, changes: &mut Vec<ApiChange>) {
    let (Some(old), Some(new)) = (enum_values(from), enum_values(to)) else {
        return;
    };
    for value in new.iter().filter(|value| !old.contains(value)) {
        let rule = context.direction.pick(
            rules::REQUEST_ENUM_VALUE_ADDED,
            rules::RESPONSE_ENUM_VALUE_ADDED,
        );
        changes.push(context.value_change(rule, format!("enum value `{value}` added"), value));
    }
    for value in old.iter().filter(|value| !new.contains(value)) {
        let rule = context.direction.pick(
            rules::REQUEST_ENUM_VALUE_REMOVED,
            rules::RESPONSE_ENUM_VALUE_REMOVED,
        );
        changes.push(context.value_change(rule, format!("enum value `{value}` removed"), value));
    }
}

fn properties(schema: &Value) -> BTreeMap<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn compare_properties(
    from: &Value,
    to: &Value,
    context: &Context<'_>,
    changes: &mut Vec<ApiChange>,
) {
    let (old, new) = (properties(from), properties(to));
    let (old_required, new_required) = (required_set(from), required_set(to));

    for name in new.keys().filter(|name| !old.contains_key(*name)) {
        let required = new_required.contains(name);
        let rule = context.direction.pick(
            if required {
                rules::REQUEST_PROPERTY_ADDED_REQUIRED
            } else {
                rules::REQUEST_PROPERTY_ADDED_OPTIONAL
            },
            rules::RESPONSE_PROPERTY_ADDED,
        );
        changes.push(context.at(name).change(
            rule,
            format!(
                "{} property `{name}` added",
                if required { "required" } else { "optional" }
            ),
        ));
    }
    for name in old.keys().filter(|name| !new.contains_key(*name)) {
        let rule = context.direction.pick(
            rules::REQUEST_PROPERTY_REMOVED,
            rules::RESPONSE_PROPERTY_REMOVED,
        );
        changes.push(
            context
                .at(name)
                .change(rule, format!("property `{name}` removed")),
        );
    }
    for (name, old_schema) in old.iter() {
        let Some(new_schema) = new.get(name) else {
            continue;
        };
        let inner = context.at(name);
        match (old_required.contains(name), new_required.contains(name)) {
            (false, true) => changes.push(inner.change(
                context.direction.pick(
                    rules::REQUEST_PROPERTY_BECAME_REQUIRED,
                    rules::RESPONSE_PROPERTY_BECAME_REQUIRED,
                ),
                format!("property `{name}` is now required"),
            )),
            (true, false) => changes.push(inner.change(
                context.direction.pick(
                    rules::REQUEST_PROPERTY_BECAME_OPTIONAL,
                    rules::RESPONSE_PROPERTY_BECAME_OPTIONAL,
                ),
                format!("property `{name}` is now optional"),
            )),
            _ => {}
        }
        match (is_nullable(old_schema), is_nullable(new_schema)) {
            (false, true) => changes.push(inner.change(
                context.direction.pick(
                    rules::REQUEST_PROPERTY_BECAME_NULLABLE,
                    rules::RESPONSE_PROPERTY_BECAME_NULLABLE,
                ),
                format!("property `{name}` is now nullable"),
            )),
            (true, false) => changes.push(inner.change(
                context.direction.pick(
                    rules::REQUEST_PROPERTY_BECAME_NOT_NULLABLE,
                    rules::RESPONSE_PROPERTY_BECAME_NOT_NULLABLE,
                ),
                format!("property `{name}` is no longer nullable"),
            )),
            _ => {}
        }
        compare(old_schema, new_schema, &inner, changes);
    }
}

/// Which named schemas are reached from requests and which from responses.
/// Schemas no operation reaches (webhook payloads) count as responses: the
/// client receives them.
pub fn directions(document: &Value) -> HashMap<String, Direction> {
    let mut found: HashMap<String, Direction> = HashMap::new();
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mark = |start: &Value, request: bool, found: &mut HashMap<String, Direction>| {
        let mut stack = vec![start.clone()];
        let mut seen = BTreeSet::new();
        while let Some(value) = stack.pop() {
            refs::for_each_ref(&value, &mut |reference| {
                if let Some(name) = refs::schema_name(reference)
                    && seen.insert(name.clone())
                {
                    let direction = found.entry(name.clone()).or_default();
                    if request {
                        direction.request = true
                    } else {
                        direction.response = true
                    }
                    if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
                        stack.push(schema.clone());
                    }
                }
            });
        }
    };
    for operation in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for (key, item) in operation.as_object().into_iter().flatten() {
            if key == "parameters" {
                mark(item, true, &mut found);
                continue;
            }
            for (part, value) in item.as_object().into_iter().flatten() {
                mark(value, part != "responses", &mut found);
            }
        }
    }
    for name in schemas.into_iter().flat_map(|s| s.keys()) {
        found.entry(name.clone()).or_insert(Direction::RESPONSE);
    }
    found
}
