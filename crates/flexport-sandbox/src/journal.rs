//! The append-only state file: one JSON array of changes per line, each line
//! one committed request (or tick), flushed to disk before it is answered.

use std::io::{Error, ErrorKind};
use std::path::Path;

use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::state::Change;

pub struct Journal {
    file: Option<File>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` and returns the changes it
    /// holds. A torn last line, left by a crash mid-write, was never
    /// acknowledged, so it is cut off; damage anywhere else is an error.
    pub async fn open(path: Option<&Path>) -> std::io::Result<(Self, Vec<Change>)> {
        let Some(path) = path else {
            return Ok((Self { file: None }, Vec::new()));
        };
        let text = match tokio::fs::read_to_string(path).await {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => String::new(),
            Err(error) => return Err(error),
        };
        let mut changes = Vec::new();
        let mut kept = 0;
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for (number, line) in lines.iter().enumerate() {
            let complete = line.ends_with('\n');
            match serde_json::from_str::<Vec<Change>>(line) {
                Ok(batch) if complete => {
                    changes.extend(batch);
                    kept += line.len();
                }
                _ if number + 1 == lines.len() => break,
                Err(error) => {
                    return Err(Error::new(
                        ErrorKind::InvalidData,
                        format!("{}: line {}: {error}", path.display(), number + 1),
                    ));
                }
                Ok(_) => unreachable!("only the last line can lack its newline"),
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .await?;
        file.set_len(kept as u64).await?;
        file.seek(std::io::SeekFrom::End(0)).await?;
        Ok((Self { file: Some(file) }, changes))
    }

    /// Appends one committed batch and waits until it is on disk.
    pub async fn append(&mut self, changes: &[Change]) -> std::io::Result<()> {
        let Some(file) = &mut self.file else {
            return Ok(());
        };
        let mut line = serde_json::to_string(changes).map_err(Error::other)?;
        line.push('\n');
        file.write_all(line.as_bytes()).await?;
        file.sync_data().await
    }
}
