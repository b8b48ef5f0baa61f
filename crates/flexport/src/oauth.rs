//! Partner apps: the OAuth `authorization_code` flow.
//!
//! 1. Send the merchant to [`OAuthApp::authorization_url`].
//! 2. Flexport redirects back to your `redirect_uri` with `code` and `state`.
//! 3. [`OAuthApp::exchange_code`] trades the code, with your application ID
//!    and secret, for an access token; build clients with it.
//!
//! Failures carry Flexport's codes as [`crate::ErrorCode`]: 405001 invalid
//! redirect URI, 405002 invalid client_id, 405003 missing scopes, 405004
//! invalid scopes, 405005 invalid, expired or used code.

use std::future::Future;

use secrecy::SecretString;
use url::Url;

use crate::{ClientBuilder, ConfigError, Error, VersionClient};

/// An access token and the account it acts for.
#[derive(Debug)]
pub struct AccessToken {
    pub token: SecretString,
    pub logistics_account_id: String,
}

/// A partner application registered with Flexport.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    /// Default: production.
    pub base_url: String,
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
        }
    }

    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Where to send the merchant: the `AuthorizationRedirect` operation of
    /// API version `C`, with `response_type=code`, the client id, the scopes
    /// (space separated), the redirect URI and `state` (check it when the
    /// merchant comes back).
    pub fn authorization_url<C: VersionClient>(
        &self,
        scopes: &[&str],
        state: &str,
    ) -> Result<Url, ConfigError> {
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
    /// the application ID and secret (HTTP Basic). Never retried: a code is
    /// single-use.
    pub async fn exchange_code<C: TokenExchange>(&self, code: &str) -> Result<AccessToken, Error> {
        let client: C = ClientBuilder::new()
            .base_url(&self.base_url)
            .without_token()
            .basic_auth(self.client_id.clone(), self.client_secret.clone())
            .max_attempts(1)
            .build()?;
        client.exchange_code(code, &self.redirect_uri).await
    }
}
