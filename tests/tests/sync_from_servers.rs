//! `sync-specs` against real local servers: every kind of bad answer gives a
//! clear error and leaves `specs/` byte for byte as it was.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use flexport_tests::{file_base_url, mirror_of_committed_specs, workspace_root};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xtask::VERSIONS;
use xtask::lock::Lock;
use xtask::sync::{RetryPolicy, Status, SyncError, SyncOptions, sync_specs};

fn committed(version: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join(format!("specs/{version}.json"))).unwrap()
}

/// A temporary copy of the committed `specs/`.
fn copy_of_committed_specs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(workspace_root().join("specs")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// File name to sha256 of every file in `dir`.
fn fingerprint(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let digest = Sha256::digest(std::fs::read(entry.path()).unwrap());
            (
                entry.file_name().to_string_lossy().into_owned(),
                format!("{digest:x}"),
            )
        })
        .collect()
}

fn options(base_url: &str, versions: &[&str], specs_dir: &Path) -> SyncOptions {
    SyncOptions {
        versions: versions.iter().map(|v| v.to_string()).collect(),
        base_url: base_url.to_owned(),
        specs_dir: specs_dir.to_owned(),
        check: false,
        retry: RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        },
        max_document_bytes: xtask::sync::DEFAULT_MAX_DOCUMENT_BYTES,
    }
}

fn document_path(version: &str) -> String {
    format!("/logistics/api/{version}/documentation/raw")
}

async fn serve(server: &MockServer, version: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(document_path(version)))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Like [`serve`], taking precedence over what was mounted before.
async fn serve_instead(server: &MockServer, version: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(document_path(version)))
        .respond_with(response)
        .with_priority(1)
        .mount(server)
        .await;
}

fn json_body(bytes: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(bytes, "application/json")
}

/// Syncs one version served as `response`, expects a failure whose message
/// contains each of `expected`, and checks `specs/` did not change.
async fn assert_rejected(response: ResponseTemplate, expected: &[&str]) {
    let server = MockServer::start().await;
    serve(&server, "2024-04", response).await;
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());

    let error = sync_specs(&options(&server.uri(), &["2024-04"], specs.path()))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, SyncError::Documents { .. }), "{message}");
    let url = format!("{}{}", server.uri(), document_path("2024-04"));
    for needle in ["2024-04", url.as_str()].iter().chain(expected) {
        assert!(
            message.contains(needle),
            "{message:?} should mention {needle:?}"
        );
    }
    assert_eq!(
        fingerprint(specs.path()),
        before,
        "specs/ changed after: {message}"
    );
}

fn modified(version: &str, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut document: Value = serde_json::from_slice(&committed(version)).unwrap();
    change(&mut document);
    serde_json::to_vec_pretty(&document).unwrap()
}

#[tokio::test]
async fn not_found_is_reported_with_its_status() {
    assert_rejected(ResponseTemplate::new(404), &["HTTP 404"]).await;
}

#[tokio::test]
async fn an_html_page_is_not_taken_for_a_document() {
    let page = ResponseTemplate::new(200).set_body_raw(
        "<!DOCTYPE html><html><body>Log in</body></html>",
        "text/html",
    );
    assert_rejected(page, &["HTML"]).await;
}

#[tokio::test]
async fn truncated_json_is_reported_as_truncated() {
    let bytes = committed("2024-04");
    assert_rejected(json_body(bytes[..bytes.len() / 2].to_vec()), &["truncated"]).await;
}

#[tokio::test]
async fn swagger_2_is_refused() {
    let swagger =
        br#"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#.to_vec();
    assert_rejected(json_body(swagger), &["Swagger 2.0"]).await;
}

#[tokio::test]
async fn openapi_3_1_is_refused() {
    let document = modified("2024-04", |doc| doc["openapi"] = "3.1.0".into());
    assert_rejected(json_body(document), &["3.1.0", "not supported"]).await;
}

#[tokio::test]
async fn a_dangling_reference_is_named() {
    let document = modified("2024-04", |doc| {
        doc["components"]["schemas"]["Parcel"]["properties"]["carrierBarcode"] =
            serde_json::json!({"$ref": "#/components/schemas/NoSuchSchema"});
    });
    assert_rejected(json_body(document), &["#/components/schemas/NoSuchSchema"]).await;
}

#[tokio::test]
async fn a_document_the_generator_refuses_is_not_written() {
    // Valid OpenAPI, but a success response mixes a JSON body with none.
    let document = modified("2024-04", |doc| {
        let responses = &mut doc["paths"]["/logistics/api/2024-04/orders"]["post"]["responses"];
        responses["204"] = serde_json::json!({"description": "no content"});
    });
    assert_rejected(json_body(document), &["204"]).await;
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(path(document_path("2024-04")))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let changed = modified("2024-04", |doc| {
        doc["info"]["title"] = "Logistics API (changed)".into()
    });
    serve(&server, "2024-04", json_body(changed.clone())).await;
    let specs = copy_of_committed_specs();

    let report = sync_specs(&options(&server.uri(), &["2024-04"], specs.path()))
        .await
        .unwrap();
    assert_eq!(report.documents, [("2024-04".to_owned(), Status::Changed)]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(
        std::fs::read(specs.path().join("2024-04.json")).unwrap(),
        changed
    );
}

#[tokio::test]
async fn server_errors_give_up_after_the_configured_attempts() {
    let server = MockServer::start().await;
    serve(&server, "2024-04", ResponseTemplate::new(503)).await;
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());

    let message = sync_specs(&options(&server.uri(), &["2024-04"], specs.path()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("HTTP 503") && message.contains("after 3 attempts"),
        "{message}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(fingerprint(specs.path()), before);
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    let message = sync_specs(&options(&base_url, &["2024-04"], specs.path()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("network error after 3 attempt"),
        "{message}"
    );
    assert_eq!(fingerprint(specs.path()), before);
}

#[tokio::test]
async fn one_failing_version_among_all_writes_nothing() {
    let server = MockServer::start().await;
    for version in VERSIONS.iter().filter(|v| **v != "2023-10") {
        let changed = modified(version, |doc| doc["info"]["title"] = "changed".into());
        serve(&server, version, json_body(changed)).await;
    }
    serve(&server, "2023-10", ResponseTemplate::new(404)).await;
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());

    let message = sync_specs(&options(&server.uri(), &VERSIONS, specs.path()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!("1 of {} document(s) failed", VERSIONS.len())),
        "{message}"
    );
    assert!(message.contains("2023-10 from"), "{message}");
    for version in VERSIONS.iter().filter(|v| **v != "2023-10") {
        assert!(!message.contains(&format!("{version} from")), "{message}");
    }
    assert_eq!(fingerprint(specs.path()), before);
}

#[tokio::test]
async fn a_fresh_sync_writes_documents_and_lock() {
    let server = MockServer::start().await;
    for version in VERSIONS {
        serve(&server, version, json_body(committed(version))).await;
    }
    let official = modified("2024-04", |doc| {
        doc.as_object_mut().unwrap().remove("x-reconstructed");
    });
    serve_instead(&server, "2024-04", json_body(official.clone())).await;
    let specs = tempfile::tempdir().unwrap();

    sync_specs(&options(&server.uri(), &VERSIONS, specs.path()))
        .await
        .unwrap();
    let lock = Lock::read(specs.path()).unwrap();
    assert_eq!(
        lock.documents.keys().collect::<Vec<_>>(),
        VERSIONS.iter().collect::<Vec<_>>()
    );
    for version in VERSIONS {
        let expected = if version == "2024-04" {
            official.clone()
        } else {
            committed(version)
        };
        let written = std::fs::read(specs.path().join(format!("{version}.json"))).unwrap();
        assert!(
            written == expected,
            "{version}: written bytes differ from served"
        );
        let entry = &lock.documents[version];
        assert_eq!(entry.sha256, format!("{:x}", Sha256::digest(&expected)));
        assert_eq!(entry.size, expected.len() as u64);
        assert_eq!(
            entry.url,
            format!("{}{}", server.uri(), document_path(version))
        );
        assert_eq!(entry.reconstructed, version != "2024-04", "{version}");
    }
}

#[tokio::test]
async fn a_changed_document_updates_only_its_lock_entry() {
    let server = MockServer::start().await;
    let changed = modified("2024-01", |doc| doc["info"]["title"] = "changed".into());
    serve(&server, "2024-01", json_body(changed.clone())).await;
    let specs = copy_of_committed_specs();
    let old_lock = Lock::read(specs.path()).unwrap();

    sync_specs(&options(&server.uri(), &["2024-01"], specs.path()))
        .await
        .unwrap();
    let new_lock = Lock::read(specs.path()).unwrap();
    assert_eq!(
        new_lock.documents["2024-01"].sha256,
        format!("{:x}", Sha256::digest(&changed))
    );
    for version in VERSIONS.iter().filter(|v| **v != "2024-01") {
        assert_eq!(
            new_lock.documents[*version], old_lock.documents[*version],
            "{version}"
        );
        assert_eq!(
            std::fs::read(specs.path().join(format!("{version}.json"))).unwrap(),
            committed(version)
        );
    }
}

#[tokio::test]
async fn resyncing_unchanged_documents_changes_nothing() {
    let server = MockServer::start().await;
    for version in VERSIONS {
        serve(&server, version, json_body(committed(version))).await;
    }
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    let report = sync_specs(&options(&server.uri(), &VERSIONS, specs.path()))
        .await
        .unwrap();
    assert!(
        report
            .documents
            .iter()
            .all(|(_, status)| *status == Status::Unchanged),
        "{report:?}"
    );
    assert_eq!(fingerprint(specs.path()), before);
}

#[tokio::test]
async fn check_reports_drift_and_writes_nothing() {
    let server = MockServer::start().await;
    for version in VERSIONS {
        serve(&server, version, json_body(committed(version))).await;
    }
    let changed = modified("unstable", |doc| doc["info"]["title"] = "changed".into());
    serve_instead(&server, "unstable", json_body(changed)).await;
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());

    let check = SyncOptions {
        check: true,
        ..options(&server.uri(), &VERSIONS, specs.path())
    };
    let error = sync_specs(&check).await.unwrap_err();
    let SyncError::Drift(drift) = &error else {
        panic!("expected drift, got {error}")
    };
    assert_eq!(
        drift.iter().map(|d| d.version.as_str()).collect::<Vec<_>>(),
        ["unstable"]
    );
    assert!(
        error.to_string().contains("unstable: locked sha256"),
        "{error}"
    );
    assert_eq!(fingerprint(specs.path()), before);

    let empty = tempfile::tempdir().unwrap();
    let check_empty = SyncOptions {
        check: true,
        ..options(&server.uri(), &["2023-04"], empty.path())
    };
    let error = sync_specs(&check_empty).await.unwrap_err();
    assert!(
        error.to_string().contains("2023-04: not in the lock"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "check wrote into an empty dir"
    );
}

/// A mirror made from the committed `specs/` and lock, and its base URL.
fn mirror() -> (tempfile::TempDir, String) {
    let mirror = mirror_of_committed_specs();
    let base_url = file_base_url(mirror.path());
    (mirror, base_url)
}

#[tokio::test]
async fn syncing_from_the_mirror_reproduces_the_committed_specs() {
    let (_mirror, mirror_base_url) = mirror();
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    sync_specs(&options(&mirror_base_url, &VERSIONS, specs.path()))
        .await
        .unwrap();
    assert_eq!(fingerprint(specs.path()), before);

    let fresh = tempfile::tempdir().unwrap();
    sync_specs(&options(&mirror_base_url, &VERSIONS, fresh.path()))
        .await
        .unwrap();
    for version in VERSIONS {
        let written = std::fs::read(fresh.path().join(format!("{version}.json"))).unwrap();
        assert!(
            written == committed(version),
            "{version} differs from the committed document"
        );
    }
    let check = SyncOptions {
        check: true,
        ..options(&mirror_base_url, &VERSIONS, specs.path())
    };
    sync_specs(&check).await.unwrap();
}

#[tokio::test]
async fn a_missing_mirror_file_is_reported() {
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    let empty_mirror = tempfile::tempdir().unwrap();
    let base = format!("file://{}", empty_mirror.path().display());
    let message = sync_specs(&options(&base, &["2024-04"], specs.path()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("2024-04") && message.contains("cannot read the file"),
        "{message}"
    );
    assert_eq!(fingerprint(specs.path()), before);
}

/// What `dir` holds: file name to sha256, and `dir/` for a directory.
fn fingerprint_with_directories(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                (name, "dir/".to_owned())
            } else {
                let digest = Sha256::digest(std::fs::read(entry.path()).unwrap());
                (name, format!("{digest:x}"))
            }
        })
        .collect()
}

#[tokio::test]
async fn a_write_phase_failing_at_each_file_in_turn_puts_every_file_back() {
    // Three documents change, so the sync swaps in three and the lock;
    // the other three must stay as they are too.
    let synced = ["2023-04", "2023-07", "2023-10"];
    let server = MockServer::start().await;
    for version in synced {
        let changed = modified(version, |doc| doc["info"]["title"] = "Changed".into());
        serve(&server, version, json_body(changed)).await;
    }
    let names = synced
        .iter()
        .map(|version| format!("{version}.json"))
        .chain(["specs.lock".to_owned()]);
    for blocked in names {
        let root = tempfile::tempdir().unwrap();
        let specs = root.path().join("specs");
        std::fs::create_dir(&specs).unwrap();
        for entry in std::fs::read_dir(copy_of_committed_specs().path()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), specs.join(entry.file_name())).unwrap();
        }
        // A directory in the way: root cannot link, rename over or write it.
        std::fs::remove_file(specs.join(&blocked)).unwrap();
        std::fs::create_dir(specs.join(&blocked)).unwrap();
        std::fs::write(specs.join(&blocked).join("keep"), "x").unwrap();
        let before = fingerprint_with_directories(&specs);

        let error = sync_specs(&options(&server.uri(), &synced, &specs))
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&blocked), "{blocked}: {message}");
        assert_eq!(
            fingerprint_with_directories(&specs),
            before,
            "with {blocked} blocked, specs/ changed: {message}"
        );
        let beside: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(beside, ["specs"], "the staging directory is removed");
    }
}

#[tokio::test]
async fn an_unknown_version_is_refused_before_anything_is_fetched() {
    let server = MockServer::start().await;
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    for version in ["../x", "2024-13", ""] {
        let error = sync_specs(&options(&server.uri(), &[version], specs.path()))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, SyncError::UnknownVersion(v) if v == version),
            "{error}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(fingerprint(specs.path()), before);
}

/// Serves one answer with a chunked body of `size` bytes (no
/// `Content-Length`), on a thread; returns its base URL.
fn serve_chunked_once(size: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0; 4096];
        let _ = stream.read(&mut request);
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
        let chunk = vec![b' '; 1024];
        for _ in 0..size / 1024 {
            if stream.write_all(b"400\r\n").is_err()
                || stream.write_all(&chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    });
    url
}

#[tokio::test]
async fn a_document_over_the_size_bound_is_refused_and_nothing_is_written() {
    let specs = copy_of_committed_specs();
    let before = fingerprint(specs.path());
    let limit = 100_000;
    let small = |base: &str| SyncOptions {
        max_document_bytes: limit,
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        ..options(base, &["2024-04"], specs.path())
    };
    // With a Content-Length, without one (chunked), and from a file.
    let server = MockServer::start().await;
    serve(&server, "2024-04", json_body(committed("2024-04"))).await;
    let (_mirror, file_base) = mirror();
    for base in [server.uri(), serve_chunked_once(4 << 20), file_base] {
        let error = sync_specs(&small(&base)).await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains("larger than the limit of 100000 bytes"),
            "{base}: {error}"
        );
    }
    assert_eq!(fingerprint(specs.path()), before);
    // The committed document is under the default bound.
    assert!((committed("2024-04").len() as u64) < xtask::sync::DEFAULT_MAX_DOCUMENT_BYTES);
    assert!(committed("2024-04").len() as u64 > limit);
}
