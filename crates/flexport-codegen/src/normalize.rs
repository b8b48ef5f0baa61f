//! Named rewrites that turn a document as Flexport publishes it into one that
//! progenitor 0.15 accepts and that yields a pleasant client.
//!
//! Each pass handles one construct wherever it appears, never one document's
//! particular schema or operation. [`PASSES`] lists them in the order they run;
//! [`normalize`] runs them all and reports what each changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};

use crate::refs;

pub use crate::document::{DOCUMENTED_OPERATION_ID_NOTE, Unsupported, strip_revision_suffix};
use crate::document::{METHODS, note_documented_operation_id, operations_mut};

/// One rewrite of the document.
pub struct Pass {
    pub name: &'static str,
    /// What the pass does, in one line.
    pub summary: &'static str,
    /// Applies the pass and describes each change it made.
    pub apply: fn(&mut Value) -> Result<Vec<String>, Unsupported>,
}

/// What one pass changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub pass: &'static str,
    pub detail: String,
}

pub const PASSES: &[Pass] = &[
    Pass {
        name: "operation-ids",
        summary: "gives every operation a unique operationId: a missing one is made from the method and path, a clashing one gets the method appended",
        apply: operation_ids,
    },
    Pass {
        name: "revision-suffixes",
        summary: "strips a trailing revision suffix (`V4`, `_v3`, a year-month such as `202307`) from an operationId when the neutral name is free and no other operation of the document strips to it; otherwise every contender keeps its suffix. The documented operationId stays in the operation's description",
        apply: revision_suffixes,
    },
    Pass {
        name: "tag-prefixed-operations",
        summary: "an operationId made of its tag, a verb and another tag's resource (`ReturnsCreateOrder` under `Returns`, beside an `Orders` tag) acts on its own tag's resource: it becomes the verb and the tag's singular (`CreateReturn`), when no other operation has or would get that name. The documented operationId stays in the operation's description",
        apply: crate::names::tag_prefixed_operations,
    },
    Pass {
        name: "paging-integers",
        summary: "types a numeric query parameter as `u64` (`integer`, `uint64`) when its name has a paging word (`limit`, `offset`, `page`, `skip`): it counts or positions list items, so `5` goes out instead of `5.0`, and every list takes the `u64` that `stream_all` and `Paged` take",
        apply: paging_integers,
    },
    Pass {
        name: "path-parameter-strings",
        summary: "types a numeric path parameter as `string`: a path segment is text, the ids responses give are strings, and an `i32` or `f64` would refuse or misprint ids outside its range",
        apply: path_parameter_strings,
    },
    Pass {
        name: "schema-names",
        summary: "renames schemas whose names are not plain identifiers (`InputMaybe_Scalars-at-String_`, `Pick_A.Exclude_keyofA.b__`) to unique PascalCase names and rewrites every `$ref`",
        apply: schema_names,
    },
    Pass {
        name: "typescript-utility-names",
        summary: "renames a schema named after TypeScript's `Pick<X, Exclude<keyof X, \"k\">>` (`PickXExcludeKeyofXK`, `Pick_X.Exclude_keyofX.k__`) to `X` when no schema is called `X`, else `XWithoutK`; the documented name stays in its description",
        apply: crate::names::typescript_utility_names,
    },
    Pass {
        name: "type-revision-suffixes",
        summary: "strips a trailing revision suffix (`V4`, a year-month such as `202307`, `Unstable`) from a schema name, as `revision-suffixes` does for operationIds, when no other schema has or would get the neutral name; otherwise every contender keeps its suffix. The documented name stays in its description",
        apply: crate::names::type_revision_suffixes,
    },
    Pass {
        name: "single-allof",
        summary: "replaces an `allOf` of one member (how OpenAPI 3.0 makes a `$ref` nullable or documented) by that member, keeping `nullable`",
        apply: single_allof,
    },
    Pass {
        name: "alias-schemas",
        summary: "inlines `$ref`s to schemas that only alias a plain scalar or make another schema nullable (`InputMaybe_Scalars-at-String_`, `MaybeMoney`), so fields read `Option<String>` or `Option<Money>` instead of a newtype, and drops the aliases",
        apply: alias_schemas,
    },
    Pass {
        name: crate::numbers::PASS,
        summary: "types a numeric property by its name (the rule list `numbers::RULES`): counts (`quantity`, `palletCount`, `onHand`, ...) and codes become `u64`; ids become strings like the path parameters that take them, or `u64` where a request body sends them; integral floats (`2.0`) still decode",
        apply: crate::numbers::counts_and_ids,
    },
    Pass {
        name: "known-strings",
        summary: "turns `anyOf`/`oneOf` of a string enum and a plain string (TypeScript's `\"A\" | \"B\" | string`) into a string enum of the known values that is always open: it gets the `UnknownValue(String)` variant for requests and responses alike. A construct outside `components/schemas` is first moved there under a name of its own",
        apply: known_strings,
    },
    Pass {
        name: "request-media-types",
        summary: "keeps only the JSON media type of a request body that offers several",
        apply: request_media_types,
    },
    Pass {
        name: "default-response",
        summary: "re-declares a `default` response beside explicit 2xx ones as `4XX` and `5XX`, since it describes errors there",
        apply: default_response,
    },
    Pass {
        name: "error-bodies",
        summary: "declares an operation's error bodies as `application/problem+json` (handed over raw) when their JSON schemas differ",
        apply: error_bodies,
    },
    Pass {
        name: "success-bodies",
        summary: "gives success responses with different JSON bodies one body, the `oneOf` of them",
        apply: success_bodies,
    },
];

/// Runs every pass in order.
pub fn normalize(document: &mut Value) -> Result<Vec<Change>, Unsupported> {
    let mut changes = Vec::new();
    for pass in PASSES {
        for detail in (pass.apply)(document)? {
            changes.push(Change {
                pass: pass.name,
                detail,
            });
        }
    }
    Ok(changes)
}

/// Each operation's label and `responses` map.
fn responses_mut(document: &mut Value) -> impl Iterator<Item = (String, &mut Map<String, Value>)> {
    operations_mut(document).filter_map(|(method, path, operation)| {
        let label = operation_label(&method, &path, operation);
        Some((label, operation.get_mut("responses")?.as_object_mut()?))
    })
}

fn operation_label(method: &str, path: &str, operation: &Map<String, Value>) -> String {
    match operation.get("operationId").and_then(Value::as_str) {
        Some(id) => id.to_owned(),
        None => format!("{} {path}", method.to_uppercase()),
    }
}

fn operation_ids(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let prefix = crate::operations::path_prefix(document);
    let mut changes = Vec::new();
    let mut seen = BTreeSet::new();
    for (method, path, operation) in operations_mut(document) {
        let given = operation
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut id = given
            .clone()
            .unwrap_or_else(|| id_from_path(&method, &path[prefix.len()..]));
        if seen.contains(&id.to_snake_case()) {
            id = format!("{id}_{method}");
        }
        let mut n = 2;
        let base = id.clone();
        while seen.contains(&id.to_snake_case()) {
            id = format!("{base}{n}");
            n += 1;
        }
        seen.insert(id.to_snake_case());
        if given.as_deref() != Some(id.as_str()) {
            changes.push(match given {
                Some(given) => format!(
                    "{} {path}: operationId {given:?} clashes, now {id:?}",
                    method.to_uppercase()
                ),
                None => format!(
                    "{} {path}: no operationId, now {id:?}",
                    method.to_uppercase()
                ),
            });
            operation.insert("operationId".into(), Value::String(id));
        }
    }
    Ok(changes)
}

fn id_from_path(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(parameter) => format!("by {parameter}"),
                None => segment.to_owned(),
            },
        )
        .collect();
    format!("{method} {}", words.join(" ")).to_upper_camel_case()
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn schema_names(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(Vec::new());
    };
    // Names clash when the generator would spell them alike (it PascalCases
    // them: `AB` and a renamed `a.b` would both be `Ab`), so compare that way.
    let spelled = |name: &str| name.to_upper_camel_case().to_lowercase();
    let mut taken: BTreeSet<String> = schemas
        .keys()
        .filter(|name| is_identifier(name))
        .map(|name| spelled(name))
        .collect();
    let mut renames = BTreeMap::new();
    for name in schemas.keys().filter(|name| !is_identifier(name)) {
        let mut base = name.to_upper_camel_case();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base = format!("Schema{base}");
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&spelled(&candidate)) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        taken.insert(spelled(&candidate));
        renames.insert(name.clone(), candidate);
    }
    if renames.is_empty() {
        return Ok(Vec::new());
    }
    let renamed: Map<String, Value> = std::mem::take(schemas)
        .into_iter()
        .map(|(name, schema)| (renames.get(&name).cloned().unwrap_or(name), schema))
        .collect();
    *schemas = renamed;
    refs::for_each_ref_mut(document, &mut |object| {
        let target = object["$ref"].as_str().and_then(refs::schema_name);
        if let Some(new_name) = target.and_then(|name| renames.get(&name)) {
            object.insert("$ref".into(), Value::String(refs::schema_ref(new_name)));
        }
    });
    Ok(renames
        .into_iter()
        .map(|(old, new)| format!("schema {old:?} is now {new:?}"))
        .collect())
}

/// Whether a schema may carry `key` and still be a plain alias of a scalar type.
fn scalar_alias_key(key: &str) -> bool {
    matches!(key, "type" | "format") || ANNOTATION_KEYS.contains(&key)
}

/// A plain scalar (`{"type": "string", "nullable": true}`) or a nullable
/// reference (`{"anyOf": [{"$ref": ...}], "nullable": true}`, which is what
/// the single-allof pass makes of a nullable `allOf` wrapper).
fn is_alias(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return false;
    };
    let scalar = matches!(
        object.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    );
    let nullable_ref = object.get("nullable") == Some(&Value::Bool(true))
        && object
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|members| members.len() == 1 && members[0].get("$ref").is_some());
    (scalar || nullable_ref)
        && object
            .keys()
            .all(|key| key == "anyOf" && nullable_ref || scalar_alias_key(key))
}

fn alias_schemas(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut inlined = BTreeSet::new();
    // An alias may point to another alias; each round inlines one level.
    while let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let aliases: HashMap<String, Value> = schemas
            .iter()
            .filter(|(_, schema)| is_alias(schema))
            .map(|(name, schema)| (name.clone(), schema.clone()))
            .collect();
        if aliases.is_empty() {
            break;
        }
        schemas.retain(|name, _| !aliases.contains_key(name));
        refs::for_each_ref_mut(document, &mut |object| {
            let target = object["$ref"].as_str().and_then(refs::schema_name);
            if let Some(alias) = target.and_then(|name| aliases.get(&name)) {
                *object = alias.as_object().cloned().unwrap_or_default();
            }
        });
        inlined.extend(aliases.into_keys());
    }
    Ok(inlined
        .into_iter()
        .map(|name| format!("alias {name:?} inlined"))
        .collect())
}

/// Keys that describe a schema without changing its type: they may stand
/// beside a one-member `allOf`, a scalar alias or a plain string.
const ANNOTATION_KEYS: [&str; 8] = [
    "nullable",
    "description",
    "title",
    "readOnly",
    "writeOnly",
    "deprecated",
    "default",
    "example",
];

fn single_allof(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut count = 0;
    collapse_single_allof(document, &mut count);
    Ok(if count > 0 {
        vec![format!("{count} one-member allOf wrapper(s) collapsed")]
    } else {
        Vec::new()
    })
}

fn collapse_single_allof(value: &mut Value, count: &mut usize) {
    match value {
        Value::Object(object) => {
            object
                .values_mut()
                .for_each(|child| collapse_single_allof(child, count));
            let single = object
                .get("allOf")
                .and_then(Value::as_array)
                .filter(|members| members.len() == 1);
            let plain = object
                .keys()
                .all(|key| key == "allOf" || ANNOTATION_KEYS.contains(&key.as_str()));
            if single.is_none() || !plain {
                return;
            }
            let member = object
                .remove("allOf")
                .and_then(|mut m| m.as_array_mut()?.pop())
                .unwrap_or_default();
            let nullable = object
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            *count += 1;
            *value = match (member, nullable) {
                // A `$ref` cannot carry `nullable` in OpenAPI 3.0; a one-member
                // `anyOf` can, and the generator reads it as `Option<T>`.
                (reference @ Value::Object(_), true) if reference.get("$ref").is_some() => {
                    json!({"anyOf": [reference], "nullable": true})
                }
                (Value::Object(mut member), _) => {
                    for (key, annotation) in std::mem::take(object) {
                        if member.get("$ref").is_none() || key == "nullable" {
                            member.entry(key).or_insert(annotation);
                        }
                    }
                    Value::Object(member)
                }
                (other, _) => other,
            };
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| collapse_single_allof(child, count)),
        _ => {}
    }
}

fn is_json_media_type(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

fn request_media_types(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut changes = Vec::new();
    for (method, path, operation) in operations_mut(document) {
        let label = operation_label(&method, &path, operation);
        let Some(content) = operation
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if content.len() < 2 {
            continue;
        }
        let Some(json_type) = content
            .keys()
            .find(|media_type| is_json_media_type(media_type))
            .cloned()
        else {
            let offered = content.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(Unsupported {
                operation: label,
                problem: format!("request body offers {offered} but no JSON"),
            });
        };
        let dropped: Vec<String> = content
            .keys()
            .filter(|media_type| **media_type != json_type)
            .cloned()
            .collect();
        content.retain(|media_type, _| *media_type == json_type);
        changes.push(format!(
            "{label}: request body keeps {json_type}, drops {}",
            dropped.join(", ")
        ));
    }
    Ok(changes)
}

fn is_success_status(status: &str) -> bool {
    status.starts_with('2')
}

fn is_error_status(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn default_response(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut changes = Vec::new();
    for (label, responses) in responses_mut(document) {
        if !responses.keys().any(|status| is_success_status(status)) {
            continue;
        }
        let Some(default) = responses.remove("default") else {
            continue;
        };
        for range in ["4XX", "5XX"] {
            responses.entry(range).or_insert_with(|| default.clone());
        }
        changes.push(format!(
            "{label}: default response re-declared as 4XX and 5XX"
        ));
    }
    Ok(changes)
}

/// The JSON body schema of a response, or `None` for a response without one.
fn json_body(response: &Value) -> Option<&Value> {
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media_type, _)| is_json_media_type(media_type))
        .and_then(|(_, media)| media.get("schema"))
}

fn error_bodies(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut changes = Vec::new();
    for (label, responses) in responses_mut(document) {
        let is_error = |status: &str| is_error_status(status) || status == "default";
        let distinct: BTreeSet<String> = responses
            .iter()
            .filter(|(status, _)| is_error(status))
            .filter_map(|(_, r)| json_body(r))
            .map(Value::to_string)
            .collect();
        if distinct.len() < 2 {
            continue;
        }
        for (_, response) in responses.iter_mut().filter(|(status, _)| is_error(status)) {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                let json_types: Vec<String> = content
                    .keys()
                    .filter(|m| is_json_media_type(m))
                    .cloned()
                    .collect();
                for media_type in json_types {
                    let media = content.remove(&media_type).unwrap_or_default();
                    content.entry("application/problem+json").or_insert(media);
                }
            }
        }
        changes.push(format!(
            "{label}: {} different error bodies declared as application/problem+json",
            distinct.len()
        ));
    }
    Ok(changes)
}

fn success_bodies(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut changes = Vec::new();
    for (label, responses) in responses_mut(document) {
        let is_success = |status: &str| is_success_status(status) || status == "default";
        let successes: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(status, _)| is_success(status))
            .collect();
        let typed: Vec<&Value> = successes
            .iter()
            .filter_map(|(_, response)| json_body(response))
            .collect();
        if typed.is_empty() {
            continue;
        }
        if typed.len() < successes.len() {
            let statuses: Vec<&str> = successes
                .iter()
                .map(|(status, _)| status.as_str())
                .collect();
            return Err(Unsupported {
                operation: label,
                problem: format!(
                    "success responses {} mix JSON bodies with other or no bodies, which progenitor 0.15 cannot type",
                    statuses.join(", ")
                ),
            });
        }
        let mut distinct: Vec<Value> = Vec::new();
        for schema in typed {
            if !distinct.contains(schema) {
                distinct.push(schema.clone());
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        let union = json!({ "oneOf": distinct });
        for (_, response) in responses
            .iter_mut()
            .filter(|(status, _)| is_success(status))
        {
            let content = response["content"]
                .as_object_mut()
                .expect("typed responses have content");
            content.retain(|media_type, _| is_json_media_type(media_type));
            for media in content.values_mut() {
                media["schema"] = union.clone();
            }
        }
        changes.push(format!(
            "{label}: {} different success bodies joined in a oneOf",
            distinct.len()
        ));
    }
    Ok(changes)
}

fn revision_suffixes(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let ids: Vec<String> = operations_mut(document)
        .filter_map(|(_, _, operation)| Some(operation.get("operationId")?.as_str()?.to_owned()))
        .collect();
    let current: BTreeSet<String> = ids.iter().map(|id| id.to_snake_case()).collect();
    let mut contenders: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for id in &ids {
        if let Some(neutral) = strip_revision_suffix(id) {
            contenders
                .entry(neutral.to_snake_case())
                .or_default()
                .push(id);
        }
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut changes = Vec::new();
    for (neutral, ids) in &contenders {
        if ids.len() == 1 && !current.contains(neutral) {
            let id = ids[0];
            let stripped = strip_revision_suffix(id).expect("a contender");
            renames.insert(id.to_owned(), stripped.to_owned());
        } else {
            let why = if current.contains(neutral) {
                format!("operation `{neutral}` exists")
            } else {
                format!("{} operations would be `{neutral}`", ids.len())
            };
            changes.push(format!("{} keep their suffix: {why}", ids.join(", ")));
        }
    }
    for (method, path, operation) in operations_mut(document) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let Some(neutral) = renames.get(id) else {
            continue;
        };
        changes.push(format!(
            "{} {path}: operationId {id:?} is now {neutral:?}",
            method.to_uppercase()
        ));
        note_documented_operation_id(operation, id.to_owned());
        operation.insert("operationId".into(), Value::String(neutral.clone()));
    }
    Ok(changes)
}

/// Every parameter object of the document: those of operations, of path
/// items and of `components/parameters`.
fn parameters_mut(document: &mut Value) -> Vec<&mut Map<String, Value>> {
    let mut found = Vec::new();
    let Some(object) = document.as_object_mut() else {
        return found;
    };
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "paths" => {
                for item in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|p| p.values_mut())
                {
                    let Some(item) = item.as_object_mut() else {
                        continue;
                    };
                    for (key, value) in item.iter_mut() {
                        let list = if key == "parameters" {
                            Some(value)
                        } else if METHODS.contains(&key.as_str()) {
                            value.get_mut("parameters")
                        } else {
                            None
                        };
                        found.extend(
                            list.and_then(Value::as_array_mut)
                                .into_iter()
                                .flatten()
                                .filter_map(Value::as_object_mut),
                        );
                    }
                }
            }
            "components" => found.extend(
                value
                    .get_mut("parameters")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flat_map(|p| p.values_mut())
                    .filter_map(Value::as_object_mut),
            ),
            _ => {}
        }
    }
    found
}

fn parameter_label(parameter: &Map<String, Value>) -> String {
    format!(
        "{} parameter `{}`",
        parameter.get("in").and_then(Value::as_str).unwrap_or("?"),
        parameter.get("name").and_then(Value::as_str).unwrap_or("?")
    )
}

/// Words of a parameter name that say it counts or positions list items.
const PAGING_WORDS: [&str; 4] = ["limit", "offset", "page", "skip"];

fn paging_integers(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for parameter in parameters_mut(document) {
        let label = parameter_label(parameter);
        let paging = parameter.get("in").and_then(Value::as_str) == Some("query")
            && parameter
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| {
                    name.to_snake_case()
                        .split('_')
                        .any(|word| PAGING_WORDS.contains(&word))
                });
        let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
            continue;
        };
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let unsigned =
            schema.get("format").and_then(Value::as_str) == Some(crate::numbers::INTEGER);
        if !paging || !matches!(kind.as_str(), "number" | "integer") || unsigned {
            continue;
        }
        schema.insert("type".into(), Value::String("integer".into()));
        schema.insert(
            "format".into(),
            Value::String(crate::numbers::INTEGER.into()),
        );
        for key in [
            "minimum",
            "exclusiveMinimum",
            "maximum",
            "exclusiveMaximum",
            "multipleOf",
        ] {
            schema.remove(key);
        }
        *counts.entry(format!("{label} ({kind})")).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|(label, n)| format!("{label} is now u64 ({n}×)"))
        .collect())
}

fn path_parameter_strings(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for parameter in parameters_mut(document) {
        if parameter.get("in").and_then(Value::as_str) != Some("path") {
            continue;
        }
        let label = parameter_label(parameter);
        let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
            continue;
        };
        let kind = match schema.get("type").and_then(Value::as_str) {
            Some(kind @ ("integer" | "number")) => kind.to_owned(),
            _ => continue,
        };
        let label = format!("{label} ({kind})");
        for key in [
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "example",
            "default",
            "enum",
        ] {
            schema.remove(key);
        }
        schema.insert("type".into(), Value::String("string".into()));
        *counts.entry(label).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|(label, n)| format!("{label} is now a string ({n}×)"))
        .collect())
}

/// The root extension where `known-strings` lists the schemas it made: their
/// enums are open wherever they are used (see [`always_open_schemas`]).
pub const OPEN_SCHEMAS_EXTENSION: &str = "x-flexport-open-enums";

/// The schemas whose generated enums must be open on the request side too,
/// as recorded by the `known-strings` pass.
pub fn always_open_schemas(document: &Value) -> Vec<String> {
    document
        .get(OPEN_SCHEMAS_EXTENSION)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| Some(name.as_str()?.to_owned()))
        .collect()
}

/// What a member of an `anyOf`/`oneOf` is, for `known-strings`.
enum StringBranch {
    /// A string enum with these values (and `null` among them when true).
    Known(Vec<String>, bool),
    /// A string without `enum`, `format`, `pattern` or length limits: any string.
    Any,
}

/// Whether a plain string may carry `key` and still accept any string
/// (`enum` is read by the caller).
fn plain_string_key(key: &str) -> bool {
    matches!(key, "type" | "enum") || ANNOTATION_KEYS.contains(&key)
}

fn string_branch(schemas: &Map<String, Value>, member: &Value) -> Option<StringBranch> {
    let mut member = member;
    let mut hops = 0;
    while let Some(reference) = member.get("$ref").and_then(Value::as_str) {
        member = schemas.get(&refs::schema_name(reference)?)?;
        hops += 1;
        if hops > 16 {
            return None;
        }
    }
    let object = member.as_object()?;
    if object.get("type").and_then(Value::as_str) != Some("string")
        || !object.keys().all(|key| plain_string_key(key))
    {
        return None;
    }
    match object.get("enum") {
        None => Some(StringBranch::Any),
        Some(Value::Array(values)) => {
            let mut known = Vec::new();
            let mut null = false;
            for value in values {
                match value {
                    Value::String(text) => known.push(text.clone()),
                    Value::Null => null = true,
                    _ => return None,
                }
            }
            Some(StringBranch::Known(known, null))
        }
        Some(_) => None,
    }
}

/// The open enum schema that replaces `schema`, if it is the construct: an
/// `anyOf` or `oneOf` whose members are string enums and at least one plain
/// string (directly or through `$ref`), beside annotations only.
fn known_strings_schema(schemas: &Map<String, Value>, schema: &Value) -> Option<Value> {
    let object = schema.as_object()?;
    let (key, members) = ["anyOf", "oneOf"]
        .iter()
        .find_map(|key| Some((*key, object.get(*key)?.as_array()?)))?;
    if !object
        .keys()
        .all(|k| k == key || ANNOTATION_KEYS.contains(&k.as_str()))
    {
        return None;
    }
    let mut known: Vec<String> = Vec::new();
    let mut any = false;
    let mut nullable = object.get("nullable") == Some(&Value::Bool(true));
    for member in members {
        match string_branch(schemas, member)? {
            StringBranch::Known(values, null) => {
                nullable |= null;
                for value in values {
                    if !known.contains(&value) {
                        known.push(value);
                    }
                }
            }
            StringBranch::Any => any = true,
        }
    }
    if !any || known.is_empty() {
        return None;
    }
    let mut open = Map::new();
    open.insert("type".into(), json!("string"));
    open.insert("enum".into(), json!(known));
    for (k, annotation) in object {
        if k != key && k != "nullable" {
            open.insert(k.clone(), annotation.clone());
        }
    }
    if nullable {
        open.insert("nullable".into(), json!(true));
    }
    Some(Value::Object(open))
}

/// Finds the construct outside `components/schemas`' top level, replacing each
/// by a `$ref` to a placeholder name (its position in `found`, from 1). `hint`
/// names the place: the component, then each property on the way.
fn hoist_known_strings(
    value: &mut Value,
    schemas: &Map<String, Value>,
    hint: &str,
    properties: bool,
    found: &mut Vec<(String, Value)>,
) {
    match value {
        Value::Object(object) => {
            // A parameter is named by its name.
            let parameter = match (object.get("in"), object.get("name")) {
                (Some(Value::String(_)), Some(Value::String(name))) if !properties => {
                    Some(format!("{hint} {name}"))
                }
                _ => None,
            };
            let hint = parameter.as_deref().unwrap_or(hint);
            for (key, child) in object.iter_mut() {
                if !properties && (key.starts_with("x-") || key == "example" || key == "enum") {
                    continue;
                }
                let hint = if properties {
                    format!("{hint} {key}")
                } else {
                    hint.to_owned()
                };
                let inner = !properties && key == "properties";
                hoist_known_strings(child, schemas, &hint, inner, found);
            }
            if properties {
                return;
            }
            if let Some(mut open) = known_strings_schema(schemas, value) {
                // Where it is used says whether it may be null; the enum does not.
                let nullable = open.as_object_mut().and_then(|o| o.remove("nullable"))
                    == Some(Value::Bool(true));
                found.push((hint.to_owned(), open));
                let reference = json!({"$ref": refs::schema_ref(&found.len().to_string())});
                *value = if nullable {
                    json!({"anyOf": [reference], "nullable": true})
                } else {
                    reference
                };
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| hoist_known_strings(child, schemas, hint, false, found)),
        _ => {}
    }
}

fn known_strings(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let schemas: Map<String, Value> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut changes = Vec::new();
    let mut opened: Vec<String> = always_open_schemas(document);
    // Components that are the construct themselves become the open enum in place.
    let mut replaced: Vec<(String, Value)> = Vec::new();
    for (name, schema) in &schemas {
        if let Some(open) = known_strings_schema(&schemas, schema) {
            replaced.push((name.clone(), open));
        }
    }
    // Everywhere else, including inside component schemas, the construct is
    // moved into a component of its own first: only a named schema's enum can
    // be found again in the generated code.
    let mut found = Vec::new();
    if let Some(object) = document.as_object_mut() {
        for (key, value) in object.iter_mut() {
            match key.as_str() {
                "paths" => hoist_known_strings(value, &schemas, "", false, &mut found),
                "components" => {
                    for (section, members) in value.as_object_mut().into_iter().flatten() {
                        for (name, member) in members.as_object_mut().into_iter().flatten() {
                            if section == "schemas" {
                                if replaced.iter().any(|(n, _)| n == name) {
                                    continue;
                                }
                                // The member itself is handled above; look inside it.
                                for (key, child) in member.as_object_mut().into_iter().flatten() {
                                    let properties = key == "properties";
                                    hoist_known_strings(
                                        child, &schemas, name, properties, &mut found,
                                    );
                                }
                            } else {
                                hoist_known_strings(member, &schemas, name, false, &mut found);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut taken: BTreeSet<String> = schemas.keys().map(|n| n.to_upper_camel_case()).collect();
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    for (index, (hint, open)) in found.into_iter().enumerate() {
        let base = match hint.to_upper_camel_case() {
            base if base.starts_with(|c: char| c.is_ascii_alphabetic()) => base,
            base => format!("KnownStrings{base}"),
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        taken.insert(name.clone());
        changes.push(format!(
            "{hint:?}: string enum or any string is now the open enum {name:?}"
        ));
        hoisted.insert((index + 1).to_string(), name.clone());
        replaced.push((name, open));
    }
    if !hoisted.is_empty() {
        refs::for_each_ref_mut(document, &mut |object| {
            let target = object["$ref"].as_str().and_then(refs::schema_name);
            if let Some(name) = target.and_then(|t| hoisted.get(&t)) {
                object.insert("$ref".into(), Value::String(refs::schema_ref(name)));
            }
        });
    }
    if replaced.is_empty() {
        return Ok(changes);
    }
    let components = document
        .as_object_mut()
        .expect("a document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    let target = components
        .as_object_mut()
        .expect("components is an object")
        .entry("schemas")
        .or_insert_with(|| json!({}));
    for (name, open) in replaced {
        if !hoisted.values().any(|h| *h == name) {
            changes.push(format!(
                "schema {name:?}: string enum or any string is now an open enum of {}",
                open["enum"]
            ));
        }
        target[&name] = open;
        if !opened.contains(&name) {
            opened.push(name);
        }
    }
    opened.sort();
    document[OPEN_SCHEMAS_EXTENSION] = json!(opened);
    Ok(changes)
}
