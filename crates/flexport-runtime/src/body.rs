//! Reading response bodies inside the retry loop, and what the pipeline
//! hands back with them: the idempotency key, a truncation mark, and the
//! reason a successful body could not be decoded.

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Response, ResponseBuilderExt, Url};
use serde::de::DeserializeOwned;

use crate::headers::name::{
    BODY_TRUNCATED, EARLIER_ATTEMPT_MAY_HAVE_ACTED, IDEMPOTENCY_KEY, NOT_SENT, RETRIES_WITHHELD,
};

/// At most this much of a failed response's body is kept.
pub const FAILURE_BODY_LIMIT: usize = 64 * 1024;

/// How much of a body the pipeline reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub success: usize,
    pub failure: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            success: 32 * 1024 * 1024,
            failure: FAILURE_BODY_LIMIT,
        }
    }
}

/// Whether the pipeline reads this response's body before handing it back:
/// always for a failure, and for a success whose body is JSON or untyped.
fn buffered(response: &Response) -> bool {
    if response.status().as_u16() >= 400 {
        return true;
    }
    let Some(content_type) = response.headers().get(CONTENT_TYPE) else {
        return true;
    };
    // Compared as bytes: this runs on every response, and needs no `String`.
    let essence = content_type
        .as_bytes()
        .split(|&byte| byte == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    essence.eq_ignore_ascii_case(b"application/json")
        || essence
            .len()
            .checked_sub(b"+json".len())
            .is_some_and(|start| essence[start..].eq_ignore_ascii_case(b"+json"))
}

/// Reads the body into memory, within its limit, and hands it back beside
/// the response (which carries it too) for the classifiers to see; `None`
/// for a body left as a stream. A body that breaks off is an error (retried
/// like a dropped connection); one longer than the limit is cut there and
/// marked with [`crate::headers::BODY_TRUNCATED`].
pub(crate) async fn read(
    mut response: Response,
    limits: &Limits,
) -> reqwest::Result<(Response, Option<Bytes>)> {
    // Only the pipeline may mark a body as cut, or an answer as its own.
    response.headers_mut().remove(BODY_TRUNCATED);
    response.headers_mut().remove(NOT_SENT);
    response.headers_mut().remove(RETRIES_WITHHELD);
    if !buffered(&response) {
        return Ok((response, None));
    }
    let limit = if response.status().as_u16() >= 400 {
        limits.failure
    } else {
        limits.success
    };
    let (body, truncated) = read_to_limit(&mut response, limit).await?;
    let mut rebuilt = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = rebuilt.headers_mut() {
        *headers = std::mem::take(response.headers_mut());
        if truncated {
            headers.insert(BODY_TRUNCATED, HeaderValue::from(limit));
        }
    }
    // Dropping a cut response closes its connection rather than reading on.
    drop(response);
    let kept = body.clone();
    Ok((
        Response::from(
            rebuilt
                .body(body)
                .expect("status and headers came from a response"),
        ),
        Some(kept),
    ))
}

/// The body of `response`, up to `limit` bytes, and whether it was longer.
async fn read_to_limit(response: &mut Response, limit: usize) -> reqwest::Result<(Bytes, bool)> {
    let expected = response.content_length().unwrap_or(0);
    // Most bodies arrive as one chunk: keep it as it is, and copy only when a
    // second one comes.
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut length = 0;
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await? {
        let room = limit - length;
        let chunk = if chunk.len() > room {
            truncated = true;
            chunk.slice(..room)
        } else {
            chunk
        };
        length += chunk.len();
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            previous => {
                if let Some(previous) = previous {
                    // The announced length, trusted only up to 8 MiB: a
                    // hostile Content-Length must not reserve gigabytes.
                    let capacity = usize::try_from(expected)
                        .unwrap_or(limit)
                        .min(limit)
                        .min(8 << 20)
                        .max(length);
                    joined.reserve(capacity);
                    joined.extend_from_slice(&previous);
                }
                joined.extend_from_slice(&chunk);
            }
        }
        if truncated {
            break;
        }
    }
    Ok((first.unwrap_or_else(|| Bytes::from(joined)), truncated))
}

/// What the pipeline writes on the response or error it hands back: the key
/// the request was sent with, and whether an earlier attempt may have acted.
pub(crate) struct Trail<'a> {
    pub key: Option<&'a HeaderValue>,
    pub earlier_attempt_may_have_acted: bool,
    /// The outage guard withheld a retry this call would have had.
    pub retries_withheld: bool,
}

const KEY_IN_FRAGMENT: &str = "idempotency-key";
const ACTED_IN_FRAGMENT: &str = "earlier-attempt-may-have-acted";
const WITHHELD_IN_FRAGMENT: &str = "retries-withheld";

impl Trail<'_> {
    /// Sets `idempotency-key` to the key sent, replacing any the server sent
    /// (an error must name the key that was really used), and marks
    /// [`crate::headers::EARLIER_ATTEMPT_MAY_HAVE_ACTED`].
    pub(crate) fn on_response(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        match self.key {
            Some(key) => headers.insert(IDEMPOTENCY_KEY, key.clone()),
            None => headers.remove(IDEMPOTENCY_KEY),
        };
        if self.earlier_attempt_may_have_acted {
            headers.insert(
                EARLIER_ATTEMPT_MAY_HAVE_ACTED,
                HeaderValue::from_static("true"),
            );
        } else {
            headers.remove(EARLIER_ATTEMPT_MAY_HAVE_ACTED);
        }
        if self.retries_withheld {
            headers.insert(RETRIES_WITHHELD, HeaderValue::from_static("outage"));
        } else {
            headers.remove(RETRIES_WITHHELD);
        }
        response
    }

    /// Records the same in the URL of a final transport error (a fragment,
    /// never sent), the one place a `reqwest::Error` can carry them.
    pub(crate) fn on_error(&self, error: reqwest::Error, url: &Url) -> reqwest::Error {
        let key = self.key.and_then(|key| key.to_str().ok());
        if key.is_none() && !self.earlier_attempt_may_have_acted && !self.retries_withheld {
            return error;
        }
        let mut fragment = url::form_urlencoded::Serializer::new(String::new());
        if let Some(key) = key {
            fragment.append_pair(KEY_IN_FRAGMENT, key);
        }
        if self.earlier_attempt_may_have_acted {
            fragment.append_pair(ACTED_IN_FRAGMENT, "true");
        }
        if self.retries_withheld {
            fragment.append_pair(WITHHELD_IN_FRAGMENT, "outage");
        }
        let mut url = url.clone();
        url.set_fragment(Some(&fragment.finish()));
        error.with_url(url)
    }
}

fn fragment_value(error: &reqwest::Error, name: &str) -> Option<String> {
    let fragment = error.url()?.fragment()?;
    url::form_urlencoded::parse(fragment.as_bytes())
        .find(|(found, _)| found == name)
        .map(|(_, value)| value.into_owned())
}

/// The idempotency key the request that failed with `error` carried, when
/// the pipeline sent it.
pub fn idempotency_key_of(error: &reqwest::Error) -> Option<String> {
    fragment_value(error, KEY_IN_FRAGMENT)
}

/// Whether an attempt before the one that failed with `error` may have been
/// carried out (it got a 5xx, or was sent and got no clear answer).
pub fn earlier_attempt_may_have_acted(error: &reqwest::Error) -> bool {
    fragment_value(error, ACTED_IN_FRAGMENT).is_some()
}

/// Whether the outage guard withheld a retry of the call that failed with
/// `error` (see [`crate::headers::RETRIES_WITHHELD`]).
pub fn retries_withheld(error: &reqwest::Error) -> bool {
    fragment_value(error, WITHHELD_IN_FRAGMENT).is_some()
}

/// Why a successful body did not decode, on the response of
/// [`progenitor_client::Error::UnexpectedResponse`] that [`decode`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure(pub String);

/// Decodes a successful JSON body, as the generated clients do instead of
/// progenitor's `ResponseValue::from_response`.
///
/// A body that does not decode (or was cut at the limit) is returned as
/// `UnexpectedResponse` with its real status, headers and body, and the
/// reason as a [`DecodeFailure`] extension, so the error can say which
/// answer did not match the document; the reason starts with the path of
/// the field that did not decode (`returnItems[0].expectedQuantity: ...`),
/// except when the body as a whole did not (not JSON, or the wrong shape at
/// its top).
pub async fn decode<T: DeserializeOwned, E>(
    response: Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    let mut response = response;
    let headers = std::mem::take(response.headers_mut());
    // Read in place (no collecting buffer, and the URL stays on the response
    // for the failure case); the pipeline hands over the body as one chunk.
    let (body, _) = read_to_limit(&mut response, usize::MAX)
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    let reason = match headers.get(BODY_TRUNCATED) {
        Some(limit) => format!(
            "the body is longer than the limit of {} bytes",
            limit.to_str().unwrap_or("?")
        ),
        // The reason names the field that did not decode
        // (`returnItems[0].expectedQuantity: invalid value: ...`).
        None => {
            let mut deserializer = serde_json::Deserializer::from_slice(&body);
            match serde_path_to_error::deserialize(&mut deserializer) {
                // Like `serde_json::from_slice`, nothing but whitespace may
                // follow the value.
                Ok(inner) => match deserializer.end() {
                    Ok(()) => {
                        return Ok(progenitor_client::ResponseValue::new(
                            inner,
                            response.status(),
                            headers,
                        ));
                    }
                    Err(error) => error.to_string(),
                },
                // `path: reason`, or the reason alone for the body as a whole.
                Err(error) => error.to_string(),
            }
        }
    };
    let mut rebuilt = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone())
        .extension(DecodeFailure(reason));
    if let Some(slot) = rebuilt.headers_mut() {
        *slot = headers;
    }
    let response = rebuilt
        .body(body)
        .expect("status and headers came from a response");
    Err(progenitor_client::Error::UnexpectedResponse(
        Response::from(response),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn success_with(content_type: &[u8]) -> Response {
        Response::from(
            http::Response::builder()
                .header(CONTENT_TYPE, HeaderValue::from_bytes(content_type).unwrap())
                .body(Vec::new())
                .unwrap(),
        )
    }

    #[test]
    fn json_of_any_spelling_is_read_and_other_media_types_are_streamed() {
        for (content_type, read) in [
            (&b"application/json"[..], true),
            (b"Application/JSON; charset=utf-8", true),
            (b" application/json ;q=1", true),
            (b"application/problem+json", true),
            (b"application/vnd.flexport+JSON", true),
            (b"application/json; charset=\x80", true),
            (b"text/csv", false),
            (b"application/pdf", false),
            (b"json", false),
            (b"application/jsonx", false),
            (b"application/json+zip", false),
        ] {
            assert_eq!(
                buffered(&success_with(content_type)),
                read,
                "{}",
                String::from_utf8_lossy(content_type)
            );
        }
    }
}
