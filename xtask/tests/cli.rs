//! The `xtask` binary as CI and people run it: exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn specs_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

async fn xtask(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_sync_exits_non_zero_naming_version_and_url() {
    let server = MockServer::start().await;
    Mock::given(path("/logistics/api/2024-04/documentation/raw"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().display().to_string();
    let output = xtask(args(&[
        "sync-specs",
        "--base-url",
        &server.uri(),
        "--specs-dir",
        &dir_arg,
        "--attempts",
        "1",
        "--version",
        "2024-04",
    ]))
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!(
            "2024-04 from {}/logistics/api/2024-04/documentation/raw: HTTP 404",
            server.uri()
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_sync_exits_zero_and_says_what_it_wrote() {
    let server = MockServer::start().await;
    let document = std::fs::read(specs_dir().join("2023-04.json")).unwrap();
    Mock::given(path("/logistics/api/2023-04/documentation/raw"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(document.clone(), "application/json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().display().to_string();
    let sync = [
        "sync-specs",
        "--base-url",
        &server.uri(),
        "--specs-dir",
        &dir_arg,
        "--version",
        "2023-04",
    ];
    let output = xtask(args(&sync)).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "2023-04: written\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("2023-04.json")).unwrap(),
        document
    );

    let check = xtask(args(&[&sync[..], &["--check"]].concat())).await;
    assert!(check.status.success());
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        "2023-04: matches specs.lock\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_reads_versions_or_files_and_refuses_bad_ones() {
    let output = xtask(args(&["diff", "2023-10", "2024-01", "--format", "json"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (json["from"].as_str(), json["to"].as_str()),
        (Some("2023-10"), Some("2024-01"))
    );
    assert!(
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["detail"].as_str().unwrap().contains("DAMAGED"))
    );

    let file = specs_dir().join("2024-01.json").display().to_string();
    let by_file = xtask(args(&["diff", "2023-10", &file])).await;
    assert!(String::from_utf8_lossy(&by_file.stdout).contains("packingSlipUrl"));

    let missing = xtask(args(&["diff", "2023-10", "no-such-version"])).await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read no-such-version"));
}

#[tokio::test(flavor = "multi_thread")]
async fn committed_migration_notes_pass_the_check() {
    let output = xtask(args(&["migration-notes", "--check"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
