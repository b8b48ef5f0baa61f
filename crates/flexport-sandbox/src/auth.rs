//! Who may call what: bearer tokens, their scopes, locked accounts and the
//! partner apps of the OAuth flow.
//!
//! # Scopes
//!
//! Flexport's OAuth documentation names the scopes
//! `read_logistics_{area}` and `write_logistics_{area}` (production
//! difference `oauth-scopes`; `flexport::oauth::Scope` lists the 19, and a
//! test checks that [`all_scopes`] is that list). The sandbox gives each
//! operation its scope by one rule, from the version crates' `OPERATIONS`
//! tables: `read_logistics_{area}` when its method is `GET` and
//! `write_logistics_{area}` for any other method, where `{area}` is the
//! operation's tag in lower case (`GET /orders/{id}` needs
//! `read_logistics_orders`, `POST /parcels` needs `write_logistics_parcels`).
//! So a `POST` that only computes (`/parcels/quote`, `/products/warehouse`)
//! needs the area's `write` scope too; which scope each operation needs is
//! the sandbox's reading, since the documentation lists names, not
//! operations. The tags Flexport names no scope for ([`UNSCOPED_AREAS`]:
//! accounts, channels, uploads) need none beyond a valid token, and neither
//! do the operations whose document asks for no token (the OAuth ones,
//! `security: []`) or a path that is no operation of its version (it
//! answers 404 or 405).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::Config;
use crate::contract::Contract;
use crate::schema::DOCUMENTS;

/// The tags of operations that Flexport's documentation names no scope
/// for: a valid token may call them.
pub const UNSCOPED_AREAS: &[&str] = &["accounts", "channels", "uploads"];

/// The areas of the API that have scopes: the tags of the operations that
/// take a bearer token, in lower case, over every version's `OPERATIONS`,
/// except [`UNSCOPED_AREAS`], sorted.
pub static AREAS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut areas: Vec<String> = DOCUMENTS
        .iter()
        .flat_map(|(_, _, operations)| operations.iter())
        .filter(|operation| operation.bearer_token)
        .map(|operation| operation.tag.to_lowercase())
        .filter(|area| !UNSCOPED_AREAS.contains(&area.as_str()))
        .collect();
    areas.sort();
    areas.dedup();
    areas.into_iter().map(|area| &*area.leak()).collect()
});

/// Every scope some operation needs, by the rule above, sorted: the
/// `read_logistics_` and `write_logistics_` scope of each of [`AREAS`] that
/// has a `GET`, or another method, among its operations
/// (`read_logistics_events` alone for events).
pub fn all_scopes() -> Vec<String> {
    let mut scopes: Vec<String> = DOCUMENTS
        .iter()
        .flat_map(|(_, _, operations)| operations.iter())
        .filter_map(|operation| {
            let method: axum::http::Method = operation.method.parse().ok()?;
            scope_of(operation, &method)
        })
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// The scope a request needs, by the rule above; `None` for a path that is
/// no operation of its version, or one that needs no scope.
pub fn required_scope(method: &axum::http::Method, path: &str) -> Option<String> {
    scope_of(Contract::get().find(method, path)?, method)
}

fn scope_of(
    operation: &flexport_runtime::Operation,
    method: &axum::http::Method,
) -> Option<String> {
    let area = operation.tag.to_lowercase();
    if !operation.bearer_token || UNSCOPED_AREAS.contains(&area.as_str()) {
        return None;
    }
    let access = if *method == axum::http::Method::GET || *method == axum::http::Method::HEAD {
        "read"
    } else {
        "write"
    };
    Some(format!("{access}_logistics_{area}"))
}

/// A token that has only some scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedToken {
    pub token: String,
    pub scopes: Vec<String>,
}

/// A partner application registered for the OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerApp {
    pub client_id: String,
    /// Checked (HTTP Basic, with `client_id`) when a code is exchanged.
    pub client_secret: String,
    /// Where the merchant may be sent back; the first is used when a request
    /// names none. One starting with `/` is a path on the sandbox itself
    /// (`/sandbox/oauth/callback` answers 204).
    pub redirect_uris: Vec<String>,
    /// The scopes the app may ask for; asking for others gives 405004.
    pub scopes: Vec<String>,
}

/// The client id of [`PartnerApp::default`].
pub const DEFAULT_CLIENT_ID: &str = "sandbox-app";
/// The client secret of [`PartnerApp::default`].
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-app-secret";
/// The sandbox's own callback, the redirect URI of [`PartnerApp::default`].
pub const SANDBOX_CALLBACK: &str = "/sandbox/oauth/callback";

impl Default for PartnerApp {
    /// [`DEFAULT_CLIENT_ID`] with [`DEFAULT_CLIENT_SECRET`], redirecting to
    /// [`SANDBOX_CALLBACK`], allowed every scope.
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            redirect_uris: vec![SANDBOX_CALLBACK.to_owned()],
            scopes: all_scopes(),
        }
    }
}

impl PartnerApp {
    /// The registered redirect URIs, with the sandbox's own paths made
    /// absolute against `base_url`.
    pub(crate) fn resolved_redirect_uris(&self, base_url: &str) -> Vec<String> {
        self.redirect_uris
            .iter()
            .map(|uri| {
                if uri.starts_with('/') {
                    format!("{base_url}{uri}")
                } else {
                    uri.clone()
                }
            })
            .collect()
    }
}

/// What a token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Access {
    All,
    Scopes(Vec<String>),
}

impl Access {
    pub(crate) fn allows(&self, scope: &str) -> bool {
        match self {
            Self::All => true,
            Self::Scopes(scopes) => scopes.iter().any(|granted| granted == scope),
        }
    }
}

/// A token issued by the OAuth flow, kept (by the digest of the token) in
/// the state and its journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedToken {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

/// An authorization code, kept by its digest until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Exchanged already: a second exchange gives 405005.
    pub used: bool,
}

/// SHA-256 of a secret (token or code), in hex: the state and its journal
/// keep only this, never the secret itself.
pub fn digest(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A new random secret (122 random bits of each UUID v4, from the OS's
/// CSPRNG), prefixed.
pub(crate) fn new_secret(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub(crate) fn validate(config: &Config) -> std::io::Result<()> {
    let scopes = all_scopes();
    let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
    let named = config
        .scoped_tokens
        .iter()
        .flat_map(|token| &token.scopes)
        .chain(config.oauth_apps.iter().flat_map(|app| &app.scopes));
    for scope in named {
        if !scopes.contains(scope) {
            return Err(invalid(format!(
                "unknown scope `{scope}`; the scopes are {}",
                scopes.join(", ")
            )));
        }
    }
    for app in &config.oauth_apps {
        if app.redirect_uris.is_empty() {
            return Err(invalid(format!(
                "the partner app `{}` has no redirect URI",
                app.client_id
            )));
        }
    }
    Ok(())
}
