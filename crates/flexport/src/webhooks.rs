//! Receiving webhooks: check the credentials, drop redeliveries, parse.
//!
//! Each version module has a `webhooks::Event` enum generated from the
//! document's `*Event` schemas, told apart by `logisticsEventType`, a
//! `webhooks::EventType` (the declared types, [`EventType::ALL`] being the
//! types a subscription can name, and `Unknown` for any other) and a
//! `webhooks::Envelope` (the fields every event carries, typed: the event
//! type, the ids as text, `logisticsEventTime` as a `DateTime<Utc>`). An
//! event type the version does not declare is kept as `Event::Unknown` (with
//! its JSON) rather than rejected, so a new event never breaks your
//! endpoint; a malformed `logisticsEventTime` is refused.
//!
//! [`EventType::ALL`]: crate::v2024_04::webhooks::EventType::ALL
//!
//! ```
//! # #[cfg(feature = "v2024-04")] {
//! use flexport::v2024_04::webhooks::{Event, EventType};
//! let body = br#"{"logisticsEventType": "SomethingNew", "logisticsEventId": "1",
//!                 "logisticsEventTime": "2024-04-01T12:00:00Z"}"#;
//! let event: Event = flexport::webhooks::parse(body).unwrap();
//! assert_eq!(event.event_type(), EventType::Unknown("SomethingNew".to_owned()));
//! // What to subscribe to: every type the 2024-04 document declares.
//! assert!(EventType::ALL.contains(&EventType::InboundReceived));
//! # }
//! ```
//!
//! A receiving endpoint:
//! 1. checks the credentials the subscription was created with
//!    (`authMethod` `BASIC_AUTH`, or `TOKEN` with `tokenHeader`; make the
//!    secret with [`generate_secret`]) by [`parse_verified`] with a
//!    [`WebhookAuth`], in constant time, before it reads the body;
//! 2. drops an event it has already handled, by its `logisticsEventId`, with a
//!    [`Deduplicator`];
//! 3. answers 2xx once the event is handled, and 5xx (after
//!    [`Deduplicator::forget`]) when handling failed, so that a redelivery
//!    is handled rather than dropped.
//!
//! `examples/webhook_receiver.rs` is such an endpoint, on axum. The headers
//! are an [`http::HeaderMap`] (`flexport::http` is
//! the `http` crate, re-exported, and [`HeaderMap`] is here too).

use std::num::NonZeroUsize;
use std::sync::Mutex;

use http::header::AUTHORIZATION;
pub use http::header::{HeaderMap, HeaderName, HeaderValue, InvalidHeaderName};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub use flexport_runtime::webhooks::{EVENT_ID_FIELD, InvalidEvent, event_id, event_key};

/// A version's webhook event enum, with its envelope type.
pub trait WebhookEvent: Sized {
    /// The version's `webhooks::Envelope`.
    type Envelope: std::fmt::Debug + Clone;
    /// Parses a body into its envelope and its event.
    fn from_slice_with_envelope(body: &[u8]) -> Result<(Self::Envelope, Self), InvalidEvent>;
}

/// Parses a webhook request body into a version's `webhooks::Event`, without
/// checking who sent it (see [`parse_verified`]). The envelope is read too:
/// a body whose `logisticsEventTime` is not an RFC 3339 date-time (or whose
/// ids are neither strings nor numbers) is refused.
pub fn parse<E: WebhookEvent>(body: &[u8]) -> Result<E, InvalidEvent> {
    E::from_slice_with_envelope(body).map(|(_, event)| event)
}

/// A new random secret for a webhook subscription: the `password` of
/// `BASIC_AUTH` or the `token` of `TOKEN`. 32 bytes from the operating
/// system's random source, as 43 URL-safe base64 characters (valid in a
/// header value and in Basic credentials). Store it; give it to
/// [`WebhookAuth`] to check deliveries.
///
/// # Panics
/// If the operating system has no random source to read from (`getrandom`
/// fails), which no supported platform does at run time.
pub fn generate_secret() -> SecretString {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(bytes)
        .into()
}

/// The credentials a webhook subscription was created with, as Flexport
/// sends them with every delivery. `Debug` shows no secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebhookAuth {
    /// `authMethod: BASIC_AUTH` with `username` and `password`: an
    /// `Authorization: Basic …` header.
    Basic {
        username: String,
        password: SecretString,
    },
    /// `authMethod: TOKEN` with `token` and `tokenHeader`: the header
    /// `tokenHeader` whose whole value is the token.
    Token {
        header: HeaderName,
        token: SecretString,
    },
    /// `authMethod: NONE`: every request passes. Anyone who learns the URL
    /// can then post events; prefer one of the others.
    None,
}

/// Why a webhook request's credentials were refused. Log it; answer the
/// sender 401 whatever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unauthorized {
    #[error("the webhook request has no `{0}` header")]
    Missing(&'static str),
    #[error("the webhook request has more than one `{0}` header")]
    Repeated(&'static str),
    #[error("the webhook request's `{0}` header is not a credential of the expected form")]
    Malformed(&'static str),
    #[error("the webhook request's credentials are wrong")]
    Mismatch,
}

/// Why [`WebhookAuth::from_subscription`] cannot check a subscription's
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedAuth {
    /// An `authMethod` this SDK does not know (from a newer API version, say):
    /// refused rather than let every request through.
    #[error("webhook authMethod {0:?} is not one this SDK can check")]
    Method(String),
    #[error("webhook authMethod {method} needs `{field}`, which the subscription does not set")]
    Missing {
        method: &'static str,
        field: &'static str,
    },
    #[error("webhook tokenHeader {0:?} is not a valid header name")]
    InvalidHeader(String),
    #[error("the webhook subscription does not serialize to a JSON object")]
    NotAnObject,
}

/// Why [`parse_verified`] refused a webhook request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Answer 401; the body was not read.
    #[error(transparent)]
    Unauthorized(#[from] Unauthorized),
    /// Answer 400: the body is not an event of this version's form.
    #[error(transparent)]
    InvalidEvent(#[from] InvalidEvent),
}

impl WebhookAuth {
    /// `BASIC_AUTH` with the subscription's `username` and `password`.
    pub fn basic(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// `TOKEN` with the subscription's `tokenHeader` (a header name, any case)
    /// and `token`.
    pub fn token(header: &str, token: impl Into<SecretString>) -> Result<Self, InvalidHeaderName> {
        Ok(Self::Token {
            header: HeaderName::from_bytes(header.trim().as_bytes())?,
            token: token.into(),
        })
    }

    /// The credentials of a subscription, read from the body it was created
    /// with: any version's `WebhookCreateModel` (or anything that serializes
    /// to the same JSON: `authMethod`, `username`, `password`, `token`,
    /// `tokenHeader`). No `authMethod` means [`WebhookAuth::None`].
    ///
    /// A listed subscription (`GetWebhook`) may come back without its secrets;
    /// use the body you sent.
    pub fn from_subscription(
        subscription: &impl serde::Serialize,
    ) -> Result<Self, UnsupportedAuth> {
        let value = serde_json::to_value(subscription).map_err(|_| UnsupportedAuth::NotAnObject)?;
        let object = value.as_object().ok_or(UnsupportedAuth::NotAnObject)?;
        let text = |name| object.get(name).and_then(serde_json::Value::as_str);
        let required =
            |method, field| text(field).ok_or(UnsupportedAuth::Missing { method, field });
        match text("authMethod") {
            None | Some("NONE") => Ok(Self::None),
            Some("BASIC_AUTH") => Ok(Self::basic(
                required("BASIC_AUTH", "username")?,
                required("BASIC_AUTH", "password")?,
            )),
            Some("TOKEN") => {
                let header = required("TOKEN", "tokenHeader")?;
                let token = required("TOKEN", "token")?;
                Self::token(header, token)
                    .map_err(|_| UnsupportedAuth::InvalidHeader(header.to_owned()))
            }
            Some(other) => Err(UnsupportedAuth::Method(other.to_owned())),
        }
    }

    /// Checks a request's headers. The credential is compared in constant
    /// time (its length is not hidden); a header that appears more than once
    /// is refused rather than guessed at; a header value need not be valid
    /// text (its bytes are compared).
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), Unauthorized> {
        match self {
            Self::None => Ok(()),
            Self::Token { header, token } => {
                let value = single(headers, header, "token")?;
                equal(value, token.expose_secret().as_bytes())
            }
            Self::Basic { username, password } => {
                use base64::Engine as _;
                let value = single(headers, &AUTHORIZATION, "authorization")?;
                let malformed = Unauthorized::Malformed("authorization");
                let at = value.iter().position(|&b| b == b' ').ok_or(malformed)?;
                let (scheme, encoded) = (&value[..at], &value[at + 1..]);
                if !scheme.eq_ignore_ascii_case(b"basic") {
                    return Err(malformed);
                }
                let sent = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim_ascii())
                    .map_err(|_| malformed)?;
                let expected = format!("{username}:{}", password.expose_secret());
                equal(&sent, expected.as_bytes())
            }
        }
    }
}

/// The one value of `name`, as bytes.
fn single<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    label: &'static str,
) -> Result<&'a [u8], Unauthorized> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(Unauthorized::Missing(label))?;
    if values.next().is_some() {
        return Err(Unauthorized::Repeated(label));
    }
    Ok(value.as_bytes())
}

fn equal(sent: &[u8], expected: &[u8]) -> Result<(), Unauthorized> {
    if bool::from(sent.ct_eq(expected)) {
        Ok(())
    } else {
        Err(Unauthorized::Mismatch)
    }
}

/// A webhook request that passed [`WebhookAuth::verify`] and parsed.
#[derive(Debug, Clone)]
pub struct Delivery<E: WebhookEvent> {
    /// The payload's `logisticsEventId` ([`event_id`]), if it has one.
    pub event_id: Option<String>,
    /// The fields every event carries, typed (the version's `webhooks::Envelope`).
    pub envelope: E::Envelope,
    pub event: E,
}

/// Checks the request's credentials, then (and only then) parses its body
/// into a version's `webhooks::Event`, with the event id to de-duplicate by.
pub fn parse_verified<E: WebhookEvent>(
    auth: &WebhookAuth,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivery<E>, WebhookError> {
    auth.verify(headers)?;
    let (envelope, event) = E::from_slice_with_envelope(body)?;
    Ok(Delivery {
        event_id: event_id(body),
        envelope,
        event,
    })
}

/// Remembers the ids of the last `capacity` events this process accepted,
/// so that a redelivery of one of them can be dropped.
///
/// The bound: at most `capacity` ids are kept (the least recently seen goes
/// first), so memory is `capacity` times the size of an id. What it cannot
/// catch: a redelivery that arrives after `capacity` other events, after the
/// process restarted, or at another process or replica. Where a duplicate must
/// never be acted on twice, also record the event id with its effect in your
/// database (a unique constraint), which this does not replace.
///
/// Thread-safe (`&self` methods behind a mutex); share it in an `Arc`.
#[derive(Debug)]
pub struct Deduplicator {
    seen: Mutex<lru::LruCache<String, ()>>,
}

impl Deduplicator {
    pub fn new(capacity: NonZeroUsize) -> Self {
        Self {
            seen: Mutex::new(lru::LruCache::new(capacity)),
        }
    }

    /// Whether this is the first time `event_id` is seen, recording it if so.
    /// Of two concurrent calls with the same id, exactly one gets `true`.
    /// If handling the event then fails, call [`Deduplicator::forget`], so
    /// that Flexport's redelivery is handled.
    pub fn first_delivery(&self, event_id: &str) -> bool {
        let mut seen = self.lock();
        if seen.get(event_id).is_some() {
            return false;
        }
        seen.put(event_id.to_owned(), ());
        true
    }

    /// Forgets `event_id`, so its next delivery counts as the first.
    pub fn forget(&self, event_id: &str) {
        self.lock().pop(event_id);
    }

    /// How many ids are remembered (at most the capacity).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, ()>> {
        // A panic while the lock was held cannot leave the cache half-written
        // in a way that matters here: keep using it.
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
