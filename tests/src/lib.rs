//! Shared helpers for the workspace tests: where the committed documents
//! and crates are.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The committed documents, as `(version, path)` sorted by version, read from
/// `specs/` so that a newly synced version is covered without editing tests.
pub fn committed_documents() -> Vec<(String, PathBuf)> {
    let mut documents: Vec<(String, PathBuf)> = std::fs::read_dir(workspace_root().join("specs"))
        .expect("specs/ exists")
        .map(|entry| entry.expect("readable specs/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    documents.sort();
    documents
}

/// The version crate generated from `version`'s document.
pub fn version_crate_dir(version: &str) -> PathBuf {
    workspace_root()
        .join("crates")
        .join(format!("flexport-logistics-{version}"))
}
