//! Partner apps: the OAuth `authorization_code` flow.
//!
//! 1. Make a [`State`] with [`State::generate`], keep it in the merchant's
//!    session, and send the merchant to [`OAuthApp::authorization_url`].
//! 2. Flexport redirects back to your `redirect_uri`; [`Callback::parse`]
//!    reads `code`, `state` and `error` from that URL, and
//!    [`Callback::verify`] checks the state (in constant time) and gives the
//!    [`AuthorizationCode`], or says why there is none.
//! 3. [`OAuthApp::exchange_code`] trades the code, with your application ID
//!    and secret, for an [`AccessToken`]; build clients with it.
//!
//! ```no_run
//! # #[cfg(feature = "v2024-04")]
//! # async fn run(callback_url: &str, stored_state: String) -> Result<(), Box<dyn std::error::Error>> {
//! use flexport::oauth::{Callback, OAuthApp, Scope, State};
//! use flexport::v2024_04::Client;
//!
//! let app = OAuthApp::new("app-id", "app-secret", "https://partner.example/callback");
//! // Before the redirect:
//! let state = State::generate();
//! let scopes = [Scope::ReadLogisticsOrders, Scope::WriteLogisticsParcels];
//! let url = app.authorization_url::<Client>(&scopes, state.as_str())?;
//! // `state.as_str()` goes into the merchant's session; `url` is where they go.
//! # let _ = url;
//! // When they come back to `https://partner.example/callback?code=…&state=…`:
//! let code = Callback::parse(callback_url)?.verify(&State::from_stored(stored_state))?;
//! let token = app.exchange_code::<Client>(&code).await?;
//! let client: Client = flexport::ClientBuilder::new().token(token.token.clone()).build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! Failures carry Flexport's codes as [`crate::ErrorCode`]: 405001 invalid
//! redirect URI, 405002 invalid client_id, 405003 missing scopes, 405004
//! invalid scopes, 405005 invalid, expired or used code.

use std::fmt;
use std::future::Future;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use url::Url;

use crate::{ClientBuilder, ConfigError, Error, ErrorCode, RetryPolicy, VersionClient};

/// The `client_id` Flexport's documentation describes for a token tied to
/// the portal user rather than to a partner application: use it as
/// [`OAuthApp::client_id`] (`OAuthApp::new(IDENTITY_CLIENT_ID, …)`).
pub const IDENTITY_CLIENT_ID: &str = "identity";

macro_rules! scopes {
    ($($variant:ident = $name:literal,)*) => {
        /// An OAuth scope, as Flexport's OAuth documentation names them (the
        /// API documents name none). [`OAuthApp::authorization_url`] sends
        /// them space-separated. `Display` and [`Scope::as_str`] give the
        /// name; `FromStr` reads one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Scope {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl Scope {
            /// Every documented scope.
            pub const ALL: &'static [Scope] = &[$(Scope::$variant,)*];

            /// The scope's name, as sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Scope::$variant => $name,)*
                }
            }
        }
    };
}

scopes! {
    ReadLogisticsProducts = "read_logistics_products",
    WriteLogisticsProducts = "write_logistics_products",
    ReadLogisticsOrders = "read_logistics_orders",
    WriteLogisticsOrders = "write_logistics_orders",
    ReadLogisticsInbounds = "read_logistics_inbounds",
    WriteLogisticsInbounds = "write_logistics_inbounds",
    ReadLogisticsParcels = "read_logistics_parcels",
    WriteLogisticsParcels = "write_logistics_parcels",
    ReadLogisticsReturns = "read_logistics_returns",
    WriteLogisticsReturns = "write_logistics_returns",
    ReadLogisticsBundles = "read_logistics_bundles",
    WriteLogisticsBundles = "write_logistics_bundles",
    ReadLogisticsReports = "read_logistics_reports",
    WriteLogisticsReports = "write_logistics_reports",
    ReadLogisticsWebhooks = "read_logistics_webhooks",
    WriteLogisticsWebhooks = "write_logistics_webhooks",
    ReadLogisticsFreight = "read_logistics_freight",
    WriteLogisticsFreight = "write_logistics_freight",
    ReadLogisticsEvents = "read_logistics_events",
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name Flexport does not document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a scope Flexport documents")]
pub struct UnknownScope(pub String);

impl std::str::FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == name)
            .ok_or_else(|| UnknownScope(name.to_owned()))
    }
}

/// An access token and the account it acts for.
///
/// `Debug` never shows the token. Serialization is the one way it leaves
/// the secret wrapper: `serde` writes it in clear, with the names of
/// Flexport's token response, `{"access_token": "…", "logisticsAccountId":
/// "…"}`, so that you can store it; whatever you serialize it into must be
/// kept as secret as the token. Deserializing reads the same shape (so
/// Flexport's own token response too).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    #[serde(
        rename = "access_token",
        serialize_with = "expose",
        deserialize_with = "conceal"
    )]
    pub token: SecretString,
    #[serde(rename = "logisticsAccountId")]
    pub logistics_account_id: String,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

fn conceal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

/// The `state` of one authorization request: 32 bytes from the operating
/// system's CSPRNG, as 43 URL-safe base64 characters.
///
/// Keep [`State::as_str`] in the merchant's session when you send them to
/// Flexport, and check the value Flexport sends back with [`Callback::verify`]
/// (or [`State::matches`]). `Debug` does not show the value.
#[derive(Clone)]
pub struct State(String);

impl State {
    /// A new random state.
    ///
    /// # Panics
    /// If the operating system has no random source to read from (`getrandom`
    /// fails), which no supported platform does at run time.
    pub fn generate() -> Self {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A state kept earlier (from [`State::as_str`]), to check a callback.
    pub fn from_stored(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `received` is this state. The bytes are compared in constant
    /// time; the length is not hidden (a generated state's is always 43). An
    /// empty state never matches.
    pub fn matches(&self, received: &str) -> bool {
        !self.0.is_empty() && bool::from(self.0.as_bytes().ct_eq(received.as_bytes()))
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State(..)")
    }
}

/// The one-time code of a verified callback. Secret until exchanged: `Debug`
/// does not show it.
#[derive(Clone)]
pub struct AuthorizationCode(SecretString);

impl AuthorizationCode {
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode(..)")
    }
}

/// The query parameters of Flexport's redirect to your `redirect_uri`, before
/// the state is checked.
#[derive(Clone, Default)]
pub struct Callback {
    code: Option<SecretString>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| ".."))
            .field("state", &self.state.as_ref().map(|_| ".."))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

/// Why a callback gave no authorization code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The `state` is missing or is not the one sent: the request may be
    /// forged (CSRF) or belong to another session. Checked before anything
    /// else the callback says.
    #[error("the OAuth callback's state does not match the one sent")]
    StateMismatch,
    /// Flexport redirected with an `error` parameter.
    #[error("Flexport refused the authorization: {reason}{}", description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        reason: DenialReason,
        /// `error_description`, if Flexport sent one.
        description: Option<String>,
    },
    /// Neither a non-empty `code` nor an `error`.
    #[error("the OAuth callback carries no authorization code")]
    MissingCode,
    /// A parameter appears more than once, or the text is not a query: the
    /// callback is ambiguous and is not guessed at.
    #[error("malformed OAuth callback: {0}")]
    Malformed(String),
}

/// What a callback's `error` parameter said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenialReason {
    /// A number, such as 405003 (no scopes requested).
    Code(ErrorCode),
    /// Anything else (`access_denied`, say), kept as sent.
    Other(String),
}

impl fmt::Display for DenialReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(code) => write!(f, "code {code}"),
            Self::Other(text) => write!(f, "{text:?}"),
        }
    }
}

impl Callback {
    /// Reads a callback from the full URL Flexport redirected to, or from its
    /// query string alone (with or without the leading `?`).
    pub fn parse(url_or_query: &str) -> Result<Self, CallbackError> {
        let text = url_or_query.trim();
        let query = match Url::parse(text) {
            Ok(url) => url.query().unwrap_or_default().to_owned(),
            Err(_) => text.strip_prefix('?').unwrap_or(text).to_owned(),
        };
        Self::from_pairs(url::form_urlencoded::parse(query.as_bytes()))
    }

    /// Reads a callback from query pairs a web framework already decoded.
    /// Parameters other than `code`, `state`, `error` and `error_description`
    /// are ignored; any of these four given twice makes it
    /// [`CallbackError::Malformed`].
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, CallbackError>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut callback = Self::default();
        let mut code = None;
        for (name, value) in pairs {
            let slot = match name.as_ref() {
                "code" => &mut code,
                "state" => &mut callback.state,
                "error" => &mut callback.error,
                "error_description" => &mut callback.error_description,
                _ => continue,
            };
            if slot.replace(value.into()).is_some() {
                return Err(CallbackError::Malformed(format!(
                    "`{}` is given more than once",
                    name.as_ref()
                )));
            }
        }
        callback.code = code.map(SecretString::from);
        Ok(callback)
    }

    /// Checks the state against the one sent (in constant time), then gives
    /// the code, or the error Flexport sent instead.
    pub fn verify(self, expected: &State) -> Result<AuthorizationCode, CallbackError> {
        let state_ok = self
            .state
            .as_deref()
            .is_some_and(|state| expected.matches(state));
        if !state_ok {
            return Err(CallbackError::StateMismatch);
        }
        if let Some(error) = self.error {
            let trimmed = error.trim();
            let reason = match trimmed.parse::<u32>() {
                Ok(number) if trimmed.bytes().all(|b| b.is_ascii_digit()) => {
                    DenialReason::Code(ErrorCode::from_number(number))
                }
                _ => DenialReason::Other(error),
            };
            return Err(CallbackError::Denied {
                reason,
                description: self.error_description,
            });
        }
        match self.code {
            Some(code) if !code.expose_secret().is_empty() => Ok(AuthorizationCode(code)),
            _ => Err(CallbackError::MissingCode),
        }
    }
}

/// A partner application registered with Flexport.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    /// Default: production.
    pub base_url: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
}

/// A version's `TokenExchange` operation.
pub trait TokenExchange: VersionClient {
    fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> impl Future<Output = Result<AccessToken, Error>> + Send;
}

impl OAuthApp {
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            base_url: crate::DEFAULT_BASE_URL.to_owned(),
            http: None,
            retry: RetryPolicy::default(),
        }
    }

    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Exchanges codes through your own `reqwest::Client` (its TLS stack,
    /// proxies, timeouts and user agent), as
    /// [`ClientBuilder::reqwest_client`] does for API calls. Without it the
    /// exchange builds a default client, which has TLS only with this crate's
    /// `rustls` feature.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How the code exchange is retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where to send the merchant: the `AuthorizationRedirect` operation of
    /// API version `C`, with `response_type=code`, the client id, the scopes
    /// (space separated: [`Scope`]s, or names as strings), the redirect URI
    /// and `state` (from
    /// [`State::generate`]; check it with [`Callback::verify`] when the
    /// merchant comes back).
    pub fn authorization_url<C: VersionClient>(
        &self,
        scopes: impl IntoIterator<Item = impl AsRef<str>>,
        state: &str,
    ) -> Result<Url, ConfigError> {
        let scopes: Vec<String> = scopes
            .into_iter()
            .map(|scope| scope.as_ref().to_owned())
            .collect();
        let invalid = |reason: String| ConfigError::InvalidBaseUrl {
            url: self.base_url.clone(),
            reason,
        };
        let base = Url::parse(&self.base_url).map_err(|error| invalid(error.to_string()))?;
        let path = format!("logistics/api/{}/oauth/authorize", C::API_VERSION);
        let mut url = base
            .join(&path)
            .map_err(|error| invalid(error.to_string()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state);
        Ok(url)
    }

    /// Exchanges the one-time `code` for an access token, authenticating with
    /// the application ID and secret (HTTP Basic), through the same pipeline
    /// as every call: on the [`OAuthApp::reqwest_client`] if one was given,
    /// with an idempotency key, retried on 429, 5xx and dropped connections as
    /// [`OAuthApp::retry_policy`] allows.
    ///
    /// A code is single-use: if Flexport redeemed it but its answer was lost,
    /// a retry fails with [`ErrorCode::InvalidAuthorizationCode`] (405005),
    /// and the merchant has to authorize again, as they would without retries.
    ///
    /// The answer holds the access token. When it does not match the document
    /// (an [`Error::InvalidResponse`], say from a newer API version), the
    /// decoder's message has every string of the answer replaced by
    /// `<withheld>`; [`crate::InvalidResponse::body`] keeps the answer, token
    /// included, for you to read explicitly (`Debug` and `Display` of an
    /// error never show a body).
    pub async fn exchange_code<C: TokenExchange>(
        &self,
        code: impl Into<AuthorizationCode>,
    ) -> Result<AccessToken, Error> {
        let code = code.into();
        let mut builder = ClientBuilder::new()
            .base_url(&self.base_url)
            .without_token()
            .basic_auth(self.client_id.clone(), self.client_secret.clone())
            .retry_policy(self.retry.clone());
        if let Some(http) = &self.http {
            builder = builder.reqwest_client(http.clone());
        }
        let client: C = builder.build()?;
        client
            .exchange_code(code.expose_secret(), &self.redirect_uri)
            .await
            .map_err(withhold_token_response)
    }
}

/// A code you read from the callback yourself, without [`Callback`].
impl From<&str> for AuthorizationCode {
    fn from(code: &str) -> Self {
        Self(code.into())
    }
}

/// A code you read from the callback yourself, without [`Callback`].
impl From<String> for AuthorizationCode {
    fn from(code: String) -> Self {
        Self(code.into())
    }
}

impl From<&AuthorizationCode> for AuthorizationCode {
    fn from(code: &AuthorizationCode) -> Self {
        code.clone()
    }
}

/// Removes from the decoder's message of a token answer that failed to
/// decode every string the answer holds (the access token among them): a
/// message such as `invalid type: string "…"` quotes one.
fn withhold_token_response(mut error: Error) -> Error {
    if let Error::InvalidResponse(invalid) = &mut error {
        let mut strings = Vec::new();
        if let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&invalid.body) {
            collect_strings(&answer, &mut strings);
        }
        for text in strings.into_iter().filter(|text| !text.is_empty()) {
            invalid.reason = invalid.reason.replace(&text, "<withheld>");
        }
    }
    error
}

fn collect_strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => into.push(text.clone()),
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| collect_strings(item, into))
        }
        serde_json::Value::Object(members) => members.iter().for_each(|(name, item)| {
            into.push(name.clone());
            collect_strings(item, into);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_message_quoting_the_answer_has_its_strings_withheld() {
        let body = br#"{"access_token": "tok-SECRET", "scope": ["orders"]}"#;
        let error = Error::InvalidResponse(Box::new(crate::InvalidResponse {
            status: reqwest::StatusCode::OK,
            reason: r#"invalid type: string "tok-SECRET", expected u64 at line 1 column 30"#
                .to_owned(),
            correlation_id: None,
            idempotency_key: None,
            body: bytes::Bytes::from_static(body),
        }));
        let Error::InvalidResponse(invalid) = withhold_token_response(error) else {
            unreachable!()
        };
        assert_eq!(
            invalid.reason,
            r#"invalid type: string "<withheld>", expected u64 at line 1 column 30"#
        );
        assert_eq!(invalid.body.as_ref(), body, "kept for an explicit read");
    }

    #[test]
    fn scopes_have_the_documented_names_and_read_back() {
        assert_eq!(Scope::ALL.len(), 19);
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
            assert!(
                scope.as_str().starts_with("read_logistics_")
                    || scope.as_str().starts_with("write_logistics_")
            );
        }
        assert_eq!(
            Scope::ReadLogisticsEvents.to_string(),
            "read_logistics_events"
        );
        assert!("orders:read".parse::<Scope>().is_err());
    }
}
