use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use flexport_runtime::{
    LimiterRegistry, Pipeline, RateLimit, RateLimiter, RetryClassifiers, RetryPolicy,
};

/// Production and sandbox share this endpoint; the token picks the account.
pub const DEFAULT_BASE_URL: &str = "https://logistics-api.flexport.com";

pub use flexport_runtime::{ConfigError, TOKEN_ENV_VAR};

/// The environment variable [`ClientBuilder::from_env`] reads a base URL
/// from, if set (a local sandbox, say).
pub const BASE_URL_ENV_VAR: &str = "FLEXPORT_BASE_URL";

/// A generated client of one API version, as [`ClientBuilder::build`] makes it.
pub trait VersionClient: Sized {
    /// The version's path segment, such as `2024-04`.
    const API_VERSION: &'static str;

    fn from_parts(base_url: &str, http: reqwest::Client, pipeline: Pipeline) -> Self;
}

/// Configures a client of any enabled API version.
///
/// ```no_run
/// # #[cfg(feature = "v2024-04")]
/// # fn run() -> Result<(), flexport::ConfigError> {
/// use std::time::Duration;
/// let client: flexport::v2024_04::Client = flexport::ClientBuilder::new()
///     .token("…")
///     .timeout(Duration::from_secs(10))
///     .max_attempts(5)
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<SecretString>,
    require_token: bool,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    classifiers: RetryClassifiers,
    idempotency_keys: bool,
    user_agent: String,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    basic_auth: Option<(String, SecretString)>,
    max_body_bytes: Option<usize>,
    tokens: Option<flexport_runtime::TokenSource>,
    rate_limit: RateLimit,
    limiter_registry: Option<std::sync::Arc<LimiterRegistry>>,
    outage_guard: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token: None,
            require_token: true,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            classifiers: RetryClassifiers::default(),
            idempotency_keys: true,
            user_agent: concat!("flexport-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            http: None,
            allow_insecure_http: false,
            basic_auth: None,
            max_body_bytes: None,
            tokens: None,
            rate_limit: RateLimit::Adaptive,
            limiter_registry: None,
            outage_guard: true,
        }
    }

    /// A builder with the token of `FLEXPORT_API_TOKEN` and, if set, the base
    /// URL of `FLEXPORT_BASE_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let token = std::env::var(TOKEN_ENV_VAR).map_err(|_| ConfigError::MissingToken)?;
        let builder = Self::new().token(token);
        Ok(match std::env::var(BASE_URL_ENV_VAR) {
            Ok(url) if !url.trim().is_empty() => builder.base_url(url),
            _ => builder,
        })
    }

    /// A portal token (merchants) or an OAuth access token (partners).
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends the token `tokens` holds at the time of each request, instead
    /// of a fixed one: keep a clone and call
    /// [`TokenSource::set_bearer`](flexport_runtime::TokenSource::set_bearer)
    /// to swap the token of running clients (after a 401, or a rotation)
    /// without rebuilding them or losing their connections. Clients built
    /// with the same source share it. Takes the place of [`Self::token`].
    ///
    /// ```no_run
    /// # #[cfg(feature = "v2024-04")]
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let tokens = flexport::TokenSource::bearer("first-token")?;
    /// let client: flexport::v2024_04::Client =
    ///     flexport::ClientBuilder::new().token_source(tokens.clone()).build()?;
    /// tokens.set_bearer("second-token")?; // the client's next request sends it
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn token_source(mut self, tokens: flexport_runtime::TokenSource) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Where the API is, without the `/logistics/api/{version}` path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time limit of each attempt, its body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit to open a connection (default 10 s); ignored with
    /// [`Self::reqwest_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Your rules for which answers are final and which are worth another
    /// attempt, consulted before the default ones: say that a status or a
    /// six-digit code is final or retryable without forking the SDK.
    ///
    /// ```no_run
    /// # #[cfg(feature = "v2024-04")]
    /// # fn run() -> Result<(), flexport::ConfigError> {
    /// use flexport::{RetryClassifiers, RetryDecision};
    /// let client: flexport::v2024_04::Client = flexport::ClientBuilder::from_env()?
    ///     .retry_classifiers(
    ///         RetryClassifiers::new()
    ///             .status(reqwest::StatusCode::BAD_GATEWAY, RetryDecision::Final)
    ///             .code(407001, RetryDecision::Final),
    ///     )
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A POST or PATCH without an idempotency key is never retried,
    /// whatever a rule says.
    pub fn retry_classifiers(mut self, classifiers: RetryClassifiers) -> Self {
        self.classifiers = classifiers;
        self
    }

    /// Paces this token's calls at `per_second`, with bursts of `burst`,
    /// instead of learning the rate; a 429 still slows it down below that,
    /// never above. Shared, like the learned limiter, by every client of
    /// this token and base URL in the process.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = RateLimit::Fixed { per_second, burst };
        self
    }

    /// Learns this token's rate as by default, but starts at `per_second`
    /// instead of 5 per second, so a bulk job does not spend its first
    /// seconds in slow start: a rate the token was accepted at before, such
    /// as `client.inner().rate_limit_state()`'s `per_second` at the end of
    /// an earlier job (a later job in the same process needs nothing: the
    /// token's limiter, and its rate, stay in the process's registry). A
    /// start above Flexport's
    /// limit costs the 429s of one overshoot, then the rate is cut.
    pub fn rate_limit_start(mut self, per_second: f64) -> Self {
        self.rate_limit = RateLimit::AdaptiveFrom { per_second };
        self
    }

    /// No client-side rate limiter: every attempt is sent at once, and a
    /// 429 only makes its own call wait its `Retry-After`.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = RateLimit::Off;
        self
    }

    /// Your own limiter (one on a shared store for a fleet of processes,
    /// say; see `flexport_runtime::limiter`).
    pub fn rate_limiter(mut self, limiter: std::sync::Arc<dyn RateLimiter>) -> Self {
        self.rate_limit = RateLimit::Custom(limiter);
        self
    }

    /// Keeps this client's limiter in `registry` instead of the
    /// process-wide one, so that it shares nothing with other clients of
    /// the same token (as a separate process would not).
    pub fn limiter_registry(mut self, registry: std::sync::Arc<LimiterRegistry>) -> Self {
        self.limiter_registry = Some(registry);
        self
    }

    /// Whether the outage guard withholds retries when most attempts of this
    /// client fail (default: yes; see `flexport_runtime::guard`).
    pub fn outage_guard(mut self, enabled: bool) -> Self {
        self.outage_guard = enabled;
        self
    }

    /// Attempts per call, the first included (default 4; 1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts.max(1);
        self
    }

    /// Overall time budget of a call across its retries (default 120 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.retry.deadline = Some(deadline);
        self
    }

    /// The most bytes of a successful JSON body a call reads (default 32 MiB);
    /// a longer one fails the call with [`crate::Error::InvalidResponse`].
    /// Failed responses keep at most their first 64 KiB.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Whether POST and PATCH get an `idempotency-key` (default: yes).
    pub fn idempotency_keys(mut self, enabled: bool) -> Self {
        self.idempotency_keys = enabled;
        self
    }

    /// Appended to `flexport-rs/<version>` in the `User-Agent` header.
    pub fn user_agent(mut self, product: &str) -> Self {
        self.user_agent = format!("{} {product}", self.user_agent);
        self
    }

    /// Sends through your own `reqwest::Client` (proxies, TLS, connection
    /// pool); its own timeouts, user agent and proxy settings apply (the
    /// client this builder makes ignores environment proxies for a plain-http
    /// base URL, so that no proxy reads the token; yours is as you built it).
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Allows a plain `http` base URL that is not a loopback address.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// No token: for the calls that take none, such as the OAuth code exchange.
    pub(crate) fn without_token(mut self) -> Self {
        self.require_token = false;
        self
    }

    pub(crate) fn basic_auth(mut self, user: String, password: SecretString) -> Self {
        self.basic_auth = Some((user, password));
        self
    }

    /// Builds the client of an API version: `let c: flexport::v2024_04::Client = builder.build()?`.
    pub fn build<C: VersionClient>(self) -> Result<C, ConfigError> {
        let base_url = self.checked_base_url()?;
        let mut pipeline = Pipeline::builder()
            .retry(self.retry.clone())
            .retry_classifiers(self.classifiers.clone())
            .rate_limit(self.rate_limit.clone())
            .outage_guard(self.outage_guard)
            .idempotency_keys(self.idempotency_keys)
            .attempt_timeout(self.timeout);
        if let Some(registry) = &self.limiter_registry {
            pipeline = pipeline.limiter_registry(registry.clone());
        }
        if let Some(limit) = self.max_body_bytes {
            pipeline = pipeline.max_body_bytes(limit);
        }
        pipeline = match (&self.tokens, &self.token, &self.basic_auth) {
            (_, _, Some((user, password))) => {
                pipeline.basic_auth(user, password.expose_secret())?
            }
            (Some(tokens), _, None) => pipeline.token_source(tokens.clone()),
            (None, Some(token), None) => pipeline.bearer_token(token.expose_secret())?,
            (None, None, None) if self.require_token => return Err(ConfigError::MissingToken),
            (None, None, None) => pipeline,
        };
        let http = match self.http {
            Some(http) => http,
            None => {
                // The attempt timeout lives in the client, so that a first
                // attempt needs no per-request timeout of its own.
                pipeline = pipeline.client_timeout(self.timeout);
                let mut http = reqwest::Client::builder()
                    .user_agent(&self.user_agent)
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout);
                if base_url.starts_with("http:") {
                    // A proxy from the environment (HTTP_PROXY, ALL_PROXY)
                    // would read the token of a plain-http request: talk to
                    // a plain-http base URL directly.
                    http = http.no_proxy();
                }
                #[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
                {
                    http = http.tls_backend_preconfigured(ring_tls_config()?);
                }
                http.build()?
            }
        };
        Ok(C::from_parts(&base_url, http, pipeline.build()))
    }

    fn checked_base_url(&self) -> Result<String, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
            url: self.base_url.clone(),
            reason: reason.to_owned(),
        };
        let url = Url::parse(self.base_url.trim()).map_err(|error| invalid(&error.to_string()))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(invalid("no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback || self.allow_insecure_http => {}
            "http" => {
                return Err(ConfigError::InsecureBaseUrl {
                    url: url.to_string(),
                });
            }
            other => return Err(invalid(&format!("unsupported scheme {other:?}"))),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a base URL has no query or fragment"));
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }
}

/// The TLS configuration of the `rustls-ring` feature: rustls's safe default
/// protocol versions (1.2 and 1.3) with the ring provider, the OS's
/// certificate verifier, and ALPN `http/1.1` (the HTTP version the client
/// speaks). The provider belongs to this configuration only; nothing is
/// installed process-wide.
#[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
fn ring_tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|error| ConfigError::Tls(error.to_string()))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
