//! What each version crate's `build.rs` runs.

use std::path::PathBuf;

/// The document a version crate is generated from, relative to its manifest.
/// In the repository it is a link to `specs/{version}.json`; `cargo package`
/// copies the document itself into the published crate.
pub const DOCUMENT_FILE: &str = "openapi.json";

/// The file the generated client is written to, inside `OUT_DIR`.
pub const OUTPUT_FILE: &str = "client.rs";

/// Generates `$OUT_DIR/client.rs` from `$CARGO_MANIFEST_DIR/openapi.json`.
///
/// Only the document is watched: the generator's own code is a build
/// dependency, so cargo already reruns the script when it changes.
pub fn generate_client() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("run by cargo"));
    let document_path = manifest_dir.join(DOCUMENT_FILE);
    println!("cargo::rerun-if-changed={DOCUMENT_FILE}");

    let document = std::fs::read(&document_path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", document_path.display()));
    let generated = crate::generate(&document).unwrap_or_else(|error| {
        panic!(
            "cannot generate a client from {}: {error}",
            document_path.display()
        )
    });
    std::fs::write(out_dir.join(OUTPUT_FILE), generated.code).expect("OUT_DIR is writable");
}
