//! `cargo xtask add-version` and `cargo xtask remove-version`: every change
//! an API version needs, all or nothing.
//!
//! Both commands compute the new content of every file they touch in
//! memory first, from the version list read out of
//! `crates/flexport-runtime/src/lib.rs` (not the list this program was
//! compiled with, so a second command in the same checkout sees the first
//! one's version), then swap the files in with [`crate::files`]. Then
//! `cargo metadata` refreshes `Cargo.lock` and checks that the workspace
//! still loads; if it does not, every file is put back as it was, the lock
//! included.
//!
//! What a version is, in each place, is written in one function each below
//! ([`Places`]); `tests/tests/versions.rs` checks the same places in the
//! committed tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::files::{Content, FileEdit, WriteError};
use crate::migration_notes::{self, NotesError, ReleaseNotes};
use crate::sync::{DocumentFailure, DownloadRetries, SyncOptions};

/// What `add-version` needs besides the version.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The workspace to change.
    pub root: PathBuf,
    pub version: String,
    /// Where to download from, as for `sync-specs`.
    pub base_url: String,
    pub retry: DownloadRetries,
    pub max_document_bytes: u64,
}

/// How one file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Added,
    Modified,
    Removed,
}

impl Kind {
    /// `A`, `M` or `D`, as `git status --short` writes them.
    pub fn letter(self) -> char {
        match self {
            Kind::Added => 'A',
            Kind::Modified => 'M',
            Kind::Removed => 'D',
        }
    }
}

/// The files a command changed, relative to the workspace, in path order.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub files: Vec<(PathBuf, Kind)>,
}

#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("{0:?} is not a dated API version (YYYY-MM, month 01 to 12); nothing was changed")]
    InvalidName(String),
    #[error("{0} is already an API version ({1} exists); nothing was changed")]
    Exists(String, String),
    #[error("{0} is not an API version; known versions: {1}; nothing was changed")]
    Unknown(String, String),
    #[error(
        "{0} is the facade's default version (crates/flexport/Cargo.toml `default`); choose another default first; nothing was changed"
    )]
    Default(String),
    #[error("{version} is still named by {}; change those first; nothing was changed", places.join(", "))]
    StillUsed {
        version: String,
        places: Vec<String>,
    },
    #[error("{0}; nothing was changed")]
    Download(Box<DocumentFailure>),
    #[error(
        "the {version} document has paths outside /logistics/api/{version}/ ({example}); nothing was changed"
    )]
    Paths { version: String, example: String },
    #[error("cannot edit {path}: {message}; nothing was changed")]
    Edit { path: String, message: String },
    #[error("{0}; nothing was changed")]
    Notes(#[from] NotesError),
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("cargo metadata refused the changed workspace, so every file was put back: {0}")]
    Cargo(String),
}

fn edit_error(path: &str, message: impl Into<String>) -> VersionError {
    VersionError::Edit {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The crate directory of a version.
pub fn crate_dir(version: &str) -> String {
    format!("crates/flexport-logistics-{version}")
}

/// `2024_04` for `2024-04`.
fn snake(version: &str) -> String {
    version.replace('-', "_")
}

/// The facade's module of a version: `v2024_04`, `unstable`.
pub fn module(version: &str) -> String {
    crate::version_feature(&snake(version))
}

/// Whether `version` is a dated version name, `YYYY-MM`.
pub fn is_dated(version: &str) -> bool {
    let bytes = version.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit)
        && matches!(version[5..].parse::<u8>(), Ok(1..=12))
}

/// `versions` with `version` in its place: dated versions in date order,
/// then the others (`unstable`) as they were.
fn with_version(versions: &[String], version: &str) -> Vec<String> {
    let mut dated: Vec<String> = versions.iter().filter(|v| is_dated(v)).cloned().collect();
    dated.push(version.to_owned());
    dated.sort();
    dated.extend(versions.iter().filter(|v| !is_dated(v)).cloned());
    dated
}

pub const RUNTIME_LIB: &str = "crates/flexport-runtime/src/lib.rs";
const FACADE_MANIFEST: &str = "crates/flexport/Cargo.toml";
const FACADE_VERSIONS: &str = "crates/flexport/src/versions.rs";
const FACADE_LIB: &str = "crates/flexport/src/lib.rs";
const SANDBOX_MANIFEST: &str = "crates/flexport-sandbox/Cargo.toml";
const CLI_MANIFEST: &str = "crates/flexport-cli/Cargo.toml";
const EXAMPLE: &str = "tests/examples/generated_clients.rs";
const README: &str = "README.md";
const NOTES_DIR: &str = "docs/migrations";
const SNAPSHOTS_DIR: &str = "tests/tests/snapshots";

/// The version list as `crates/flexport-runtime/src/lib.rs` declares it.
pub fn read_versions(root: &Path) -> Result<Vec<String>, VersionError> {
    let text = read_text(root, RUNTIME_LIB)?;
    let (start, end) = versions_const_span(&text)?;
    let item: syn::ItemConst = syn::parse_str(&text[start..end])
        .map_err(|error| edit_error(RUNTIME_LIB, format!("API_VERSIONS: {error}")))?;
    let syn::Expr::Array(array) = *item.expr else {
        return Err(edit_error(RUNTIME_LIB, "API_VERSIONS is not an array"));
    };
    array
        .elems
        .iter()
        .map(|element| match element {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Ok(text.value()),
            _ => Err(edit_error(RUNTIME_LIB, "API_VERSIONS holds a non-string")),
        })
        .collect()
}

/// The byte range of the `pub const API_VERSIONS ... ];` item.
fn versions_const_span(text: &str) -> Result<(usize, usize), VersionError> {
    let start = text
        .find("pub const API_VERSIONS:")
        .ok_or_else(|| edit_error(RUNTIME_LIB, "no `pub const API_VERSIONS:`"))?;
    let end = text[start..]
        .find("];")
        .map(|offset| start + offset + 2)
        .ok_or_else(|| edit_error(RUNTIME_LIB, "API_VERSIONS has no closing `];`"))?;
    Ok((start, end))
}

/// The `API_VERSIONS` item for `versions`, as rustfmt lays it out.
fn versions_const(versions: &[String]) -> String {
    let mut out = format!("pub const API_VERSIONS: [&str; {}] = [\n", versions.len());
    let mut line = String::from("   ");
    for version in versions {
        let item = format!(" \"{version}\",");
        if line.len() + item.len() > 100 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("   ");
        }
        line.push_str(&item);
    }
    out.push_str(&line);
    out.push_str("\n];");
    out
}

/// The facade's default features, from its manifest's `default = [...]`.
fn default_features(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("default = ["))
        .map(|rest| {
            rest.trim_end_matches(']')
                .split(',')
                .map(|item| item.trim().trim_matches('"').to_owned())
                .filter(|item| !item.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// How each hand-written place that lists versions writes one version (or
/// the whole list). Each is found in its file by rendering the current
/// list; an edit that finds it nowhere, or twice, fails.
struct Places {
    /// The facade's default features.
    default: Vec<String>,
}

type Render<'a> = Box<dyn Fn(&[String]) -> String + 'a>;

/// A manifest's `full` feature: every version's feature.
fn full_feature(versions: &[String]) -> String {
    let features: Vec<String> = versions
        .iter()
        .map(|v| format!("\"{}\"", crate::version_feature(v)))
        .collect();
    format!("\nfull = [{}]\n", features.join(", "))
}

impl Places {
    fn each(line: impl Fn(&str) -> String + 'static) -> Render<'static> {
        Box::new(move |versions: &[String]| versions.iter().map(|v| line(v)).collect())
    }

    /// `(file, what, how the list is written there)`.
    fn all(&self) -> Vec<(&'static str, &'static str, Render<'_>)> {
        use crate::version_feature as feature;
        let krate = |v: &str| format!("flexport-logistics-{v}");
        vec![
            (
                FACADE_MANIFEST,
                "the version features",
                Self::each(move |v| format!("{} = [\"dep:{}\"]\n", feature(v), krate(v))),
            ),
            (
                FACADE_MANIFEST,
                "the `full` feature",
                Box::new(full_feature),
            ),
            (
                FACADE_MANIFEST,
                "the `schemars` feature's forwarding",
                Self::each(move |v| format!("    \"{}?/schemars\",\n", krate(v))),
            ),
            (
                FACADE_MANIFEST,
                "the optional dependencies",
                Self::each(move |v| {
                    format!(
                        "{} = {{ path = \"../{}\", version = \"0.1.0\", optional = true }}\n",
                        krate(v),
                        krate(v)
                    )
                }),
            ),
            (
                FACADE_LIB,
                "the version modules",
                Self::each(move |v| {
                    format!(
                        "#[cfg(feature = \"{}\")]\n#[doc(inline)]\npub use flexport_logistics_{} as {};\n",
                        feature(v),
                        snake(v),
                        module(v)
                    )
                }),
            ),
            (
                FACADE_LIB,
                "the table of version features",
                Box::new(move |versions: &[String]| {
                    versions
                        .iter()
                        .map(|v| {
                            let default = if self.default.contains(&feature(v)) {
                                " (default)"
                            } else {
                                ""
                            };
                            format!(
                                "//! | `{}`{default} | `{}` | `{}` |\n",
                                feature(v),
                                module(v),
                                krate(v)
                            )
                        })
                        .collect()
                }),
            ),
            (
                SANDBOX_MANIFEST,
                "the version crate dependencies (each crate's `OPERATIONS`)",
                Self::each(move |v| {
                    format!(
                        "{} = {{ path = \"../{}\", version = \"0.1.0\" }}\n",
                        krate(v),
                        krate(v)
                    )
                }),
            ),
            (
                CLI_MANIFEST,
                "the version features (each the facade's of the same name)",
                Self::each(move |v| format!("{} = [\"flexport/{}\"]\n", feature(v), feature(v))),
            ),
            (CLI_MANIFEST, "the `full` feature", Box::new(full_feature)),
            (
                EXAMPLE,
                "the `exercise!` lines",
                Self::each(move |v| format!("    exercise!({}, \"{v}\", &base_url);\n", module(v))),
            ),
        ]
    }
}

/// Replaces the rendering of `old` by that of `new` in `text`.
fn replace_rendered(
    text: &str,
    file: &str,
    what: &str,
    render: &Render<'_>,
    old: &[String],
    new: &[String],
) -> Result<String, VersionError> {
    let before = render(old);
    match text.matches(&before).count() {
        1 => Ok(text.replacen(&before, &render(new), 1)),
        0 => Err(edit_error(
            file,
            format!(
                "{what} are not as the command writes them (expected {before:?}); edit them back or by hand"
            ),
        )),
        _ => Err(edit_error(file, format!("{what} appear more than once"))),
    }
}

/// Edits a file with one line per version, each starting with `prefix(v)`
/// and going on as that version needs (the facade's `version!` lines name
/// each version's waiters): the line of a version leaving is removed, and a
/// new version's line is its predecessor's (or, first, its successor's) with
/// the prefix changed, placed after it.
fn edit_lines(
    text: &str,
    file: &str,
    old: &[String],
    new: &[String],
    prefix: impl Fn(&str) -> String,
) -> Result<String, VersionError> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let find = |lines: &[String], version: &str| {
        let prefix = prefix(version);
        let found: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with(&prefix))
            .collect();
        match found.as_slice() {
            [index] => Ok(*index),
            [] => Err(edit_error(file, format!("no line starts with {prefix:?}"))),
            _ => Err(edit_error(
                file,
                format!("more than one line starts with {prefix:?}"),
            )),
        }
    };
    for version in old.iter().filter(|v| !new.contains(v)) {
        let index = find(&lines, version)?;
        lines.remove(index);
    }
    for (position, version) in new.iter().enumerate() {
        if old.contains(version) {
            continue;
        }
        let (neighbour, after) = match position {
            0 => (new.get(1), false),
            _ => (new.get(position - 1), true),
        };
        let neighbour = neighbour.ok_or_else(|| edit_error(file, "no version to follow"))?;
        let index = find(&lines, neighbour)?;
        let line = lines[index].replacen(&prefix(neighbour), &prefix(version), 1);
        lines.insert(if after { index + 1 } else { index }, line);
    }
    Ok(lines.concat())
}

/// The README's table of versions with `rows` (version, row) for the new
/// list: a version without a row keeps its present one.
fn readme_table(
    readme: &str,
    versions: &[String],
    new_row: Option<(&str, String)>,
) -> Result<String, VersionError> {
    let header =
        "| version | operations | schemas | generated lines | crate |\n|---|---|---|---|---|\n";
    let start = readme
        .find(header)
        .ok_or_else(|| edit_error(README, "no table of API versions"))?
        + header.len();
    let rows_len: usize = readme[start..]
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("| `"))
        .map(str::len)
        .sum();
    let mut rows: BTreeMap<String, String> = readme[start..start + rows_len]
        .split_inclusive('\n')
        .filter_map(|line| {
            let version = line.strip_prefix("| `")?.split('`').next()?;
            Some((version.to_owned(), line.to_owned()))
        })
        .collect();
    if let Some((version, row)) = new_row {
        rows.insert(version.to_owned(), row);
    }
    let mut table = String::new();
    for version in versions {
        let row = rows
            .get(version)
            .ok_or_else(|| edit_error(README, format!("the table has no row for {version}")))?;
        table.push_str(row);
    }
    Ok(format!(
        "{}{table}{}",
        &readme[..start],
        &readme[start + rows_len..]
    ))
}

/// The README row of a new version.
fn readme_row(version: &str, document: &serde_json::Value, code: &str) -> String {
    let operations = flexport_codegen::operations::operations(document).len();
    let schemas = document["components"]["schemas"]
        .as_object()
        .map_or(0, |schemas| schemas.len());
    format!(
        "| `{version}` | {operations} | {schemas} | {} | `flexport-logistics-{version}` |\n",
        thousands(code.lines().count())
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The version crate's files, from the template in `xtask/src/template/`.
pub fn crate_files(version: &str) -> Vec<(String, Content)> {
    let fill = |template: &str| {
        Content::File(
            template
                .replace("{version}", version)
                .replace("{snake}", &snake(version))
                .into_bytes(),
        )
    };
    let dir = crate_dir(version);
    vec![
        (
            format!("{dir}/Cargo.toml"),
            fill(include_str!("template/Cargo.toml.in")),
        ),
        (
            format!("{dir}/build.rs"),
            fill(include_str!("template/build.rs.in")),
        ),
        (
            format!("{dir}/src/lib.rs"),
            fill(include_str!("template/lib.rs.in")),
        ),
        (
            format!("{dir}/{}", flexport_codegen::build_script::DOCUMENT_FILE),
            Content::Link(format!("../../specs/{version}.json").into()),
        ),
    ]
}

/// The snapshot file insta writes for `tests/tests/generated_clients.rs`'s
/// assertion `expression` with `contents`.
pub fn snapshot_file(expression: &str, contents: &str) -> String {
    // insta ends the file with one newline, whatever the contents end with.
    let contents = contents.trim_end_matches('\n');
    format!(
        "---\nsource: tests/tests/generated_clients.rs\nexpression: {expression}\n---\n{contents}\n"
    )
}

/// The two snapshots of a version's generated code, as `(file name,
/// contents)`: the normalization change log and the client.
pub fn snapshots(version: &str, generated: &flexport_codegen::Generated) -> [(String, String); 2] {
    let changes: Vec<String> = generated
        .changes
        .iter()
        .map(|change| format!("{}: {}", change.pass, change.detail))
        .collect();
    [
        (
            format!("generated_clients__normalization-{version}.snap"),
            snapshot_file("\"changes.join(\\\"\\\\n\\\")\"", &changes.join("\n")),
        ),
        (
            format!("generated_clients__client-{version}.snap"),
            snapshot_file("generated.code", &generated.code),
        ),
    ]
}

/// The release notes `add-version` writes for a new version: no facts yet.
fn unreviewed_release_notes(version: &str) -> ReleaseNotes {
    ReleaseNotes {
        version: version.to_owned(),
        source: format!(
            "not reviewed yet: written by `cargo xtask add-version {version}`; add the facts of \
             Flexport's {version} release notes that the document cannot show"
        ),
        facts: Vec::new(),
        absent_operations: Vec::new(),
    }
}

fn read_text(root: &Path, path: &str) -> Result<String, VersionError> {
    std::fs::read_to_string(root.join(path)).map_err(|error| edit_error(path, error.to_string()))
}

/// The edits of every place that lists versions, from `old` to `new`.
fn list_changes(
    root: &Path,
    old: &[String],
    new: &[String],
    new_row: Option<(&str, String)>,
) -> Result<Vec<FileEdit>, VersionError> {
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    for file in [
        RUNTIME_LIB,
        FACADE_MANIFEST,
        FACADE_VERSIONS,
        FACADE_LIB,
        SANDBOX_MANIFEST,
        CLI_MANIFEST,
        EXAMPLE,
        README,
    ] {
        texts.insert(file, read_text(root, file)?);
    }
    let runtime = &texts[RUNTIME_LIB];
    let (start, end) = versions_const_span(runtime)?;
    let runtime = format!(
        "{}{}{}",
        &runtime[..start],
        versions_const(new),
        &runtime[end..]
    );
    texts.insert(RUNTIME_LIB, runtime);
    let places = Places {
        default: default_features(&texts[FACADE_MANIFEST]),
    };
    for (file, what, render) in places.all() {
        let edited = replace_rendered(&texts[file], file, what, &render, old, new)?;
        texts.insert(file, edited);
    }
    let versions_rs = edit_lines(&texts[FACADE_VERSIONS], FACADE_VERSIONS, old, new, |v| {
        format!(
            "version!(\"{}\", flexport_logistics_{}, \"{v}\",",
            crate::version_feature(v),
            snake(v)
        )
    })?;
    texts.insert(FACADE_VERSIONS, versions_rs);
    let readme = readme_table(&texts[README], new, new_row)?;
    texts.insert(README, readme);
    Ok(texts
        .into_iter()
        .map(|(file, text)| FileEdit {
            path: file.into(),
            content: Content::File(text.into_bytes()),
        })
        .collect())
}

/// The migration notes for `versions`, with the stale pages removed.
fn notes_changes(
    root: &Path,
    versions: &[String],
    documents: &BTreeMap<String, serde_json::Value>,
    release_notes: &BTreeMap<String, ReleaseNotes>,
) -> Result<Vec<FileEdit>, VersionError> {
    let pages = migration_notes::render_pages(versions, documents, release_notes)?;
    let notes_dir = root.join(NOTES_DIR);
    let mut changes = Vec::new();
    let entries =
        std::fs::read_dir(&notes_dir).map_err(|error| edit_error(NOTES_DIR, error.to_string()))?;
    for entry in entries {
        let name = entry
            .map_err(|error| edit_error(NOTES_DIR, error.to_string()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if migration_notes::is_page_name(&name) && !pages.iter().any(|(page, _)| *page == name) {
            changes.push(FileEdit {
                path: Path::new(NOTES_DIR).join(name),
                content: Content::Absent,
            });
        }
    }
    changes.extend(pages.into_iter().map(|(name, text)| FileEdit {
        path: Path::new(NOTES_DIR).join(name),
        content: Content::File(text.into_bytes()),
    }));
    Ok(changes)
}

/// Normalized documents by version.
type Documents = BTreeMap<String, serde_json::Value>;

/// The normalized committed documents of `versions`, and the release notes
/// of all but the oldest.
fn committed_inputs(
    root: &Path,
    versions: &[String],
) -> Result<(Documents, BTreeMap<String, ReleaseNotes>), VersionError> {
    let mut documents = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let notes_dir = root.join(NOTES_DIR);
    for (index, version) in versions.iter().enumerate() {
        let path = root.join("specs").join(format!("{version}.json"));
        let document = crate::diff::load_document(&path).map_err(NotesError::Diff)?;
        documents.insert(version.clone(), document);
        // The oldest version is no page's newer one: it needs none.
        if index > 0 {
            let release_notes = migration_notes::load_release_notes(&notes_dir, version)?;
            notes.insert(version.clone(), release_notes);
        }
    }
    Ok((documents, notes))
}

/// `cargo xtask add-version`: downloads and validates `options.version`'s
/// document as `sync-specs` does, then adds the version everywhere.
pub async fn add_version(options: &AddOptions) -> Result<Outcome, VersionError> {
    let root = &options.root;
    let version = options.version.as_str();
    let old = read_versions(root)?;
    if old.iter().any(|v| v == version) {
        return Err(VersionError::Exists(
            version.to_owned(),
            RUNTIME_LIB.to_owned(),
        ));
    }
    if !is_dated(version) {
        return Err(VersionError::InvalidName(version.to_owned()));
    }
    for taken in [
        crate_dir(version),
        format!("specs/{version}.json"),
        format!("{NOTES_DIR}/release-notes/{version}.json"),
    ] {
        if std::fs::symlink_metadata(root.join(&taken)).is_ok() {
            return Err(VersionError::Exists(version.to_owned(), taken));
        }
    }
    let new = with_version(&old, version);

    let sync_options = SyncOptions {
        versions: vec![version.to_owned()],
        base_url: options.base_url.clone(),
        specs_dir: root.join("specs"),
        check: false,
        retry: options.retry.clone(),
        max_document_bytes: options.max_document_bytes,
    };
    let client = crate::sync::http_client(&options.retry);
    let progress = crate::sync::Progress::new(1);
    let fetched = crate::sync::fetch(&client, version, &sync_options, &progress).await;
    progress.finish();
    let downloaded = fetched.map_err(|failure| VersionError::Download(Box::new(failure)))?;
    let prefix = format!("/logistics/api/{version}/");
    if let Some(path) = downloaded.document["paths"]
        .as_object()
        .and_then(|paths| paths.keys().find(|path| !path.starts_with(&prefix)))
    {
        return Err(VersionError::Paths {
            version: version.to_owned(),
            example: path.clone(),
        });
    }

    let mut changes = Vec::new();
    let lock = crate::lock::Lock::read(&root.join("specs"))
        .map_err(|error| edit_error("specs/specs.lock", error.to_string()))?;
    for (name, bytes) in crate::sync::changed_spec_files(
        &root.join("specs"),
        lock,
        std::slice::from_ref(&downloaded),
    ) {
        changes.push(FileEdit {
            path: Path::new("specs").join(name),
            content: Content::File(bytes),
        });
    }
    for (path, content) in crate_files(version) {
        changes.push(FileEdit {
            path: path.into(),
            content,
        });
    }
    let row = readme_row(version, &downloaded.document, &downloaded.generated.code);
    changes.extend(list_changes(root, &old, &new, Some((version, row)))?);

    let (mut documents, mut release_notes) = committed_inputs(root, &old)?;
    let mut normalized = downloaded.document.clone();
    flexport_codegen::normalize::normalize(&mut normalized)
        .map_err(|error| edit_error(&format!("specs/{version}.json"), error.to_string()))?;
    documents.insert(version.to_owned(), normalized);
    let notes = unreviewed_release_notes(version);
    let mut notes_json = serde_json::to_string_pretty(&notes).expect("notes serialize");
    notes_json.push('\n');
    changes.push(FileEdit {
        path: format!("{NOTES_DIR}/release-notes/{version}.json").into(),
        content: Content::File(notes_json.into_bytes()),
    });
    release_notes.insert(version.to_owned(), notes);
    changes.extend(notes_changes(root, &new, &documents, &release_notes)?);

    for (name, contents) in snapshots(version, &downloaded.generated) {
        changes.push(FileEdit {
            path: Path::new(SNAPSHOTS_DIR).join(format!("{name}.new")),
            content: Content::File(contents.into_bytes()),
        });
    }
    swap_and_refresh_lock(root, changes)
}

/// `cargo xtask remove-version`: takes `version` out of every place
/// `add-version` puts it, and its document and crate.
pub fn remove_version(root: &Path, version: &str) -> Result<Outcome, VersionError> {
    let old = read_versions(root)?;
    if !old.iter().any(|v| v == version) {
        return Err(VersionError::Unknown(version.to_owned(), old.join(", ")));
    }
    let manifest = read_text(root, FACADE_MANIFEST)?;
    let feature = crate::version_feature(version);
    if default_features(&manifest).contains(&feature) {
        return Err(VersionError::Default(version.to_owned()));
    }
    let new: Vec<String> = old.iter().filter(|v| *v != version).cloned().collect();
    let edits = list_changes(root, &old, &new, None)?;
    let mut users = other_manifests_naming(root, version, &edits)?;
    users.extend(sources_using(root, version, &edits)?);
    if !users.is_empty() {
        return Err(VersionError::StillUsed {
            version: version.to_owned(),
            places: users,
        });
    }
    let mut changes = Vec::new();
    let mut lock = crate::lock::Lock::read(&root.join("specs"))
        .map_err(|error| edit_error("specs/specs.lock", error.to_string()))?;
    lock.documents.remove(version);
    changes.push(FileEdit {
        path: "specs/specs.lock".into(),
        content: Content::File(lock.to_json().into_bytes()),
    });
    let mut gone = vec![
        PathBuf::from(format!("specs/{version}.json")),
        PathBuf::from(format!("{NOTES_DIR}/release-notes/{version}.json")),
    ];
    gone.extend(files_below(root, Path::new(&crate_dir(version)))?);
    for name in snapshot_names(version) {
        gone.push(Path::new(SNAPSHOTS_DIR).join(&name));
        gone.push(Path::new(SNAPSHOTS_DIR).join(format!("{name}.new")));
    }
    changes.extend(gone.into_iter().map(|path| FileEdit {
        path,
        content: Content::Absent,
    }));
    changes.extend(edits);
    let (documents, release_notes) = committed_inputs(root, &new)?;
    changes.extend(notes_changes(root, &new, &documents, &release_notes)?);
    swap_and_refresh_lock(root, changes)
}

/// The file names of a version's two snapshots.
fn snapshot_names(version: &str) -> [String; 2] {
    [
        format!("generated_clients__normalization-{version}.snap"),
        format!("generated_clients__client-{version}.snap"),
    ]
}

/// Every file below `dir` (relative to `root`), links included.
fn files_below(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, VersionError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(root.join(&dir))
            .map_err(|error| edit_error(&dir.display().to_string(), error.to_string()))?;
        for entry in entries {
            let entry =
                entry.map_err(|error| edit_error(&dir.display().to_string(), error.to_string()))?;
            let path = dir.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(|error| edit_error(&path.display().to_string(), error.to_string()))?;
            if kind.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The manifests other than the facade's and the version's own that still
/// name the version's crate or facade feature once `edits` are made.
fn other_manifests_naming(
    root: &Path,
    version: &str,
    edits: &[FileEdit],
) -> Result<Vec<String>, VersionError> {
    let krate = format!("flexport-logistics-{version}");
    let feature = format!("\"{}\"", crate::version_feature(version));
    let mut manifests = vec![
        PathBuf::from("tests/Cargo.toml"),
        PathBuf::from("xtask/Cargo.toml"),
    ];
    let crates =
        std::fs::read_dir(root.join("crates")).map_err(|e| edit_error("crates", e.to_string()))?;
    for entry in crates {
        let name = entry
            .map_err(|e| edit_error("crates", e.to_string()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != "flexport" && name != krate {
            manifests.push(Path::new("crates").join(name).join("Cargo.toml"));
        }
    }
    Ok(manifests
        .into_iter()
        .filter(|manifest| {
            after_edits(root, manifest, edits)
                .is_some_and(|text| text.contains(&krate) || text.contains(&feature))
        })
        .map(|manifest| manifest.display().to_string())
        .collect())
}

/// The Rust sources outside the facade and the version's own crate that use
/// the version crate by its Rust name (`flexport_logistics_2024_04::types`,
/// as the sandbox's engine does): a manifest the edits rewrite no longer
/// names the crate, but such code would no longer build without it.
fn sources_using(
    root: &Path,
    version: &str,
    edits: &[FileEdit],
) -> Result<Vec<String>, VersionError> {
    let name = format!("flexport_logistics_{}", version.replace('-', "_"));
    let own = PathBuf::from(crate_dir(version));
    let uses = |text: &str| {
        text.match_indices(&name).any(|(at, _)| {
            !text[at + name.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut users = Vec::new();
    for path in files_below(root, Path::new("crates"))? {
        if path.extension().is_none_or(|ext| ext != "rs")
            || path.starts_with(&own)
            || path.starts_with("crates/flexport/")
        {
            continue;
        }
        let text = after_edits(root, &path, edits)
            .ok_or_else(|| edit_error(&path.display().to_string(), "cannot be read".to_owned()))?;
        if uses(&text) {
            users.push(path.display().to_string());
        }
    }
    Ok(users)
}

/// The text `path` will have once `edits` are made: the edit's, or the file's
/// as it is; `None` when neither is there to read.
fn after_edits(root: &Path, path: &Path, edits: &[FileEdit]) -> Option<String> {
    edits
        .iter()
        .find_map(|edit| match &edit.content {
            Content::File(bytes) if edit.path == path => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            _ => None,
        })
        .or_else(|| std::fs::read_to_string(root.join(path)).ok())
}

/// Swaps `changes` in, then lets `cargo metadata` refresh `Cargo.lock`;
/// if cargo fails, puts every file back, the lock included.
fn swap_and_refresh_lock(root: &Path, changes: Vec<FileEdit>) -> Result<Outcome, VersionError> {
    // Only what actually changes.
    let mut effective = Vec::new();
    let mut outcome = Outcome::default();
    for change in changes {
        let target = root.join(&change.path);
        let present = std::fs::symlink_metadata(&target).is_ok();
        let kind = match (&change.content, present) {
            (Content::Absent, false) => continue,
            (Content::Absent, true) => Kind::Removed,
            (_, false) => Kind::Added,
            (Content::File(bytes), true) => {
                if std::fs::read(&target).ok().as_deref() == Some(bytes.as_slice()) {
                    continue;
                }
                Kind::Modified
            }
            (Content::Link(link), true) => {
                if std::fs::read_link(&target).ok().as_deref() == Some(link.as_path()) {
                    continue;
                }
                Kind::Modified
            }
        };
        outcome.files.push((change.path.clone(), kind));
        effective.push(change);
    }
    let lock_path = root.join("Cargo.lock");
    let lock_before = std::fs::read(&lock_path).ok();
    let applied = crate::files::apply(root, root, ".xtask-version-", effective)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .output();
    let failure = match metadata {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(String::from_utf8_lossy(&output.stderr).trim().to_owned()),
        Err(error) => Some(format!("cannot run cargo: {error}")),
    };
    if let Some(message) = failure {
        let restored = match &lock_before {
            Some(bytes) => std::fs::write(&lock_path, bytes),
            None => std::fs::remove_file(&lock_path),
        };
        let error = applied.roll_back(WriteError::Io {
            path: root.join("Cargo.toml"),
            source: std::io::Error::other(message.clone()),
        });
        return match (error, restored) {
            (WriteError::Io { .. }, Ok(())) => Err(VersionError::Cargo(message)),
            (error, _) => Err(VersionError::Write(error)),
        };
    }
    applied.commit();
    if std::fs::read(&lock_path).ok() != lock_before {
        let kind = if lock_before.is_some() {
            Kind::Modified
        } else {
            Kind::Added
        };
        outcome.files.push(("Cargo.lock".into(), kind));
    }
    outcome.files.sort();
    Ok(outcome)
}

/// What `add-version` prints after its list of files.
pub const REVIEW_AFTER_ADDING: &str = "\
Review before committing:
  - the generated code: cargo insta review (the two snapshots of {version} are pending, never accepted by this command);
  - docs/migrations/release-notes/{version}.json: add the facts of Flexport's {version} release notes that the document cannot show, then cargo xtask migration-notes;
  - the new page of docs/migrations/ and the README row;
  - the version!(...) line in crates/flexport/src/versions.rs: its waiters are copied from the version before it; keep those its document supports;
  - then cargo test -p flexport-tests (and cargo clippy -p flexport --no-default-features --features v{version}).";
