/// The environment variable `flexport::ClientBuilder::from_env` reads the
/// token from.
pub const TOKEN_ENV_VAR: &str = "FLEXPORT_API_TOKEN";

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("no API token: set {TOKEN_ENV_VAR} or call ClientBuilder::token")]
    MissingToken,
    #[error(transparent)]
    InvalidToken(#[from] crate::InvalidToken),
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error(
        "refusing to send the API token over plain http to {url}; use https, a loopback address, \
         or ClientBuilder::allow_insecure_http"
    )]
    InsecureBaseUrl { url: String },
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// The TLS configuration of the `rustls-ring` feature could not be made
    /// (for example, the OS's certificate store could not be read).
    #[error("could not set up TLS: {0}")]
    Tls(String),
}
