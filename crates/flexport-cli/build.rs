//! Generates the subcommands of every API version this build has a feature
//! for (`v2024-04` by default), from the same documents as the version
//! crates (`specs/`, a link to the workspace's), through
//! `flexport_codegen::cli`; and embeds the migration notes for `flexport diff`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

include!("src/waiter_list.rs");

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("run by cargo"));
    println!("cargo::rerun-if-changed=specs");
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-changed=src/waiter_list.rs");

    let mut versions: Vec<String> = std::fs::read_dir(manifest.join("specs"))
        .expect("specs/ beside the manifest")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    versions.sort();

    let mut index = String::new();
    let mut compiled = Vec::new();
    for version in &versions {
        let feature = feature(version);
        let variable = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        if std::env::var_os(&variable).is_none() {
            continue;
        }
        let module = module(version);
        let path = manifest.join("specs").join(format!("{version}.json"));
        let document = std::fs::read(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let generated = flexport_codegen::cli::generate(&document)
            .unwrap_or_else(|error| panic!("cannot generate the CLI of {version}: {error}"));
        let waits = waits(&generated.operations);
        let file = format!("cli_{module}.rs");
        std::fs::write(out.join(&file), format!("{}\n{waits}", generated.code))
            .expect("OUT_DIR is writable");
        writeln!(
            index,
            "#[cfg(feature = \"{feature}\")]\npub mod {module} {{\n    use flexport::{module} as api;\n    include!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n}}"
        )
        .unwrap();
        compiled.push((version.clone(), module));
    }
    let names = compiled
        .iter()
        .map(|(v, _)| format!("{v:?}"))
        .collect::<Vec<_>>();
    writeln!(
        index,
        "/// The API versions this binary was built with.\npub const COMPILED: &[&str] = &[{}];",
        names.join(", ")
    )
    .unwrap();
    // One macro that expands its body once per compiled version, with `api`
    // bound to that version's facade module and `cli` to its generated one.
    let arms = compiled
        .iter()
        .map(|(version, module)| {
            format!(
                "        {version:?} => {{ #[allow(unused_imports)] use flexport::{module} as api; #[allow(unused_imports)] use crate::versions::{module} as cli; $body }}"
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    writeln!(
        index,
        "macro_rules! for_version {{\n    ($version:expr, $body:block) => {{\n        match $version {{\n{arms}\n        other => panic!(\"API version {{other}} is not compiled in\"),\n        }}\n    }};\n}}\npub(crate) use for_version;"
    )
    .unwrap();
    std::fs::write(out.join("versions.rs"), index).expect("OUT_DIR is writable");

    let notes = notes(&manifest.join("migrations"));
    std::fs::write(out.join("notes.rs"), notes).expect("OUT_DIR is writable");
}

/// The facade's feature of a version: `v2024-04`, `unstable` as it is.
fn feature(version: &str) -> String {
    if version.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{version}")
    } else {
        version.to_owned()
    }
}

fn module(version: &str) -> String {
    feature(version).replace('-', "_")
}

/// `WAIT_COMMANDS` and `wait(...)` for the waiters whose polled operation
/// the document has.
fn waits(operations: &[flexport_codegen::cli::CliOperation]) -> String {
    let has = |operation_id: &str| operations.iter().any(|op| op.operation_id == operation_id);
    let present: Vec<&(&str, &str, &str)> = WAITERS.iter().filter(|(_, _, op)| has(op)).collect();
    let names = present
        .iter()
        .map(|(name, _, _)| format!("{name:?}"))
        .collect::<Vec<_>>();
    let arms = present
        .iter()
        .map(|(name, target, _)| {
            format!("        {name:?} => crate::wait::run(client, flexport::waiters::{target}, id, options, output).await,")
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "/// The `flexport wait` subcommands of this version.\npub const WAIT_COMMANDS: &[&str] = &[{}];\n\n/// Runs the waiter `name` on `id`.\npub async fn wait(client: &api::Client, name: &str, id: &str, options: &crate::wait::Options, output: &mut crate::output::Output) -> Result<(), crate::Failure> {{\n    match name {{\n{arms}\n        other => Err(crate::Failure::Usage(format!(\"no waiter `{{other}}` in this API version\"))),\n    }}\n}}\n",
        names.join(", ")
    )
}

/// `NOTES`: (from, to, page) for each `FROM-to-TO.md` migration page.
fn notes(dir: &Path) -> String {
    let mut pages: Vec<(String, String, PathBuf)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| {
                    let path = entry.ok()?.path();
                    let name = path.file_stem()?.to_str()?.to_owned();
                    let (from, to) = name.split_once("-to-")?;
                    Some((from.to_owned(), to.to_owned(), path.canonicalize().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let rows = pages
        .iter()
        .map(|(from, to, path)| {
            format!(
                "    ({from:?}, {to:?}, include_str!({:?})),",
                path.display().to_string()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "/// (from, to, page) of every migration page.\npub const NOTES: &[(&str, &str, &str)] = &[\n{rows}\n];\n"
    )
}
