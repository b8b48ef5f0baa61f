use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use flexport_runtime::headers::{CORRELATION_ID, IDEMPOTENCY_KEY};

use crate::response::header_text;

/// Why a call failed.
///
/// Whether an order (or anything else a POST creates) exists after an error
/// is never a guess: a [`Error::Api`] means Flexport answered and did not act
/// (or replayed an earlier answer); the other kinds mean no answer arrived
/// after the last retry, and sending the call again with the same
/// idempotency key ([`crate::with_idempotency_key`]) is safe.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Flexport answered with a status of 400 or more.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No answer within the time limit, after the last retry.
    #[error("Flexport did not answer in time: {0}")]
    Timeout(#[source] reqwest::Error),
    /// The connection failed, after the last retry.
    #[error("could not talk to Flexport: {0}")]
    Transport(#[source] reqwest::Error),
    /// The request was not sent: a required field is missing or invalid.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A successful status whose body does not match the API document.
    #[error("the {status} response does not match the API document: {reason}")]
    InvalidResponse {
        status: StatusCode,
        reason: String,
        correlation_id: Option<String>,
        /// The body as received.
        body: Bytes,
    },
    /// The client's configuration is unusable.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
}

/// A response with a status of 400 or more.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: ErrorKind,
    /// The `application/problem+json` body, when the body is one.
    pub problem: Option<Problem>,
    /// The six-digit Flexport code, when the body carries one.
    pub code: Option<ErrorCode>,
    /// `x-correlation-id`: quote it to Flexport's support.
    pub correlation_id: Option<String>,
    /// The idempotency key the request carried, to retry it safely later.
    pub idempotency_key: Option<String>,
    /// `idempotent-replayed: true`: this failure is the stored answer to an
    /// earlier request with the same idempotency key.
    pub idempotent_replayed: bool,
    /// `Retry-After`, when a 429 or 503 sent one.
    pub retry_after: Option<Duration>,
    /// The body as received (an HTML page from a proxy, say).
    pub body: Bytes,
}

/// The status classes the API documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400
    BadRequest,
    /// 401: the token is missing, unknown or revoked.
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

/// An RFC 7807 `application/problem+json` body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub instance: Option<String>,
    /// Everything else the body carried (`status`, `code`, `message`, ...).
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
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

impl ErrorCode {
    pub fn from_number(code: u32) -> Self {
        match code {
            405001 => Self::InvalidRedirectUri,
            405002 => Self::InvalidClientId,
            405003 => Self::MissingScopes,
            405004 => Self::InvalidScopes,
            405005 => Self::InvalidAuthorizationCode,
            407001 => Self::InvalidOrderStatus,
            other => Self::Unknown(other),
        }
    }

    pub fn number(self) -> u32 {
        match self {
            Self::InvalidRedirectUri => 405001,
            Self::InvalidClientId => 405002,
            Self::MissingScopes => 405003,
            Self::InvalidScopes => 405004,
            Self::InvalidAuthorizationCode => 405005,
            Self::InvalidOrderStatus => 407001,
            Self::Unknown(code) => code,
        }
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

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl ApiError {
    /// Reads a failed response whose body is already in memory.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Self {
        let header = |name| header_text(headers, name).map(str::to_owned);
        let problem: Option<Problem> = serde_json::from_slice(&body)
            .ok()
            .filter(|p: &Problem| p.title.is_some() || p.type_.is_some() || p.detail.is_some());
        Self {
            status,
            kind: ErrorKind::from_status(status),
            code: problem.as_ref().and_then(ErrorCode::find),
            problem,
            correlation_id: header(CORRELATION_ID),
            // The pipeline copies the request's key onto the failed response.
            idempotency_key: header(IDEMPOTENCY_KEY),
            idempotent_replayed: crate::response::replayed(headers),
            retry_after: flexport_runtime::parse_retry_after(headers),
            body,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flexport answered {}", self.status)?;
        if let Some(problem) = &self.problem {
            for part in [&problem.title, &problem.detail].into_iter().flatten() {
                write!(f, ": {part}")?;
            }
        } else if !self.body.is_empty() {
            let text = String::from_utf8_lossy(&self.body);
            let shown: String = text.chars().take(200).collect();
            write!(f, " with a body that is not problem+json: {shown:?}")?;
        }
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// The failed response, if Flexport answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(error) => Some(error.status),
            Self::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<ErrorKind> {
        self.api().map(|error| error.kind)
    }

    pub fn code(&self) -> Option<ErrorCode> {
        self.api().and_then(|error| error.code)
    }

    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Api(error) => error.correlation_id.as_deref(),
            Self::InvalidResponse { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }

    fn from_response(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Self {
        if status.as_u16() < 400 {
            return Self::InvalidResponse {
                status,
                reason: "a status the document does not list for this operation".to_owned(),
                correlation_id: header_text(headers, CORRELATION_ID).map(str::to_owned),
                body,
            };
        }
        Self::Api(Box::new(ApiError::from_parts(status, headers, body)))
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

impl From<progenitor_client::Error<ByteStream>> for Error {
    fn from(error: progenitor_client::Error<ByteStream>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::ErrorResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = buffered(ResponseValue::into_inner(response));
                Self::from_response(status, &headers, body)
            }
            Generated::UnexpectedResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = response
                    .bytes()
                    .now_or_never()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                Self::from_response(status, &headers, body)
            }
            Generated::InvalidResponsePayload(body, reason) => Self::InvalidResponse {
                status: StatusCode::OK,
                reason: reason.to_string(),
                correlation_id: None,
                body,
            },
            Generated::CommunicationError(error)
            | Generated::ResponseBodyError(error)
            | Generated::InvalidUpgrade(error) => {
                if error.is_timeout() {
                    Self::Timeout(error)
                } else {
                    Self::Transport(error)
                }
            }
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
