//! `AuthorizationRedirect` and `TokenExchange`, in every version, without a
//! bearer token (the app authenticates with its client id and secret), and
//! the sandbox's own landing page for redirects.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;

use super::QueryPairs;
use crate::auth::SANDBOX_CALLBACK;
use crate::engine::Writer;
use crate::engine::oauth::{self, AuthorizeRequest, ExchangeRequest};
use crate::error_answer::ErrorAnswer;
use crate::layers::not_written;
use crate::store::Store;

/// The sandbox's own landing page for redirects (the API's OAuth
/// operations are routed from the `OPERATIONS` tables like the others).
pub fn routes() -> Router<Arc<Store>> {
    Router::new().route(SANDBOX_CALLBACK, get(callback))
}

/// Approves at once (there is no merchant to log in) and redirects with
/// `301 Moved Permanently` to the redirect URI, as Flexport's OAuth
/// documentation describes (production difference
/// `oauth-authorize-redirect`; the document declares a 204), or answers 400 (see
/// [`oauth::authorize`]).
pub(super) async fn authorize(State(store): State<Arc<Store>>, uri: Uri) -> Response {
    let query = QueryPairs::from_uri(&uri);
    let first = |name: &str| query.all(name).next().map(str::to_owned);
    let request = AuthorizeRequest {
        response_type: first("response_type"),
        client_id: first("client_id"),
        scope: first("scope"),
        redirect_uri: first("redirect_uri"),
        state: first("state"),
    };
    let mut tx = store.begin().await;
    let result = oauth::authorize(
        &mut Writer {
            store: &store,
            tx: &mut tx,
        },
        request,
    );
    if let Err(error) = store.commit(tx).await {
        return not_written(error);
    }
    match result {
        Ok(redirect) => match HeaderValue::from_str(redirect.as_str()) {
            Ok(location) => (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response(),
            Err(_) => ErrorAnswer::invalid_field("redirect_uri", "cannot be sent as a header")
                .into_response(),
        },
        Err(problem) => ErrorAnswer::from(problem).into_response(),
    }
}

/// The form-encoded code exchange; answers the token with `Cache-Control:
/// no-store`.
pub(super) async fn token(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = ExchangeRequest::default();
    for (name, value) in url::form_urlencoded::parse(&body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut request.grant_type,
            "code" => &mut request.code,
            "redirect_uri" => &mut request.redirect_uri,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return ErrorAnswer::invalid_field(&name, "is given more than once").into_response();
        }
    }
    let credentials = basic_credentials(&headers);
    let mut tx = store.begin().await;
    let result = oauth::exchange(
        &mut Writer {
            store: &store,
            tx: &mut tx,
        },
        credentials,
        request,
        store.clock.now(),
    );
    if let Err(error) = store.commit(tx).await {
        return not_written(error);
    }
    match result {
        Ok(exchanged) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            axum::Json(exchanged),
        )
            .into_response(),
        Err(problem) => ErrorAnswer::from(problem).into_response(),
    }
}

/// `Authorization: Basic base64(client_id:secret)`, if well formed.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Where [`crate::PartnerApp::default`] sends the merchant back: nothing to show.
async fn callback() -> StatusCode {
    StatusCode::NO_CONTENT
}
