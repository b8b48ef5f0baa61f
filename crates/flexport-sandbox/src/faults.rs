//! Injected faults, so that clients can exercise their retry handling
//! against a real server, and the server loop that can drop a connection.
//!
//! Two sources choose the same answers (a problem+json status, a dropped
//! connection, either before or after the request is handled, and a delay):
//!
//! - **rules** ([`FaultRule`]), chosen answers for one operation, matched in
//!   the order they were registered; a request that a rule answers draws no
//!   random fault;
//! - **random faults** ([`Faults`]), shares of all API requests.
//!
//! Each request under `/logistics/api/` that no rule answers draws two numbers from one random
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

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::error_answer::ErrorAnswer;

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

/// A chosen answer for some requests of one operation: registered with
/// `POST /sandbox/faults`, [`crate::Sandbox::add_fault`] or
/// [`crate::Config::fault_rules`]. The JSON form has the same fields in
/// camelCase: `{"operation": "CreateOrder", "status": 409, "times": 1}`.
///
/// The answer is a `status` (a problem+json body with `detail`, the
/// six-digit `code` if given, and `Retry-After: retry_after` if given), or
/// `drop` (the connection is closed without an answer); either happens
/// before the request is handled, or, with `after_acting`, after it was
/// handled and its changes committed (its answer kept for an
/// `idempotency-key` replay). `delay_seconds` waits first; alone, it only
/// delays the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// The operation: its documented operationId (`CreateOrder202307`) or
    /// its client method name (`create_order`) in any version's
    /// `OPERATIONS` table, compared ignoring case and underscores, so
    /// `CreateOrder` names it too.
    pub operation: String,
    /// Only requests with this value as one of their path parameters
    /// (an order id, a SKU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_acting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<f64>,
    /// How many matching requests pass untouched first (2: the third one
    /// gets the answer).
    #[serde(default)]
    pub skip: u32,
    /// How many requests get the answer; `None`: every one after `skip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl FaultRule {
    /// `operation` answers `status` (problem+json), before acting.
    pub fn status(operation: impl Into<String>, status: u16) -> Self {
        Self {
            operation: operation.into(),
            status: Some(status),
            ..Self::default()
        }
    }

    /// `operation`'s connection is closed without an answer, before acting.
    pub fn drop(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            drop: true,
            ..Self::default()
        }
    }

    /// `operation` is delayed by `delay`, then handled as usual.
    pub fn delay(operation: impl Into<String>, delay: Duration) -> Self {
        Self {
            operation: operation.into(),
            delay_seconds: Some(delay.as_secs_f64()),
            ..Self::default()
        }
    }

    /// The answer comes after the request was handled and committed.
    pub fn after_acting(mut self) -> Self {
        self.after_acting = true;
        self
    }

    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = skip;
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// The operationIds `operation` names, checked with the answer: an
    /// unknown operation, a status that is not 100-599, a status with a
    /// drop, or no answer at all is an error.
    fn resolve(&self) -> Result<BTreeSet<&'static str>, String> {
        let wanted = normalized(&self.operation);
        let ids: BTreeSet<&'static str> = crate::schema::DOCUMENTS
            .iter()
            .flat_map(|(_, _, operations)| operations.iter())
            .filter(|row| {
                normalized(row.operation_id) == wanted || normalized(row.method_name) == wanted
            })
            .map(|row| row.operation_id)
            .collect();
        if ids.is_empty() {
            return Err(format!(
                "`{}` is neither an operationId nor a method name of any version",
                self.operation
            ));
        }
        match (self.status, self.drop, self.delay_seconds) {
            (Some(_), true, _) => return Err("a rule answers a status or drops, not both".into()),
            (Some(status), false, _) if !(100..=599).contains(&status) => {
                return Err(format!("{status} is not an HTTP status"));
            }
            (None, false, None) => {
                return Err("a rule needs an answer: status, drop or delaySeconds".into());
            }
            _ => {}
        }
        if let Some(delay) = self.delay_seconds
            && !Duration::try_from_secs_f64(delay).is_ok_and(|delay| delay <= crate::MAX_DURATION)
        {
            return Err(format!("delaySeconds {delay} is not from 0 to 100 years"));
        }
        if self.after_acting && self.status.is_none() && !self.drop {
            return Err("afterActing needs a status or a drop".into());
        }
        Ok(ids)
    }

    fn plan(&self) -> Plan {
        let answer = if self.drop {
            Answer::Drop
        } else if let Some(status) = self.status {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut problem = ErrorAnswer::new(
                status,
                self.detail
                    .clone()
                    .unwrap_or_else(|| "injected by a fault rule".to_owned()),
            );
            problem.code = self.code.map(flexport_runtime::ErrorCode::from_number);
            problem.retry_after_seconds = self.retry_after;
            Answer::Status(problem)
        } else {
            Answer::Handle
        };
        Plan {
            delay: self.delay_seconds.map(Duration::from_secs_f64),
            after_acting: self.after_acting,
            answer,
        }
    }
}

/// `CreateOrder202307` and `create_order202307` alike: lower case, no `_`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A registered rule and what it has done so far, as `GET /sandbox/faults`
/// lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredFault {
    /// Its number, from 1, to delete it by (`DELETE /sandbox/faults/{id}`).
    pub rule_id: u64,
    pub rule: FaultRule,
    /// Requests it matched (skipped ones included).
    pub matched: u32,
    /// Requests it answered.
    pub applied: u32,
}

/// The registered rules and the random faults: the state of [`inject`].
pub(crate) struct FaultState {
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
    rules: Mutex<Vec<(RegisteredFault, BTreeSet<&'static str>)>>,
    next_id: AtomicU64,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = Mutex::new(fastrand::Rng::with_seed(faults.seed));
        Self {
            faults,
            rng,
            rules: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// Registers `rule` after every rule registered before; returns its id.
    pub(crate) fn add(&self, rule: FaultRule) -> Result<u64, String> {
        let operations = rule.resolve()?;
        let rule_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let registered = RegisteredFault {
            rule_id,
            rule,
            matched: 0,
            applied: 0,
        };
        self.lock().push((registered, operations));
        Ok(rule_id)
    }

    pub(crate) fn list(&self) -> Vec<RegisteredFault> {
        self.lock().iter().map(|(rule, _)| rule.clone()).collect()
    }

    /// Removes rule `rule_id` (every rule with `None`); whether any was there.
    pub(crate) fn clear(&self, rule_id: Option<u64>) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|(rule, _)| rule_id.is_some_and(|id| id != rule.rule_id));
        rules.len() < before
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(RegisteredFault, BTreeSet<&'static str>)>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first rule, in registration order, that answers this request;
    /// counts it in every rule it matches up to that one.
    fn rule_for(&self, method: &Method, path: &str) -> Option<(u64, Plan)> {
        let row = crate::contract::Contract::get().find(method, path)?;
        let mut rules = self.lock();
        for (registered, operations) in rules.iter_mut() {
            if !operations.contains(row.operation_id)
                || registered
                    .rule
                    .id
                    .as_deref()
                    .is_some_and(|id| !path_ids(row.path, path).contains(&id))
            {
                continue;
            }
            registered.matched += 1;
            let rule = &registered.rule;
            if registered.matched <= rule.skip
                || rule.times.is_some_and(|times| registered.applied >= times)
            {
                continue;
            }
            registered.applied += 1;
            return Some((registered.rule_id, rule.plan()));
        }
        None
    }

    /// The random faults' pick for this request (see the module docs).
    fn roll(&self) -> Option<Plan> {
        let faults = &self.faults;
        if !faults.any() {
            return None;
        }
        let (pick, slow) = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.f64(), rng.f64())
        };
        let mut threshold = 0.0;
        let mut plan = Plan {
            delay: (slow < faults.slow).then_some(faults.slow_delay),
            after_acting: false,
            answer: Answer::Handle,
        };
        let before = || {
            ErrorAnswer::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "injected fault: this request was not handled",
            )
        };
        let after = || {
            ErrorAnswer::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injected fault: this request was handled and its changes kept; its answer was replaced",
            )
        };
        for (after_acting, answer, share) in [
            (false, Answer::Status(before()), faults.error_before),
            (true, Answer::Status(after()), faults.error_after),
            (false, Answer::Drop, faults.drop_before),
            (true, Answer::Drop, faults.drop_after),
        ] {
            threshold += share;
            if pick < threshold {
                plan.after_acting = after_acting;
                plan.answer = answer;
                break;
            }
        }
        Some(plan)
    }
}

/// The values of `path`'s parameters in `template`
/// (`/logistics/api/2024-04/orders/{orderId}`).
fn path_ids<'p>(template: &str, path: &'p str) -> Vec<&'p str> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter(|(template, _)| template.starts_with('{'))
        .map(|(_, value)| value)
        .collect()
}

/// What to do with one request: a rule's answer or a random fault's.
struct Plan {
    delay: Option<Duration>,
    after_acting: bool,
    answer: Answer,
}

enum Answer {
    /// Answer as the sandbox would.
    Handle,
    Status(ErrorAnswer),
    Drop,
}

/// Marks a response whose connection is to be closed without sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// Marks a response that a fault rule (its id) or a random fault (`None`)
/// chose, for the request log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Injected(pub Option<u64>);

/// The middleware that injects rules' answers and [`Faults`] (outside
/// everything but the correlation id, so that "before" faults reach
/// nothing of the request). A request a rule answers draws no random fault.
pub(crate) async fn inject(
    State(state): State<Arc<FaultState>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/logistics/api/") {
        return next.run(request).await;
    }
    let (source, plan) = match state.rule_for(request.method(), request.uri().path()) {
        Some((rule_id, plan)) => (Some(rule_id), plan),
        None => match state.roll() {
            Some(plan) => (None, plan),
            None => return next.run(request).await,
        },
    };
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = match (plan.after_acting, plan.answer) {
        (_, Answer::Handle) => return next.run(request).await,
        (false, Answer::Status(problem)) => problem.into_response(),
        (false, Answer::Drop) => dropped(),
        (true, answer) => {
            let _handled = next.run(request).await;
            match answer {
                Answer::Status(problem) => problem.into_response(),
                _ => dropped(),
            }
        }
    };
    response.extensions_mut().insert(Injected(source));
    response
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
