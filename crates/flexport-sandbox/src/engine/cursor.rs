//! `page_info` cursors (`GetEvents`, `GetReturns`), opaque as production's
//! are: URL-safe base64 of JSON holding the position the next page starts
//! after, the id of the walk, and the filters of the request that started
//! the walk, so later pages need only `limit` and `page_info`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor<F> {
    /// The next page starts after this position (an event's sequence
    /// number, a return's id).
    pub after: u64,
    /// Drawn at random on a walk's first page and kept by its cursors, so
    /// two walks never share a cursor (production's embed a time-sortable
    /// id), and a cursor made to fail fails for its walk only.
    pub walk: u64,
    pub filter: F,
}

impl<F: Serialize + DeserializeOwned> Cursor<F> {
    /// The position before a walk's first page.
    pub fn start(filter: F) -> Self {
        Self {
            after: 0,
            walk: fastrand::u64(..),
            filter,
        }
    }

    /// The cursor of the page after `after`, in the same walk.
    pub fn next(self, after: u64) -> Self {
        Self { after, ..self }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serializes"))
    }

    /// `None` for anything [`Cursor::encode`] did not make.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_passes_for_one() {
        let cursor = Cursor::start(vec!["Shipment.Created".to_owned()]).next(7);
        let text = cursor.encode();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(Cursor::decode(&text), Some(cursor));
        for bad in ["", "7", "not-a-cursor", "e30", "%%%"] {
            assert_eq!(Cursor::<Vec<String>>::decode(bad), None, "{bad}");
        }
    }
}
