//! `counts-and-ids`: numbers that fit what they count or name.
//!
//! The documents are generated from TypeScript, where every number is a
//! `number`: a quantity of items, an id and an error code all arrive as
//! `f64`, so `0.5` items compiles (and the server answers 400) and an id read
//! from a response does not fit the `&str` its path parameter takes. This pass
//! retypes a numeric property (`number` or `integer`, wherever an object
//! schema declares it: components, inline bodies, `allOf` members) by its
//! name, read as snake_case words, against the rule list [`RULES`] (data, not
//! code):
//!
//! - a **count** (`quantity`, `palletCount`, `numberOfIdenticalPkgs`,
//!   `availableUnits`, the inventory counts `onHand`, `sellable`, ...) and a
//!   **code** (`code`) become the one integer type [`INTEGER`] (`u64`), for
//!   every resource alike; bounds of the old number are dropped;
//! - an **id** (`id`, `jobId`, an array `quoteIds`) becomes a `string`, the
//!   type every path parameter takes (see `path-parameter-strings`), when no
//!   request body reaches its schema; an id a request body sends stays a
//!   number on the wire, as the document promises the server, and becomes
//!   [`INTEGER`] too (`quoteIds` of `PurchaseQuotesRequest`: parse the string
//!   a response gave with `.parse()`).
//!
//! Every other number (amounts, dimensions, weights, coordinates, days) keeps
//! its type. Decoding stays as lenient as the document's promise: the
//! generated code decodes an integral float (`2.0`) into a `u64` field
//! through `flexport_runtime::integral` (the `integral-numbers` step, see
//! [`integral_fields`]), refuses a fraction or a negative number, and a
//! string id takes a number as its text (`lenient-response-strings`).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use quote::ToTokens;
use serde_json::{Map, Value, json};

use crate::document::Unsupported;
use crate::refs;

/// The name of the document pass.
pub const PASS: &str = "counts-and-ids";

/// The name of the generated-code step that decodes integral floats.
pub const INTEGRAL_PASS: &str = "integral-numbers";

/// The JSON Schema `format` of the one integer type (typify's `u64`) that
/// counts, codes, request ids and paging parameters get.
pub const INTEGER: &str = "uint64";

/// What a numeric property is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It counts items: an integer.
    Count,
    /// It is a code (an error code): an integer.
    Code,
    /// It names a resource: a string (an integer where a request sends it).
    Id,
}

/// Where a rule's words must stand in the property's snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The whole name is one of the words (`on_hand`).
    Whole,
    /// The last word is one of them (`expected_quantity`).
    Last,
    /// The name starts with the words, in order (`number_of_...`).
    Prefix,
    /// Any word is one of them (`units_per_pack`).
    Any,
}

/// One line of the rule list.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub kind: Kind,
    pub at: At,
    pub words: &'static [&'static str],
}

/// The rule list, tried in order; the first match decides.
pub const RULES: &[Rule] = &[
    Rule {
        kind: Kind::Id,
        at: At::Last,
        words: &["id", "ids"],
    },
    Rule {
        kind: Kind::Count,
        at: At::Last,
        words: &["quantity", "quantities", "count"],
    },
    Rule {
        kind: Kind::Count,
        at: At::Prefix,
        words: &["number", "of"],
    },
    Rule {
        kind: Kind::Count,
        at: At::Any,
        words: &["units", "pallets", "pkgs", "packages"],
    },
    // Inventory counts, named by the state of the units they count.
    Rule {
        kind: Kind::Count,
        at: At::Whole,
        words: &[
            "available",
            "unavailable",
            "on_hand",
            "sellable",
            "damaged",
            "expected",
        ],
    },
    Rule {
        kind: Kind::Code,
        at: At::Last,
        words: &["code"],
    },
];

/// The kind of a numeric property called `name`, by [`RULES`].
pub fn kind_of(name: &str) -> Option<Kind> {
    let snake = name.to_snake_case();
    let words: Vec<&str> = snake.split('_').collect();
    RULES.iter().find_map(|rule| {
        let hit = match rule.at {
            At::Whole => rule.words.contains(&snake.as_str()),
            At::Last => words.last().is_some_and(|last| rule.words.contains(last)),
            At::Prefix => words.len() > rule.words.len() && words.starts_with(rule.words),
            At::Any => words.iter().any(|word| rule.words.contains(word)),
        };
        hit.then_some(rule.kind)
    })
}

const BOUNDS: [&str; 7] = [
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "enum",
];

fn is_numeric(schema: &Map<String, Value>) -> bool {
    matches!(
        schema.get("type").and_then(Value::as_str),
        Some("number" | "integer")
    ) && schema.get("format").and_then(Value::as_str) != Some(INTEGER)
}

/// Retypes `schema` (a numeric one) as `kind` says; returns what it became.
fn retype(schema: &mut Map<String, Value>, kind: Kind, request: bool) -> &'static str {
    for key in BOUNDS {
        schema.remove(key);
    }
    if kind == Kind::Id && !request {
        for key in ["default", "example"] {
            schema.remove(key);
        }
        schema.insert("type".into(), json!("string"));
        "string"
    } else {
        schema.insert("type".into(), json!("integer"));
        schema.insert("format".into(), json!(INTEGER));
        "u64"
    }
}

/// The component schemas a request body reaches, transitively.
fn request_schemas(document: &Value) -> BTreeSet<String> {
    let mut roots = Vec::new();
    for item in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for operation in item.as_object().into_iter().flat_map(|item| item.values()) {
            if let Some(body) = operation.get("requestBody") {
                refs::for_each_ref(body, &mut |reference| {
                    roots.extend(refs::schema_name(reference));
                });
            }
        }
    }
    let schemas = document.pointer("/components/schemas");
    let mut reached = BTreeSet::new();
    while let Some(name) = roots.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
            refs::for_each_ref(schema, &mut |reference| {
                roots.extend(refs::schema_name(reference));
            });
        }
    }
    reached
}

/// Retypes every matching property under `value`; `found` collects
/// (kind, property, new type) → where.
fn walk(
    value: &mut Value,
    place: &str,
    request: bool,
    found: &mut BTreeMap<(String, &'static str, String), BTreeSet<String>>,
) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    let Some(kind) = kind_of(name) else { continue };
                    let Some(property) = property.as_object_mut() else {
                        continue;
                    };
                    let target = if is_numeric(property) {
                        Some(property)
                    } else if property.get("type").and_then(Value::as_str) == Some("array") {
                        property
                            .get_mut("items")
                            .and_then(Value::as_object_mut)
                            .filter(|items| is_numeric(items))
                    } else {
                        None
                    };
                    let Some(target) = target else { continue };
                    let was = target
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("number")
                        .to_owned();
                    let now = retype(target, kind, request);
                    let label = match kind {
                        Kind::Count => "count",
                        Kind::Code => "code",
                        Kind::Id => "id",
                    };
                    found
                        .entry((format!("{label} `{name}`"), now, was))
                        .or_default()
                        .insert(place.to_owned());
                }
            }
            for (key, child) in object.iter_mut() {
                if key == "example" || key == "examples" || key.starts_with("x-") {
                    continue;
                }
                walk(child, place, request, found);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| walk(child, place, request, found)),
        _ => {}
    }
}

/// `counts-and-ids`: see the module docs.
pub fn counts_and_ids(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let requested = request_schemas(document);
    let mut found = BTreeMap::new();
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            walk(schema, name, requested.contains(name), &mut found);
        }
    }
    for (path, item) in document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object_mut().into_iter().flatten() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            let place = format!("{} {path}", method.to_uppercase());
            if let Some(body) = operation.get_mut("requestBody") {
                walk(body, &format!("{place} request"), true, &mut found);
            }
            if let Some(responses) = operation.get_mut("responses") {
                walk(responses, &format!("{place} response"), false, &mut found);
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|((what, now, was), places)| {
            let places: Vec<String> = places.into_iter().collect();
            format!("{what} ({was}) is now {now}: {}", places.join(", "))
        })
        .collect())
}

/// `integral-numbers`, on the generated code: every `u64`, `Option<u64>` and
/// `Vec<u64>` field of a generated struct decodes through
/// `flexport_runtime::integral`, which also takes an integral float (`2.0`).
/// Returns `Type.field` of every field changed, sorted.
pub fn integral_fields(file: &mut syn::File) -> Vec<String> {
    crate::lenient_strings::point_fields(file, |_| true, integral_function, "integral")
}

fn integral_function(ty: &syn::Type) -> Option<&'static str> {
    let text = ty.to_token_stream().to_string().replace(' ', "");
    match text.as_str() {
        "u64" => Some("u64"),
        "::std::option::Option<u64>" => Some("option_u64"),
        "::std::vec::Vec<u64>" => Some("u64s"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn names_are_read_by_the_rule_list() {
        for (name, kind) in [
            ("quantity", Some(Kind::Count)),
            ("expectedQuantity", Some(Kind::Count)),
            ("palletCount", Some(Kind::Count)),
            ("numberOfIdenticalPkgs", Some(Kind::Count)),
            ("availableUnits", Some(Kind::Count)),
            ("unitsPerPack", Some(Kind::Count)),
            ("totalPallets", Some(Kind::Count)),
            ("onHand", Some(Kind::Count)),
            ("sellable", Some(Kind::Count)),
            ("id", Some(Kind::Id)),
            ("jobId", Some(Kind::Id)),
            ("quoteIds", Some(Kind::Id)),
            ("code", Some(Kind::Code)),
            ("amount", None),
            ("weight", None),
            ("totalWeight", None),
            ("unitCost", None),
            ("transitDays", None),
            ("number", None),
            ("identifier", None),
            ("expectedAt", None),
        ] {
            assert_eq!(kind_of(name), kind, "{name}");
        }
    }

    #[test]
    fn counts_become_integers_and_ids_strings_except_where_a_request_sends_them() {
        let mut document = json!({
            "paths": {"/r/{id}": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "id": {"type": "number", "format": "double"},
                    "weight": {"type": "number"}
                }}
            }}}}}},
            "/q": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Ask"}
            }}}}}},
            "components": {"schemas": {
                "Ask": {"type": "object", "properties": {
                    "quoteIds": {"type": "array", "items": {"type": "integer"}},
                    "line": {"$ref": "#/components/schemas/Line"}
                }},
                "Line": {"type": "object", "properties": {
                    "quantity": {"type": "integer", "format": "int32", "minimum": 1}
                }},
                "Seen": {"allOf": [{"type": "object", "properties": {
                    "id": {"type": "number"},
                    "code": {"type": "number", "description": "why"}
                }}]}
            }}
        });
        let changes = counts_and_ids(&mut document).unwrap();
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["Line"]["properties"]["quantity"],
            json!({"type": "integer", "format": "uint64"})
        );
        assert_eq!(
            schemas["Ask"]["properties"]["quoteIds"]["items"],
            json!({"type": "integer", "format": "uint64"})
        );
        assert_eq!(
            schemas["Seen"]["allOf"][0]["properties"]["id"],
            json!({"type": "string"})
        );
        assert_eq!(
            schemas["Seen"]["allOf"][0]["properties"]["code"],
            json!({"type": "integer", "format": "uint64", "description": "why"})
        );
        let inline = &document["paths"]["/r/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"];
        assert_eq!(inline["id"], json!({"type": "string"}));
        assert_eq!(inline["weight"], json!({"type": "number"}));
        assert_eq!(
            changes,
            [
                "code `code` (number) is now u64: Seen",
                "count `quantity` (integer) is now u64: Line",
                "id `id` (number) is now string: GET /r/{id} response, Seen",
                "id `quoteIds` (integer) is now u64: Ask",
            ]
        );
        // A second run changes nothing.
        assert!(counts_and_ids(&mut document).unwrap().is_empty());
    }

    #[test]
    fn integral_fields_decode_through_the_runtime() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct Line {
                    pub quantity: u64,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub count: ::std::option::Option<u64>,
                    #[serde(rename = "quoteIds")]
                    pub quote_ids: ::std::vec::Vec<u64>,
                    pub weight: f64,
                }
            }
        };
        let changed = integral_fields(&mut file);
        assert_eq!(changed, ["Line.count", "Line.quantity", "Line.quote_ids"]);
        let text = file.to_token_stream().to_string().replace(' ', "");
        assert!(
            text.contains(
                "#[serde(deserialize_with=\"flexport_runtime::integral::u64\")]pubquantity"
            ),
            "{text}"
        );
        assert!(
            text.contains("flexport_runtime::integral::option_u64"),
            "{text}"
        );
        assert!(text.contains("flexport_runtime::integral::u64s"), "{text}");
    }
}
