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

/// A copy of the workspace's files (those git tracks, and new ones it does
/// not ignore) in a new temporary folder, links kept as links: a scratch
/// checkout for commands that change the repository.
pub fn scratch_copy_of_workspace() -> tempfile::TempDir {
    let root = workspace_root();
    let listed = std::process::Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files failed");
    let scratch = tempfile::tempdir().expect("a temporary folder");
    for name in listed
        .stdout
        .split(|byte| *byte == 0)
        .filter(|n| !n.is_empty())
    {
        let name = std::str::from_utf8(name).expect("UTF-8 paths");
        let from = root.join(name);
        let Ok(metadata) = std::fs::symlink_metadata(&from) else {
            continue; // deleted but not yet staged
        };
        let to = scratch.path().join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(&from).unwrap();
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, &to).unwrap();
            #[cfg(not(unix))]
            let _ = target;
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    scratch
}

/// Every file and link below `dir` (but `.git` and `target`) with a digest
/// of its bytes or its link target, and every directory: two trees with the
/// same fingerprint hold the same files byte for byte.
pub fn tree_fingerprint(dir: &Path) -> std::collections::BTreeMap<String, String> {
    use sha2::Digest;
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if name == ".git" || name == "target" {
                continue;
            }
            let kind = entry.file_type().unwrap();
            let value = if kind.is_symlink() {
                format!("link {}", std::fs::read_link(&path).unwrap().display())
            } else if kind.is_dir() {
                pending.push(path);
                "dir".to_owned()
            } else {
                format!("{:x}", sha2::Sha256::digest(std::fs::read(&path).unwrap()))
            };
            out.insert(name, value);
        }
    }
    out
}

/// The committed `unstable` document made into `version`'s: its paths
/// moved below `/logistics/api/{version}/` and `info.version` set, as a
/// new dated version of Flexport's would look.
pub fn unstable_document_as(version: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(workspace_root().join("specs/unstable.json"))
        .expect("specs/unstable.json");
    let moved = text.replace(
        "/logistics/api/unstable/",
        &format!("/logistics/api/{version}/"),
    );
    let mut document: serde_json::Value = serde_json::from_str(&moved).expect("JSON");
    document["info"]["version"] = version.into();
    serde_json::to_vec_pretty(&document).expect("serializes")
}

/// The paths whose entries differ between two [`tree_fingerprint`]s.
pub fn tree_differences(
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|path| before.get(*path) != after.get(*path))
        .map(|path| match (before.get(path), after.get(path)) {
            (None, _) => format!("{path}: new"),
            (_, None) => format!("{path}: gone"),
            _ => format!("{path}: changed"),
        })
        .collect()
}
