use std::fmt;
use std::sync::{Arc, RwLock};

use reqwest::header::HeaderValue;

use crate::InvalidToken;

/// The credentials a [`crate::Pipeline`] sends, in a cell that can be changed
/// while the client runs: every clone of the source, of the pipeline and of
/// the client built on it sees a new token from the next request on, with
/// the same connection pool. A request already sent keeps the token it went
/// out with (a retry of it too).
///
/// ```
/// let tokens = flexport_runtime::TokenSource::bearer("old-token")?;
/// let pipeline = flexport_runtime::Pipeline::builder().token_source(tokens.clone()).build();
/// // … later, when Flexport answers 401 or the token was rotated:
/// tokens.set_bearer("new-token")?;
/// # let _ = pipeline;
/// # Ok::<(), flexport_runtime::InvalidToken>(())
/// ```
///
/// `Debug` never shows the token; the header value is marked sensitive.
#[derive(Clone, Default)]
pub struct TokenSource {
    authorization: Arc<RwLock<Option<HeaderValue>>>,
}

impl TokenSource {
    /// A source that sends `Authorization: Bearer <token>` (trimmed).
    pub fn bearer(token: &str) -> Result<Self, InvalidToken> {
        let source = Self::default();
        source.set_bearer(token)?;
        Ok(source)
    }

    /// HTTP Basic credentials, as an OAuth client authenticates when it
    /// exchanges a code for a token.
    pub fn basic(user: &str, password: &str) -> Result<Self, InvalidToken> {
        use base64::Engine as _;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let source = Self::default();
        source.set(Some(sensitive(format!("Basic {credentials}"))?));
        Ok(source)
    }

    /// Sends `token` from the next request on. A token that cannot be sent
    /// in a header is refused, and the current one stays.
    pub fn set_bearer(&self, token: &str) -> Result<(), InvalidToken> {
        self.set(Some(sensitive(format!("Bearer {}", token.trim()))?));
        Ok(())
    }

    /// Sends no `Authorization` header from the next request on.
    pub fn clear(&self) {
        self.set(None);
    }

    /// Whether a token is set.
    pub fn is_set(&self) -> bool {
        self.read().is_some()
    }

    fn set(&self, value: Option<HeaderValue>) {
        *self
            .authorization
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = value;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<HeaderValue>> {
        self.authorization
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The `Authorization` header value to send now.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        self.read().clone()
    }
}

fn sensitive(value: String) -> Result<HeaderValue, InvalidToken> {
    let mut value = HeaderValue::from_str(&value).map_err(|_| InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "none" };
        write!(f, "TokenSource(<{state}>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swapped_token_is_seen_by_every_clone_and_never_shown() {
        let tokens = TokenSource::bearer(" tok-OLD ").unwrap();
        let clone = tokens.clone();
        assert_eq!(clone.header().unwrap(), "Bearer tok-OLD");
        tokens.set_bearer("tok-NEW").unwrap();
        assert_eq!(clone.header().unwrap(), "Bearer tok-NEW");
        assert!(clone.header().unwrap().is_sensitive());
        assert_eq!(tokens.set_bearer("bad\ntoken"), Err(InvalidToken));
        assert_eq!(
            clone.header().unwrap(),
            "Bearer tok-NEW",
            "a refused token changes nothing"
        );
        assert_eq!(format!("{clone:?}"), "TokenSource(<set>)");
        tokens.clear();
        assert_eq!(format!("{clone:?}"), "TokenSource(<none>)");
    }
}
