//! The sandbox's control endpoints, for tests (no token needed; the
//! sandbox listens on 127.0.0.1 unless told otherwise):
//!
//! | request | what it does |
//! |---|---|
//! | `GET /sandbox/clock` | `{"now": RFC 3339, "manual": bool}` |
//! | `POST /sandbox/clock/advance` `{"seconds": N}` | moves a manual clock N seconds (a number ≥ 0) and answers once everything due has happened ([`crate::Sandbox::advance`]); 409 on the wall clock |
//! | `POST /sandbox/faults` (a [`FaultRule`]) | registers a rule; 201 with its [`RegisteredFault`]; 400 naming what is wrong |
//! | `GET /sandbox/faults` | the rules, in the order they apply, with what each did |
//! | `DELETE /sandbox/faults`, `DELETE /sandbox/faults/{ruleId}` | removes every rule, or one (404 if there is none) |
//! | `GET /sandbox/requests` | the request log ([`LoggedRequest`]s), oldest first |
//! | `DELETE /sandbox/requests` | empties the log |

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};

use crate::api::JsonBody;
use crate::clock::AdvanceError;
use crate::error_answer::ErrorAnswer;
use crate::faults::{FaultRule, FaultState, RegisteredFault};
use crate::requests::{LoggedRequest, RequestLog};
use crate::store::Store;

#[derive(Clone)]
pub(crate) struct Control {
    pub store: Arc<Store>,
    pub faults: Arc<FaultState>,
    pub log: Arc<RequestLog>,
}

pub(crate) fn routes(control: Control) -> Router {
    Router::new()
        .route("/sandbox/clock", get(clock))
        .route("/sandbox/clock/advance", post(advance))
        .route(
            "/sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/sandbox/faults/{rule_id}", delete(clear_fault))
        .route("/sandbox/requests", get(requests).delete(clear_requests))
        .with_state(control)
}

/// What `/sandbox/clock` and its `advance` answer.
#[derive(Serialize)]
struct ClockAnswer {
    /// RFC 3339.
    now: String,
    /// Whether the clock moves only when told (`GET` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    manual: Option<bool>,
}

async fn clock(State(control): State<Control>) -> Response {
    axum::Json(ClockAnswer {
        now: control.store.clock.now().to_rfc3339(),
        manual: Some(control.store.clock.is_manual()),
    })
    .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance(State(control): State<Control>, JsonBody(body): JsonBody<Advance>) -> Response {
    let Ok(by) = Duration::try_from_secs_f64(body.seconds) else {
        return ErrorAnswer::invalid_field("seconds", "must be a number of seconds ≥ 0")
            .into_response();
    };
    match crate::ticker::advance(&control.store, by).await {
        Ok(now) => axum::Json(ClockAnswer {
            now: now.to_rfc3339(),
            manual: None,
        })
        .into_response(),
        Err(error @ AdvanceError::NotManual) => {
            ErrorAnswer::conflict(error.to_string()).into_response()
        }
        Err(error @ AdvanceError::NotWritten(_)) => {
            let mut problem = ErrorAnswer::new(StatusCode::SERVICE_UNAVAILABLE, error.to_string());
            problem.retry_after_seconds = Some(1);
            problem.into_response()
        }
    }
}

async fn add_fault(
    State(control): State<Control>,
    JsonBody(rule): JsonBody<FaultRule>,
) -> Response {
    match control.faults.add(rule) {
        Ok(rule_id) => {
            let registered = control
                .faults
                .list()
                .into_iter()
                .find(|registered| registered.rule_id == rule_id);
            (StatusCode::CREATED, axum::Json(registered)).into_response()
        }
        Err(why) => ErrorAnswer::invalid_field("body", why).into_response(),
    }
}

async fn list_faults(State(control): State<Control>) -> axum::Json<Vec<RegisteredFault>> {
    axum::Json(control.faults.list())
}

async fn clear_faults(State(control): State<Control>) -> StatusCode {
    control.faults.clear(None);
    StatusCode::NO_CONTENT
}

async fn clear_fault(State(control): State<Control>, Path(rule_id): Path<u64>) -> Response {
    if control.faults.clear(Some(rule_id)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        ErrorAnswer::not_found("fault rule", &rule_id.to_string()).into_response()
    }
}

async fn requests(State(control): State<Control>) -> axum::Json<Vec<LoggedRequest>> {
    axum::Json(control.log.list())
}

async fn clear_requests(State(control): State<Control>) -> StatusCode {
    control.log.clear();
    StatusCode::NO_CONTENT
}
