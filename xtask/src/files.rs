//! Changing a set of files below one directory all or nothing: what
//! `sync-specs` does to `specs/` and `add-version`/`remove-version` do to the
//! repository.
//!
//! 1. Stage: every new file (or link) is written and fsynced in a new
//!    directory, which must be on the same file system as the files, so
//!    renames are atomic.
//! 2. Swap, file by file: an original is hard-linked into the staging
//!    directory (a backup that is the original itself, not a copy), then
//!    the staged file is renamed over it, or the original is removed.
//!    Missing parent directories are made; directories a removal leaves
//!    empty are removed.
//! 3. If any step of 1 or 2 fails, or the caller calls
//!    [`Applied::roll_back`], every file already swapped is put back by
//!    renaming its backup over it (or removed, if it did not exist), and the
//!    directories made or removed are removed or made again, so the tree
//!    holds its original files byte for byte, and the error names the step
//!    that failed.
//!
//! The exception is a process killed during step 2 (or between
//! [`apply`] and [`Applied::commit`]): then some files are new, and the
//! originals of those are in the staging directory, which is left in place.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What one file becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A regular file with these bytes (mode 0644 on Unix).
    File(Vec<u8>),
    /// A symbolic link to this target.
    Link(PathBuf),
    /// No file: an existing one is removed.
    Absent,
}

/// One file to change, by its path relative to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub content: Content,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{failure}; putting the originals back failed too ({}); they are in {}", not_restored.join("; "), originals.display())]
    Rollback {
        failure: Box<WriteError>,
        not_restored: Vec<String>,
        originals: PathBuf,
    },
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> WriteError {
    WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Changes that have been swapped in and can still be rolled back.
#[must_use = "an Applied is rolled back unless committed"]
pub struct Applied {
    root: PathBuf,
    staging: Option<tempfile::TempDir>,
    /// Index of the change and whether it had an original, in swap order.
    swapped: Vec<(usize, bool)>,
    changes: Vec<FileEdit>,
    /// Directories made, in the order they were made.
    made: Vec<PathBuf>,
    /// Directories removed because a removal left them empty, in order.
    removed: Vec<PathBuf>,
}

/// Steps 1 and 2 for `changes` below `root`, staging in a new directory
/// named `{prefix}*` inside `staging_parent`. On failure the tree is as it
/// was (step 3) and the error says what failed.
pub fn apply(
    root: &Path,
    staging_parent: &Path,
    prefix: &str,
    changes: Vec<FileEdit>,
) -> Result<Applied, WriteError> {
    let staging = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(staging_parent)
        .map_err(|source| io_error(staging_parent, source))?;
    let mut applied = Applied {
        root: root.to_owned(),
        staging: Some(staging),
        swapped: Vec::new(),
        changes,
        made: Vec::new(),
        removed: Vec::new(),
    };
    match applied.swap_all() {
        Ok(()) => Ok(applied),
        Err(failure) => Err(applied.undo(failure)),
    }
}

impl Applied {
    fn staged(&self, index: usize) -> PathBuf {
        self.staging_dir().join(format!("new-{index}"))
    }

    fn backup(&self, index: usize) -> PathBuf {
        self.staging_dir().join(format!("old-{index}"))
    }

    fn staging_dir(&self) -> &Path {
        self.staging
            .as_ref()
            .expect("staging kept until done")
            .path()
    }

    fn swap_all(&mut self) -> Result<(), WriteError> {
        for (index, change) in self.changes.iter().enumerate() {
            let staged = self.staged(index);
            match &change.content {
                Content::File(bytes) => write_synced(&staged, bytes)?,
                Content::Link(target) => make_link(target, &staged)?,
                Content::Absent => {}
            }
        }
        for index in 0..self.changes.len() {
            let target = self.root.join(&self.changes[index].path);
            let existed = match std::fs::symlink_metadata(&target) {
                Ok(_) => true,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
                Err(source) => return Err(io_error(&target, source)),
            };
            if existed {
                std::fs::hard_link(&target, self.backup(index))
                    .map_err(|source| io_error(&target, source))?;
            }
            if self.changes[index].content == Content::Absent {
                if existed {
                    std::fs::remove_file(&target).map_err(|source| io_error(&target, source))?;
                    self.swapped.push((index, true));
                    self.remove_empty_parents(&target)?;
                }
                continue;
            }
            self.make_parents(&target)?;
            std::fs::rename(self.staged(index), &target)
                .map_err(|source| io_error(&target, source))?;
            self.swapped.push((index, existed));
        }
        for directory in self.touched_directories() {
            sync_directory(&directory)?;
        }
        Ok(())
    }

    /// Makes the missing directories above `target`, recording each.
    fn make_parents(&mut self, target: &Path) -> Result<(), WriteError> {
        let mut missing = Vec::new();
        let mut dir = target.parent();
        while let Some(d) = dir {
            if d.exists() {
                break;
            }
            missing.push(d.to_owned());
            dir = d.parent();
        }
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d).map_err(|source| io_error(&d, source))?;
            self.made.push(d);
        }
        Ok(())
    }

    /// Removes the directories above `target` that are now empty, up to the
    /// root, recording each.
    fn remove_empty_parents(&mut self, target: &Path) -> Result<(), WriteError> {
        let mut dir = target.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            let empty = std::fs::read_dir(d)
                .map_err(|source| io_error(d, source))?
                .next()
                .is_none();
            if !empty {
                break;
            }
            std::fs::remove_dir(d).map_err(|source| io_error(d, source))?;
            self.removed.push(d.to_owned());
            dir = d.parent();
        }
        Ok(())
    }

    fn touched_directories(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .changes
            .iter()
            .filter_map(|change| self.root.join(&change.path).parent().map(Path::to_owned))
            .filter(|dir| dir.exists())
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Step 3: puts every original back; returns `failure`, or a
    /// [`WriteError::Rollback`] naming what could not be put back.
    fn undo(&mut self, failure: WriteError) -> WriteError {
        let mut not_restored = Vec::new();
        for dir in std::mem::take(&mut self.removed).into_iter().rev() {
            if let Err(error) = std::fs::create_dir(&dir) {
                not_restored.push(format!("{}: {error}", dir.display()));
            }
        }
        for (index, existed) in std::mem::take(&mut self.swapped).into_iter().rev() {
            let target = self.root.join(&self.changes[index].path);
            let restored = if existed {
                std::fs::rename(self.backup(index), &target)
            } else {
                std::fs::remove_file(&target)
            };
            if let Err(error) = restored {
                not_restored.push(format!("{}: {error}", target.display()));
            }
        }
        for dir in std::mem::take(&mut self.made).into_iter().rev() {
            if let Err(error) = std::fs::remove_dir(&dir) {
                not_restored.push(format!("{}: {error}", dir.display()));
            }
        }
        for directory in self.touched_directories() {
            let _ = sync_directory(&directory);
        }
        let staging = self.staging.take().expect("staging kept until done");
        if not_restored.is_empty() {
            return failure;
        }
        // Keep the originals where the message says they are.
        WriteError::Rollback {
            failure: Box::new(failure),
            not_restored,
            originals: staging.keep(),
        }
    }

    /// Keeps the changes and removes the backups.
    pub fn commit(mut self) {
        self.swapped.clear();
        self.made.clear();
        self.removed.clear();
        self.staging.take();
    }

    /// Puts every original back (step 3), after a later step failed with
    /// `failure`; returns the error to report.
    pub fn roll_back(mut self, failure: WriteError) -> WriteError {
        self.undo(failure)
    }
}

impl Drop for Applied {
    fn drop(&mut self) {
        if self.staging.is_some() && !self.swapped.is_empty() {
            let _ = self.undo(WriteError::Io {
                path: self.root.clone(),
                source: std::io::Error::other("dropped before commit"),
            });
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let mut file = options
        .open(path)
        .map_err(|source| io_error(path, source))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|source| io_error(path, source))
}

#[cfg(unix)]
fn make_link(target: &Path, link: &Path) -> Result<(), WriteError> {
    std::os::unix::fs::symlink(target, link).map_err(|source| io_error(link, source))
}

#[cfg(not(unix))]
fn make_link(target: &Path, link: &Path) -> Result<(), WriteError> {
    Err(io_error(
        link,
        std::io::Error::other(format!(
            "symbolic links to {} are made on Unix only",
            target.display()
        )),
    ))
}

fn sync_directory(directory: &Path) -> Result<(), WriteError> {
    std::fs::File::open(directory)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| io_error(directory, source))
}
