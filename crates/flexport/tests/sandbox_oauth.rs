//! The partner OAuth flow end to end through `flexport::oauth`, against the
//! local sandbox: authorization URL, the sandbox's redirect, the callback,
//! the code exchange, and calls with the new token; and each of Flexport's
//! OAuth errors, 405001 to 405005.

#![cfg(feature = "v2024-04")]

use std::time::Duration;

use flexport::oauth::{AccessToken, Callback, CallbackError, DenialReason, OAuthApp, State};
use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ApiError, ClientBuilder, Error, ErrorCode, ErrorKind, RetryPolicy};
use flexport_sandbox::{Config, PartnerApp, Sandbox, auth::all_scopes};
use serde_json::json;

const CLIENT_ID: &str = "partner-app";
const SECRET: &str = "partner-secret";
const REDIRECT_URI: &str = "https://partner.example/flexport/callback";

fn config() -> Config {
    Config {
        oauth_apps: vec![PartnerApp {
            client_id: CLIENT_ID.to_owned(),
            client_secret: SECRET.to_owned(),
            redirect_uris: vec![REDIRECT_URI.to_owned()],
            scopes: all_scopes(),
        }],
        ..Config::default()
    }
}

fn app(sandbox: &Sandbox) -> OAuthApp {
    OAuthApp::new(CLIENT_ID, SECRET, REDIRECT_URI)
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy::never())
}

/// What a browser gets at the authorization URL, not following redirects.
async fn visit(app: &OAuthApp, scopes: &[&str], state: &State) -> reqwest::Response {
    let url = app
        .authorization_url::<Client>(scopes, state.as_str())
        .unwrap();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
}

/// Follows the flow up to the callback: the redirect's `Location`, checked
/// to go to the app's redirect URI.
async fn callback(app: &OAuthApp, scopes: &[&str], state: &State) -> Callback {
    let response = visit(app, scopes, state).await;
    assert_eq!(response.status(), 301);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    Callback::parse(location).unwrap()
}

/// A refusal answered on the authorize page itself (not a redirect).
async fn refused_on_the_page(response: reqwest::Response) -> ApiError {
    assert!(response.headers().get("location").is_none());
    let (status, headers) = (response.status(), response.headers().clone());
    ApiError::from_parts(status, &headers, response.bytes().await.unwrap())
}

fn client(sandbox: &Sandbox, token: &AccessToken) -> Client {
    ClientBuilder::new()
        .token(token.token.clone())
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

async fn authorized_token(sandbox: &Sandbox, scopes: &[&str]) -> AccessToken {
    let app = app(sandbox);
    let state = State::generate();
    let code = callback(&app, scopes, &state).await.verify(&state).unwrap();
    app.exchange_code::<Client>(&code).await.unwrap()
}

#[tokio::test]
async fn the_flow_gives_a_token_that_works_within_its_scopes_and_403_outside_them() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let token = authorized_token(
        &sandbox,
        &["read_logistics_products", "write_logistics_products"],
    )
    .await;
    assert_eq!(token.logistics_account_id, "sandbox-account");
    let client = client(&sandbox, &token);

    let product = client
        .create_product()
        .body(
            serde_json::from_value::<types::CreateProductModel>(
                json!({"name": "Mug", "merchantSku": "M-1"}),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let listed = client.get_products().send().await.unwrap().into_inner();
    assert_eq!(listed[0].logistics_sku, product.logistics_sku);

    let error: Error = client.get_order().order_id("1").send().await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Forbidden));
    let detail = error
        .api()
        .unwrap()
        .problem
        .as_ref()
        .unwrap()
        .detail
        .clone();
    assert!(detail.unwrap().contains("`read_logistics_orders`"));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_405001_and_is_never_redirected_to() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let elsewhere = OAuthApp::new(CLIENT_ID, SECRET, "https://attacker.example/callback")
        .base_url(sandbox.base_url());
    let response = visit(&elsewhere, &["read_logistics_orders"], &State::generate()).await;
    let error = refused_on_the_page(response).await;
    assert_eq!(error.status, 400);
    assert_eq!(error.code, Some(ErrorCode::InvalidRedirectUri));
}

#[tokio::test]
async fn an_unknown_client_id_is_405002() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let unknown = OAuthApp::new("no-such-app", SECRET, REDIRECT_URI).base_url(sandbox.base_url());
    let response = visit(&unknown, &["read_logistics_orders"], &State::generate()).await;
    let error = refused_on_the_page(response).await;
    assert_eq!(error.code, Some(ErrorCode::InvalidClientId));
}

#[tokio::test]
async fn missing_and_invalid_scopes_come_back_on_the_callback_as_405003_and_405004() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let app = app(&sandbox);
    for (scopes, expected) in [
        (&[][..], ErrorCode::MissingScopes),
        (
            &["read_logistics_orders", "orders:everything"][..],
            ErrorCode::InvalidScopes,
        ),
    ] {
        let state = State::generate();
        let refused = callback(&app, scopes, &state).await.verify(&state);
        match refused {
            Err(CallbackError::Denied {
                reason: DenialReason::Code(code),
                description,
            }) => {
                assert_eq!(code, expected);
                assert!(description.is_some());
            }
            other => panic!("{scopes:?}: {other:?}"),
        }
    }
    // The state is checked first, on a refusal too.
    let refused = callback(&app, &[], &State::generate()).await;
    assert_eq!(
        refused.verify(&State::generate()).unwrap_err(),
        CallbackError::StateMismatch
    );
}

#[tokio::test]
async fn a_reused_code_is_405005() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let app = app(&sandbox);
    let state = State::generate();
    let code = callback(&app, &["read_logistics_orders"], &state)
        .await
        .verify(&state)
        .unwrap();
    app.exchange_code::<Client>(&code).await.unwrap();
    let error = app.exchange_code::<Client>(&code).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidAuthorizationCode));
}

#[tokio::test]
async fn an_expired_code_is_405005() {
    let sandbox = Sandbox::start(Config {
        oauth_code_ttl: Duration::ZERO,
        ..config()
    })
    .await
    .unwrap();
    let app = app(&sandbox);
    let state = State::generate();
    let code = callback(&app, &["read_logistics_orders"], &state)
        .await
        .verify(&state)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let error = app.exchange_code::<Client>(&code).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidAuthorizationCode));
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_and_leaves_the_code_usable() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let app = app(&sandbox);
    let state = State::generate();
    let code = callback(&app, &["read_logistics_orders"], &state)
        .await
        .verify(&state)
        .unwrap();
    let impostor = OAuthApp::new(CLIENT_ID, "guessed", REDIRECT_URI)
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy::never());
    let error = impostor.exchange_code::<Client>(&code).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Unauthorized));
    app.exchange_code::<Client>(&code).await.unwrap();
}

#[test]
fn the_scopes_are_the_nineteen_flexport_documents() {
    let mut documented: Vec<String> = flexport::oauth::Scope::ALL
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect();
    documented.sort();
    assert_eq!(documented.len(), 19);
    assert_eq!(all_scopes(), documented);
}
