//! Embeds every committed document of `specs/` (one per API version) so that
//! the sandbox checks each version's requests and answers against its own
//! document, beside the `OPERATIONS` table of that version's crate
//! (`flexport_logistics_{version}`, a dependency). A test checks that the
//! embedded versions are exactly `flexport_runtime::API_VERSIONS`.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    // `specs` is a link to the workspace's `specs/`, which `cargo package`
    // copies into the packaged crate.
    let specs = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("specs");
    println!("cargo:rerun-if-changed={}", specs.display());
    let mut versions: Vec<(String, PathBuf)> = std::fs::read_dir(&specs)
        .expect("the specs/ directory (a link to the workspace's)")
        .map(|entry| entry.expect("a readable specs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let version = path.file_stem().unwrap().to_string_lossy().into_owned();
            (version, path.canonicalize().unwrap())
        })
        .collect();
    versions.sort();
    let mut out =
        String::from("/// `(version, document, operations)` for every committed document.\n");
    out.push_str("pub const DOCUMENTS: &[(&str, &str, &[flexport_runtime::Operation])] = &[\n");
    for (version, path) in &versions {
        println!("cargo:rerun-if-changed={}", path.display());
        let crate_name = format!("flexport_logistics_{}", version.replace('-', "_"));
        writeln!(
            out,
            "    ({version:?}, include_str!({:?}), {crate_name}::OPERATIONS),",
            path.display()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("documents.rs");
    std::fs::write(target, out).unwrap();
}
