//! `flexport auth oauth`: a partner app's authorization-code flow, with the
//! callback on a local 127.0.0.1 port, and the token stored as a profile.

use std::time::Duration;

use flexport::oauth::{Callback, OAuthApp, State, TokenExchange};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::Failure;

/// What the flow needs.
pub struct Options {
    pub client_id: String,
    pub client_secret: SecretString,
    pub scopes: Vec<String>,
    /// The local port of the callback; 0 picks a free one.
    pub port: u16,
    pub base_url: String,
    /// How long to wait for the merchant to come back.
    pub timeout: Duration,
}

/// Runs the flow on API version `C`: prints the authorization URL on
/// stderr, serves `http://127.0.0.1:PORT/callback` until the merchant comes
/// back (or the timeout), checks the state, and exchanges the code.
pub async fn run<C: TokenExchange>(
    options: Options,
) -> Result<flexport::oauth::AccessToken, Failure> {
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on 127.0.0.1:{}: {e}", options.port)))?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::Other(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let app = OAuthApp::new(
        options.client_id,
        options.client_secret,
        redirect_uri.clone(),
    )
    .base_url(options.base_url);
    let state = State::generate();
    let url = app.authorization_url::<C>(&options.scopes, state.as_str())?;
    eprintln!(
        "Open this URL in a browser and approve the access (the callback is {redirect_uri}):\n{url}"
    );
    let code = tokio::time::timeout(options.timeout, callback(&listener, &state))
        .await
        .map_err(|_| {
            Failure::Other(format!(
                "no callback within {} s",
                options.timeout.as_secs()
            ))
        })??;
    eprintln!("authorized; exchanging the code");
    Ok(app.exchange_code::<C>(code).await?)
}

/// Serves requests until one to `/callback` carries a code with our state.
async fn callback(
    listener: &TcpListener,
    state: &State,
) -> Result<flexport::oauth::AuthorizationCode, Failure> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Failure::Other(format!("the callback listener failed: {e}")))?;
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
            }
        }
        let head = String::from_utf8_lossy(&head);
        let target = head
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .unwrap_or_default()
            .to_owned();
        let Some(query) = target.strip_prefix("/callback") else {
            let _ = respond(&mut stream, "404 Not Found", "not the callback").await;
            continue;
        };
        let verified = Callback::parse(query).and_then(|callback| callback.verify(state));
        match verified {
            Ok(code) => {
                let _ = respond(
                    &mut stream,
                    "200 OK",
                    "Authorized: you can close this window.",
                )
                .await;
                return Ok(code);
            }
            Err(error) => {
                let _ = respond(&mut stream, "400 Bad Request", &error.to_string()).await;
                return Err(Failure::Other(error.to_string()));
            }
        }
    }
}

async fn respond(
    stream: &mut tokio::net::TcpStream,
    status: &str,
    text: &str,
) -> std::io::Result<()> {
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}
