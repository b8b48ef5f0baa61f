//! What cargo does with the version crates: packaging includes the document
//! the build script reads, and a second build runs no build script.

use std::process::Command;

use flexport_tests::{committed_documents, workspace_root};

fn cargo(args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("cargo runs")
}

#[test]
fn packaged_version_crates_carry_their_document() {
    for (version, _) in committed_documents() {
        let package = format!("flexport-logistics-{version}");
        let output = cargo(&["package", "--list", "--allow-dirty", "-p", &package]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{package}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let files: Vec<&str> = stdout.lines().collect();
        for expected in ["Cargo.toml", "build.rs", "openapi.json", "src/lib.rs"] {
            assert!(
                files.contains(&expected),
                "{package} does not package {expected}: {files:?}"
            );
        }
    }
}

#[test]
fn a_second_build_runs_no_build_script() {
    let package = "flexport-logistics-2023-04";
    let first = cargo(&["build", "-v", "-p", package]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = cargo(&["build", "-v", "-p", package]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{log}");
    let reruns: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("build-script-build"))
        .collect();
    assert!(
        reruns.is_empty(),
        "the second build ran build scripts: {reruns:?}"
    );
    assert!(log.contains(&format!("Fresh {package}")), "{log}");
}
