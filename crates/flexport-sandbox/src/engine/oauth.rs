//! The partner OAuth flow: `authorize` issues a one-time code (the sandbox
//! approves every request, there being no merchant to ask), `exchange`
//! trades it for an access token with the code's scopes.

use chrono::{DateTime, Utc};

use super::{Writer, later};
use crate::auth::{self, AuthorizationCode, IssuedToken, PartnerApp};
use crate::engine::DomainError;
use crate::state::StateChange;

use flexport_runtime::ErrorCode;

/// The query of an `AuthorizationRedirect` request.
#[derive(Debug, Default)]
pub struct AuthorizeRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// Where to send the merchant back: the redirect URI with `code` (or
/// `error`) and `state`.
pub type Redirect = url::Url;

/// Checks the request and issues a code. An unknown client or a redirect
/// URI that is not registered is answered as a 400 problem, never by a
/// redirect (the URI cannot be trusted); every later refusal is a redirect
/// with `error` (405003, 405004, or OAuth's `invalid_request` and
/// `unsupported_response_type`) and `error_description`.
pub fn authorize(w: &mut Writer<'_>, request: AuthorizeRequest) -> Result<Redirect, DomainError> {
    let client_id = request.client_id.as_deref().unwrap_or_default();
    let app = find_app(w, client_id).ok_or_else(|| {
        DomainError::new(
            crate::engine::Kind::Invalid,
            format!(
                "{}: no partner app has the client_id `{client_id}`",
                ErrorCode::InvalidClientId
            ),
        )
        .with_code(ErrorCode::InvalidClientId)
    })?;
    let registered = app.resolved_redirect_uris(&w.store.base_url);
    let redirect_uri = match request.redirect_uri.as_deref() {
        None => registered[0].clone(),
        Some(uri) if registered.iter().any(|known| known == uri) => uri.to_owned(),
        Some(uri) => {
            return Err(DomainError::new(
                crate::engine::Kind::Invalid,
                format!(
                    "{}: `{uri}` is not a redirect URI registered for `{client_id}`",
                    ErrorCode::InvalidRedirectUri
                ),
            )
            .with_code(ErrorCode::InvalidRedirectUri));
        }
    };
    let mut redirect = url::Url::parse(&redirect_uri).map_err(|error| {
        DomainError::invalid_field("redirect_uri", format!("not an absolute URL: {error}"))
    })?;
    let refuse = |mut redirect: url::Url, error: &str, description: &str| {
        redirect
            .query_pairs_mut()
            .append_pair("error", error)
            .append_pair("error_description", description);
        if let Some(state) = &request.state {
            redirect.query_pairs_mut().append_pair("state", state);
        }
        Ok(redirect)
    };
    match request.response_type.as_deref() {
        Some("code") => {}
        None => return refuse(redirect, "invalid_request", "response_type is required"),
        Some(_) => {
            return refuse(
                redirect,
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
    }
    let scopes: Vec<String> = request
        .scope
        .as_deref()
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return refuse(
            redirect,
            &ErrorCode::MissingScopes.to_string(),
            "no scope was requested",
        );
    }
    if let Some(unknown) = scopes.iter().find(|scope| !app.scopes.contains(scope)) {
        let description = format!("`{unknown}` is not a scope this app may request");
        return refuse(
            redirect,
            &ErrorCode::InvalidScopes.to_string(),
            &description,
        );
    }
    let code = auth::new_secret("code_");
    let expires_at = later(w.now(), w.config().oauth_code_ttl);
    w.apply(StateChange::OAuthCode {
        digest: auth::digest(&code),
        code: AuthorizationCode {
            client_id: app.client_id.clone(),
            redirect_uri,
            scopes,
            expires_at,
            used: false,
        },
    });
    redirect.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &request.state {
        redirect.query_pairs_mut().append_pair("state", state);
    }
    Ok(redirect)
}

/// The body of a `TokenExchange` request.
#[derive(Debug, Default)]
pub struct ExchangeRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
}

/// Trades a code for a token. `credentials` are the HTTP Basic client id and
/// secret: unknown or wrong ones give 401. A code that is unknown, expired,
/// already exchanged or issued to another app gives 400 with 405005; a
/// `redirect_uri` other than the one the code was issued for, 400 with
/// 405001. Only a successful exchange uses the code up.
pub fn exchange(
    w: &mut Writer<'_>,
    credentials: Option<(String, String)>,
    request: ExchangeRequest,
    now: DateTime<Utc>,
) -> Result<flexport_logistics_2024_04::types::TokenResponse, DomainError> {
    let unauthorized =
        |detail: &str| DomainError::new(crate::engine::Kind::Unauthenticated, detail);
    let Some((client_id, secret)) = credentials else {
        return Err(unauthorized(
            "the client id and secret are required as HTTP Basic credentials",
        ));
    };
    let app = find_app(w, &client_id)
        .filter(|app| auth::digest(&app.client_secret) == auth::digest(&secret))
        .ok_or_else(|| unauthorized("unknown client id or wrong client secret"))?;
    match request.grant_type.as_deref() {
        Some("authorization_code") => {}
        Some(other) => {
            return Err(DomainError::invalid_field(
                "grant_type",
                format!("`{other}` is not supported; use `authorization_code`"),
            ));
        }
        None => return Err(DomainError::invalid_field("grant_type", "is required")),
    }
    let code = request
        .code
        .ok_or_else(|| DomainError::invalid_field("code", "is required"))?;
    let redirect_uri = request
        .redirect_uri
        .ok_or_else(|| DomainError::invalid_field("redirect_uri", "is required"))?;
    let digest = auth::digest(&code);
    let invalid_code = |why: &str| {
        DomainError::new(
            crate::engine::Kind::Invalid,
            format!(
                "{}: the authorization code {why}",
                ErrorCode::InvalidAuthorizationCode
            ),
        )
        .with_code(ErrorCode::InvalidAuthorizationCode)
    };
    let issued = w
        .data()
        .oauth_codes
        .get(&digest)
        .ok_or_else(|| invalid_code("is unknown"))?;
    if issued.used {
        return Err(invalid_code("was already used"));
    }
    if issued.expires_at < now {
        return Err(invalid_code("has expired"));
    }
    if issued.client_id != app.client_id {
        return Err(invalid_code("was issued to another app"));
    }
    if issued.redirect_uri != redirect_uri {
        return Err(DomainError::new(
            crate::engine::Kind::Invalid,
            format!(
                "{}: `{redirect_uri}` is not the redirect URI the code was issued for",
                ErrorCode::InvalidRedirectUri
            ),
        )
        .with_code(ErrorCode::InvalidRedirectUri));
    }
    let scopes = issued.scopes.clone();
    let access_token = auth::new_secret("sbx_");
    w.apply(StateChange::OAuthCodeUsed { digest });
    w.apply(StateChange::OAuthToken {
        digest: auth::digest(&access_token),
        token: IssuedToken {
            client_id: app.client_id,
            scopes,
            issued_at: now,
        },
    });
    Ok(flexport_logistics_2024_04::types::TokenResponse {
        access_token,
        logistics_account_id: w.store.account_id.clone(),
    })
}

/// Forgets codes that have expired (they would answer 405005 either way).
pub fn expire_codes(w: &mut Writer<'_>, now: DateTime<Utc>) {
    if w.data()
        .oauth_codes
        .values()
        .any(|code| code.expires_at < now)
    {
        w.apply(StateChange::OAuthCodesExpired { before: now });
    }
}

fn find_app(w: &Writer<'_>, client_id: &str) -> Option<PartnerApp> {
    w.config()
        .oauth_apps
        .iter()
        .find(|app| app.client_id == client_id)
        .cloned()
}
