//! Injected faults, so that clients can exercise their retry handling
//! against a real server, and the server loop that can drop a connection.
//!
//! Each request under `/logistics/api/` draws two numbers from one random
//! generator seeded with [`Faults::seed`], in the order requests arrive (so a
//! client that sends one request at a time sees the same faults in every
//! run). The first picks at most one of:
//!
//! | fault | share | what happens | acted? |
//! |---|---|---|---|
//! | error before | [`Faults::error_before`] | 503 problem+json, the request is not handled | no |
//! | error after | [`Faults::error_after`] | the request is handled and its changes committed (its answer kept for an `idempotency-key` replay), then answered 500 problem+json instead | yes |
//! | drop before | [`Faults::drop_before`] | the connection is closed without an answer, the request not handled | no |
//! | drop after | [`Faults::drop_after`] | handled and committed as above, then the connection is closed without an answer | yes |
//!
//! The second decides whether the answer is slow: [`Faults::slow`] of
//! requests wait [`Faults::slow_delay`] before they are handled. A client
//! that gives up meanwhile and closes its connection leaves nothing behind:
//! hyper stops serving a request whose connection is closed (a test checks
//! this for a write abandoned by a client's timeout).
//!
//! So a client that retries with the same `idempotency-key` (as the `flexport`
//! crate does) gets the first answer replayed after an "after" fault, and
//! never acts twice; a client without a key may create twice, as with the
//! real API.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::problem::Problem;

/// Shares (from 0 to 1) of requests that meet each fault; see the module
/// docs. All zero by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Answered 503 without being handled.
    pub error_before: f64,
    /// Handled and committed, then answered 500.
    pub error_after: f64,
    /// Connection closed without an answer, without being handled.
    pub drop_before: f64,
    /// Handled and committed, then the connection closed without an answer.
    pub drop_after: f64,
    /// Delayed by [`Faults::slow_delay`] before being handled.
    pub slow: f64,
    pub slow_delay: Duration,
    /// Seed of the generator that picks the faults.
    pub seed: u64,
}

impl Faults {
    /// Checks that each share is from 0 to 1 and that the four exclusive
    /// ones (errors and drops) add up to at most 1.
    pub fn validate(&self) -> std::io::Result<()> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        for (name, share) in [
            ("error_before", self.error_before),
            ("error_after", self.error_after),
            ("drop_before", self.drop_before),
            ("drop_after", self.drop_after),
            ("slow", self.slow),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(format!(
                    "the fault share {name} is {share}; it must be from 0 to 1"
                )));
            }
        }
        let exclusive = self.error_before + self.error_after + self.drop_before + self.drop_after;
        if exclusive > 1.0 {
            return Err(invalid(format!(
                "the error and drop fault shares add up to {exclusive}; at most 1 is allowed"
            )));
        }
        Ok(())
    }

    fn any(&self) -> bool {
        self.error_before + self.error_after + self.drop_before + self.drop_after + self.slow > 0.0
    }
}

/// The faults to inject and the generator they are drawn from: the state
/// of [`inject`].
pub(crate) struct FaultDice {
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
}

impl FaultDice {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = Mutex::new(fastrand::Rng::with_seed(faults.seed));
        Self { faults, rng }
    }

    fn roll(&self) -> (f64, f64) {
        let mut rng = self.rng.lock().unwrap();
        (rng.f64(), rng.f64())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ErrorBefore,
    ErrorAfter,
    DropBefore,
    DropAfter,
}

/// Marks a response whose connection is to be closed without sending it.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

/// The middleware that injects [`Faults`] (outside everything but the
/// correlation id, so that "before" faults reach nothing of the request).
pub(crate) async fn inject(
    State(dice): State<Arc<FaultDice>>,
    request: Request,
    next: Next,
) -> Response {
    let faults = &dice.faults;
    if !faults.any() || !request.uri().path().starts_with("/logistics/api/") {
        return next.run(request).await;
    }
    let (pick, slow) = dice.roll();
    let mut threshold = 0.0;
    let mut fault = None;
    for (candidate, share) in [
        (Fault::ErrorBefore, faults.error_before),
        (Fault::ErrorAfter, faults.error_after),
        (Fault::DropBefore, faults.drop_before),
        (Fault::DropAfter, faults.drop_after),
    ] {
        threshold += share;
        if pick < threshold {
            fault = Some(candidate);
            break;
        }
    }
    if slow < faults.slow {
        tokio::time::sleep(faults.slow_delay).await;
    }
    match fault {
        None => next.run(request).await,
        Some(Fault::ErrorBefore) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "injected fault: this request was not handled",
        )
        .into_response(),
        Some(Fault::ErrorAfter) => {
            let _handled = next.run(request).await;
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injected fault: this request was handled and its changes kept; its answer was replaced",
            )
            .into_response()
        }
        Some(Fault::DropBefore) => dropped(),
        Some(Fault::DropAfter) => {
            let _handled = next.run(request).await;
            dropped()
        }
    }
}

fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

/// What the service gives hyper for a [`DropConnection`] answer: an error,
/// on which hyper closes the connection without writing anything.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the connection was dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Serves `app` on `listener` (HTTP/1.1) until `stop` completes, then stops
/// accepting and waits for the requests in flight. A response marked
/// [`DropConnection`] closes its connection without being written.
pub(crate) async fn serve(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let app = app.clone();
            async move {
                let response = app
                    .oneshot(request.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|never| match never {});
                if response.extensions().get::<DropConnection>().is_some() {
                    Err(ConnectionDropped)
                } else {
                    Ok(response)
                }
            }
        });
        // Settings as `axum::serve` has them (no timer, so no header read
        // timeout).
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
