//! The documents as served to validators (Prism's proxy, schemathesis): each
//! committed document of `specs/` with two general rewrites, never an edit
//! of `specs/` itself.
//!
//! 1. [`typed_nullables`]: no schema has `nullable` without a `type`. JSON
//!    Schema validators built on Ajv (Prism's) refuse to compile such a
//!    schema ("`nullable` cannot be used without `type`") and Prism then
//!    skips, without a word, every schema that contains one: in 2024-04 that
//!    blinded it to the `CreateProduct` and `CreateOrder` bodies. The
//!    rewrite keeps what the document allows: a `{nullable: true}` with no
//!    constraint (any value, null included) loses the keyword; any other
//!    (`{allOf: [$ref], nullable: true}`) becomes `anyOf` of its constraints
//!    and a typed null (`{type: string, nullable: true, not: {type: string}}`:
//!    a string or null that is not a string). Not `enum: [null]`, the form
//!    OpenAPI 3.0.3 suggests: Prism's converter appends `null` to a nullable
//!    enum, and Ajv refuses the duplicate, so Prism would skip it too.
//! 2. [`production_differences`]: what `flexport_runtime::production::DIFFERENCES`
//!    says production does beyond the document, so that validators do not
//!    flag it and flag everything else. Each difference has one [`Effect`];
//!    a test fails when the list has a difference this module does not
//!    classify.

use std::collections::{BTreeMap, BTreeSet};

use flexport_runtime::production::DIFFERENCES;
use serde_json::{Map, Value, json};

/// What one production difference changes for validators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Every string a response reaches (enums excepted) also takes a number
    /// or a boolean. Requests stay as the document says.
    ResponseStringsTakeScalars,
    /// The operations whose path ends with this suffix are sent around
    /// the validator, straight to the sandbox (see the reason).
    RouteAround {
        path_suffix: &'static str,
        reason: &'static str,
    },
    /// Nothing to change, for the reason given.
    Nothing(&'static str),
}

/// The effect of the production difference `name`; `None` for a name this
/// module does not know (a test checks every name of the list has one).
pub fn effect(name: &str) -> Option<Effect> {
    Some(match name {
        "numbers-for-strings" => Effect::ResponseStringsTakeScalars,
        "oauth-authorize-redirect" => Effect::RouteAround {
            path_suffix: "/oauth/authorize",
            reason: "the answer is a redirect, and Prism's proxy follows redirects itself \
                     (it would fetch the partner's redirect URI)",
        },
        "gateway-timeout" | "gateway-errors" => Effect::Nothing(
            "the sandbox answers as API Gateway only behind its gateway flags, which validator \
             runs leave off",
        ),
        "short-pages" => Effect::Nothing("no document promises full pages"),
        "link-cursors" => Effect::Nothing(
            "the `Link` header is an undocumented header, which validators allow; \
             `page_info` is a documented query parameter",
        ),
        "event-names" => Effect::Nothing("the documents type the event `type` as a string"),
        "events-limit" => Effect::Nothing("GET /events documents a 400 answer"),
        "order-cost-and-labels" => Effect::Nothing(
            "no document closes an object (`additionalProperties: false`), so undeclared \
             fields are allowed",
        ),
        "inbound-list" => Effect::Nothing("an operation of no document: nothing sends it"),
        "oauth-scopes" => Effect::Nothing("`scope` is a string parameter"),
        "token-lifetime" => Effect::Nothing("the documents say nothing of lifetimes"),
        _ => return None,
    })
}

/// The path suffixes that [`Effect::RouteAround`] sends around validators.
pub fn routed_around() -> Vec<&'static str> {
    DIFFERENCES
        .iter()
        .filter_map(|difference| match effect(difference.name) {
            Some(Effect::RouteAround { path_suffix, .. }) => Some(path_suffix),
            _ => None,
        })
        .collect()
}

/// What the rewrites changed in one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Typeless `{nullable: true}` (any value) that lost the keyword.
    pub untyped_nullables_dropped: usize,
    /// Typeless nullable schemas with constraints, rewritten to `anyOf`.
    pub untyped_nullables_typed: usize,
    /// Response strings that take numbers and booleans too.
    pub response_strings_relaxed: usize,
}

/// `document` as served to validators: see the module's documentation.
pub fn for_validators(document: &Value) -> (Value, Changes) {
    let mut document = document.clone();
    let mut changes = Changes::default();
    typed_nullables(&mut document, &mut changes);
    production_differences(&mut document, &mut changes);
    (document, changes)
}

/// Keywords that annotate and constrain nothing.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
];

/// Keys below which values are data, not schemas.
const DATA: &[&str] = &["example", "examples", "default", "enum", "const"];

/// Rewrites every schema with `nullable` and no `type` (see the module's
/// documentation), at any depth of `value`.
pub fn typed_nullables(value: &mut Value, changes: &mut Changes) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                if !DATA.contains(&key.as_str()) && !key.starts_with("x-") {
                    typed_nullables(inner, changes);
                }
            }
            if object.contains_key("nullable") && !object.contains_key("type") {
                let nullable = object.remove("nullable") == Some(Value::Bool(true));
                let constrained = object
                    .keys()
                    .any(|key| !ANNOTATIONS.contains(&key.as_str()) && !key.starts_with("x-"));
                if !nullable || !constrained {
                    changes.untyped_nullables_dropped += 1;
                    return;
                }
                let (annotations, constraints): (Map<String, Value>, Map<String, Value>) =
                    std::mem::take(object).into_iter().partition(|(key, _)| {
                        ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-")
                    });
                *object = annotations;
                object.insert(
                    "anyOf".to_owned(),
                    json!([Value::Object(constraints), typed_null()]),
                );
                changes.untyped_nullables_typed += 1;
            }
        }
        Value::Array(items) => {
            for item in items {
                typed_nullables(item, changes);
            }
        }
        _ => {}
    }
}

/// A schema that allows `null` and nothing else, with a type.
pub fn typed_null() -> Value {
    json!({"type": "string", "nullable": true, "not": {"type": "string"}})
}

/// Applies the [`Effect`] of every difference of
/// `flexport_runtime::production::DIFFERENCES`.
///
/// # Panics
/// On a difference [`effect`] does not know.
pub fn production_differences(document: &mut Value, changes: &mut Changes) {
    for difference in DIFFERENCES {
        match effect(difference.name) {
            Some(Effect::ResponseStringsTakeScalars) => {
                changes.response_strings_relaxed += relax_response_strings(document);
            }
            Some(Effect::RouteAround { .. } | Effect::Nothing(_)) => {}
            None => panic!(
                "production difference `{}` has no effect for validators: classify it in \
                 flexport_validator::documents::effect",
                difference.name
            ),
        }
    }
}

/// The suffix of the copy of a component schema that responses use.
const IN_RESPONSE: &str = "InResponse";

/// Gives every component schema that a response reaches a copy
/// (`XInResponse`) whose strings also take numbers and booleans, and points
/// the responses at the copies; request schemas keep the originals.
/// Returns the number of strings relaxed.
fn relax_response_strings(document: &mut Value) -> usize {
    let components = document["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    // The components responses reach, transitively.
    let mut reached = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for_each_response_schema(document, |schema| refs(schema, &mut pending));
    while let Some(name) = pending.pop() {
        if components.contains_key(&name) && reached.insert(name.clone()) {
            refs(&components[&name], &mut pending);
        }
    }
    let copy_name = |name: &str| {
        let mut copy = format!("{name}{IN_RESPONSE}");
        while components.contains_key(&copy) {
            copy.push('_');
        }
        copy
    };
    let renames: BTreeMap<String, String> = reached
        .iter()
        .map(|name| (name.clone(), copy_name(name)))
        .collect();
    let mut relaxed = 0;
    let mut copies = Vec::new();
    for (name, copy) in &renames {
        let mut schema = components[name].clone();
        relaxed += relax(&mut schema, &renames);
        copies.push((copy.clone(), schema));
    }
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        schemas.extend(copies);
    }
    let mut inline = 0;
    for_each_response_schema_mut(document, |schema| inline += relax(schema, &renames));
    relaxed + inline
}

fn for_each_response_schema(document: &Value, mut f: impl FnMut(&Value)) {
    for item in document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|p| p.1)
    {
        for operation in item.as_object().into_iter().flatten().map(|o| o.1) {
            for answer in operation["responses"].as_object().into_iter().flatten() {
                for media in answer.1["content"].as_object().into_iter().flatten() {
                    f(&media.1["schema"]);
                }
            }
        }
    }
}

fn for_each_response_schema_mut(document: &mut Value, mut f: impl FnMut(&mut Value)) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item.as_object_mut().into_iter().flatten().map(|o| o.1) {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for answer in responses.values_mut() {
                let Some(content) = answer.get_mut("content").and_then(Value::as_object_mut) else {
                    continue;
                };
                for media in content.values_mut() {
                    if let Some(schema) = media.get_mut("schema") {
                        f(schema);
                    }
                }
            }
        }
    }
}

/// The component names `schema` references (`#/components/schemas/X`).
fn refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            for (key, inner) in object {
                if key == "$ref" {
                    if let Some(name) = inner
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(name.to_owned());
                    }
                } else if !DATA.contains(&key.as_str()) {
                    refs(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

/// Points the references of `schema` at the renamed copies and lets its
/// strings (enums excepted) take numbers and booleans; returns how many
/// strings it relaxed.
fn relax(schema: &mut Value, renames: &BTreeMap<String, String>) -> usize {
    let mut relaxed = 0;
    match schema {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                if key == "$ref" {
                    if let Some(copy) = inner
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .and_then(|name| renames.get(name))
                    {
                        *inner = Value::String(format!("#/components/schemas/{copy}"));
                    }
                } else if !DATA.contains(&key.as_str()) && !key.starts_with("x-") {
                    relaxed += relax(inner, renames);
                }
            }
            if object.get("type") == Some(&Value::String("string".to_owned()))
                && !object.contains_key("enum")
            {
                let string = std::mem::take(object);
                object.insert(
                    "anyOf".to_owned(),
                    json!([Value::Object(string), {"type": "number"}, {"type": "boolean"}]),
                );
                relaxed += 1;
            }
        }
        Value::Array(items) => {
            for item in items {
                relaxed += relax(item, renames);
            }
        }
        _ => {}
    }
    relaxed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every schema object of `value` with `nullable` and no `type`.
    fn untyped_nullables(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if object.contains_key("nullable") && !object.contains_key("type") {
                    out.push(at.to_owned());
                }
                for (key, inner) in object {
                    if !DATA.contains(&key.as_str()) {
                        untyped_nullables(inner, &format!("{at}/{key}"), out);
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    untyped_nullables(item, &format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn no_served_document_has_a_nullable_without_a_type() {
        for crate::Version {
            name: version,
            document: text,
            ..
        } in crate::dispatch::VERSIONS
        {
            let document: Value = serde_json::from_str(text).unwrap();
            let mut before = Vec::new();
            untyped_nullables(&document, "", &mut before);
            let (served, changes) = for_validators(&document);
            let mut after = Vec::new();
            untyped_nullables(&served, "", &mut after);
            assert_eq!(after, Vec::<String>::new(), "{version}");
            assert_eq!(
                before.len(),
                changes.untyped_nullables_dropped + changes.untyped_nullables_typed,
                "{version}"
            );
            if *version == "2024-04" {
                assert_eq!(before.len(), 80, "the count the issue names");
            }
        }
    }

    #[test]
    fn a_nullable_alias_keeps_what_it_allows() {
        let mut alias = json!({
            "description": "d",
            "allOf": [{"$ref": "#/components/schemas/Money"}],
            "nullable": true
        });
        typed_nullables(&mut alias, &mut Changes::default());
        assert_eq!(
            alias,
            json!({
                "description": "d",
                "anyOf": [{"allOf": [{"$ref": "#/components/schemas/Money"}]}, typed_null()]
            })
        );
        let mut any = json!({"nullable": true, "description": "anything"});
        typed_nullables(&mut any, &mut Changes::default());
        assert_eq!(any, json!({"description": "anything"}));
        // Typed ones and data stay as they are.
        let mut typed = json!({"type": "string", "nullable": true, "example": {"nullable": true}});
        let before = typed.clone();
        typed_nullables(&mut typed, &mut Changes::default());
        assert_eq!(typed, before);
    }

    #[test]
    fn response_strings_take_numbers_and_requests_stay_strict() {
        let mut document = json!({
            "paths": {"/x": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Out": {"type": "object", "properties": {
                    "id": {"type": "string"},
                    "inner": {"$ref": "#/components/schemas/In"},
                    "status": {"type": "string", "enum": ["A"]}
                }}
            }}
        });
        let relaxed = relax_response_strings(&mut document);
        assert_eq!(relaxed, 2, "Out.id and the copy of In.id");
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["In"]["properties"]["id"], json!({"type": "string"}));
        assert_eq!(
            schemas["InInResponse"]["properties"]["id"]["anyOf"][1],
            json!({"type": "number"})
        );
        assert_eq!(
            schemas["OutInResponse"]["properties"]["inner"]["$ref"],
            "#/components/schemas/InInResponse"
        );
        assert_eq!(
            schemas["OutInResponse"]["properties"]["status"],
            json!({"type": "string", "enum": ["A"]})
        );
        assert_eq!(
            document["paths"]["/x"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/OutInResponse"
        );
        assert_eq!(
            document["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/In"
        );
    }

    /// Fails when `flexport_runtime::production::DIFFERENCES` gains a
    /// difference nobody decided the validators' rule for.
    #[test]
    fn every_production_difference_has_an_effect() {
        let unclassified: Vec<&str> = DIFFERENCES
            .iter()
            .map(|difference| difference.name)
            .filter(|name| effect(name).is_none())
            .collect();
        assert_eq!(unclassified, Vec::<&str>::new());
        assert_eq!(routed_around(), ["/oauth/authorize"]);
    }

    #[test]
    fn no_document_closes_an_object() {
        // `order-cost-and-labels` relies on it.
        for crate::Version {
            name: version,
            document: text,
            ..
        } in crate::dispatch::VERSIONS
        {
            assert!(
                !text.contains("\"additionalProperties\": false")
                    && !text.contains("\"additionalProperties\":false"),
                "{version}"
            );
        }
    }
}
