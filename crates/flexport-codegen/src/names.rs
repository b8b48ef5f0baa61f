//! Normalization passes that give generated types and methods the names a Rust
//! reader expects, where the documents carry names made for another purpose:
//! revision markers, TypeScript utility types, tag prefixes.
//!
//! Every rename follows one rule: the new name is taken only when no other
//! schema (or operation) has it or would get it, so a rename never merges two
//! things into one name; otherwise every contender keeps its documented name
//! and the change log says why. The documented name stays in the item's docs.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value};

use crate::document::{Unsupported, strip_revision_suffix};
use crate::refs;

/// The normalization passes whose changes rename or retype a public item of
/// the generated crate; `cargo xtask migration-notes` lists their changes.
pub const PUBLIC_ITEM_PASSES: &[&str] = &[
    "operation-ids",
    "revision-suffixes",
    "tag-prefixed-operations",
    "paging-integers",
    "path-parameter-strings",
    "counts-and-ids",
    "schema-names",
    "typescript-utility-names",
    "type-revision-suffixes",
];

/// How the generator spells a schema name, compared without case: `AB`,
/// `a.b` and `Ab` all become the type `Ab`.
fn spelled(name: &str) -> String {
    name.to_upper_camel_case().to_lowercase()
}

/// The prefix of the note a renamed schema's description ends with.
pub const DOCUMENTED_SCHEMA_NOTE: &str = "Documented schema name:";

/// Renames schemas by `renames`, rewriting every `$ref` and appending the
/// documented name to each renamed schema's description.
fn rename_schemas(document: &mut Value, renames: &BTreeMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let renamed: Map<String, Value> = std::mem::take(schemas)
        .into_iter()
        .map(|(name, mut schema)| match renames.get(&name) {
            Some(new_name) => {
                note_documented_name(&mut schema, &name);
                (new_name.clone(), schema)
            }
            None => (name, schema),
        })
        .collect();
    *schemas = renamed;
    refs::for_each_ref_mut(document, &mut |object| {
        let target = object["$ref"].as_str().and_then(refs::schema_name);
        if let Some(new_name) = target.and_then(|name| renames.get(&name)) {
            object.insert("$ref".into(), Value::String(refs::schema_ref(new_name)));
        }
    });
}

fn note_documented_name(schema: &mut Value, documented: &str) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    // A bare `$ref` takes no siblings in OpenAPI 3.0; leave it as it is.
    if object.contains_key("$ref") {
        return;
    }
    let note = format!("{DOCUMENTED_SCHEMA_NOTE} `{documented}`.");
    let description = match object.get("description").and_then(Value::as_str) {
        Some(text) if text.contains(DOCUMENTED_SCHEMA_NOTE) => return,
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{note}"),
        _ => note,
    };
    object.insert("description".into(), Value::String(description));
}

/// The schema name without its revision marker: a version (`V4`), a
/// year-month (`202307`), as [`strip_revision_suffix`] reads operationIds, or
/// `Unstable` after a lower-case letter or digit (`ItemDataUnstable`: the
/// revision of the type that was unstable when it was named; a stable crate
/// ships it as that version's type).
pub fn strip_type_revision_suffix(name: &str) -> Option<&str> {
    if let Some(stem) = name.strip_suffix("Unstable") {
        let boundary = stem
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        return (boundary && stem.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(stem);
    }
    strip_revision_suffix(name)
}

/// `type-revision-suffixes`: the schema counterpart of `revision-suffixes`.
pub fn type_revision_suffixes(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let names: Vec<String> = schema_names(document);
    let current: BTreeSet<String> = names.iter().map(|n| spelled(n)).collect();
    let mut contenders: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in &names {
        if let Some(neutral) = strip_type_revision_suffix(name) {
            contenders.entry(spelled(neutral)).or_default().push(name);
        }
    }
    let mut renames = BTreeMap::new();
    let mut changes = Vec::new();
    for (neutral, names) in &contenders {
        if names.len() == 1 && !current.contains(neutral) {
            let name = names[0];
            let stripped = strip_type_revision_suffix(name).expect("a contender");
            renames.insert(name.to_owned(), stripped.to_owned());
        } else {
            let stripped = strip_type_revision_suffix(names[0]).unwrap_or(neutral);
            let why = if current.contains(neutral) {
                format!("schema `{stripped}` exists")
            } else {
                format!("{} schemas would be `{stripped}`", names.len())
            };
            changes.push(format!("{} keep their suffix: {why}", names.join(", ")));
        }
    }
    changes.extend(
        renames
            .iter()
            .map(|(old, new)| format!("schema {old:?} is now {new:?}")),
    );
    rename_schemas(document, &renames);
    Ok(changes)
}

fn schema_names(document: &Value) -> Vec<String> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default()
}

/// What a TypeScript utility-type schema name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtilityName {
    /// The type the utility is applied to.
    pub base: String,
    /// The keys it leaves out, in PascalCase (`Warehouse`).
    pub omitted: Vec<String>,
}

/// Reads `Pick<X, Exclude<keyof X, "k">>` (TypeScript's `Omit<X, "k">`) from
/// a schema name, as tsoa writes it (`Pick_X.Exclude_keyofX.k__`, several
/// keys joined by `-or-`) or as `schema-names` PascalCases that
/// (`PickXExcludeKeyofXK`). The type named after `Pick` must be the one after
/// `keyof`, which is what tells the utility from a name that merely starts
/// with `Pick` (`PickupInput`, `PickListExcludedItems`).
pub fn typescript_utility(name: &str) -> Option<UtilityName> {
    if let Some(rest) = name.strip_prefix("Pick_") {
        let (base, rest) = rest.split_once(".Exclude_keyof")?;
        let rest = rest.strip_prefix(base)?.strip_prefix('.')?;
        let keys = rest.strip_suffix("__")?;
        let omitted: Vec<String> = keys
            .split("-or-")
            .map(|key| key.trim_matches('"').to_upper_camel_case())
            .collect();
        return (is_identifier(base) && omitted.iter().all(|k| is_identifier(k))).then(|| {
            UtilityName {
                base: base.to_owned(),
                omitted,
            }
        });
    }
    let rest = name.strip_prefix("Pick")?;
    let (base, rest) = rest.split_once("ExcludeKeyof")?;
    let keys = rest.strip_prefix(base)?;
    let starts_upper = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
    if !starts_upper(base) || !starts_upper(keys) || !is_identifier(base) || !is_identifier(keys) {
        return None;
    }
    Some(UtilityName {
        base: base.to_owned(),
        omitted: keys.split("Or").map(str::to_owned).collect(),
    })
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `typescript-utility-names`: `Pick<X, Exclude<keyof X, "k">>` becomes `X`
/// when no schema is called `X` (the document never shows the full type, so
/// this is the API's `X`), else `XWithoutK`; when that is taken too, the
/// schema keeps its name.
pub fn typescript_utility_names(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let names = schema_names(document);
    let mut taken: BTreeSet<String> = names.iter().map(|n| spelled(n)).collect();
    let mut renames = BTreeMap::new();
    let mut changes = Vec::new();
    for name in &names {
        let Some(utility) = typescript_utility(name) else {
            continue;
        };
        let without = format!("{}Without{}", utility.base, utility.omitted.join("And"));
        let Some(new_name) = [utility.base.clone(), without.clone()]
            .into_iter()
            .find(|candidate| !taken.contains(&spelled(candidate)))
        else {
            changes.push(format!(
                "schema {name:?} keeps its name: `{}` and `{without}` exist",
                utility.base
            ));
            continue;
        };
        taken.remove(&spelled(name));
        taken.insert(spelled(&new_name));
        changes.push(format!("schema {name:?} is now {new_name:?}"));
        renames.insert(name.clone(), new_name);
    }
    rename_schemas(document, &renames);
    Ok(changes)
}

/// The singular of a tag that names a resource: `Returns` → `Return`.
fn singular(tag: &str) -> Option<&str> {
    tag.strip_suffix('s').filter(|stem| !stem.ends_with('s'))
}

/// `tag-prefixed-operations`: an operationId made of its tag, a verb and the
/// singular of *another* tag (`ReturnsCreateOrder` under `Returns`, where
/// `Orders` is a tag of its own) creates, gets or cancels the tag's resource,
/// not the other one: it becomes the verb and the tag's singular
/// (`CreateReturn`), with the same clash rule as `revision-suffixes`. An id
/// whose noun is its own tag's (`OrdersCreateOrder`) or no tag's
/// (`ReturnsGetLabel`) keeps its name.
pub fn tag_prefixed_operations(document: &mut Value) -> Result<Vec<String>, Unsupported> {
    let mut tags: BTreeSet<String> = BTreeSet::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for (_, _, operation) in crate::document::operations_mut(document) {
        for tag in operation
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            tags.insert(tag.to_upper_camel_case());
        }
        if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
            ids.insert(id.to_snake_case());
        }
    }
    let nouns: BTreeMap<&str, &str> = tags
        .iter()
        .filter_map(|tag| Some((singular(tag)?, tag.as_str())))
        .collect();
    // (documented id, new id) by the new id's snake case, to find clashes.
    let mut proposals: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (_, _, operation) in crate::document::operations_mut(document) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let Some(tag) = operation
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|tags| tags.first())
            .and_then(Value::as_str)
            .map(ToUpperCamelCase::to_upper_camel_case)
        else {
            continue;
        };
        let Some(own) = singular(&tag) else {
            continue;
        };
        let Some(rest) = id
            .to_upper_camel_case()
            .strip_prefix(&tag)
            .map(str::to_owned)
        else {
            continue;
        };
        let Some((noun, _)) = nouns
            .iter()
            .filter(|(noun, other)| **noun != own && **other != tag && rest.ends_with(**noun))
            .max_by_key(|(noun, _)| noun.len())
        else {
            continue;
        };
        let verb = &rest[..rest.len() - noun.len()];
        if !verb.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        let new_id = format!("{verb}{own}");
        proposals
            .entry(new_id.to_snake_case())
            .or_default()
            .push((id.to_owned(), new_id));
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut changes = Vec::new();
    for (snake, contenders) in proposals {
        if contenders.len() == 1 && !ids.contains(&snake) {
            let (old, new) = contenders.into_iter().next().expect("one");
            renames.insert(old, new);
        } else {
            let why = if ids.contains(&snake) {
                format!("operation `{snake}` exists")
            } else {
                format!("{} operations would be `{snake}`", contenders.len())
            };
            let olds: Vec<&str> = contenders.iter().map(|(old, _)| old.as_str()).collect();
            changes.push(format!("{} keep their name: {why}", olds.join(", ")));
        }
    }
    for (method, path, operation) in crate::document::operations_mut(document) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let Some(new_id) = renames.get(id) else {
            continue;
        };
        changes.push(format!(
            "{} {path}: operationId {id:?} is now {new_id:?}",
            method.to_uppercase()
        ));
        crate::document::note_documented_operation_id(operation, id.to_owned());
        operation.insert("operationId".into(), Value::String(new_id.clone()));
    }
    Ok(changes)
}
