use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexport_runtime::{ErrorCode, Problem};
use serde_json::Value;

/// An error answer, sent as `application/problem+json` like the real API's.
#[derive(Debug, Clone)]
pub struct ErrorAnswer {
    pub status: StatusCode,
    pub detail: String,
    /// Flexport's six-digit error code, where the API defines one.
    pub code: Option<ErrorCode>,
    pub retry_after_seconds: Option<u64>,
}

impl ErrorAnswer {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            code: None,
            retry_after_seconds: None,
        }
    }

    /// 400 for a request whose `field` is missing or invalid.
    pub fn invalid_field(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("`{field}`: {reason}"))
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no {what} with id `{id}`"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = Some(code);
        self
    }
}

impl IntoResponse for ErrorAnswer {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let mut extensions = serde_json::Map::new();
        extensions.insert("status".into(), self.status.as_u16().into());
        extensions.insert("message".into(), Value::from(self.detail.clone()));
        // The documents' `UnauthorizedError` requires `code`, equal to the status.
        let code = self
            .code
            .map(ErrorCode::number)
            .or((self.status == StatusCode::UNAUTHORIZED).then_some(401));
        if let Some(code) = code {
            extensions.insert("code".into(), code.into());
        }
        let body = Problem {
            type_: Some("about:blank".to_owned()),
            title: Some(title.to_owned()),
            detail: Some(self.detail),
            instance: None,
            extensions,
        };
        let body = serde_json::to_string(&body).expect("a problem serializes");
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
