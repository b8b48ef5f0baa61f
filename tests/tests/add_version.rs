//! `cargo xtask add-version` and `remove-version` on scratch copies of the
//! workspace: every place a version needs is written, nothing stays changed
//! when a step fails, and removing a version added restores the tree byte
//! for byte. (Building the facade with only a new version and calling the
//! sandbox through it is the slower CI step `scripts/add-version-check.sh`.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use flexport_tests::{
    file_base_url, scratch_copy_of_workspace, tree_fingerprint, unstable_document_as,
    workspace_root, write_mirror_document,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xtask::sync::RetryPolicy;
use xtask::versions::{
    AddOptions, Kind, VersionError, add_version, crate_files, read_versions, remove_version,
};

const NEW: &str = "2026-02";

fn options(root: &Path, base_url: &str) -> AddOptions {
    AddOptions {
        root: root.to_owned(),
        version: NEW.to_owned(),
        base_url: base_url.to_owned(),
        retry: RetryPolicy {
            attempts: 2,
            first_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        },
        max_document_bytes: xtask::sync::DEFAULT_MAX_DOCUMENT_BYTES,
    }
}

/// A mirror holding `document` as the new version's.
fn mirror_with(document: &[u8]) -> (tempfile::TempDir, String) {
    let mirror = tempfile::tempdir().unwrap();
    write_mirror_document(mirror.path(), NEW, document);
    let base_url = file_base_url(mirror.path());
    (mirror, base_url)
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn adding_a_version_writes_every_place_and_removing_it_restores_the_tree() {
    let scratch = scratch_copy_of_workspace();
    let root = scratch.path();
    let (_mirror, base_url) = mirror_with(&unstable_document_as(NEW));

    // A failure in the write phase (a directory where a pending snapshot
    // goes) comes after the download, the generation and the notes: it
    // must leave every file as it was.
    let blocker = root.join(format!(
        "tests/tests/snapshots/generated_clients__client-{NEW}.snap.new"
    ));
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "x").unwrap();
    let blocked = tree_fingerprint(root);
    let error = add_version(&options(root, &base_url)).await.unwrap_err();
    assert!(
        matches!(error, VersionError::Write(_)) && error.to_string().contains(".snap.new"),
        "{error}"
    );
    assert_eq!(
        tree_fingerprint(root),
        blocked,
        "a failed add changed files"
    );
    std::fs::remove_dir_all(&blocker).unwrap();

    let before = tree_fingerprint(root);
    let outcome = add_version(&options(root, &base_url)).await.unwrap();
    let mut changed: Vec<(String, Kind)> = outcome
        .files
        .iter()
        .map(|(path, kind)| (path.display().to_string(), *kind))
        .collect();
    changed.sort();
    let crate_dir = format!("crates/flexport-logistics-{NEW}");
    let mut expected: Vec<(String, Kind)> = [
        ("Cargo.lock", Kind::Modified),
        ("README.md", Kind::Modified),
        ("crates/flexport-runtime/src/lib.rs", Kind::Modified),
        ("crates/flexport/Cargo.toml", Kind::Modified),
        ("crates/flexport/src/lib.rs", Kind::Modified),
        ("crates/flexport/src/versions.rs", Kind::Modified),
        ("docs/migrations/README.md", Kind::Modified),
        ("docs/migrations/2024-04-to-unstable.md", Kind::Removed),
        ("specs/specs.lock", Kind::Modified),
        ("tests/examples/generated_clients.rs", Kind::Modified),
    ]
    .into_iter()
    .map(|(path, kind)| (path.to_owned(), kind))
    .chain(
        [
            format!("{crate_dir}/Cargo.toml"),
            format!("{crate_dir}/build.rs"),
            format!("{crate_dir}/openapi.json"),
            format!("{crate_dir}/src/lib.rs"),
            format!("docs/migrations/2024-04-to-{NEW}.md"),
            format!("docs/migrations/{NEW}-to-unstable.md"),
            format!("docs/migrations/release-notes/{NEW}.json"),
            format!("specs/{NEW}.json"),
            format!("tests/tests/snapshots/generated_clients__client-{NEW}.snap.new"),
            format!("tests/tests/snapshots/generated_clients__normalization-{NEW}.snap.new"),
        ]
        .into_iter()
        .map(|path| (path, Kind::Added)),
    )
    .collect();
    expected.sort();
    assert_eq!(changed, expected);

    // The places, as the versions test reads them in the committed tree.
    let versions = read_versions(root).unwrap();
    assert_eq!(
        versions,
        [
            "2023-04", "2023-07", "2023-10", "2024-01", "2024-04", NEW, "unstable"
        ]
    );
    let manifest = read(root, "crates/flexport/Cargo.toml");
    assert!(manifest.contains(&format!("v{NEW} = [\"dep:flexport-logistics-{NEW}\"]")));
    assert!(manifest.contains(&format!("\"v2024-04\", \"v{NEW}\", \"unstable\"]")));
    assert!(manifest.contains(&format!("\"flexport-logistics-{NEW}?/schemars\"")));
    let facade_lib = read(root, "crates/flexport/src/lib.rs");
    assert!(facade_lib.contains(&format!(
        "#[cfg(feature = \"v{NEW}\")]\npub use flexport_logistics_2026_02 as v2026_02;"
    )));
    assert!(read(root, "README.md").contains(&format!("| `{NEW}` | 64 | 237 |")));
    assert_eq!(
        std::fs::read_link(root.join(&crate_dir).join("openapi.json")).unwrap(),
        PathBuf::from(format!("../../specs/{NEW}.json"))
    );
    assert_eq!(
        std::fs::read(root.join(format!("specs/{NEW}.json"))).unwrap(),
        unstable_document_as(NEW)
    );
    let page = read(root, &format!("docs/migrations/2024-04-to-{NEW}.md"));
    assert!(
        page.contains("`2024-04`") && page.contains(NEW),
        "{page}"
    );
    assert!(
        read(root, "docs/migrations/README.md")
            .contains(&format!("| [`2024-04`](2024-04-to-{NEW}.md) | `{NEW}` |")),
    );
    // Pending for review, never accepted.
    assert!(
        !root
            .join(format!(
                "tests/tests/snapshots/generated_clients__client-{NEW}.snap"
            ))
            .exists()
    );
    rustfmt_accepts(root, &outcome.files);

    let removed = remove_version(root, NEW).unwrap();
    assert_eq!(removed.files.len(), outcome.files.len(), "{removed:?}");
    assert_eq!(
        tree_fingerprint(root),
        before,
        "remove-version left changes"
    );
}

/// The Rust files the command wrote are as `cargo fmt` leaves them.
fn rustfmt_accepts(root: &Path, files: &[(PathBuf, Kind)]) {
    let rust: Vec<PathBuf> = files
        .iter()
        .filter(|(path, kind)| {
            *kind != Kind::Removed && path.extension().is_some_and(|ext| ext == "rs")
        })
        .map(|(path, _)| root.join(path))
        .collect();
    let output = std::process::Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(&rust)
        .output()
        .expect("rustfmt runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[tokio::test]
async fn a_failed_download_or_an_invalid_document_changes_nothing() {
    let scratch = scratch_copy_of_workspace();
    let root = scratch.path();
    let before = tree_fingerprint(root);

    let server = MockServer::start().await;
    Mock::given(path(format!("/logistics/api/{NEW}/documentation/raw")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let error = add_version(&options(root, &server.uri()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("after 2 attempts"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(tree_fingerprint(root), before);

    let document = unstable_document_as(NEW);
    let cut = &document[..document.len() / 2];
    let unstable_paths = std::fs::read(workspace_root().join("specs/unstable.json")).unwrap();
    for (bad, expected) in [
        (cut, "truncated"),
        (unstable_paths.as_slice(), "outside /logistics/api/2026-02/"),
    ] {
        let (_mirror, base_url) = mirror_with(bad);
        let error = add_version(&options(root, &base_url)).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
        assert!(error.to_string().contains("nothing was changed"), "{error}");
        assert_eq!(tree_fingerprint(root), before, "after: {error}");
    }
}

#[tokio::test]
async fn refusals_change_nothing() {
    let scratch = scratch_copy_of_workspace();
    let root = scratch.path();
    let before = tree_fingerprint(root);
    let unreachable = "http://127.0.0.1:9";
    for (version, expected) in [
        ("2024-04", "already an API version"),
        ("2026-13", "not a dated API version"),
        ("../x", "not a dated API version"),
        ("unstable", "already an API version"),
    ] {
        let options = AddOptions {
            version: version.to_owned(),
            ..options(root, unreachable)
        };
        let error = add_version(&options).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{version}: {error}");
    }
    for (version, expected) in [
        ("2024-04", "the facade's default version"),
        ("2031-01", "not an API version"),
        // The sandbox's tests use the facade's `unstable` feature.
        ("unstable", "crates/flexport-sandbox/Cargo.toml"),
    ] {
        let error = remove_version(root, version).unwrap_err();
        assert!(error.to_string().contains(expected), "{version}: {error}");
    }
    assert_eq!(tree_fingerprint(root), before);
}

#[test]
fn the_crate_template_makes_the_committed_version_crates() {
    for version in flexport_runtime::API_VERSIONS {
        for (path, content) in crate_files(version) {
            let committed = workspace_root().join(&path);
            match content {
                xtask::files::Content::File(bytes) => assert!(
                    std::fs::read(&committed).unwrap() == bytes,
                    "{path} differs from the template in xtask/src/template/"
                ),
                xtask::files::Content::Link(target) => {
                    assert_eq!(std::fs::read_link(&committed).unwrap(), target, "{path}")
                }
                xtask::files::Content::Absent => unreachable!(),
            }
        }
    }
}

#[test]
fn pending_snapshots_are_what_insta_writes_when_accepted() {
    let version = "2023-04";
    let document = std::fs::read(workspace_root().join(format!("specs/{version}.json"))).unwrap();
    let generated = flexport_codegen::generate(&document).unwrap();
    for (name, contents) in xtask::versions::snapshots(version, &generated) {
        let committed =
            std::fs::read_to_string(workspace_root().join("tests/tests/snapshots").join(&name))
                .unwrap();
        if committed != contents {
            let at = committed
                .bytes()
                .zip(contents.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(committed.len().min(contents.len()));
            panic!(
                "{name} differs at byte {at}: committed {:?}, written {:?}",
                &committed[at.saturating_sub(80)..(at + 80).min(committed.len())],
                &contents[at.saturating_sub(80)..(at + 80).min(contents.len())],
            );
        }
    }
}
