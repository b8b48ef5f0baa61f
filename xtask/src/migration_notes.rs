//! `cargo xtask migration-notes`: the notes for every adjacent pair of
//! versions, written to `docs/migrations/`, each with the release-note facts
//! of its newer version from `docs/migrations/release-notes/{version}.json`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diff::{self, DiffError, render, rules::Severity};

/// The pairs the notes cover: each stable version to the next, and the
/// newest stable version to `unstable`.
pub fn pairs() -> Vec<(&'static str, &'static str)> {
    crate::VERSIONS
        .windows(2)
        .map(|pair| (pair[0], pair[1]))
        .collect()
}

/// The workspace's `docs/migrations/`.
pub fn default_notes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/migrations")
}

/// Facts from Flexport's release notes of one version that its OpenAPI
/// document cannot show. Reviewed by hand; each fact names its source.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNotes {
    pub version: String,
    /// Where the facts come from, and what was looked at and not found.
    pub source: String,
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Operations the release notes announce that the committed document
    /// does not have.
    #[serde(default)]
    pub absent_operations: Vec<Fact>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// A short name: `API Sandbox`, `GetProductAliases`.
    pub topic: String,
    pub text: String,
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    #[error(transparent)]
    Diff(#[from] DiffError),
    #[error("cannot read release notes {path}: {message}")]
    ReleaseNotes { path: String, message: String },
}

/// The release-note file of `version` below `notes_dir`.
pub fn release_notes_path(notes_dir: &Path, version: &str) -> PathBuf {
    notes_dir
        .join("release-notes")
        .join(format!("{version}.json"))
}

/// Reads and checks one version's release notes: the file must exist, name
/// its version and give every fact a source.
pub fn load_release_notes(notes_dir: &Path, version: &str) -> Result<ReleaseNotes, NotesError> {
    let path = release_notes_path(notes_dir, version);
    let error = |message: String| NotesError::ReleaseNotes {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| error(e.to_string()))?;
    let notes: ReleaseNotes = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
    if notes.version != version {
        return Err(error(format!("says version {}", notes.version)));
    }
    if let Some(fact) = notes
        .facts
        .iter()
        .chain(&notes.absent_operations)
        .find(|fact| fact.text.trim().is_empty() || fact.source.trim().is_empty())
    {
        return Err(error(format!("`{}` lacks a text or a source", fact.topic)));
    }
    Ok(notes)
}

/// The section a page gives its newer version's release notes.
pub fn release_notes_section(notes: &ReleaseNotes) -> String {
    let mut out = format!("\n## From the `{}` release notes\n\n", notes.version);
    if notes.facts.is_empty() && notes.absent_operations.is_empty() {
        let _ = writeln!(
            out,
            "No facts beyond the documents are recorded for `{}`. Source: {}.",
            notes.version, notes.source
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Facts the OpenAPI documents cannot show, from `docs/migrations/release-notes/{}.json` \
         (reviewed by hand). Source: {}.\n",
        notes.version, notes.source
    );
    for fact in &notes.facts {
        let _ = writeln!(out, "- **{}**: {} ({})", fact.topic, fact.text, fact.source);
    }
    if !notes.absent_operations.is_empty() {
        let _ = writeln!(
            out,
            "\n### Operations absent from the committed documents\n\n\
             The release notes announce these operations, but the committed (reconstructed) `{}` \
             document does not declare them, so the `{}` crate has no method for them and the \
             changes above do not list them.\n",
            notes.version, notes.version
        );
        for fact in &notes.absent_operations {
            let _ = writeln!(out, "- `{}`: {} ({})", fact.topic, fact.text, fact.source);
        }
    }
    out
}

/// Every generated notes file, as `(file name, content)`, index last.
pub fn render_all(specs_dir: &Path) -> Result<Vec<(String, String)>, NotesError> {
    render_all_with(specs_dir, &default_notes_dir())
}

/// [`render_all`] with the release notes read below `notes_dir`.
pub fn render_all_with(
    specs_dir: &Path,
    notes_dir: &Path,
) -> Result<Vec<(String, String)>, NotesError> {
    let mut documents = BTreeMap::new();
    let mut release_notes = BTreeMap::new();
    for (index, version) in crate::VERSIONS.iter().enumerate() {
        let document = diff::load_document(&specs_dir.join(format!("{version}.json")))?;
        documents.insert((*version).to_owned(), document);
        // Only the newer version of a pair has release notes on a page.
        if index > 0 {
            release_notes.insert(
                (*version).to_owned(),
                load_release_notes(notes_dir, version)?,
            );
        }
    }
    let mut files = render_pages(&crate::VERSIONS, &documents, &release_notes)?;
    let index = files.len() - 1;
    files.insert(
        index,
        (GENERATED_NAMES_PAGE.to_owned(), generated_names(specs_dir)?),
    );
    Ok(files)
}

/// The pages for the adjacent pairs of `versions` (oldest first), from
/// their normalized `documents` and the `release_notes` of each newer
/// version, as `(file name, content)`, index last. `cargo xtask add-version`
/// uses it with a version list that is not yet compiled in.
pub fn render_pages(
    versions: &[impl AsRef<str>],
    documents: &BTreeMap<String, serde_json::Value>,
    release_notes: &BTreeMap<String, ReleaseNotes>,
) -> Result<Vec<(String, String)>, NotesError> {
    let mut files = Vec::new();
    let mut index = String::from(
        "# Migration notes\n\nGenerated by `cargo xtask migration-notes` from `specs/` and \
         `release-notes/`; do not edit. `API` counts changes by the rules' classes; \
         `breaks Rust code` counts the changes after which some code that compiled against the \
         older crate no longer compiles.\n\n\
         | from | to | API breaking | API possibly breaking | API non-breaking | breaks Rust code |\n\
         |---|---|---|---|---|---|\n",
    );
    let versions: Vec<&str> = versions.iter().map(AsRef::as_ref).collect();
    let mut crates = BTreeMap::new();
    for version in &versions {
        let document = documents.get(*version).ok_or_else(|| DiffError::Read {
            path: format!("{version}.json"),
            source: std::io::Error::other("no document given for this version"),
        })?;
        let api = diff::rust::generate(document).map_err(|source| DiffError::Generate {
            version: (*version).to_owned(),
            source: Box::new(source),
        })?;
        crates.insert(*version, api);
    }
    for pair in versions.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let notes = diff::diff_with_crates(
            from,
            &documents[from],
            &crates[from],
            to,
            &documents[to],
            &crates[to],
        );
        let release_notes = release_notes
            .get(to)
            .ok_or_else(|| NotesError::ReleaseNotes {
                path: format!("release-notes/{to}.json"),
                message: "no release notes given for this version".to_owned(),
            })?;
        let name = page_name(from, to);
        index.push_str(&format!(
            "| [`{from}`]({name}) | `{to}` | {} | {} | {} | {} |\n",
            notes.count(Severity::Breaking),
            notes.count(Severity::PossiblyBreaking),
            notes.count(Severity::NonBreaking),
            notes.count_breaking_rust(),
        ));
        files.push((
            name,
            render::markdown_with(&notes, &release_notes_section(release_notes)),
        ));
    }
    index.push_str(README_TAIL);
    files.push(("README.md".to_owned(), index));
    Ok(files)
}

/// The page listing the names and types the generator gives instead of the
/// documents' own.
pub const GENERATED_NAMES_PAGE: &str = "generated-names.md";

/// Every rename and retype of a public item that normalization makes, per
/// version, from the passes' own change logs ([`flexport_codegen::names::PUBLIC_ITEM_PASSES`]).
pub fn generated_names(specs_dir: &Path) -> Result<String, NotesError> {
    let mut out = String::from(
        "# Names and types the generator gives\n\n\
         Generated by `cargo xtask migration-notes` from the change logs of the normalization \
         passes that rename or retype a public item; do not edit. Code written against an \
         earlier release of this SDK uses the documented name on the left of each line; the \
         crate of that version now has the name on the right. The passes are described in the \
         README's Normalization table.\n",
    );
    for version in crate::VERSIONS {
        let path = specs_dir.join(format!("{version}.json"));
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| DiffError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |source: flexport_codegen::Error| DiffError::Invalid {
            path: shown.clone(),
            source: Box::new(source),
        };
        let mut document =
            flexport_codegen::validate::parse_document(&bytes).map_err(|e| invalid(e.into()))?;
        let changes =
            flexport_codegen::normalize::normalize(&mut document).map_err(|e| invalid(e.into()))?;
        let _ = writeln!(out, "\n## `{version}`\n");
        for change in changes
            .iter()
            .filter(|c| flexport_codegen::names::PUBLIC_ITEM_PASSES.contains(&c.pass))
        {
            let _ = writeln!(out, "- `{}`: {}", change.pass, change.detail);
        }
    }
    Ok(out)
}

/// The file name of the page from `from` to `to`.
pub fn page_name(from: &str, to: &str) -> String {
    format!("{from}-to-{to}.md")
}

/// Whether `name` is the file name of a pair's page.
pub fn is_page_name(name: &str) -> bool {
    name.strip_suffix(".md")
        .and_then(|stem| stem.split_once("-to-"))
        .is_some_and(|(from, to)| !from.is_empty() && !to.is_empty())
}

/// The part of `docs/migrations/README.md` that explains the two
/// classifications.
const README_TAIL: &str = include_str!("migration_notes_readme.md");
