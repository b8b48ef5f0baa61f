//! Why a command failed, what it prints on stderr, and its exit code.

use std::fmt::Write as _;
use std::process::ExitCode;

use flexport::{Error, ErrorKind};

/// The exit codes, one per class of failure; `flexport --help` lists them.
pub mod exit {
    /// The command did what it was asked.
    pub const OK: u8 = 0;
    /// Anything not below: an answer that does not fit the document, a
    /// local I/O failure.
    pub const OTHER: u8 = 1;
    /// The command line or the request is wrong; nothing was sent.
    pub const USAGE: u8 = 2;
    /// No token, or Flexport refused it (401, 403, 423).
    pub const AUTH: u8 = 3;
    /// 404.
    pub const NOT_FOUND: u8 = 4;
    /// 409 or 422: the request conflicts with the state (a duplicate, an
    /// idempotency key sent with another body, a retry of an order that did
    /// not fail).
    pub const CONFLICT: u8 = 5;
    /// 400 and other 4xx: Flexport refused the request as invalid.
    pub const INVALID: u8 = 6;
    /// 429, after the SDK's waits within the call's deadline.
    pub const RATE_LIMITED: u8 = 7;
    /// 5xx, after the SDK's retries.
    pub const SERVER: u8 = 8;
    /// No answer: timeout or connection failure, after the SDK's retries.
    pub const TRANSPORT: u8 = 9;
    /// A `flexport wait` ended without the state: deadline, or a state the
    /// wanted one cannot come from.
    pub const WAIT: u8 = 10;

    /// (code, meaning), for `--help`.
    pub const TABLE: &[(u8, &str)] = &[
        (OK, "success"),
        (
            OTHER,
            "other failure (an answer that does not fit the document, local I/O)",
        ),
        (USAGE, "usage: bad command line or request, nothing sent"),
        (AUTH, "no token, or 401/403/423"),
        (NOT_FOUND, "not found (404)"),
        (CONFLICT, "conflict (409, 422)"),
        (INVALID, "refused as invalid (400, other 4xx)"),
        (RATE_LIMITED, "rate-limited (429)"),
        (SERVER, "server error (5xx)"),
        (TRANSPORT, "transport: timeout or connection failure"),
        (WAIT, "a wait ended without its state"),
    ];
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The command line, a flag's value or a body is wrong.
    Usage(String),
    /// No token to send.
    NoToken(String),
    /// A call failed.
    Api(Error),
    /// A read (a `GET`) failed: resending it is safe whatever happened,
    /// since a read carries nothing out.
    Read(Error),
    /// A wait ended without its state (with the exit code and report of the
    /// poll that failed, if one did).
    Wait(String, Option<(u8, String)>),
    /// Anything else (local files, the terminal).
    Other(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Api(error)
    }
}

impl From<flexport::ConfigError> for Failure {
    fn from(error: flexport::ConfigError) -> Self {
        Self::Usage(error.to_string())
    }
}

impl<P> From<flexport::pagination::StreamError<P>> for Failure {
    fn from(error: flexport::pagination::StreamError<P>) -> Self {
        Self::Api(error.error)
    }
}

impl Failure {
    /// This failure, known to be a read's: a failed call becomes
    /// [`Self::Read`].
    pub fn of_read(self) -> Self {
        match self {
            Self::Api(error) => Self::Read(error),
            other => other,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    pub fn code(&self) -> u8 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::NoToken(_) => exit::AUTH,
            Self::Api(error) | Self::Read(error) => api_code(error),
            Self::Wait(_, Some((code, _))) => *code,
            Self::Wait(_, None) => exit::WAIT,
            Self::Other(_) => exit::OTHER,
        }
    }

    /// What stderr shows: never a body, never the token (the SDK's errors
    /// carry neither in their `Display`).
    pub fn report(&self) -> String {
        match self {
            Self::Usage(message) => format!("error: {message}\n"),
            Self::NoToken(message) => format!("error: {message}\n"),
            Self::Other(message) => format!("error: {message}\n"),
            Self::Api(error) => api_report(error, Sent::Call),
            Self::Read(error) => api_report(error, Sent::Read),
            Self::Wait(message, None) => format!("error: {message}\n"),
            Self::Wait(message, Some((_, report))) => format!("error: {message}\n{report}"),
        }
    }
}

pub(crate) fn api_code(error: &Error) -> u8 {
    match error {
        Error::Api(api) => match api.kind {
            ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Locked => exit::AUTH,
            ErrorKind::NotFound => exit::NOT_FOUND,
            ErrorKind::Conflict | ErrorKind::UnprocessableEntity => exit::CONFLICT,
            ErrorKind::TooManyRequests => exit::RATE_LIMITED,
            ErrorKind::Server => exit::SERVER,
            _ => exit::INVALID,
        },
        Error::Timeout { .. } | Error::Transport { .. } => exit::TRANSPORT,
        Error::InvalidRequest(_) | Error::Config(_) => exit::USAGE,
        _ => exit::OTHER,
    }
}

/// What the failed request was, for the resend advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// A `GET`: it carries nothing out.
    Read,
    /// Any operation.
    Call,
}

pub(crate) fn api_report(error: &Error, sent: Sent) -> String {
    let mut out = String::new();
    match error.api() {
        Some(api) => {
            let _ = write!(out, "error: {}", api.status);
            let problem = api.problem.as_ref();
            if let Some(title) = problem.and_then(|p| p.title.as_deref()) {
                let _ = write!(out, ": {}", clean(title));
            }
            out.push('\n');
            if let Some(detail) = problem.and_then(|p| p.detail.as_deref()) {
                let _ = writeln!(out, "  detail: {}", clean(detail));
            } else if let Some(message) = &api.message {
                let _ = writeln!(out, "  message: {message}");
            }
            if let Some(code) = api.code {
                let _ = writeln!(out, "  code: {} ({})", code.number(), code.description());
            }
            let _ = writeln!(out, "  remedy: {}", api.remedy());
            if let Some(retry_after) = api.retry_after {
                let _ = writeln!(out, "  retry after: {} s", retry_after.as_secs());
            }
        }
        None => {
            let _ = writeln!(out, "error: {error}");
        }
    }
    if let Some(id) = error.correlation_id() {
        let _ = writeln!(out, "  correlation id: {}", clean(id));
    }
    let _ = writeln!(out, "  {}", resend_advice(error, sent));
    out
}

/// Whether sending the same command again is safe, and how.
fn resend_advice(error: &Error, sent: Sent) -> String {
    let retryable = if error.is_retryable() {
        "it may succeed later"
    } else {
        "as it is, it would fail the same way"
    };
    match error.idempotency_key() {
        Some(key) => format!(
            "idempotency key: {key} (safe to resend: yes, with --idempotency-key {key}, Flexport replays the first answer instead of acting twice; {retryable})"
        ),
        None if sent == Sent::Read => {
            format!("safe to resend: yes, a read carries nothing out ({retryable})")
        }
        None if !error.may_have_acted() => {
            format!("safe to resend: yes, nothing was carried out ({retryable})")
        }
        None => format!(
            "safe to resend: check first, Flexport may have carried the request out ({retryable})"
        ),
    }
}

/// Control characters out of text that came from the server.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(500).collect()
}
