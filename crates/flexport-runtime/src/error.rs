use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::DecodeFailure;
use crate::headers::{
    BODY_TRUNCATED, CORRELATION_ID, EARLIER_ATTEMPT_MAY_HAVE_ACTED, IDEMPOTENCY_KEY, NOT_SENT,
    RETRIES_WITHHELD,
};

use crate::response::header_text;

/// Why a call failed.
///
/// Every error that follows a sent request says what you need to decide the
/// next step, without guessing:
/// - [`Error::idempotency_key`]: the key the request carried. Every POST and
///   PATCH carries one (unless you turned keys off with
///   `ClientBuilder::idempotency_keys(false)`), whether you chose it or the
///   SDK did; sending the same request again inside
///   `flexport::with_idempotency_key` with that key can never act twice:
///   Flexport replays the first answer instead.
/// - [`Error::may_have_acted`]: whether Flexport may have carried the
///   request out (a 5xx can come after a commit; a dropped connection or a
///   timeout says nothing either way).
/// - [`Error::is_retryable`]: whether the same request, sent again later,
///   may succeed.
/// - [`Error::status`] (the real status) and [`Error::correlation_id`], when
///   an answer came.
///
/// Neither `Debug` nor `Display` shows a response body (a token exchange's
/// body holds the access token): read [`ApiError::body`] or
/// [`InvalidResponse::body`] explicitly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Flexport answered with a status of 400 or more.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No answer within the time limit, after the last retry.
    #[error(
        "Flexport did not answer in time: {source}{}{}",
        withheld_suffix(*.retries_withheld),
        key_suffix(.idempotency_key)
    )]
    Timeout {
        source: reqwest::Error,
        /// The key the request carried.
        idempotency_key: Option<String>,
        /// Whether an earlier attempt of this call may have been carried
        /// out (it got a 5xx, or was sent and got no clear answer).
        earlier_attempt_may_have_acted: bool,
        /// The outage guard withheld a retry this call would have had:
        /// most recent attempts of this client failed.
        retries_withheld: bool,
    },
    /// The connection failed or the answer broke off, after the last retry.
    #[error(
        "could not talk to Flexport: {source}{}{}",
        withheld_suffix(*.retries_withheld),
        key_suffix(.idempotency_key)
    )]
    Transport {
        source: reqwest::Error,
        /// The key the request carried.
        idempotency_key: Option<String>,
        /// Whether an earlier attempt of this call may have been carried
        /// out (it got a 5xx, or was sent and got no clear answer).
        earlier_attempt_may_have_acted: bool,
        /// The outage guard withheld a retry this call would have had:
        /// most recent attempts of this client failed.
        retries_withheld: bool,
    },
    /// The request was not sent: a required field is missing or invalid, or
    /// its idempotency key cannot be sent or belongs to another request.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),
    /// A status of 399 or less whose body does not match the API document
    /// (or is longer than the client's limit).
    #[error(transparent)]
    InvalidResponse(Box<InvalidResponse>),
    /// The client's configuration is unusable.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
}

/// What an error whose retries the outage guard withheld adds to its message.
const WITHHELD_NOTE: &str = "; not retried: Flexport is failing (most recent attempts of this \
     client failed, so its outage guard withholds retries until answers come back); \
     retryable later";

fn withheld_suffix(withheld: bool) -> &'static str {
    if withheld { WITHHELD_NOTE } else { "" }
}

fn key_suffix(key: &Option<String>) -> String {
    key.as_ref()
        .map(|key| format!(" [idempotency key {key}]"))
        .unwrap_or_default()
}

/// A successful (or unlisted) status whose body the client could not read as
/// the document says: Flexport acted, but the answer is not usable as is.
#[derive(Clone, thiserror::Error)]
#[error(
    "the {status} answer does not match the API document: {reason}{}{}",
    key_suffix(.idempotency_key),
    correlation_suffix(.correlation_id)
)]
pub struct InvalidResponse {
    pub status: StatusCode,
    pub reason: String,
    pub correlation_id: Option<String>,
    /// The key the request carried.
    pub idempotency_key: Option<String>,
    /// The body as received (cut at the client's limit, if longer).
    pub body: Bytes,
}

fn correlation_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(" [correlation id {id}]"))
        .unwrap_or_default()
}

impl fmt::Debug for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidResponse")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("correlation_id", &self.correlation_id)
            .field("idempotency_key", &self.idempotency_key)
            .field("body", &BodyLength(self.body.len()))
            .finish()
    }
}

/// Shows a body's length, never its bytes.
struct BodyLength(usize);

impl fmt::Debug for BodyLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// A response with a status of 400 or more.
#[derive(Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: ErrorKind,
    /// The `application/problem+json` body, when the body is one.
    pub problem: Option<Problem>,
    /// The six-digit Flexport code, when the body carries one.
    pub code: Option<ErrorCode>,
    /// `x-correlation-id`: quote it to Flexport's support.
    pub correlation_id: Option<String>,
    /// The idempotency key the request carried, to send it again safely.
    pub idempotency_key: Option<String>,
    /// `idempotent-replayed: true`: this failure is the stored answer to an
    /// earlier request with the same idempotency key.
    pub idempotent_replayed: bool,
    /// `Retry-After`, when a 429 or 503 sent one.
    pub retry_after: Option<Duration>,
    /// The body as received (an HTML page from a proxy, say), at most its
    /// first 64 KiB.
    pub body: Bytes,
    /// Whether [`Self::body`] was cut at 64 KiB.
    pub body_truncated: bool,
    /// Whether an earlier attempt of this call may have been carried out
    /// (it got a 5xx, or was sent and got no clear answer): then even a 4xx
    /// does not prove that nothing happened.
    pub earlier_attempt_may_have_acted: bool,
    /// This answer is the SDK's, not Flexport's: the request was not sent
    /// (its token's rate limiter had no permit before the call's deadline).
    pub not_sent: bool,
    /// The outage guard withheld a retry this call would have had: most
    /// recent attempts of this client failed, so Flexport is failing.
    pub retries_withheld: bool,
    /// The `message` of a JSON body that is not problem+json, such as the
    /// API gateway's `{"message": "Endpoint request timed out"}`, made safe
    /// to print (control characters removed, at most
    /// [`crate::gateway::MESSAGE_LIMIT`] characters); shown by
    /// `Display`.
    pub message: Option<String>,
    /// Whether the API gateway in front of Flexport answered, rather than
    /// Flexport's service: the answer carries `x-amzn-errortype`, or
    /// `x-amz-apigw-id` with a body that is not problem+json (see
    /// [`crate::gateway::answered_by_gateway`]).
    pub from_gateway: bool,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("problem", &self.problem)
            .field("code", &self.code)
            .field("correlation_id", &self.correlation_id)
            .field("idempotency_key", &self.idempotency_key)
            .field("idempotent_replayed", &self.idempotent_replayed)
            .field("retry_after", &self.retry_after)
            .field("body", &BodyLength(self.body.len()))
            .field("body_truncated", &self.body_truncated)
            .field(
                "earlier_attempt_may_have_acted",
                &self.earlier_attempt_may_have_acted,
            )
            .field("not_sent", &self.not_sent)
            .field("retries_withheld", &self.retries_withheld)
            .field("message", &self.message)
            .field("from_gateway", &self.from_gateway)
            .finish()
    }
}

/// The status classes the API documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400
    BadRequest,
    /// 401: the token is missing, unknown or revoked; see [`Self::remedy`].
    Unauthorized,
    /// 403: the token lacks a scope the operation needs.
    Forbidden,
    /// 404
    NotFound,
    /// 409: for example a duplicate external order id.
    Conflict,
    /// 422
    UnprocessableEntity,
    /// 423: the account is locked.
    Locked,
    /// 429: slow down; see [`ApiError::retry_after`].
    TooManyRequests,
    /// 5xx
    Server,
    /// Any other 4xx.
    OtherClientError,
}

impl ErrorKind {
    /// What to do about an answer of this class.
    pub fn remedy(self) -> &'static str {
        match self {
            Self::Unauthorized => UNAUTHORIZED_REMEDY,
            Self::Forbidden => {
                "the token lacks a scope this operation needs: authorize with that scope \
                 (`flexport::oauth::Scope`), or use a token of an account that has it"
            }
            Self::TooManyRequests => "slow down: wait for `retry_after` before sending again",
            Self::Server => {
                "send again later (with the same idempotency key for a POST or PATCH); \
                 on a gateway timeout, ask for less (a smaller page)"
            }
            Self::Locked => "the account is locked: contact Flexport",
            _ => "read the problem's title and detail, fix the request, and send it again",
        }
    }

    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::UnprocessableEntity,
            423 => Self::Locked,
            429 => Self::TooManyRequests,
            500.. => Self::Server,
            _ => Self::OtherClientError,
        }
    }
}

/// What to do about a 401, also in its `Display`.
const UNAUTHORIZED_REMEDY: &str = "the token is unknown or revoked (a token can also expire): get \
     a new one (a portal API token, or a partner's OAuth code exchange) and swap it in with \
     `TokenSource::set_bearer` (a client built with `ClientBuilder::token_source`), no rebuild \
     needed";

/// An RFC 7807 `application/problem+json` body: what the client reads from
/// an error answer, and what the sandbox writes (`flexport-sandbox`'s
/// error answers serialize this type, so the two cannot drift apart).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Problem {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Everything else the body carried (`status`, `code`, `message`, ...).
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// `body` as a problem, if it is JSON with a `title`, `type` or `detail`.
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body)
            .ok()
            .filter(|p: &Problem| p.title.is_some() || p.type_.is_some() || p.detail.is_some())
    }
}

/// Flexport's six-digit error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 405001: the OAuth redirect URI is not the one registered.
    InvalidRedirectUri,
    /// 405002: unknown OAuth `client_id`.
    InvalidClientId,
    /// 405003: the authorization request named no scopes.
    MissingScopes,
    /// 405004: a requested scope does not exist.
    InvalidScopes,
    /// 405005: the OAuth code is invalid, expired or already used.
    InvalidAuthorizationCode,
    /// 407001: the order is not in a state that allows this, such as
    /// retrying an order that did not fail.
    InvalidOrderStatus,
    Unknown(u32),
}

/// The one table of the codes Flexport documents: each code's variant,
/// number, what it means and what to do about it.
const KNOWN_CODES: [(ErrorCode, u32, &str, &str); 6] = [
    (
        ErrorCode::InvalidRedirectUri,
        405001,
        "the redirect URI is not one registered for the partner application",
        "send exactly the redirect URI registered with Flexport for the application",
    ),
    (
        ErrorCode::InvalidClientId,
        405002,
        "the client_id names no partner application",
        "check the application ID Flexport gave the partner app",
    ),
    (
        ErrorCode::MissingScopes,
        405003,
        "the authorization request named no scopes",
        "request at least one scope in the authorization URL",
    ),
    (
        ErrorCode::InvalidScopes,
        405004,
        "the authorization request named a scope that does not exist",
        "request only scopes the API documents",
    ),
    (
        ErrorCode::InvalidAuthorizationCode,
        405005,
        "the authorization code is invalid, expired or already used",
        "start the authorization again: a code is single-use and short-lived",
    ),
    (
        ErrorCode::InvalidOrderStatus,
        407001,
        "the order's status does not allow this operation",
        "read the order and act on its current status (only a failed order can be retried)",
    ),
];

impl ErrorCode {
    /// Every code this SDK knows, in the order of their numbers.
    pub fn known() -> impl Iterator<Item = Self> {
        KNOWN_CODES.iter().map(|(code, ..)| *code)
    }

    fn row(self) -> Option<&'static (ErrorCode, u32, &'static str, &'static str)> {
        KNOWN_CODES.iter().find(|(code, ..)| *code == self)
    }

    pub fn from_number(number: u32) -> Self {
        KNOWN_CODES
            .iter()
            .find(|(_, known, ..)| *known == number)
            .map_or(Self::Unknown(number), |(code, ..)| *code)
    }

    pub fn number(self) -> u32 {
        match self {
            Self::Unknown(number) => number,
            known => known.row().map_or(0, |(_, number, ..)| *number),
        }
    }

    /// The code of a problem+json body, if it is one and carries a code (see
    /// [`Self::find`]); what retry classifiers match on.
    pub(crate) fn of_body(body: &[u8]) -> Option<Self> {
        Self::find(&Problem::parse(body)?)
    }

    /// The code a problem carries: its `code` member, else the last segment
    /// of its `type` URI, else a six-digit number opening its `title` or
    /// `detail` (Flexport has used each).
    fn find(problem: &Problem) -> Option<Self> {
        let six_digits = |text: &str| -> Option<u32> {
            let digits: String = text
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (digits.len() == 6).then(|| digits.parse().ok()).flatten()
        };
        let from_code = problem.extensions.get("code").and_then(|code| match code {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| six_digits(&n.to_string())),
            serde_json::Value::String(s) => six_digits(s),
            _ => None,
        });
        let from_type = || {
            let type_ = problem.type_.as_deref()?;
            six_digits(type_.rsplit(['/', '#', ':']).next()?)
        };
        let from_text = || {
            [&problem.title, &problem.detail]
                .into_iter()
                .flatten()
                .find_map(|text| six_digits(text))
        };
        from_code
            .or_else(from_type)
            .or_else(from_text)
            .map(Self::from_number)
    }
}

impl ErrorCode {
    /// What the code means, as Flexport documents it.
    pub fn description(self) -> &'static str {
        self.row()
            .map_or("a code this SDK does not know", |(_, _, description, _)| {
                description
            })
    }

    /// What to do about it.
    pub fn remedy(self) -> &'static str {
        self.row()
            .map_or("read the problem's title and detail", |(.., remedy)| remedy)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl ApiError {
    /// Reads a failed response whose body is already in memory.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Self {
        let header = |name| header_text(headers, name).map(str::to_owned);
        let problem = Problem::parse(&body);
        let message = match problem {
            Some(_) => None,
            None => crate::gateway::message(&body),
        };
        Self {
            status,
            kind: ErrorKind::from_status(status),
            code: problem.as_ref().and_then(ErrorCode::find),
            problem,
            message,
            from_gateway: crate::gateway::answered_by_gateway(headers, &body),
            correlation_id: header(CORRELATION_ID),
            // The pipeline copies the request's key onto the failed response.
            idempotency_key: header(IDEMPOTENCY_KEY),
            idempotent_replayed: crate::response::replayed(headers),
            retry_after: crate::parse_retry_after(headers),
            body,
            body_truncated: headers.contains_key(BODY_TRUNCATED),
            earlier_attempt_may_have_acted: header_text(headers, EARLIER_ATTEMPT_MAY_HAVE_ACTED)
                == Some("true"),
            not_sent: headers.contains_key(NOT_SENT),
            retries_withheld: headers.contains_key(RETRIES_WITHHELD),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.not_sent {
            let title = self.problem.as_ref().and_then(|p| p.title.as_deref());
            write!(f, "{}", title.unwrap_or("not sent"))?;
            return write!(f, "{}", key_suffix(&self.idempotency_key));
        }
        if self.from_gateway {
            write!(
                f,
                "the API gateway in front of Flexport (not Flexport's service) answered {}",
                self.status
            )?;
        } else {
            write!(f, "Flexport answered {}", self.status)?;
        }
        if let Some(problem) = &self.problem {
            for part in [&problem.title, &problem.detail].into_iter().flatten() {
                write!(f, ": {part}")?;
            }
        } else if let Some(message) = &self.message {
            // Cleaned and bounded by `gateway::message`; quoted, so that it
            // reads as the server's words.
            write!(f, ": {message:?}")?;
        } else if !self.body.is_empty() {
            // The bytes stay out of messages and logs: read `body` for them.
            write!(
                f,
                " with a body of {} bytes that is not problem+json",
                self.body.len()
            )?;
        }
        if let Some(code) = self.code {
            write!(f, " (code {code}: {})", code.description())?;
        }
        if self.is_gateway_timeout() {
            f.write_str(
                " (a gateway timeout: the request took longer than the gateway allows; \
                 the same request tends to time out again, a smaller page or request may succeed)",
            )?;
        } else if self.from_gateway && self.status == StatusCode::FORBIDDEN {
            f.write_str(
                " (the gateway routes no such path and method, or the request carried no token)",
            )?;
        }
        if self.kind == ErrorKind::Unauthorized {
            write!(f, " ({UNAUTHORIZED_REMEDY})")?;
        }
        if self.idempotent_replayed {
            f.write_str(" (replayed)")?;
        }
        if self.retries_withheld {
            f.write_str(WITHHELD_NOTE)?;
        }
        write!(
            f,
            "{}{}",
            key_suffix(&self.idempotency_key),
            correlation_suffix(&self.correlation_id)
        )
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// What to do about this answer: the remedy of its [`ErrorCode`] when it
    /// carries a known one, else the remedy of its [`ErrorKind`].
    pub fn remedy(&self) -> &'static str {
        match self.code {
            Some(code) if !matches!(code, ErrorCode::Unknown(_)) => code.remedy(),
            _ => self.kind.remedy(),
        }
    }

    /// Whether this is a `504 Gateway Timeout`: the service did not answer
    /// within the gateway's limit (about 29 s at Flexport). Unlike other 5xx
    /// (all [`ErrorKind::Server`]), the same request tends to time out again;
    /// a smaller page may succeed, which the pagination streams do on their
    /// own.
    pub fn is_gateway_timeout(&self) -> bool {
        crate::gateway::is_gateway_timeout(self.status)
    }
}

impl Error {
    /// The failed response, if Flexport answered with a status of 400 or more.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The status Flexport answered with, if an answer came.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(error) => Some(error.status),
            Self::InvalidResponse(error) => Some(error.status),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<ErrorKind> {
        self.api().map(|error| error.kind)
    }

    pub fn code(&self) -> Option<ErrorCode> {
        self.api().and_then(|error| error.code)
    }

    /// Whether Flexport answered `504 Gateway Timeout` (see
    /// [`ApiError::is_gateway_timeout`]).
    pub fn is_gateway_timeout(&self) -> bool {
        self.api().is_some_and(ApiError::is_gateway_timeout)
    }

    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Api(error) => error.correlation_id.as_deref(),
            Self::InvalidResponse(error) => error.correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The idempotency key the request carried: send the same request again
    /// inside `flexport::with_idempotency_key` with it, and Flexport replays
    /// its first answer instead of acting twice. `None` for a request that
    /// was never sent, a GET, PUT or DELETE (safe to send again as they are),
    /// or a POST or PATCH sent with idempotency keys turned off.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Self::Api(error) => error.idempotency_key.as_deref(),
            Self::Timeout {
                idempotency_key, ..
            }
            | Self::Transport {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            Self::InvalidResponse(error) => error.idempotency_key.as_deref(),
            Self::InvalidRequest(_) | Self::Config(_) => None,
        }
    }

    /// Whether Flexport may have carried the request out, in any attempt.
    /// `false` only when that is known not to have happened: the request was
    /// never sent, or every attempt was refused before it was sent (the
    /// connection could not be opened) or answered with a 4xx or 429. A 5xx
    /// can follow a commit, and a timeout or a connection that broke after
    /// sending says nothing either way; an answer of 399 or less means
    /// Flexport acted.
    pub fn may_have_acted(&self) -> bool {
        match self {
            Self::Api(error) => {
                error.status.is_server_error() || error.earlier_attempt_may_have_acted
            }
            Self::Timeout {
                source,
                earlier_attempt_may_have_acted,
                ..
            }
            | Self::Transport {
                source,
                earlier_attempt_may_have_acted,
                ..
            } => *earlier_attempt_may_have_acted || !source.is_connect(),
            Self::InvalidResponse(_) => true,
            Self::InvalidRequest(_) | Self::Config(_) => false,
        }
    }

    /// Whether sending the same request again later may succeed: a 429, a
    /// 5xx, a timeout or a broken connection (the client's own retries were
    /// used up). For a POST or PATCH, send it with its
    /// [`Self::idempotency_key`], so it cannot act twice.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(error) => {
                error.status == StatusCode::TOO_MANY_REQUESTS || error.status.is_server_error()
            }
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::InvalidResponse(_) | Self::InvalidRequest(_) | Self::Config(_) => false,
        }
    }

    /// Whether the outage guard withheld a retry of this call: Flexport is
    /// failing for most recent attempts of this client. Such an error stays
    /// [`Self::is_retryable`]: send it again (with its
    /// [`Self::idempotency_key`]) once Flexport answers again.
    pub fn retries_withheld(&self) -> bool {
        match self {
            Self::Api(error) => error.retries_withheld,
            Self::Timeout {
                retries_withheld, ..
            }
            | Self::Transport {
                retries_withheld, ..
            } => *retries_withheld,
            _ => false,
        }
    }

    fn from_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
        reason: Option<String>,
    ) -> Self {
        if status.as_u16() < 400 {
            let header = |name| header_text(headers, name).map(str::to_owned);
            return Self::InvalidResponse(Box::new(InvalidResponse {
                status,
                reason: reason.unwrap_or_else(|| {
                    "a status the document does not list for this operation".to_owned()
                }),
                correlation_id: header(CORRELATION_ID),
                idempotency_key: header(IDEMPOTENCY_KEY),
                body,
            }));
        }
        Self::Api(Box::new(ApiError::from_parts(status, headers, body)))
    }

    fn from_transport(mut source: reqwest::Error) -> Self {
        let idempotency_key = crate::idempotency_key_of(&source);
        let earlier_attempt_may_have_acted = crate::earlier_attempt_may_have_acted(&source);
        let retries_withheld = crate::retries_withheld(&source);
        if let Some(url) = source.url_mut() {
            // The pipeline's notes are fields of this error, not URL noise.
            url.set_fragment(None);
        }
        if source.is_timeout() {
            Self::Timeout {
                source,
                idempotency_key,
                earlier_attempt_may_have_acted,
                retries_withheld,
            }
        } else {
            Self::Transport {
                source,
                idempotency_key,
                earlier_attempt_may_have_acted,
                retries_withheld,
            }
        }
    }
}

/// The body of a response the pipeline has already read into memory; empty
/// if it had not (a client built without the pipeline).
fn buffered(stream: ByteStream) -> Bytes {
    let mut stream = stream.into_inner();
    let mut body = Vec::new();
    while let Some(Some(Ok(chunk))) = stream.next().now_or_never() {
        body.extend_from_slice(&chunk);
    }
    Bytes::from(body)
}

/// The error of a generated method whose documented error responses have
/// bodies (handed over raw, as a stream the pipeline has already read).
impl From<progenitor_client::Error<ByteStream>> for Error {
    fn from(error: progenitor_client::Error<ByteStream>) -> Self {
        Self::from_generated(error, buffered)
    }
}

/// The error of a generated method whose documented error responses have no
/// body.
impl From<progenitor_client::Error<()>> for Error {
    fn from(error: progenitor_client::Error<()>) -> Self {
        Self::from_generated(error, |()| Bytes::new())
    }
}

impl Error {
    fn from_generated<E>(
        error: progenitor_client::Error<E>,
        body_of: impl FnOnce(E) -> Bytes,
    ) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::ErrorResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = body_of(ResponseValue::into_inner(response));
                Self::from_response(status, &headers, body, None)
            }
            Generated::UnexpectedResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let reason = response
                    .extensions()
                    .get::<DecodeFailure>()
                    .map(|failure| failure.0.clone());
                let body = response
                    .bytes()
                    .now_or_never()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                Self::from_response(status, &headers, body, reason)
            }
            // Only a client that bypasses `flexport_runtime::decode` (which
            // keeps the status) gets here.
            Generated::InvalidResponsePayload(body, reason) => {
                Self::InvalidResponse(Box::new(InvalidResponse {
                    status: StatusCode::OK,
                    reason: reason.to_string(),
                    correlation_id: None,
                    idempotency_key: None,
                    body,
                }))
            }
            Generated::CommunicationError(error)
            | Generated::ResponseBodyError(error)
            | Generated::InvalidUpgrade(error) => Self::from_transport(error),
            Generated::InvalidRequest(reason) | Generated::Custom(reason) => {
                Self::InvalidRequest(reason)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(body: serde_json::Value) -> ApiError {
        ApiError::from_parts(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            Bytes::from(body.to_string()),
        )
    }

    #[test]
    fn the_code_is_found_wherever_flexport_puts_it() {
        let cases = [
            serde_json::json!({"type": "about:blank", "title": "Bad", "code": 405003}),
            serde_json::json!({"type": "about:blank", "title": "Bad", "code": "405003"}),
            serde_json::json!({"type": "https://developers.flexport.com/errors/405003", "title": "Bad"}),
            serde_json::json!({"type": "about:blank", "title": "405003 Missing scopes"}),
            serde_json::json!({"type": "about:blank", "title": "Bad", "detail": "405003: no scopes"}),
        ];
        for body in cases {
            assert_eq!(
                problem(body.clone()).code,
                Some(ErrorCode::MissingScopes),
                "{body}"
            );
        }
        let status_only =
            problem(serde_json::json!({"title": "Unauthorized", "type": "x", "code": 401}));
        assert_eq!(status_only.code, None);
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for number in [405001, 405002, 405003, 405004, 405005, 407001, 999999] {
            assert_eq!(ErrorCode::from_number(number).number(), number);
        }
        assert_eq!(ErrorCode::from_number(123456), ErrorCode::Unknown(123456));
        // The table: every known code has its own number, description and
        // remedy, none of them the unknown code's.
        let known: Vec<ErrorCode> = ErrorCode::known().collect();
        assert_eq!(known.len(), 6);
        let unknown = ErrorCode::Unknown(123456);
        for code in &known {
            assert_eq!(ErrorCode::from_number(code.number()), *code);
            assert_ne!(code.description(), unknown.description());
            assert_ne!(code.remedy(), unknown.remedy());
            let same = known.iter().filter(|other| other.number() == code.number());
            assert_eq!(same.count(), 1, "{code:?}");
        }
    }

    #[test]
    fn a_body_that_is_not_problem_json_is_kept_raw() {
        let html = Bytes::from_static(b"<html><body>502 Bad Gateway</body></html>");
        let error = ApiError::from_parts(StatusCode::BAD_GATEWAY, &HeaderMap::new(), html.clone());
        assert_eq!(
            (error.kind, error.problem.clone(), error.body),
            (ErrorKind::Server, None, html)
        );
        for body in ["", "{", "[]", "null"] {
            let error = ApiError::from_parts(
                StatusCode::BAD_REQUEST,
                &HeaderMap::new(),
                Bytes::from(body),
            );
            assert!(error.problem.is_none(), "{body:?}");
        }
    }

    #[test]
    fn a_gateway_message_is_shown_alone_and_the_gateway_named() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-apigw-id", "Zx1=".parse().unwrap());
        let body = Bytes::from_static(br#"{"message": "Endpoint request timed out"}"#);
        let error = ApiError::from_parts(StatusCode::GATEWAY_TIMEOUT, &headers, body.clone());
        assert!(error.from_gateway && error.is_gateway_timeout());
        assert_eq!(error.kind, ErrorKind::Server);
        let shown = error.to_string();
        assert!(
            shown.starts_with(
                "the API gateway in front of Flexport (not Flexport's service) answered \
                 504 Gateway Timeout: \"Endpoint request timed out\" (a gateway timeout"
            ),
            "{shown}"
        );
        assert!(!shown.contains(r#"{"message""#), "{shown}");

        let missing = ApiError::from_parts(
            StatusCode::FORBIDDEN,
            &headers,
            Bytes::from_static(br#"{"message": "Missing Authentication Token"}"#),
        );
        assert!(!missing.is_gateway_timeout());
        let shown = missing.to_string();
        assert!(
            shown.contains("\"Missing Authentication Token\""),
            "{shown}"
        );
        assert!(shown.contains("no such path"), "{shown}");

        // The same message from behind no gateway: shown, gateway not claimed.
        let plain = ApiError::from_parts(
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            Bytes::from_static(br#"{"message": "Too Many Requests"}"#),
        );
        assert!(!plain.from_gateway);
        assert_eq!(
            plain.to_string(),
            "Flexport answered 429 Too Many Requests: \"Too Many Requests\""
        );

        // A message that is not a string is not shown, nor is the body.
        let odd = ApiError::from_parts(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            Bytes::from_static(br#"{"message": {"secret": "x"}}"#),
        );
        assert_eq!(odd.message, None);
        assert!(!odd.to_string().contains("secret"));
        assert!(!format!("{odd:?}").contains("secret"));
    }

    #[test]
    fn every_documented_status_has_its_kind() {
        let kinds = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (422, ErrorKind::UnprocessableEntity),
            (423, ErrorKind::Locked),
            (429, ErrorKind::TooManyRequests),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
            (418, ErrorKind::OtherClientError),
        ];
        for (status, kind) in kinds {
            assert_eq!(
                ErrorKind::from_status(StatusCode::from_u16(status).unwrap()),
                kind
            );
        }
    }
}
