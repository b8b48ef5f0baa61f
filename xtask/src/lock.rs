//! `specs/specs.lock`: where each document came from and what it was.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const LOCK_FILE: &str = "specs.lock";

/// One synced document. An entry is rewritten only when the document's
/// content changes, so re-syncing an unchanged document changes nothing,
/// not even `synced_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// Where the document was downloaded from.
    pub url: String,
    /// SHA-256 of the document's bytes, in hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// When this content was first synced (RFC 3339, UTC).
    pub synced_at: String,
    /// The document carries `x-reconstructed`: a stand-in, not Flexport's own.
    pub reconstructed: bool,
}

/// The lock: one entry per API version, in version order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub documents: BTreeMap<String, LockEntry>,
}

impl Lock {
    /// Reads the lock in `specs_dir`; a missing lock is an empty one.
    pub fn read(specs_dir: &Path) -> std::io::Result<Lock> {
        match std::fs::read(specs_dir.join(LOCK_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
            Err(error) => Err(error),
        }
    }

    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a lock always serializes");
        json.push('\n');
        json
    }
}
