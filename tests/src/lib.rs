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

/// A mirror of Flexport's documents made from what the repository holds: in
/// a new temporary folder, each document of `specs/specs.lock` at
/// `logistics/api/{version}/documentation/raw`, byte for byte
/// `specs/{version}.json` (checked against the lock's sha256, so a mirror
/// never serves a document the lock does not record).
pub fn mirror_of_committed_specs() -> tempfile::TempDir {
    use sha2::Digest;
    let specs = workspace_root().join("specs");
    let lock: serde_json::Value = serde_json::from_slice(
        &std::fs::read(specs.join("specs.lock")).expect("specs/specs.lock exists"),
    )
    .expect("the lock is JSON");
    let mirror = tempfile::tempdir().expect("a temporary folder");
    let documents = lock["documents"]
        .as_object()
        .expect("the lock lists documents");
    for (version, entry) in documents {
        let bytes = std::fs::read(specs.join(format!("{version}.json")))
            .unwrap_or_else(|e| panic!("specs/{version}.json: {e}"));
        let sha256 = format!("{:x}", sha2::Sha256::digest(&bytes));
        assert_eq!(
            Some(sha256.as_str()),
            entry["sha256"].as_str(),
            "specs/{version}.json is not what specs.lock records"
        );
        write_mirror_document(mirror.path(), version, &bytes);
    }
    mirror
}

/// Puts `bytes` in `mirror` as `version`'s document.
pub fn write_mirror_document(mirror: &Path, version: &str, bytes: &[u8]) {
    let dir = mirror.join(format!("logistics/api/{version}/documentation"));
    std::fs::create_dir_all(&dir).expect("a writable mirror");
    std::fs::write(dir.join("raw"), bytes).expect("a writable mirror");
}

/// The `file://` base URL of a mirror folder, for `--base-url`.
pub fn file_base_url(mirror: &Path) -> String {
    let mirror = mirror
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", mirror.display()));
    format!("file://{}", mirror.display())
}
