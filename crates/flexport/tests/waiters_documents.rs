//! The waiters against the documents in `specs/`: every enabled version has
//! exactly the waiters whose operation its document has, and every waiter's
//! states are exactly the values its document declares for the field it
//! reads (so a value a newer document adds must be sorted before it ships),
//! or, where the document leaves the field a plain string, it says so.

use std::collections::BTreeSet;

use flexport::waiters::{ALL, Acceptors, Waiters};
use serde_json::Value;

/// Every enabled version, with the waiters its client has.
#[allow(clippy::vec_init_then_push)]
fn enabled() -> Vec<(&'static str, Vec<&'static Acceptors>)> {
    #[allow(unused_mut)]
    let mut versions: Vec<(&'static str, Vec<&'static Acceptors>)> = Vec::new();
    #[cfg(feature = "v2023-04")]
    versions.push(("2023-04", flexport::v2023_04::Client::available_waiters()));
    #[cfg(feature = "v2023-07")]
    versions.push(("2023-07", flexport::v2023_07::Client::available_waiters()));
    #[cfg(feature = "v2023-10")]
    versions.push(("2023-10", flexport::v2023_10::Client::available_waiters()));
    #[cfg(feature = "v2024-01")]
    versions.push(("2024-01", flexport::v2024_01::Client::available_waiters()));
    #[cfg(feature = "v2024-04")]
    versions.push(("2024-04", flexport::v2024_04::Client::available_waiters()));
    #[cfg(feature = "unstable")]
    versions.push(("unstable", flexport::unstable::Client::available_waiters()));
    versions
}

fn document(version: &str) -> Value {
    let path = format!("{}/../../specs/{version}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        schema = &doc["components"]["schemas"][name];
    }
    schema
}

/// The schemas a dotted `path` reaches from `schema`, through references and
/// every branch of `allOf`, `oneOf` and `anyOf`.
fn reach<'a>(doc: &'a Value, schema: &'a Value, path: &[&str], found: &mut Vec<&'a Value>) {
    let schema = resolve(doc, schema);
    for combinator in ["allOf", "oneOf", "anyOf"] {
        for branch in schema
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            reach(doc, branch, path, found);
        }
    }
    match path.split_first() {
        None if schema.get("allOf").is_none() => found.push(schema),
        None => {}
        Some((first, rest)) => {
            if let Some(property) = schema.get("properties").and_then(|p| p.get(*first)) {
                reach(doc, property, rest, found);
            }
        }
    }
}

/// The 200 answer's schema of the operation, if the document has it.
fn answer<'a>(doc: &'a Value, operation: &str) -> Option<&'a Value> {
    doc["paths"].as_object().unwrap().values().find_map(|item| {
        item.as_object()?.values().find_map(|op| {
            (op.get("operationId")?.as_str()? == operation)
                .then(|| &op["responses"]["200"]["content"]["application/json"]["schema"])
        })
    })
}

#[test]
fn each_version_has_the_waiters_its_document_has() {
    let versions = enabled();
    #[cfg(feature = "full")]
    assert_eq!(
        versions.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        flexport_sandbox::VERSIONS.to_vec(),
        "a version is missing from this test"
    );
    for (version, available) in versions {
        let doc = document(version);
        let expected: Vec<&str> = ALL
            .iter()
            .filter(|acceptors| answer(&doc, acceptors.operation).is_some())
            .map(|acceptors| acceptors.name)
            .collect();
        let mut have: Vec<&str> = available.iter().map(|acceptors| acceptors.name).collect();
        have.sort_by_key(|name| ALL.iter().position(|a| a.name == *name));
        assert_eq!(have, expected, "{version}");
    }
}

#[test]
fn each_waiter_sorts_exactly_the_states_its_document_declares() {
    for (version, available) in enabled() {
        let doc = document(version);
        for acceptors in available {
            let schema = answer(&doc, acceptors.operation).unwrap();
            let path: Vec<&str> = acceptors.field.split('.').collect();
            let mut leaves = Vec::new();
            reach(&doc, schema, &path, &mut leaves);
            assert!(
                !leaves.is_empty(),
                "{version}: no {} in {}",
                acceptors.field,
                acceptors.operation
            );
            let declared: BTreeSet<&str> = leaves
                .iter()
                .flat_map(|leaf| {
                    leaf.get("enum")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
                .map(|value| value.as_str().unwrap())
                .collect();
            let named: BTreeSet<&str> = [acceptors.success, acceptors.failure, acceptors.pending]
                .concat()
                .into_iter()
                .collect();
            if acceptors.declared {
                assert_eq!(named, declared, "{version}: {}", acceptors.name);
            } else {
                assert!(
                    declared.is_empty(),
                    "{version}: {} has an enum now",
                    acceptors.name
                );
                assert!(
                    leaves.iter().all(|leaf| leaf["type"] == "string"),
                    "{version}: {}",
                    acceptors.name
                );
            }
        }
    }
}
