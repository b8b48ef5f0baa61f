//! `flexport_runtime::API_VERSIONS` is the one list of API versions. Code
//! reads it (xtask, the sandbox, CI's feature loop through `cargo xtask
//! versions`); the places that cannot (cargo features, crate directories,
//! `cfg`s) are checked against it here, so adding a version to the list
//! fails this test until every one of them has it.

use std::path::{Path, PathBuf};

use flexport_runtime::API_VERSIONS;
use xtask::version_feature;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn snake(version: &str) -> String {
    version.replace('-', "_")
}

#[test]
fn every_place_that_lists_versions_by_hand_lists_exactly_the_one_list() {
    let facade_manifest = read("crates/flexport/Cargo.toml");
    let facade_versions = read("crates/flexport/src/versions.rs");
    let facade_lib = read("crates/flexport/src/lib.rs");
    let example = read("tests/examples/generated_clients.rs");
    let sandbox_manifest = read("crates/flexport-sandbox/Cargo.toml");
    let cli_manifest = read("crates/flexport-cli/Cargo.toml");
    let readme = read("README.md");
    let mut missing = Vec::new();
    for version in API_VERSIONS {
        let feature = version_feature(version);
        let krate = format!("flexport-logistics-{version}");
        let module = version_feature(&snake(version));
        let expected = [
            (
                "crates/flexport/Cargo.toml feature",
                facade_manifest.contains(&format!("{feature} = [\"dep:{krate}\"]")),
            ),
            (
                "crates/flexport/Cargo.toml `full`",
                facade_manifest.lines().any(|line| {
                    line.starts_with("full =") && line.contains(&format!("\"{feature}\""))
                }),
            ),
            (
                "crates/flexport/Cargo.toml `schemars`",
                facade_manifest.contains(&format!("\"{krate}?/schemars\"")),
            ),
            (
                "crates/flexport/Cargo.toml dependency",
                facade_manifest.contains(&format!("{krate} = {{ path = \"../{krate}\"")),
            ),
            (
                "crates/flexport/src/versions.rs",
                // The line goes on with the version's groups of waiters.
                facade_versions.contains(&format!(
                    "version!(\"{feature}\", flexport_logistics_{}, \"{version}\",",
                    snake(version)
                )),
            ),
            (
                "crates/flexport/src/lib.rs features table",
                facade_lib.lines().any(|line| {
                    line.starts_with(&format!("//! | `{feature}`"))
                        && line.ends_with(&format!("| `{module}` | `{krate}` |"))
                }),
            ),
            (
                "crates/flexport/src/lib.rs",
                facade_lib.contains(&format!(
                    "#[cfg(feature = \"{feature}\")]\n#[doc(inline)]\npub use flexport_logistics_{} as {module};",
                    snake(version)
                )),
            ),
            (
                "crates/flexport-sandbox/Cargo.toml dependency",
                sandbox_manifest.contains(&format!(
                    "{krate} = {{ path = \"../{krate}\", version = \"0.1.0\" }}"
                )),
            ),
            (
                "crates/flexport-cli/Cargo.toml feature",
                cli_manifest.contains(&format!("{feature} = [\"flexport/{feature}\"]")),
            ),
            (
                "crates/flexport-cli/Cargo.toml `full`",
                cli_manifest.lines().any(|line| {
                    line.starts_with("full =") && line.contains(&format!("\"{feature}\""))
                }),
            ),
            (
                "crates/ directory",
                workspace()
                    .join("crates")
                    .join(&krate)
                    .join("Cargo.toml")
                    .exists(),
            ),
            (
                "tests/examples/generated_clients.rs",
                example.contains(&format!("exercise!({module}, \"{version}\", &base_url);")),
            ),
            (
                "README.md versions table",
                readme.contains(&format!("| `{version}` |")),
            ),
        ];
        missing.extend(
            expected
                .into_iter()
                .filter(|(_, present)| !present)
                .map(|(place, _)| format!("{version}: {place}")),
        );
    }
    assert!(missing.is_empty(), "versions missing from: {missing:#?}");

    // The tests crate reaches the version crates through the facade's
    // `full`, so it names none itself.
    assert!(
        !read("tests/Cargo.toml").contains("flexport-logistics-"),
        "tests/Cargo.toml names a version crate"
    );

    // And no place lists a version the list lacks.
    let crates: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_prefix("flexport-logistics-").map(str::to_owned)
        })
        .collect();
    for version in &crates {
        assert!(
            API_VERSIONS.contains(&version.as_str()),
            "crates/flexport-logistics-{version}"
        );
    }
    let features: Vec<&str> = facade_manifest
        .lines()
        .filter(|line| line.contains("= [\"dep:flexport-logistics-"))
        .collect();
    assert_eq!(features.len(), API_VERSIONS.len(), "{features:#?}");
}
