//! `cargo xtask add-version` and `remove-version` on scratch copies of the
//! workspace: every place a version needs is written, nothing stays changed
//! when a step fails, and removing a version added restores the tree byte
//! for byte. (Building the facade with only a new version and calling the
//! sandbox through it is the slower CI step `scripts/add-version-check.sh`.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use flexport_tests::{
    file_base_url, scratch_copy_of_workspace, tree_differences, tree_fingerprint,
    unstable_document_as, workspace_root, write_mirror_document,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xtask::sync::DownloadRetries;
use xtask::versions::{
    AddOptions, Kind, VersionError, add_version, crate_files, read_versions, remove_version,
};

const NEW: &str = "2026-02";

fn options(root: &Path, base_url: &str) -> AddOptions {
    AddOptions {
        root: root.to_owned(),
        version: NEW.to_owned(),
        base_url: base_url.to_owned(),
        retry: DownloadRetries {
            attempts: 2,
            first_backoff: Duration::from_millis(5),
            ..DownloadRetries::default()
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
        ("crates/flexport-sandbox/Cargo.toml", Kind::Modified),
        ("crates/flexport-cli/Cargo.toml", Kind::Modified),
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
        "#[cfg(feature = \"v{NEW}\")]\n#[doc(inline)]\npub use flexport_logistics_2026_02 as v2026_02;"
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
    assert!(page.contains("`2024-04`") && page.contains(NEW), "{page}");
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
    let changed = tree_differences(&before, &tree_fingerprint(root));
    assert!(changed.is_empty(), "{changed:#?}");

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
        let changed = tree_differences(&before, &tree_fingerprint(root));
        assert!(changed.is_empty(), "{error} changed {changed:#?}");
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
        // The sandbox's engine is typed on `unstable`'s generated types.
        ("unstable", "crates/flexport-sandbox/src/engine/freight.rs"),
    ] {
        let error = remove_version(root, version).unwrap_err();
        assert!(error.to_string().contains(expected), "{version}: {error}");
    }
    let changed = tree_differences(&before, &tree_fingerprint(root));
    assert!(changed.is_empty(), "{changed:#?}");
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
fn pending_snapshots_are_what_insta_reads_as_the_generated_code() {
    // insta itself compares the files `add-version` writes (as accepted
    // snapshots, in a folder of their own) with the generated code.
    let version = "2023-04";
    let document = std::fs::read(workspace_root().join(format!("specs/{version}.json"))).unwrap();
    let generated = flexport_codegen::generate(&document).unwrap();
    let folder = tempfile::tempdir().unwrap();
    for (name, contents) in xtask::versions::snapshots(version, &generated) {
        let name = name.strip_prefix("generated_clients__").unwrap();
        std::fs::write(folder.path().join(name), contents).unwrap();
    }
    let changes: Vec<String> = generated
        .changes
        .iter()
        .map(|change| format!("{}: {}", change.pass, change.detail))
        .collect();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(folder.path());
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("normalization-{version}"), changes.join("\n"));
        insta::assert_snapshot!(format!("client-{version}"), generated.code);
    });
    let written: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(
        written.len(),
        2,
        "insta wrote pending snapshots: {written:?}"
    );
}

/// Runs `command`, panicking with its output unless it succeeds.
fn run(command: &mut std::process::Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn git(root: &Path, args: &[&str]) -> String {
    run(std::process::Command::new("git")
        .args([
            "-c",
            "user.name=xtask test",
            "-c",
            "user.email=xtask@localhost",
        ])
        .args(args)
        .current_dir(root))
}

/// The program built against the scratch checkout: the facade with only the
/// new version's feature calls the sandbox through it.
const PROBE: &str = r#"
use flexport::v2026_02::{Client, prelude::*, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = flexport_sandbox::Sandbox::start(flexport_sandbox::Config::default()).await?;
    let client: Client = flexport::ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .build()?;
    let dimensions = types::Dimension::builder()
        .weight(0.9)
        .weight_unit(types::WeightUnit::Lb)
        .length(4.5)
        .width(3.5)
        .height(4.0)
        .length_unit(types::LengthUnit::In);
    let created = client
        .create_product()
        .body(
            types::CreateProductModel::builder()
                .name("Probe mug")
                .merchant_sku("PROBE-2026-02")
                .dimensions(Some(dimensions.try_into()?)),
        )
        .send()
        .await?
        .into_inner();
    let fetched = client
        .get_product()
        .logistics_sku(&created.logistics_sku)
        .send()
        .await?
        .into_inner();
    assert_eq!(fetched.merchant_sku, "PROBE-2026-02");
    println!(
        "flexport::v2026_02 against the sandbox's /logistics/api/2026-02/: created and read back {}",
        created.logistics_sku
    );
    sandbox.stop().await;
    Ok(())
}
"#;

/// The CI step (`.ci/run`, "a new API version in one command"): too slow for
/// `cargo test --workspace`, so ignored there. In a scratch checkout with
/// its own git history: add a version made from the `unstable` document,
/// build a program on the facade with only that version's feature and call
/// the sandbox through it, check its notes page, remove the version, and
/// find the checkout byte for byte as it was.
#[tokio::test]
#[ignore = "builds the facade and the sandbox in a scratch checkout (minutes); run by .ci/run"]
async fn a_new_version_builds_alone_and_serves_through_the_sandbox() {
    let scratch = scratch_copy_of_workspace();
    let root = scratch.path();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "before add-version"]);
    let tree = git(root, &["rev-parse", "HEAD^{tree}"]);
    let (_mirror, base_url) = mirror_with(&unstable_document_as(NEW));

    let outcome = add_version(&options(root, &base_url)).await.unwrap();
    println!("add-version {NEW}: {} files changed", outcome.files.len());
    for (path, kind) in &outcome.files {
        println!("  {} {}", kind.letter(), path.display());
    }
    let page = read(root, &format!("docs/migrations/2024-04-to-{NEW}.md"));
    assert!(page.starts_with("# "), "{page}");
    assert!(page.contains(NEW), "{page}");

    // A program outside the scratch workspace on its facade and sandbox, with
    // the workspace's profiles and lock so registry crates come from the
    // shared target directory.
    let probe = tempfile::tempdir().unwrap();
    let manifest = read(root, "Cargo.toml");
    let profiles = &manifest[manifest.find("[profile.").expect("profiles")..];
    let facade = root.join("crates/flexport");
    let sandbox = root.join("crates/flexport-sandbox");
    std::fs::write(
        probe.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n\
             flexport = {{ path = {facade:?}, default-features = false, features = [\"v{NEW}\"] }}\n\
             flexport-sandbox = {{ path = {sandbox:?} }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
             [workspace]\n\n{profiles}"
        ),
    )
    .unwrap();
    std::fs::create_dir(probe.path().join("src")).unwrap();
    std::fs::write(probe.path().join("src/main.rs"), PROBE).unwrap();
    std::fs::copy(root.join("Cargo.lock"), probe.path().join("Cargo.lock")).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let said = run(std::process::Command::new(&cargo)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(probe.path().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target));
    println!("{said}");
    assert!(said.contains("created and read back"), "{said}");

    remove_version(root, NEW).unwrap();
    assert_eq!(
        git(root, &["status", "--porcelain"]),
        "",
        "remove-version left changes"
    );
    git(root, &["add", "-A"]);
    assert_eq!(git(root, &["write-tree"]), tree);
}
