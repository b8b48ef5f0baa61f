//! `cargo xtask sync-specs`: download, validate and store the documents, all
//! or nothing.
//!
//! Every requested document is downloaded (at most
//! [`SyncOptions::max_document_bytes`]) and validated (it must parse as
//! OpenAPI 3.0 and the generator must accept it) before anything is written;
//! if one fails, `specs/` is left byte for byte as it was. Then every changed
//! document and the lock are staged in a directory beside `specs/` and
//! swapped in one by one; if any step of that fails, the files already
//! swapped are put back, byte for byte (see [`crate::files`]).

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::files::{Content, FileEdit, WriteError};
use crate::lock::{LOCK_FILE, Lock, LockEntry};

/// What to sync, from where, and how hard to try.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub versions: Vec<String>,
    /// `https://…`, `http://…` or `file:///…`; documents are looked up below
    /// it at `/logistics/api/{version}/documentation/raw`.
    pub base_url: String,
    pub specs_dir: PathBuf,
    /// Compare with the lock instead of writing.
    pub check: bool,
    pub retry: DownloadRetries,
    /// The largest document accepted, in bytes; a larger one fails its
    /// download ([`DEFAULT_MAX_DOCUMENT_BYTES`] by default).
    pub max_document_bytes: u64,
}

/// 50 MB: the published documents are under 2 MB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 50_000_000;

/// Timeouts and retries for HTTP downloads. Network errors and 5xx answers
/// are retried with exponential backoff; other answers are final.
#[derive(Debug, Clone)]
pub struct DownloadRetries {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl DownloadRetries {
    /// The wait after failed attempt `attempt`: the SDK's own backoff with
    /// jitter, starting at `first_backoff`.
    fn backoff(&self, attempt: u32) -> Duration {
        flexport_runtime::RetryPolicy {
            max_attempts: self.attempts,
            initial_delay: self.first_backoff,
            max_delay: Duration::from_secs(30),
            deadline: None,
        }
        .delay(attempt, None)
    }
}

impl Default for DownloadRetries {
    fn default() -> Self {
        DownloadRetries {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Same content as the lock says; nothing written.
    Unchanged,
    /// New or changed content, written (or, with `--check`, drifted).
    Changed,
}

#[derive(Debug)]
pub struct SyncReport {
    pub documents: Vec<(String, Status)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{} of {requested} document(s) failed, so specs/ was left as it was:\n{}", failures.len(), bullet_list(failures))]
    Documents {
        requested: usize,
        failures: Vec<DocumentFailure>,
    },
    #[error("the downloaded documents differ from specs/specs.lock:\n{}", bullet_list(.0))]
    Drift(Vec<Drift>),
    #[error("no versions to sync")]
    NoVersions,
    #[error("unknown version {0:?}; known versions: {known}", known = crate::VERSIONS.join(", "))]
    UnknownVersion(String),
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn bullet_list(items: &[impl fmt::Display]) -> String {
    items
        .iter()
        .map(|item| format!("  - {item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One document that could not be downloaded or is not usable.
#[derive(Debug, thiserror::Error)]
#[error("{version} from {url}: {problem}")]
pub struct DocumentFailure {
    pub version: String,
    pub url: String,
    pub problem: FetchError,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {0}")]
    Status(reqwest::StatusCode),
    #[error("HTTP {status} after {attempts} attempts")]
    StatusAfterRetries {
        status: reqwest::StatusCode,
        attempts: u32,
    },
    #[error("network error after {attempts} attempt(s): {source}")]
    Network {
        attempts: u32,
        source: reqwest::Error,
    },
    #[error("cannot read the file: {0}")]
    File(std::io::Error),
    #[error("unsupported URL (use https://, http:// or file://)")]
    Url,
    #[error("the document is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Document(#[from] flexport_codegen::Error),
}

/// A document whose downloaded content is not what the lock records.
#[derive(Debug)]
pub struct Drift {
    pub version: String,
    pub locked: Option<String>,
    pub downloaded: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.locked {
            Some(locked) => write!(
                f,
                "{}: locked sha256 {locked}, downloaded {}",
                self.version, self.downloaded
            ),
            None => write!(
                f,
                "{}: not in the lock, downloaded sha256 {}",
                self.version, self.downloaded
            ),
        }
    }
}

/// A downloaded, validated document.
pub(crate) struct Downloaded {
    pub(crate) version: String,
    pub(crate) url: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) sha256: String,
    pub(crate) reconstructed: bool,
    /// The document as parsed, before normalization.
    pub(crate) document: serde_json::Value,
    /// What the generator made of it.
    pub(crate) generated: flexport_codegen::Generated,
}

/// Runs a sync (or, with `check`, a drift check) as `options` say.
pub async fn sync_specs(options: &SyncOptions) -> Result<SyncReport, SyncError> {
    if options.versions.is_empty() {
        return Err(SyncError::NoVersions);
    }
    // A version names a file in specs/: only the known ones are allowed.
    if let Some(unknown) = options
        .versions
        .iter()
        .find(|version| !crate::VERSIONS.contains(&version.as_str()))
    {
        return Err(SyncError::UnknownVersion(unknown.clone()));
    }
    let lock = Lock::read(&options.specs_dir)
        .map_err(|source| io_error(&options.specs_dir.join(LOCK_FILE), source))?;
    let client = http_client(&options.retry);

    let progress = Progress::new(options.versions.len());
    let mut downloaded = Vec::new();
    let mut failures = Vec::new();
    for version in &options.versions {
        match fetch(&client, version, options, &progress).await {
            Ok(document) => downloaded.push(document),
            Err(failure) => failures.push(failure),
        }
    }
    progress.finish();
    if !failures.is_empty() {
        return Err(SyncError::Documents {
            requested: options.versions.len(),
            failures,
        });
    }

    let statuses: Vec<(String, Status)> = downloaded
        .iter()
        .map(|doc| {
            let unchanged = lock
                .documents
                .get(&doc.version)
                .is_some_and(|entry| entry.sha256 == doc.sha256);
            (
                doc.version.clone(),
                if unchanged {
                    Status::Unchanged
                } else {
                    Status::Changed
                },
            )
        })
        .collect();

    if options.check {
        let drift: Vec<Drift> = downloaded
            .iter()
            .zip(&statuses)
            .filter(|(_, (_, status))| *status == Status::Changed)
            .map(|(doc, _)| Drift {
                version: doc.version.clone(),
                locked: lock
                    .documents
                    .get(&doc.version)
                    .map(|entry| entry.sha256.clone()),
                downloaded: doc.sha256.clone(),
            })
            .collect();
        return if drift.is_empty() {
            Ok(SyncReport {
                documents: statuses,
            })
        } else {
            Err(SyncError::Drift(drift))
        };
    }

    write_documents(&options.specs_dir, lock, &downloaded)?;
    Ok(SyncReport {
        documents: statuses,
    })
}

/// The client documents are downloaded with: timeouts, the xtask's agent.
pub(crate) fn http_client(retry: &DownloadRetries) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(retry.connect_timeout)
        .timeout(retry.timeout)
        .user_agent(concat!("flexport-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with timeouts builds")
}

/// Downloads and validates `version`'s document below `options.base_url`,
/// saying so on `progress`.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    version: &str,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<Downloaded, DocumentFailure> {
    let url = crate::document_url(&options.base_url, version);
    progress.start(version, &url);
    match download_and_validate(client, &url, options).await {
        Ok((bytes, document, generated)) => {
            progress.done(version, &format!("{} bytes", bytes.len()));
            Ok(Downloaded {
                version: version.to_owned(),
                sha256: sha256_hex(&bytes),
                reconstructed: document.get("x-reconstructed").is_some(),
                url,
                bytes,
                document,
                generated,
            })
        }
        Err(problem) => {
            progress.done(version, "FAILED");
            Err(DocumentFailure {
                version: version.to_owned(),
                url,
                problem,
            })
        }
    }
}

async fn download_and_validate(
    client: &reqwest::Client,
    url: &str,
    options: &SyncOptions,
) -> Result<(Vec<u8>, serde_json::Value, flexport_codegen::Generated), FetchError> {
    let bytes = download(client, url, &options.retry, options.max_document_bytes).await?;
    let document = flexport_codegen::validate::parse_document(&bytes)
        .map_err(flexport_codegen::Error::from)?;
    // A document the generator refuses would break the build of its crate.
    let generated = flexport_codegen::generate_from_value(document.clone())?;
    Ok((bytes, document, generated))
}

async fn download(
    client: &reqwest::Client,
    url: &str,
    retry: &DownloadRetries,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| FetchError::Url)?;
    match parsed.scheme() {
        "file" => {
            let path = parsed.to_file_path().map_err(|_| FetchError::Url)?;
            read_bounded(&path, limit)
        }
        "http" | "https" => download_http(client, parsed, retry, limit).await,
        _ => Err(FetchError::Url),
    }
}

/// The file at `path`, if it has at most `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FetchError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(FetchError::File)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(FetchError::File)?;
    if bytes.len() as u64 > limit {
        return Err(FetchError::TooLarge { limit });
    }
    Ok(bytes)
}

/// The body of `response`, if it has at most `limit` bytes; read chunk by
/// chunk, so a larger body is never held whole.
async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Network)? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

enum BodyError {
    TooLarge,
    Network(reqwest::Error),
}

async fn download_http(
    client: &reqwest::Client,
    url: reqwest::Url,
    retry: &DownloadRetries,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let mut attempt = 1;
    loop {
        let failure = match client.get(url.clone()).send().await {
            Ok(response) if response.status().is_success() => {
                match read_body(response, limit).await {
                    Ok(bytes) => return Ok(bytes),
                    Err(BodyError::TooLarge) => return Err(FetchError::TooLarge { limit }),
                    Err(BodyError::Network(source)) => FetchError::Network {
                        attempts: attempt,
                        source,
                    },
                }
            }
            Ok(response) if response.status().is_server_error() => FetchError::StatusAfterRetries {
                status: response.status(),
                attempts: attempt,
            },
            Ok(response) => return Err(FetchError::Status(response.status())),
            Err(source) => FetchError::Network {
                attempts: attempt,
                source,
            },
        };
        if attempt >= retry.attempts {
            return Err(failure);
        }
        tokio::time::sleep(retry.backoff(attempt)).await;
        attempt += 1;
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn io_error(path: &Path, source: std::io::Error) -> SyncError {
    SyncError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The files of `specs_dir` that change when `documents` are synced into it,
/// as `(name in specs_dir, new bytes)`: each document whose bytes differ,
/// and the lock if an entry changes. An entry changes only when its
/// document's content does.
pub(crate) fn changed_spec_files(
    specs_dir: &Path,
    mut lock: Lock,
    documents: &[Downloaded],
) -> Vec<(String, Vec<u8>)> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut files = Vec::new();
    for doc in documents {
        let name = format!("{}.json", doc.version);
        if std::fs::read(specs_dir.join(&name)).ok().as_deref() != Some(doc.bytes.as_slice()) {
            files.push((name, doc.bytes.clone()));
        }
        let unchanged = lock
            .documents
            .get(&doc.version)
            .is_some_and(|old| old.sha256 == doc.sha256);
        if !unchanged {
            let entry = LockEntry {
                url: doc.url.clone(),
                sha256: doc.sha256.clone(),
                size: doc.bytes.len() as u64,
                synced_at: now.clone(),
                reconstructed: doc.reconstructed,
            };
            lock.documents.insert(doc.version.clone(), entry);
        }
    }
    let json = lock.to_json();
    if std::fs::read(specs_dir.join(LOCK_FILE)).ok().as_deref() != Some(json.as_bytes()) {
        files.push((LOCK_FILE.to_owned(), json.into_bytes()));
    }
    files
}

/// Writes the changed documents and the lock, all or nothing, staging in a
/// `.specs-sync-*` directory beside `specs_dir` (see [`crate::files`]; a
/// process killed during the swap leaves that directory, holding the
/// originals of the files already swapped).
fn write_documents(
    specs_dir: &Path,
    lock: Lock,
    documents: &[Downloaded],
) -> Result<(), SyncError> {
    std::fs::create_dir_all(specs_dir).map_err(|source| io_error(specs_dir, source))?;
    let changes: Vec<FileEdit> = changed_spec_files(specs_dir, lock, documents)
        .into_iter()
        .map(|(name, bytes)| FileEdit {
            path: name.into(),
            content: Content::File(bytes),
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let beside = match specs_dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crate::files::apply(specs_dir, beside, ".specs-sync-", changes)?.commit();
    Ok(())
}

/// A progress bar on a terminal, one plain line per step otherwise.
pub(crate) enum Progress {
    Bar(ProgressBar),
    Plain,
}

impl Progress {
    pub(crate) fn new(len: usize) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(len as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .expect("a valid template"),
            );
            Progress::Bar(bar)
        } else {
            Progress::Plain
        }
    }

    fn start(&self, version: &str, url: &str) {
        match self {
            Progress::Bar(bar) => bar.set_message(format!("{version}: {url}")),
            Progress::Plain => eprintln!("{version}: fetching {url}"),
        }
    }

    fn done(&self, version: &str, outcome: &str) {
        match self {
            Progress::Bar(bar) => {
                bar.println(format!("{version}: {outcome}"));
                bar.inc(1);
            }
            Progress::Plain => eprintln!("{version}: {outcome}"),
        }
    }

    pub(crate) fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
