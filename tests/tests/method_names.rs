//! Method names stay the same from one API version to the next for an
//! operation whose documented operationId differs at most in its revision
//! suffix, across all committed documents.

use std::collections::BTreeMap;

use heck::ToSnakeCase;

use flexport_codegen::normalize::{normalize, strip_revision_suffix};
use flexport_codegen::operations::{operations, path_prefix};
use flexport_tests::committed_documents;
use serde_json::Value;

/// `(METHOD, path after the version prefix)` → operationId.
fn ids(document: &Value) -> BTreeMap<(String, String), String> {
    let prefix = path_prefix(document);
    operations(document)
        .into_iter()
        .filter_map(|op| {
            let path = op.path[prefix.len()..].to_owned();
            Some(((op.method, path), op.operation_id?))
        })
        .collect()
}

/// The generator's spelling of a method name.
fn snake(id: &str) -> String {
    id.to_snake_case()
}

fn neutral(id: &str) -> String {
    snake(strip_revision_suffix(id).unwrap_or(id))
}

#[test]
fn unchanged_operations_keep_their_method_names_across_versions() {
    let documents: Vec<(String, Value, Value)> = committed_documents()
        .into_iter()
        .map(|(version, path)| {
            let raw: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            let mut normalized = raw.clone();
            normalize(&mut normalized).unwrap();
            (version, raw, normalized)
        })
        .collect();
    let mut compared = 0;
    let mut suffix_changes = 0;
    for pair in documents.windows(2) {
        let [(old_version, old_raw, old), (new_version, new_raw, new)] = pair else {
            unreachable!()
        };
        let (old_raw, new_raw) = (ids(old_raw), ids(new_raw));
        let (old, new) = (ids(old), ids(new));
        for (key, old_id) in &old {
            let Some(new_id) = new.get(key) else { continue };
            let (old_documented, new_documented) = (&old_raw[key], &new_raw[key]);
            if neutral(old_documented) != neutral(new_documented) {
                continue; // a real rename in the documents
            }
            compared += 1;
            suffix_changes += usize::from(old_documented != new_documented);
            assert_eq!(
                snake(old_id),
                snake(new_id),
                "{key:?}: `{old_documented}` in {old_version} and `{new_documented}` in {new_version} must give one method name"
            );
        }
    }
    assert!(compared > 150, "only {compared} operations compared");
    // The committed documents keep their suffixes from version to version
    // (`suffix_changes` is 0); `a_revision_bump_keeps_the_method_name` shows
    // the rule for a change.
    assert_eq!(suffix_changes, 0);
}

#[test]
fn a_revision_bump_keeps_the_method_name() {
    // The newest committed document, with Flexport bumping one revision.
    let (_, path) = committed_documents().pop().unwrap();
    let raw: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut bumped = raw.clone();
    let mut renamed = None;
    for item in bumped["paths"].as_object_mut().unwrap().values_mut() {
        for operation in item.as_object_mut().unwrap().values_mut() {
            if operation["operationId"] == "CreateOrder202307" {
                operation["operationId"] = "CreateOrder202501".into();
                renamed = Some(());
            }
        }
    }
    renamed.expect("the document has CreateOrder202307");
    for mut document in [raw, bumped] {
        normalize(&mut document).unwrap();
        assert!(
            ids(&document).values().any(|id| id == "CreateOrder"),
            "create_order keeps its name"
        );
    }
}

#[test]
fn revision_suffixed_operations_get_neutral_names() {
    for (version, path) in committed_documents() {
        let mut document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        normalize(&mut document).unwrap();
        let names: Vec<String> = ids(&document).values().map(|id| snake(id)).collect();
        for expected in [
            "create_order",
            "create_parcel",
            "create_inbounding_shipment",
            "get_inbounding_shipment",
        ] {
            assert!(
                names.iter().any(|name| name == expected),
                "{version}: no {expected}"
            );
        }
        let suffixed: Vec<&String> = names
            .iter()
            .filter(|name| strip_revision_suffix(name).is_some())
            .collect();
        assert!(suffixed.is_empty(), "{version}: {suffixed:?} kept a suffix");
    }
}

#[test]
fn type_names_carry_no_revision_or_typescript_marker() {
    use flexport_codegen::names::{strip_type_revision_suffix, typescript_utility};
    for (version, path) in committed_documents() {
        let mut document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        normalize(&mut document).unwrap();
        let names: Vec<&String> = document["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        for name in &names {
            assert!(typescript_utility(name).is_none(), "{version}: {name}");
            assert!(!name.ends_with("Unstable"), "{version}: {name}");
            // A suffix stays only where the clash rule keeps it.
            if let Some(neutral) = strip_type_revision_suffix(name) {
                let rivals = names
                    .iter()
                    .filter(|other| {
                        *other != name
                            && (other.as_str() == neutral
                                || strip_type_revision_suffix(other) == Some(neutral))
                    })
                    .count();
                assert!(rivals > 0, "{version}: {name} kept its suffix alone");
            }
        }
    }
}
