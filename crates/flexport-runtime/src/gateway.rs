//! Answers of the AWS API Gateway in front of Flexport's service.
//!
//! Production Flexport sits behind API Gateway, which answers some requests
//! itself, before (or instead of) Flexport's service: `504 {"message":
//! "Endpoint request timed out"}` when the service takes longer than the
//! gateway's ~29 s integration limit, `403 {"message": "Missing
//! Authentication Token"}` for a path the gateway does not route, `429
//! {"message": "Too Many Requests"}` when it throttles. Those bodies are JSON
//! but not `application/problem+json`. This module reads them, for the
//! error types and for the pagination streams (which shrink the page on a
//! gateway timeout).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

/// Response header API Gateway sets on every answer that passes through it
/// (also on the service's own answers).
pub const APIGW_ID: &str = "x-amz-apigw-id";
/// Response header API Gateway sets on an error it generated itself, such as
/// `MissingAuthenticationTokenException` or `IntegrationTimeout`.
pub const ERROR_TYPE: &str = "x-amzn-errortype";

/// The most characters of a server's message [`message`] keeps; a longer one
/// is cut there and ends with `…`.
pub const MESSAGE_LIMIT: usize = 200;

/// Whether an answer of this status is a gateway timeout: `504 Gateway
/// Timeout`, which API Gateway sends when the service did not answer within
/// its integration limit. Unlike other 5xx, the same request tends to time
/// out again; a cheaper one (a smaller page) may succeed.
pub fn is_gateway_timeout(status: StatusCode) -> bool {
    status == StatusCode::GATEWAY_TIMEOUT
}

#[derive(Deserialize)]
struct MessageBody {
    message: Option<serde_json::Value>,
    title: Option<serde_json::Value>,
    #[serde(rename = "type")]
    type_: Option<serde_json::Value>,
    detail: Option<serde_json::Value>,
}

/// The `message` of a JSON error body that is not problem+json (no `title`,
/// `type` or `detail`), such as API Gateway's `{"message": "Endpoint request
/// timed out"}`, made safe to print: control characters (ANSI escapes among
/// them) and bidirectional overrides become spaces, runs of whitespace one
/// space, and it is cut at [`MESSAGE_LIMIT`] characters. `None` when the body
/// is not such an object, or its `message` is not a non-empty string.
pub fn message(body: &[u8]) -> Option<String> {
    let parsed: MessageBody = serde_json::from_slice(body).ok()?;
    if parsed.title.is_some() || parsed.type_.is_some() || parsed.detail.is_some() {
        return None;
    }
    let serde_json::Value::String(text) = parsed.message? else {
        return None;
    };
    let cleaned = printable(&text);
    (!cleaned.is_empty()).then_some(cleaned)
}

/// `text` with control and bidi-override characters as spaces, whitespace
/// runs collapsed, trimmed, and cut at [`MESSAGE_LIMIT`] characters.
fn printable(text: &str) -> String {
    let mut out = String::new();
    let mut kept = 0;
    let mut space = false;
    for c in text.chars() {
        let blank = c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        if blank {
            space = !out.is_empty();
            continue;
        }
        if kept == MESSAGE_LIMIT {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            kept += 1;
            space = false;
            if kept == MESSAGE_LIMIT {
                out.push('…');
                return out;
            }
        }
        out.push(c);
        kept += 1;
    }
    out
}

/// Whether API Gateway, not Flexport's service, produced this error answer:
/// it carries [`ERROR_TYPE`], or it carries [`APIGW_ID`] and a body that is
/// not problem+json (the service answers errors in problem+json).
pub fn answered_by_gateway(headers: &HeaderMap, body: &[u8]) -> bool {
    if headers.contains_key(ERROR_TYPE) {
        return true;
    }
    headers.contains_key(APIGW_ID) && !is_problem(body)
}

fn is_problem(body: &[u8]) -> bool {
    serde_json::from_slice::<MessageBody>(body)
        .is_ok_and(|b| b.title.is_some() || b.type_.is_some() || b.detail.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_of_a_gateway_body_is_kept_and_nothing_else_is_taken_for_one() {
        let timeout = br#"{"message": "Endpoint request timed out"}"#;
        assert_eq!(
            message(timeout).as_deref(),
            Some("Endpoint request timed out")
        );
        for body in [
            &br#"{"message": 5}"#[..],
            br#"{"message": {"text": "x"}}"#,
            br#"{"message": null}"#,
            br#"{"message": " \n\t "}"#,
            br#"["message"]"#,
            b"Endpoint request timed out",
            br#"{"type": "about:blank", "title": "Bad", "message": "m"}"#,
            b"",
        ] {
            assert_eq!(message(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn a_hostile_message_is_printable_and_bounded() {
        let ansi =
            br#"{"message": "\u001b[31mred\u001b[0m\r\nFlexport: all good\u0007 \u202eevil"}"#;
        let shown = message(ansi).unwrap();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(shown, "[31mred [0m Flexport: all good evil");

        let huge = format!(r#"{{"message": "{}"}}"#, "x".repeat(100_000));
        let shown = message(huge.as_bytes()).unwrap();
        assert_eq!(shown.chars().count(), MESSAGE_LIMIT + 1);
        assert!(shown.ends_with('…'));
        let exact = format!(r#"{{"message": "{}"}}"#, "é".repeat(MESSAGE_LIMIT));
        assert_eq!(
            message(exact.as_bytes()).unwrap(),
            "é".repeat(MESSAGE_LIMIT)
        );
    }

    #[test]
    fn the_gateway_is_told_apart_from_the_service() {
        let mut headers = HeaderMap::new();
        let gateway = br#"{"message": "Missing Authentication Token"}"#;
        let problem = br#"{"type": "about:blank", "title": "Not found"}"#;
        assert!(
            !answered_by_gateway(&headers, gateway),
            "no header, no claim"
        );
        headers.insert(APIGW_ID, "abc=".parse().unwrap());
        assert!(answered_by_gateway(&headers, gateway));
        assert!(
            !answered_by_gateway(&headers, problem),
            "the service, through the gateway"
        );
        headers.insert(
            ERROR_TYPE,
            "MissingAuthenticationTokenException".parse().unwrap(),
        );
        assert!(answered_by_gateway(&headers, problem));
        assert!(is_gateway_timeout(StatusCode::GATEWAY_TIMEOUT));
        assert!(!is_gateway_timeout(StatusCode::BAD_GATEWAY));
    }
}
