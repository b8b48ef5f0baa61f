//! `cargo xtask sync-specs`: download, validate and atomically store the
//! documents.
//!
//! Every requested document is downloaded and validated (it must parse as
//! OpenAPI 3.0 and the generator must accept it) before anything is written;
//! if one fails, `specs/` is left byte for byte as it was.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

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
    pub retry: RetryPolicy,
}

/// Timeouts and retries for HTTP downloads. Network errors and 5xx answers
/// are retried with exponential backoff; other answers are final.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl RetryPolicy {
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

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
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
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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
    pub problem: Problem,
}

#[derive(Debug, thiserror::Error)]
pub enum Problem {
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

struct Downloaded {
    version: String,
    url: String,
    bytes: Vec<u8>,
    sha256: String,
    reconstructed: bool,
}

/// Runs a sync (or, with `check`, a drift check) as `options` say.
pub async fn sync_specs(options: &SyncOptions) -> Result<SyncReport, SyncError> {
    if options.versions.is_empty() {
        return Err(SyncError::NoVersions);
    }
    let lock = Lock::read(&options.specs_dir)
        .map_err(|source| io_error(&options.specs_dir.join(LOCK_FILE), source))?;
    let client = reqwest::Client::builder()
        .connect_timeout(options.retry.connect_timeout)
        .timeout(options.retry.timeout)
        .user_agent(concat!("flexport-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with timeouts builds");

    let progress = Progress::new(options.versions.len());
    let mut downloaded = Vec::new();
    let mut failures = Vec::new();
    for version in &options.versions {
        let url = crate::document_url(&options.base_url, version);
        progress.start(version, &url);
        match download_and_validate(&client, &url, &options.retry).await {
            Ok((bytes, reconstructed)) => {
                progress.done(version, &format!("{} bytes", bytes.len()));
                let sha256 = sha256_hex(&bytes);
                downloaded.push(Downloaded {
                    version: version.clone(),
                    url,
                    bytes,
                    sha256,
                    reconstructed,
                });
            }
            Err(problem) => {
                progress.done(version, "FAILED");
                failures.push(DocumentFailure {
                    version: version.clone(),
                    url,
                    problem,
                });
            }
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

async fn download_and_validate(
    client: &reqwest::Client,
    url: &str,
    retry: &RetryPolicy,
) -> Result<(Vec<u8>, bool), Problem> {
    let bytes = download(client, url, retry).await?;
    let document = flexport_codegen::validate::parse_document(&bytes)
        .map_err(flexport_codegen::Error::from)?;
    let reconstructed = document.get("x-reconstructed").is_some();
    // A document the generator refuses would break the build of its crate.
    flexport_codegen::generate_from_value(document)?;
    Ok((bytes, reconstructed))
}

async fn download(
    client: &reqwest::Client,
    url: &str,
    retry: &RetryPolicy,
) -> Result<Vec<u8>, Problem> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Problem::Url)?;
    match parsed.scheme() {
        "file" => {
            let path = parsed.to_file_path().map_err(|_| Problem::Url)?;
            tokio::fs::read(path).await.map_err(Problem::File)
        }
        "http" | "https" => download_http(client, parsed, retry).await,
        _ => Err(Problem::Url),
    }
}

async fn download_http(
    client: &reqwest::Client,
    url: reqwest::Url,
    retry: &RetryPolicy,
) -> Result<Vec<u8>, Problem> {
    let mut attempt = 1;
    loop {
        let failure = match client.get(url.clone()).send().await {
            Ok(response) if response.status().is_success() => match response.bytes().await {
                Ok(bytes) => return Ok(bytes.to_vec()),
                Err(source) => Problem::Network {
                    attempts: attempt,
                    source,
                },
            },
            Ok(response) if response.status().is_server_error() => Problem::StatusAfterRetries {
                status: response.status(),
                attempts: attempt,
            },
            Ok(response) => return Err(Problem::Status(response.status())),
            Err(source) => Problem::Network {
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

/// Writes each document, then the lock, each through a temporary file in
/// `specs_dir` and a rename.
fn write_documents(
    specs_dir: &Path,
    mut lock: Lock,
    documents: &[Downloaded],
) -> Result<(), SyncError> {
    std::fs::create_dir_all(specs_dir).map_err(|source| io_error(specs_dir, source))?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for doc in documents {
        let path = specs_dir.join(format!("{}.json", doc.version));
        let on_disk = std::fs::read(&path).ok();
        if on_disk.as_deref() != Some(doc.bytes.as_slice()) {
            write_atomically(&path, &doc.bytes)?;
        }
        let entry = LockEntry {
            url: doc.url.clone(),
            sha256: doc.sha256.clone(),
            size: doc.bytes.len() as u64,
            synced_at: now.clone(),
            reconstructed: doc.reconstructed,
        };
        let unchanged = lock
            .documents
            .get(&doc.version)
            .is_some_and(|old| old.sha256 == doc.sha256);
        if !unchanged {
            lock.documents.insert(doc.version.clone(), entry);
        }
    }
    let lock_path = specs_dir.join(LOCK_FILE);
    let json = lock.to_json();
    if std::fs::read(&lock_path).ok().as_deref() != Some(json.as_bytes()) {
        write_atomically(&lock_path, json.as_bytes())?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let dir = path.parent().expect("a file in specs/");
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder
        .tempfile_in(dir)
        .map_err(|source| io_error(dir, source))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|source| io_error(file.path(), source))?;
    file.persist(path)
        .map_err(|error| io_error(path, error.error))?;
    Ok(())
}

/// A progress bar on a terminal, one plain line per step otherwise.
enum Progress {
    Bar(ProgressBar),
    Plain,
}

impl Progress {
    fn new(len: usize) -> Progress {
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

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
