//! The engine's error: why an operation was refused, in the domain's terms.
//! Only `api` turns it into an HTTP answer (`ErrorAnswer`, problem+json),
//! by its [`Kind`].

use flexport_runtime::ErrorCode;

/// What kind of refusal it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A field of the request is missing, malformed or out of range.
    Invalid,
    /// The caller's credentials are unknown or wrong.
    Unauthenticated,
    /// What the request names does not exist.
    NotFound,
    /// The state of what it names does not allow it (a duplicate, an order
    /// that has shipped).
    Conflict,
    /// Understood, but not possible as asked.
    Unprocessable,
}

/// An operation refused, changing nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainError {
    pub kind: Kind,
    pub detail: String,
    /// Flexport's six-digit error code, where the API defines one.
    pub code: Option<ErrorCode>,
}

impl DomainError {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            code: None,
        }
    }

    /// The request's `field` is missing or invalid.
    pub fn invalid_field(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(Kind::Invalid, format!("`{field}`: {reason}"))
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(Kind::NotFound, format!("no {what} with id `{id}`"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(Kind::Unprocessable, detail)
    }

    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = Some(code);
        self
    }
}
