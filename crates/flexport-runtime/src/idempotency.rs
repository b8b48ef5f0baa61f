use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use reqwest::Request;
use reqwest::header::HeaderValue;

/// The key of an enclosing [`with_idempotency_key`], and the fingerprint of
/// the one request it was given to.
struct Scope {
    key: String,
    taken_by: Mutex<Option<u64>>,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// Runs `call` with `key` as the idempotency key of the one POST or PATCH
/// request it sends, instead of a fresh UUID.
///
/// Use it to send a call again later (after a restart, say) without risking
/// a second order: the same key makes Flexport replay the stored result. The
/// key of a failed call is on its error (`flexport::Error::idempotency_key`),
/// so you never need to have chosen one beforehand.
///
/// A key belongs to one request. Inside the scope, the first POST or PATCH
/// takes the key; sending that same request again (same method, URL and
/// body) reuses it, while a *different* POST or PATCH in the same scope is
/// refused before it is sent (`InvalidRequest`), since Flexport would answer
/// it with the first request's stored result or a 422. A key must be 1 to
/// 255 printable ASCII characters (no leading or trailing space); any other
/// key is refused the same way, before anything is sent.
///
/// ```no_run
/// # async fn create_order() {}
/// # async fn run() {
/// let key = "order-4711-create";
/// flexport_runtime::with_idempotency_key(key, create_order()).await; // flexport::with_idempotency_key in the facade
/// # }
/// ```
pub async fn with_idempotency_key<F: Future>(key: impl Into<String>, call: F) -> F::Output {
    let scope = Scope {
        key: key.into(),
        taken_by: Mutex::new(None),
    };
    SCOPE.scope(scope, call).await
}

/// The key set by an enclosing [`with_idempotency_key`], if any.
pub fn current_idempotency_key() -> Option<String> {
    SCOPE.try_with(|scope| scope.key.clone()).ok()
}

/// The key `request` is to carry: the enclosing scope's, if this request may
/// take it, else a fresh UUID v4.
pub(crate) fn key_for(request: &Request) -> Result<HeaderValue, String> {
    let scoped = SCOPE.try_with(|scope| {
        let fingerprint = fingerprint(request);
        let mut taken_by = scope.taken_by.lock().unwrap_or_else(|e| e.into_inner());
        match *taken_by {
            Some(first) if first != fingerprint => Err(format!(
                "the idempotency key {:?} was already used by another request in this \
                 with_idempotency_key scope; give each request its own key",
                scope.key
            )),
            _ => {
                *taken_by = Some(fingerprint);
                Ok(scope.key.clone())
            }
        }
    });
    match scoped {
        Ok(key) => header_value(&key?),
        Err(_) => {
            // Drawn from the OS on every call rather than from a faster
            // in-process generator: a forked process or a restored VM
            // snapshot would repeat that generator's keys, and a repeated key
            // makes Flexport replay another request's result instead of acting.
            let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
            let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
            Ok(HeaderValue::from_str(text).expect("a UUID is a valid header value"))
        }
    }
}

/// `key` as a header value, if it is one this SDK sends.
pub(crate) fn header_value(key: &str) -> Result<HeaderValue, String> {
    let printable = key.bytes().all(|b| (0x20..0x7f).contains(&b));
    if key.is_empty() || key.len() > 255 || !printable || key.trim() != key {
        return Err(format!(
            "the idempotency key {key:?} cannot be sent: a key is 1 to 255 printable ASCII \
             characters, without leading or trailing spaces"
        ));
    }
    HeaderValue::from_str(key).map_err(|error| format!("the idempotency key {key:?}: {error}"))
}

/// Identifies a request by method, URL and body, to tell a resend of the
/// same request from a different one.
fn fingerprint(request: &Request) -> u64 {
    let mut hasher = DefaultHasher::new();
    request.method().as_str().hash(&mut hasher);
    request.url().as_str().hash(&mut hasher);
    request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(url: &str, body: &'static str) -> Request {
        let mut request = Request::new(reqwest::Method::POST, url.parse().unwrap());
        *request.body_mut() = Some(body.into());
        request
    }

    #[tokio::test]
    async fn one_scope_gives_its_key_to_one_request_only() {
        let first = post("http://127.0.0.1/orders", "{\"a\":1}");
        let again = post("http://127.0.0.1/orders", "{\"a\":1}");
        let other = post("http://127.0.0.1/orders", "{\"a\":2}");
        with_idempotency_key("k-1", async {
            assert_eq!(key_for(&first).unwrap(), "k-1");
            assert_eq!(key_for(&again).unwrap(), "k-1", "a resend keeps its key");
            let refused = key_for(&other).unwrap_err();
            assert!(refused.contains("already used"), "{refused}");
        })
        .await;
    }

    #[tokio::test]
    async fn outside_a_scope_every_request_gets_a_fresh_uuid() {
        let request = post("http://127.0.0.1/orders", "{}");
        let (a, b) = (key_for(&request).unwrap(), key_for(&request).unwrap());
        assert_ne!(a, b);
        assert!(uuid::Uuid::parse_str(a.to_str().unwrap()).is_ok());
    }

    #[test]
    fn keys_that_cannot_be_sent_as_they_are_are_refused() {
        for bad in [
            "",
            "commande-é-1",
            "line\nbreak",
            "tab\there",
            " padded",
            "padded ",
            "nul\0",
        ] {
            assert!(header_value(bad).is_err(), "{bad:?}");
        }
        assert!(header_value(&"x".repeat(256)).is_err());
        for good in [
            "order-4711",
            "a b",
            "~!@#$%^&*()_+{}|:<>?",
            &"x".repeat(255),
        ] {
            assert_eq!(header_value(good).unwrap(), good);
        }
    }
}
