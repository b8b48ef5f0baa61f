//! The generated clients: pinned by snapshots, and checked to cover every
//! operation of their documents.

use std::collections::BTreeSet;

use flexport_codegen::operations::operations;
use flexport_tests::{committed_documents, version_crate_dir, workspace_root};

/// `(METHOD, path)` of every client method, from the `OPERATIONS` table
/// the generator emits (a row exists only where the generated client has
/// the operation's method).
fn generated_endpoints(generated: &flexport_codegen::Generated) -> Vec<(String, String)> {
    generated
        .operations
        .iter()
        .map(|row| (row.method.clone(), row.path.clone()))
        .collect()
}

fn generate(version: &str, path: &std::path::Path) -> flexport_codegen::Generated {
    let bytes = std::fs::read(path).unwrap();
    flexport_codegen::generate(&bytes).unwrap_or_else(|error| panic!("{version}: {error}"))
}

#[test]
fn every_version_of_the_list_is_committed() {
    let versions: Vec<String> = committed_documents()
        .into_iter()
        .map(|(version, _)| version)
        .collect();
    assert_eq!(versions, flexport_runtime::API_VERSIONS);
}

#[test]
fn every_operation_of_every_document_has_a_client_method() {
    for (version, path) in committed_documents() {
        let document: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let declared: BTreeSet<(String, String)> = operations(&document)
            .into_iter()
            .map(|op| (op.method, op.path))
            .collect();
        let generated = generated_endpoints(&generate(&version, &path));
        let generated_set: BTreeSet<(String, String)> = generated.iter().cloned().collect();

        let missing: Vec<_> = declared.difference(&generated_set).collect();
        let extra: Vec<_> = generated_set.difference(&declared).collect();
        assert!(
            missing.is_empty(),
            "{version}: operations without a client method: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "{version}: client methods for no declared operation: {extra:?}"
        );
        assert_eq!(
            generated.len(),
            declared.len(),
            "{version}: an operation has more than one method"
        );
    }
}

#[test]
fn the_completeness_check_sees_a_dropped_operation() {
    let (version, path) = committed_documents().pop().unwrap();
    let mut document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let declared = operations(&document).len();
    let first_path = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let dropped = document["paths"][&first_path].as_object().unwrap().len();
    document["paths"]
        .as_object_mut()
        .unwrap()
        .remove(&first_path);
    let generated = flexport_codegen::generate_from_value(document).unwrap();
    assert_eq!(
        generated_endpoints(&generated).len(),
        declared - dropped,
        "{version}"
    );
}

#[test]
fn each_version_crate_builds_from_its_committed_document() {
    for (version, path) in committed_documents() {
        let crate_document =
            version_crate_dir(&version).join(flexport_codegen::build_script::DOCUMENT_FILE);
        assert_eq!(
            std::fs::read(&crate_document)
                .unwrap_or_else(|e| panic!("{}: {e}", crate_document.display())),
            std::fs::read(&path).unwrap(),
            "{version}: the crate's openapi.json is not specs/{version}.json"
        );
    }
}

#[test]
fn readme_states_the_operation_counts() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for (version, path) in committed_documents() {
        let document: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let row = format!("| `{version}` | {} |", operations(&document).len());
        assert!(readme.contains(&row), "README.md lacks the row {row:?}");
    }
}

#[test]
fn generated_code_matches_the_reviewed_snapshots() {
    for (version, path) in committed_documents() {
        let generated = generate(&version, &path);
        let changes: Vec<String> = generated
            .changes
            .iter()
            .map(|change| format!("{}: {}", change.pass, change.detail))
            .collect();
        insta::assert_snapshot!(format!("normalization-{version}"), changes.join("\n"));
        insta::assert_snapshot!(format!("client-{version}"), generated.code);
    }
}
