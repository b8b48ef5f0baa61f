//! The state file: one JSON array of changes per line, each line the changes
//! of one committed transaction.
//!
//! One thread writes it. Writers queue their line and wait; the thread takes
//! every line queued so far, writes them with one `write_all_at` and one
//! `fdatasync` (group commit), and only then applies their changes to the
//! committed state and answers them. A failed write is seen by exactly the
//! transactions whose lines it carried: the file is cut back to its last good
//! length, they (and any line queued behind them, which was computed on top
//! of them) get an error, and the working state is rebuilt.
//!
//! At start-up, and whenever the file has grown past
//! [`Config::compact_after`] bytes and twice its last snapshot, the file is
//! replaced by a snapshot of the state: written to a temporary file beside
//! it, fsynced, renamed over it, and the directory fsynced.

use std::fs::{File, OpenOptions};
use std::io::{Error, ErrorKind, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::Config;
use crate::clock::Clock;
use crate::state::{Data, StateChange};

/// Why a transaction's changes were not committed.
#[derive(Debug, Clone)]
pub struct CommitError(pub String);

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Changes per line in a snapshot.
const SNAPSHOT_LINE: usize = 256;

/// Reads the state file at `path` (a missing file is an empty state).
///
/// A last line without its newline was torn by a crash during its write,
/// and so never acknowledged: it is left out, wherever it was cut (even
/// inside a multi-byte character). A complete line that does not parse was
/// acknowledged, so it is an error naming the line, and the file is left as
/// it is.
pub fn recover(path: &Path) -> std::io::Result<Data> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(error),
    };
    let mut data = Data::default();
    let mut rest = bytes.as_slice();
    let mut number = 0;
    while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
        number += 1;
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let batch: Vec<StateChange> = serde_json::from_slice(line).map_err(|error| {
            Error::new(
                ErrorKind::InvalidData,
                format!(
                    "{}: line {number} is complete but does not parse ({error}); \
                     the file was left as it is",
                    path.display()
                ),
            )
        })?;
        for change in batch {
            data.apply(change);
        }
    }
    if !rest.is_empty() {
        tracing::warn!(
            path = %path.display(),
            bytes = rest.len(),
            "cutting off a torn last line (a write interrupted by a crash)"
        );
    }
    Ok(data)
}

/// Replaces the file at `path` by a snapshot of `data` (a temporary file
/// beside it, fsynced, renamed over it) and returns it, open for writing,
/// with its length. The caller fsyncs the directory.
fn write_snapshot(
    path: &Path,
    data: &Data,
    ttl: Duration,
    clock: &Clock,
) -> std::io::Result<(File, u64)> {
    let expired_before = crate::clock::expired_before(clock.now(), ttl);
    let mut bytes = Vec::new();
    for chunk in data.snapshot(expired_before).chunks(SNAPSHOT_LINE) {
        serde_json::to_writer(&mut bytes, chunk).map_err(Error::other)?;
        bytes.push(b'\n');
    }
    let temporary = temporary_path(path);
    let written = (|| {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        Ok(file)
    })();
    match written {
        Ok(file) => Ok((file, bytes.len() as u64)),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".compacting");
    path.with_file_name(name)
}

/// Makes a rename or creation in `path`'s directory durable.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(directory)?.sync_all()
}

struct Queued {
    generation: u64,
    line: Vec<u8>,
    changes: Vec<StateChange>,
    done: oneshot::Sender<Result<(), CommitError>>,
}

/// The handle writers queue their changes through.
pub struct Journal {
    queue: mpsc::Sender<Queued>,
    generation: Arc<AtomicU64>,
}

impl Journal {
    /// Compacts the file at `path` (creating it if needed) from `committed`,
    /// which must hold what [`recover`] read from it, and starts the writer
    /// thread.
    pub fn start(
        path: &Path,
        config: &Config,
        clock: Clock,
        committed: Arc<RwLock<Data>>,
        generation: Arc<AtomicU64>,
    ) -> std::io::Result<Self> {
        let (file, length) = write_snapshot(
            path,
            &committed.read().unwrap(),
            config.idempotency_ttl,
            &clock,
        )?;
        sync_directory(path)?;
        let (queue, queued) = mpsc::channel();
        let writer = Appender {
            path: path.to_owned(),
            file,
            length,
            snapshot_length: length,
            dirty: false,
            directory_synced: true,
            compact_after: config.compact_after,
            ttl: config.idempotency_ttl,
            clock,
            committed,
            generation: generation.clone(),
        };
        std::thread::Builder::new()
            .name("sandbox-journal".to_owned())
            .spawn(move || writer.run(queued))?;
        Ok(Self { queue, generation })
    }

    /// Queues `changes`, computed on the working copy of `generation`; the
    /// receiver hears when they are on disk and committed, or why not.
    /// Must be called while that working copy is held, so that lines are
    /// queued in the order their changes were made.
    pub fn queue(
        &self,
        generation: u64,
        changes: Vec<StateChange>,
    ) -> Result<oneshot::Receiver<Result<(), CommitError>>, CommitError> {
        let mut line = Vec::new();
        if !changes.is_empty() {
            if let Err(error) = serde_json::to_writer(&mut line, &changes) {
                self.generation.fetch_add(1, Ordering::SeqCst);
                return Err(CommitError(format!("cannot encode the change: {error}")));
            }
            line.push(b'\n');
        }
        let (done, receiver) = oneshot::channel();
        let queued = Queued {
            generation,
            line,
            changes,
            done,
        };
        if self.queue.send(queued).is_err() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            return Err(CommitError("the journal writer stopped".to_owned()));
        }
        Ok(receiver)
    }
}

struct Appender {
    path: PathBuf,
    file: File,
    /// Bytes known to be on disk; everything past them is garbage.
    length: u64,
    snapshot_length: u64,
    /// A failed write may have left bytes past `length`.
    dirty: bool,
    /// False after a compaction whose rename is not yet known to be durable:
    /// until it is, a write to the new file could be lost in a crash.
    directory_synced: bool,
    compact_after: u64,
    ttl: Duration,
    clock: Clock,
    committed: Arc<RwLock<Data>>,
    generation: Arc<AtomicU64>,
}

impl Appender {
    fn run(mut self, queued: mpsc::Receiver<Queued>) {
        while let Ok(first) = queued.recv() {
            let mut batch = vec![first];
            batch.extend(queued.try_iter());
            let generation = self.generation.load(Ordering::SeqCst);
            let (live, stale): (Vec<Queued>, Vec<Queued>) = batch
                .into_iter()
                .partition(|queued| queued.generation == generation);
            for queued in stale {
                let _ = queued.done.send(Err(CommitError(
                    "an earlier write to the state file failed, so this change was not made"
                        .to_owned(),
                )));
            }
            if live.is_empty() {
                continue;
            }
            let bytes: Vec<u8> = live
                .iter()
                .flat_map(|queued| queued.line.iter().copied())
                .collect();
            match self.write(&bytes) {
                Ok(()) => {
                    let mut answers = Vec::with_capacity(live.len());
                    {
                        let mut committed = self.committed.write().unwrap();
                        for queued in live {
                            for change in queued.changes {
                                committed.apply(change);
                            }
                            answers.push(queued.done);
                        }
                    }
                    for done in answers {
                        let _ = done.send(Ok(()));
                    }
                    self.compact_if_due();
                }
                Err(error) => {
                    tracing::error!(%error, path = %self.path.display(), "could not write the state file");
                    self.generation.fetch_add(1, Ordering::SeqCst);
                    let error = CommitError(format!(
                        "the sandbox could not write its state file: {error}"
                    ));
                    for queued in live {
                        let _ = queued.done.send(Err(error.clone()));
                    }
                }
            }
        }
    }

    /// Appends `bytes` at the last good length and waits until they are on
    /// disk; on failure, cuts the file back to that length.
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if !self.directory_synced {
            sync_directory(&self.path)?;
            self.directory_synced = true;
        }
        if self.dirty {
            self.truncate()?;
        }
        let result = self
            .file
            .write_all_at(bytes, self.length)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.length += bytes.len() as u64;
                Ok(())
            }
            Err(error) => {
                self.dirty = true;
                let _ = self.truncate();
                Err(error)
            }
        }
    }

    fn truncate(&mut self) -> std::io::Result<()> {
        self.file.set_len(self.length)?;
        self.file.sync_data()?;
        self.dirty = false;
        Ok(())
    }

    fn compact_if_due(&mut self) {
        if self.length <= self.compact_after || self.length <= 2 * self.snapshot_length {
            return;
        }
        let snapshot = write_snapshot(
            &self.path,
            &self.committed.read().unwrap(),
            self.ttl,
            &self.clock,
        );
        match snapshot {
            Ok((file, length)) => {
                self.file = file;
                self.length = length;
                self.snapshot_length = length;
                self.dirty = false;
                self.directory_synced = sync_directory(&self.path).is_ok();
            }
            Err(error) => {
                // The old file is still whole and in place; keep appending to it.
                tracing::warn!(%error, path = %self.path.display(), "could not compact the state file");
                self.snapshot_length = self.length;
            }
        }
    }
}
