//! Partner OAuth: the callback, the state, the access token and the code
//! exchange, against servers on 127.0.0.1.

#![cfg(feature = "v2024-04")]

use std::collections::HashSet;
use std::time::Duration;

use flexport::oauth::{AccessToken, Callback, CallbackError, DenialReason, OAuthApp, State};
use flexport::v2024_04::Client;
use flexport::{Error, ErrorCode, RetryPolicy};
use secrecy::ExposeSecret;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/logistics/api/2024-04/oauth/token";
const SECRET_TOKEN: &str = "tok-SECRET-4f1d2c";

fn state() -> State {
    State::from_stored("expected-state-value")
}

fn app(base_url: &str) -> OAuthApp {
    OAuthApp::new("app-id", "app-secret", "https://partner.example/callback")
        .base_url(base_url)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            deadline: None,
        })
}

#[test]
fn a_callback_with_the_right_state_gives_its_code_from_a_url_or_a_query() {
    for text in [
        "https://partner.example/callback?code=c0de&state=expected-state-value",
        "?state=expected-state-value&code=c0de&extra=1",
        "code=c0de&state=expected-state-value",
    ] {
        let code = Callback::parse(text).unwrap().verify(&state()).unwrap();
        assert_eq!(code.expose_secret(), "c0de", "{text}");
    }
    let pairs = [("code", "a%20b"), ("state", "expected-state-value")];
    let code = Callback::from_pairs(pairs)
        .unwrap()
        .verify(&state())
        .unwrap();
    assert_eq!(
        code.expose_secret(),
        "a%20b",
        "decoded pairs are taken as they are"
    );
}

#[test]
fn a_missing_or_wrong_state_is_refused_before_anything_else_is_read() {
    for text in [
        "code=c0de",
        "code=c0de&state=",
        "code=c0de&state=expected-state-valuE",
        "code=c0de&state=expected-state-valu",
        "code=c0de&state=expected-state-value%00",
        "code=c0de&state=%20expected-state-value",
        // A forged error redirect is no more trusted than a forged code.
        "error=405003&state=forged",
        "error=access_denied",
    ] {
        let result = Callback::parse(text).unwrap().verify(&state());
        assert_eq!(result.unwrap_err(), CallbackError::StateMismatch, "{text}");
    }
    // An empty stored state (a lost session) matches nothing, not even "".
    let lost = State::from_stored("");
    let result = Callback::parse("code=c0de&state=").unwrap().verify(&lost);
    assert_eq!(result.unwrap_err(), CallbackError::StateMismatch);
}

#[test]
fn numeric_errors_become_error_codes_and_other_errors_are_kept_as_text() {
    let denied = |error: &str| {
        let query =
            format!("state=expected-state-value&error={error}&error_description=No%20scopes");
        Callback::parse(&query)
            .unwrap()
            .verify(&state())
            .unwrap_err()
    };
    for (number, code) in [
        (405001, ErrorCode::InvalidRedirectUri),
        (405002, ErrorCode::InvalidClientId),
        (405003, ErrorCode::MissingScopes),
        (405004, ErrorCode::InvalidScopes),
        (405005, ErrorCode::InvalidAuthorizationCode),
        (405099, ErrorCode::Unknown(405099)),
    ] {
        assert_eq!(
            denied(&number.to_string()),
            CallbackError::Denied {
                reason: DenialReason::Code(code),
                description: Some("No scopes".to_owned()),
            }
        );
    }
    for text in [
        "access_denied",
        "%2B405003",
        "405003x",
        "-405003",
        "99999999999",
    ] {
        let CallbackError::Denied { reason, .. } = denied(text) else {
            panic!("{text}")
        };
        let sent = url::form_urlencoded::parse(format!("e={text}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        assert_eq!(reason, DenialReason::Other(sent), "{text}");
    }
    // An error wins over a code sent beside it.
    let both = Callback::parse("state=expected-state-value&code=c0de&error=405005")
        .unwrap()
        .verify(&state());
    assert!(matches!(both, Err(CallbackError::Denied { .. })));
}

#[test]
fn repeated_parameters_and_empty_codes_are_refused() {
    for text in [
        "code=a&code=b&state=expected-state-value",
        "code=a&state=expected-state-value&state=expected-state-value",
        "error=1&error=2&state=expected-state-value",
    ] {
        assert!(
            matches!(Callback::parse(text), Err(CallbackError::Malformed(_))),
            "{text}"
        );
    }
    for text in [
        "state=expected-state-value",
        "state=expected-state-value&code=",
    ] {
        let result = Callback::parse(text).unwrap().verify(&state());
        assert_eq!(result.unwrap_err(), CallbackError::MissingCode, "{text}");
    }
}

#[test]
fn states_are_random_url_safe_and_never_shown() {
    let states: HashSet<String> = (0..1_000)
        .map(|_| State::generate().as_str().to_owned())
        .collect();
    assert_eq!(states.len(), 1_000);
    for state in &states {
        assert_eq!(state.len(), 43);
        assert!(
            state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{state}"
        );
    }
    let state = State::generate();
    assert!(state.matches(state.as_str()));
    assert!(!format!("{state:?}").contains(state.as_str()));

    let callback = Callback::parse(&format!("code=c0de-secret&state={}", state.as_str())).unwrap();
    let shown = format!("{callback:?}");
    assert!(
        !shown.contains("c0de-secret") && !shown.contains(state.as_str()),
        "{shown}"
    );
    let code = callback.verify(&state).unwrap();
    assert!(!format!("{code:?}").contains("c0de-secret"));
}

#[test]
fn access_tokens_clone_and_round_trip_through_serde_but_never_show_in_debug() {
    let flexport_answer = json!({"access_token": SECRET_TOKEN, "logisticsAccountId": "acct-1"});
    let token: AccessToken = serde_json::from_value(flexport_answer.clone()).unwrap();
    let copy = token.clone();
    assert_eq!(copy.token.expose_secret(), SECRET_TOKEN);
    assert_eq!(copy.logistics_account_id, "acct-1");
    assert!(!format!("{token:?}").contains(SECRET_TOKEN));
    assert_eq!(serde_json::to_value(&copy).unwrap(), flexport_answer);
}

#[tokio::test]
async fn the_exchange_runs_on_the_callers_reqwest_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("x-from-caller", "yes"))
        .and(header("authorization", "Basic YXBwLWlkOmFwcC1zZWNyZXQ="))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": SECRET_TOKEN, "logisticsAccountId": "acct-1", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-from-caller", "yes".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .unwrap();
    let token = app(&server.uri())
        .reqwest_client(http)
        .exchange_code::<Client>("c0de")
        .await
        .unwrap();
    assert_eq!(token.token.expose_secret(), SECRET_TOKEN);
}

#[tokio::test]
async fn the_exchange_is_retried_with_one_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": SECRET_TOKEN, "logisticsAccountId": "acct-1"}),
            ),
        )
        .mount(&server)
        .await;
    let token = app(&server.uri())
        .exchange_code::<Client>("c0de")
        .await
        .unwrap();
    assert_eq!(token.logistics_account_id, "acct-1");
    let requests = server.received_requests().await.unwrap();
    let keys: Vec<_> = requests
        .iter()
        .map(|request| {
            request
                .headers
                .get(flexport::headers::IDEMPOTENCY_KEY)
                .cloned()
        })
        .collect();
    assert_eq!(keys.len(), 2, "one 503, one success");
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
}

fn assert_token_hidden(error: &Error) {
    let shown = format!("{error} / {error:?}");
    assert!(
        !shown.contains("4f1d2c"),
        "the access token leaked: {shown}"
    );
}

#[tokio::test]
async fn no_error_of_a_token_answer_shows_the_token() {
    let server = MockServer::start().await;
    // A newer API that sends the account id as a number, and an answer with a
    // status the document does not list: both carry a valid token.
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(wiremock::matchers::body_string_contains("code=typed"))
        .respond_with(
            ResponseTemplate::new(200)
                // (A number here would decode: response strings take
                // production's numbers as their text.)
                .set_body_json(json!({"access_token": SECRET_TOKEN, "logisticsAccountId": {"id": SECRET_TOKEN}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(wiremock::matchers::body_string_contains("code=created"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(
                json!({"access_token": SECRET_TOKEN, "logisticsAccountId": "acct-1"}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(wiremock::matchers::body_string_contains("code=trailing"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"access_token": "{SECRET_TOKEN}", "logisticsAccountId": "acct-1"}} {SECRET_TOKEN}"#
        )))
        .mount(&server)
        .await;
    for code in ["typed", "created", "trailing"] {
        let error = app(&server.uri())
            .exchange_code::<Client>(code)
            .await
            .unwrap_err();
        let Error::InvalidResponse(invalid) = &error else {
            panic!("{code}: {error:?}")
        };
        assert_token_hidden(&error);
        assert!(
            String::from_utf8_lossy(&invalid.body).contains(SECRET_TOKEN),
            "{code}: the answer stays readable, explicitly"
        );
    }
}

/// A server that answers every request with the first bytes of a token
/// response and then closes the connection: a body cut in the middle.
async fn cut_body_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                loop {
                    let Ok(read) = socket.read(&mut buffer).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n";
                let partial = format!(r#"{{"access_token": "{SECRET_TOKEN}", "logisticsAcc"#);
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(partial.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_token_answer_cut_in_the_middle_fails_without_showing_the_token() {
    let base_url = cut_body_server().await;
    let error = app(&base_url)
        .exchange_code::<Client>("c0de")
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport { .. } | Error::InvalidResponse(_)),
        "{error:?}"
    );
    assert_token_hidden(&error);
}
