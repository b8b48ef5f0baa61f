//! Every waiter against the local sandbox with short steps: it returns the
//! object in the wanted state, it times out naming the last state it saw,
//! and it ends at the first poll that sees a state from which the wanted one
//! cannot come (an order, parcel, return or freight order cancelled while
//! waiting, an order in error). The sandbox never fails a bulk parcel job or
//! a report, so those failures come from `scripted`, a small server on
//! 127.0.0.1 that answers a fixed sequence of states.
//!
//! Assertions count polls and states; no timing is asserted. `GUARD` is a
//! deadline that only ends a broken test, never a passing one.

#![cfg(feature = "v2024-04")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexport::v2024_04::{Client, prelude::*, types};
use flexport::waiters::{Target, Verdict, Wait, WaitError, Waiters};
use flexport::{ClientBuilder, Error, ErrorKind};
use flexport_sandbox::{Config, Sandbox};

mod support;
use support::v2024_04::address;

const STEP: Duration = Duration::from_millis(50);
const NEVER: Duration = Duration::from_secs(3600);
/// Ends a broken test; a passing one ends long before.
const GUARD: Duration = Duration::from_secs(60);
/// The deadline of the tests that time out on purpose.
const SHORT: Duration = Duration::from_millis(300);

fn client_for<C: flexport::VersionClient>(
    base_url: impl Into<String>,
    token: impl Into<String>,
) -> C {
    let token: String = token.into();
    ClientBuilder::new()
        .token(token)
        .base_url(base_url)
        .build()
        .unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    client_for(sandbox.base_url(), sandbox.token())
}

/// The states a wait saw, in order, shared with its progress callback.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, Verdict)>>>);

impl Seen {
    fn states(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(state, _)| state.clone())
            .collect()
    }
}

/// `wait` polling fast, until `deadline`, recording what it sees in `seen`.
fn fast<'c, C: Sync, T: Target<C>>(
    wait: Wait<'c, C, T>,
    deadline: Duration,
    seen: &Seen,
) -> Wait<'c, C, T> {
    let seen = seen.clone();
    wait.min_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(40))
        .deadline(deadline)
        .on_progress(move |observed| {
            seen.0
                .lock()
                .unwrap()
                .push((observed.state.to_owned(), observed.verdict))
        })
}

/// Checks that a wait which ended on `state` stopped at the first poll that
/// saw it: that poll was its last, and every poll before saw a pending state.
fn assert_ended_at_once<T>(error: &WaitError<T>, seen: &Seen, state: &str) {
    match error {
        WaitError::Unreachable { state: last, .. } => assert_eq!(last, state),
        other => panic!("expected the wait to end on {state}, got {other}"),
    }
    let all = seen.0.lock().unwrap().clone();
    assert_eq!(error.polls() as usize, all.len(), "{all:?}");
    let (last, before) = all.split_last().unwrap();
    assert_eq!(last, &(state.to_owned(), Verdict::Failure));
    assert!(
        before
            .iter()
            .all(|(_, verdict)| *verdict == Verdict::Pending),
        "{all:?}"
    );
}

fn assert_timed_out<T>(error: &WaitError<T>, last: &str) {
    assert!(matches!(error, WaitError::TimedOut { .. }), "{error}");
    assert_eq!(error.last_state(), Some(last), "{error}");
    assert!(error.to_string().contains(last), "{error}");
}

/// Runs `wait` and, once it has seen its first state, `act` beside it.
async fn while_waiting<O, F: std::future::Future<Output = ()>>(
    wait: impl std::future::IntoFuture<Output = O>,
    seen: &Seen,
    act: F,
) -> O {
    let first = async {
        for _ in 0..10_000 {
            if !seen.0.lock().unwrap().is_empty() {
                return;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("the wait never saw a state");
    };
    let (outcome, ()) = tokio::join!(wait.into_future(), async {
        first.await;
        act.await
    });
    outcome
}

// ---- inbounds and orders -------------------------------------------------

async fn product(client: &Client) -> String {
    client
        .create_product()
        .body_map(|product| {
            product
                .name("Mug")
                .merchant_sku(format!("MUG-{}", fastrand::u32(..)))
        })
        .send()
        .await
        .unwrap()
        .into_inner()
        .logistics_sku
}

async fn inbound(client: &Client, sku: &str) -> types::InboundShipmentResponseV4 {
    let from = types::InboundAddress::builder()
        .name(Some("Mug Co.".try_into().unwrap()))
        .address1("100 Harbor Blvd")
        .city("Long Beach")
        .province_code("CA")
        .zip("90802")
        .country_code(types::CountryCode::Us);
    let item: types::ItemData = types::ItemData::builder()
        .logistics_sku(sku)
        .quantity(24)
        .try_into()
        .unwrap();
    client
        .create_inbounding_shipment()
        .body_map(|shipment| {
            shipment
                .from(from)
                .prep(types::PrepRequestData::builder().box_content_labels(false))
                .items(vec![item])
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

async fn order(client: &Client, sku: &str) -> types::OrderModel {
    let line_item: types::OrderLineItemInput = types::OrderLineItemInput::builder()
        .logistics_sku(sku)
        .quantity(2)
        .try_into()
        .unwrap();
    let address = types::AddressInput::builder()
        .name(Some("Ada Lovelace".to_owned()))
        .address1("1 Main St")
        .city("Reno")
        .province_code(Some("NV".to_owned()))
        .zip(Some("89501".to_owned()))
        .country_code("US");
    client
        .create_order()
        .body_map(|order| {
            order
                .external_order_id(format!("W-{}", fastrand::u32(..)))
                .address(address)
                .line_items(vec![line_item])
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// A product with 24 units received, through the inbound waiter.
async fn stocked(client: &Client) -> String {
    let sku = product(client).await;
    let shipment = inbound(client, &sku).await;
    let seen = Seen::default();
    let received = fast(
        client.wait_until_inbound_received(&shipment.id),
        GUARD,
        &seen,
    )
    .await
    .unwrap();
    assert_eq!(
        received.status,
        types::LogisticsInboundShipmentStatus::Completed
    );
    assert_eq!(seen.states().last().map(String::as_str), Some("COMPLETED"));
    sku
}

#[tokio::test]
async fn an_inbound_is_received_then_an_order_ships_and_is_delivered() {
    let sandbox = Sandbox::start(Config {
        receive_after: STEP,
        ship_after: STEP,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let sku = stocked(&client).await;
    let placed = order(&client, &sku).await;
    let seen = Seen::default();
    let shipped = fast(client.wait_until_order_shipped(&placed.id), GUARD, &seen)
        .await
        .unwrap();
    assert_eq!(shipped.id, placed.id);
    assert!(matches!(
        shipped.state.internal_status,
        types::InternalOrderStatus::Shipped | types::InternalOrderStatus::Delivered
    ));
    let states = seen.states();
    assert!(
        states[..states.len() - 1]
            .iter()
            .all(|state| state == "CREATED"),
        "{states:?}"
    );
}

#[tokio::test]
async fn an_inbound_that_is_not_received_times_out_naming_its_state() {
    let sandbox = Sandbox::start(Config {
        receive_after: NEVER,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let sku = product(&client).await;
    let shipment = inbound(&client, &sku).await;
    let seen = Seen::default();
    let error = fast(
        client.wait_until_inbound_received(&shipment.id),
        SHORT,
        &seen,
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, &shipment.status.to_string());
    assert!(error.polls() >= 1);
    // Every answered poll was shown to the progress callback; the deadline
    // may cut the last poll short, before it answered (more likely on a
    // loaded machine), and that poll is counted as sent but never seen.
    let polls = error.polls() as usize;
    let seen = seen.states().len();
    assert!(
        seen == polls || seen + 1 == polls,
        "{polls} polls sent, {seen} states seen"
    );
}

#[tokio::test]
async fn an_order_that_does_not_ship_times_out_and_one_cancelled_ends_the_wait_at_once() {
    let sandbox = Sandbox::start(Config {
        receive_after: STEP,
        ship_after: NEVER,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let sku = stocked(&client).await;
    let placed = order(&client, &sku).await;

    let error = fast(
        client.wait_until_order_shipped(&placed.id),
        SHORT,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, "CREATED");

    let seen = Seen::default();
    let error = while_waiting(
        fast(client.wait_until_order_delivered(&placed.id), GUARD, &seen),
        &seen,
        async {
            client
                .cancel_order()
                .order_id(&placed.id)
                .send()
                .await
                .unwrap();
        },
    )
    .await
    .unwrap_err();
    assert_ended_at_once(&error, &seen, "CANCELLED");
    let order = error.into_object().unwrap();
    assert_eq!(
        order.state.internal_status,
        types::InternalOrderStatus::Cancelled
    );
}

#[tokio::test]
async fn an_order_in_error_ends_the_wait_with_the_order_and_its_error() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = client(&sandbox);
    // No units: the sandbox puts the order in ERROR (INVENTORY_ERR), which
    // only a RetryOrder moves on.
    let sku = product(&client).await;
    let placed = order(&client, &sku).await;
    let seen = Seen::default();
    let error = fast(client.wait_until_order_shipped(&placed.id), GUARD, &seen)
        .await
        .unwrap_err();
    assert_ended_at_once(&error, &seen, "ERROR");
    assert_eq!(error.polls(), 1);
    let order = error.into_object().unwrap();
    assert_eq!(
        order.error.unwrap().type_,
        types::OrderErrorType::InventoryErr
    );
}

/// `outcome()` tells an order Flexport took but could not fill from one it
/// is filling, and says when asking again helps: the sandbox's INVENTORY_ERR
/// is retriable, and `retry_order` after a restock makes the order ship.
#[tokio::test]
async fn an_order_without_stock_is_retriable_and_ships_once_restocked_and_retried() {
    let sandbox = Sandbox::start(Config {
        receive_after: STEP,
        ship_after: STEP,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let sku = product(&client).await;
    let placed = order(&client, &sku).await;
    match placed.outcome() {
        flexport::v2024_04::Outcome::Retriable(error) => {
            assert_eq!(error.type_, types::OrderErrorType::InventoryErr)
        }
        other => panic!("expected a retriable INVENTORY_ERR, got {other:?}"),
    }
    assert!(placed.outcome().retry_may_succeed());
    // The same error marked not retriable by Flexport: asking again will not help.
    let mut refused = placed.clone();
    refused.error.as_mut().unwrap().retriable = false;
    assert!(matches!(
        refused.outcome(),
        flexport::v2024_04::Outcome::Failed(error) if error.type_ == types::OrderErrorType::InventoryErr
    ));
    assert!(!refused.outcome().retry_may_succeed());

    // The same SKU restocked (a second product's inbound would not do).
    let shipment = inbound(&client, &sku).await;
    fast(
        client.wait_until_inbound_received(&shipment.id),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap();
    let retried = client
        .retry_order()
        .order_id(&placed.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(matches!(
        retried.outcome(),
        flexport::v2024_04::Outcome::Accepted
    ));
    assert!(retried.outcome().error().is_none());
    let shipped = fast(
        client.wait_until_order_shipped(&placed.id),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap();
    assert!(matches!(
        shipped.outcome(),
        flexport::v2024_04::Outcome::Accepted
    ));
}

#[tokio::test]
async fn a_poll_that_fails_ends_the_wait_with_its_error() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = client(&sandbox);
    let error = fast(
        client.wait_until_order_shipped("999999"),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.polls(), 1);
    assert_eq!(error.last_state(), None);
    match error.poll_error() {
        Some(Error::Api(api)) => assert_eq!(api.kind, ErrorKind::NotFound),
        other => panic!("expected a 404, got {other:?}"),
    }
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.downcast_ref::<Error>().is_some());
}

// ---- parcels, bulk jobs, reports, returns --------------------------------

async fn parcel(client: &Client) -> types::Parcel {
    client
        .create_parcel()
        .body_map(|parcel| {
            parcel.ship_to_address(address()).dimensions(
                types::ParcelDimensions::builder()
                    .length(10.0)
                    .width(8.0)
                    .height(4.0)
                    .length_unit(types::LengthUnit::In)
                    .weight(2.0)
                    .weight_unit(types::WeightUnit::Lb),
            )
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_parcel_is_delivered_times_out_in_transit_or_ends_once_cancelled() {
    let sandbox = Sandbox::start(Config {
        parcel_step_after: STEP,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let made = parcel(&client).await;
    let seen = Seen::default();
    let delivered = fast(
        client.wait_until_parcel_delivered(&made.parcel_id),
        GUARD,
        &seen,
    )
    .await
    .unwrap();
    assert_eq!(delivered.status.as_deref(), Some("DELIVERED"));
    assert_eq!(seen.states().last().map(String::as_str), Some("DELIVERED"));

    let slow = Sandbox::start(Config {
        parcel_step_after: NEVER,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = self::client(&slow);
    let made = parcel(&client).await;
    let error = fast(
        client.wait_until_parcel_delivered(&made.parcel_id),
        SHORT,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, "LABEL_CREATED");

    let seen = Seen::default();
    let error = while_waiting(
        fast(
            client.wait_until_parcel_delivered(&made.parcel_id),
            GUARD,
            &seen,
        ),
        &seen,
        async {
            client
                .cancel_parcel()
                .body_map(|cancel| cancel.parcel_id(&made.parcel_id))
                .send()
                .await
                .unwrap();
        },
    )
    .await
    .unwrap_err();
    assert_ended_at_once(&error, &seen, "CANCELLED");
}

async fn bulk_job(client: &Client) -> String {
    let request: types::BulkParcelRequest = types::BulkParcelRequest::builder()
        .service_level("STANDARD")
        .ship_to_address(address())
        .dimensions(
            types::ParcelDimensions::builder()
                .length(10.0)
                .width(8.0)
                .height(4.0)
                .length_unit(types::LengthUnit::In)
                .weight(2.0)
                .weight_unit(types::WeightUnit::Lb),
        )
        .try_into()
        .unwrap();
    let job = client
        .create_bulk_parcel_job()
        .body_map(|job| job.packslip_required(false).parcels(vec![request]))
        .send()
        .await
        .unwrap()
        .into_inner();
    job.job_id.to_string()
}

async fn report(client: &Client) -> String {
    client
        .generate_report()
        .body_map(|report| report.report_type(types::SellerReportType::InventoryLevelsToday))
        .send()
        .await
        .unwrap()
        .into_inner()
        .report_reference
}

#[tokio::test]
async fn a_bulk_job_and_a_report_finish_or_time_out_pending() {
    let sandbox = Sandbox::start(Config {
        parcel_job_after: STEP,
        report_after: STEP,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let job = bulk_job(&client).await;
    let done = fast(
        client.wait_until_bulk_parcel_job_done(&job),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.status, "COMPLETED");
    assert_eq!(done.parcels.len(), 1);
    let reference = report(&client).await;
    let ready = fast(
        client.wait_until_report_ready(&reference),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap();
    assert_eq!(ready.status, types::ReportStatus::Success);
    assert!(ready.url.is_some());

    let slow = Sandbox::start(Config {
        parcel_job_after: NEVER,
        report_after: NEVER,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = self::client(&slow);
    let job = bulk_job(&client).await;
    let error = fast(
        client.wait_until_bulk_parcel_job_done(&job),
        SHORT,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, "PENDING");
    let reference = report(&client).await;
    let error = fast(
        client.wait_until_report_ready(&reference),
        SHORT,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, "PENDING");
}

#[tokio::test]
async fn a_failed_job_or_report_ends_the_wait_at_the_poll_that_sees_it() {
    let states = ["PENDING", "PENDING", "FAILED", "COMPLETED"];
    let server = scripted::Server::start(&states).await;
    let client: Client = client_for(server.base_url.as_str(), "token");
    let seen = Seen::default();
    let error = fast(client.wait_until_bulk_parcel_job_done("7"), GUARD, &seen)
        .await
        .unwrap_err();
    assert_ended_at_once(&error, &seen, "FAILED");
    // The fourth answer, COMPLETED, was never asked for.
    assert_eq!(server.answered(), 3);

    let states = ["PENDING", "ERROR", "SUCCESS"];
    let server = scripted::Server::start(&states).await;
    let client: Client = client_for(server.base_url.as_str(), "token");
    let seen = Seen::default();
    let error = fast(client.wait_until_report_ready("r-1"), GUARD, &seen)
        .await
        .unwrap_err();
    assert_ended_at_once(&error, &seen, "ERROR");
    assert_eq!(server.answered(), 2);
}

async fn a_return(client: &Client) -> String {
    let sku = product(client).await;
    let item: types::RequestedReturnItem = types::RequestedReturnItem::builder()
        .identifier(sku)
        .type_(types::ReturnItemType::LogisticsSku)
        .quantity(1)
        .try_into()
        .unwrap();
    client
        .create_return()
        .body_map(|order| {
            order
                .rma(format!("RMA-{}", fastrand::u32(..)))
                .external_return_id(format!("RET-{}", fastrand::u32(..)))
                .source_address(Some(address().try_into().unwrap()))
                .return_items(vec![item])
        })
        .send()
        .await
        .unwrap()
        .into_inner()
        .id
        .to_string()
}

#[tokio::test]
async fn a_return_is_processed_times_out_created_or_ends_once_cancelled() {
    let sandbox = Sandbox::start(Config {
        return_step_after: STEP,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let id = a_return(&client).await;
    let processed = fast(
        client.wait_until_return_processed(&id),
        GUARD,
        &Seen::default(),
    )
    .await
    .unwrap();
    assert_eq!(processed.status, types::ReturnOrderStatus::Processed);

    let slow = Sandbox::start(Config {
        return_step_after: NEVER,
        ..Config::default()
    })
    .await
    .unwrap();
    let client = self::client(&slow);
    let id = a_return(&client).await;
    let error = fast(
        client.wait_until_return_processed(&id),
        SHORT,
        &Seen::default(),
    )
    .await
    .unwrap_err();
    assert_timed_out(&error, "CREATED");

    let seen = Seen::default();
    let error = while_waiting(
        fast(client.wait_until_return_processed(&id), GUARD, &seen),
        &seen,
        async {
            client.cancel_return().return_id(&id).send().await.unwrap();
        },
    )
    .await
    .unwrap_err();
    assert_ended_at_once(&error, &seen, "CANCELLED");
}

// ---- freight (unstable) --------------------------------------------------

#[cfg(feature = "unstable")]
mod freight {
    use super::*;
    use flexport::unstable::{Client, prelude::*};

    async fn freight_order(client: &Client) -> String {
        let quote = support::freight::pallets_quote(client).await;
        let order = support::freight::pallets_order(client, &quote).await;
        order.unwrap().into_inner().id.to_string()
    }

    #[tokio::test]
    async fn a_freight_order_passes_its_milestones_or_times_out_or_ends_once_cancelled() {
        let sandbox = Sandbox::start(Config {
            freight_step_after: STEP,
            ..Config::default()
        })
        .await
        .unwrap();
        let client: Client = client_for(sandbox.base_url(), sandbox.token());
        let id = freight_order(&client).await;
        let seen = Seen::default();
        fast(client.wait_until_freight_order_tendered(&id), GUARD, &seen)
            .await
            .unwrap();
        fast(
            client.wait_until_freight_order_in_progress(&id),
            GUARD,
            &seen,
        )
        .await
        .unwrap();
        fast(client.wait_until_freight_order_completed(&id), GUARD, &seen)
            .await
            .unwrap();
        let mut states = seen.states();
        states.dedup();
        let states: Vec<&str> = states.iter().map(String::as_str).collect();
        // The milestones seen are in order and end at COMPLETED. Which are
        // seen depends on when the polls land between the sandbox's steps
        // (wall clock): a loaded machine can step past IN_PROGRESS between
        // two polls, and a waiter for a milestone also ends on a later one.
        let expected = ["BOOKED", "TENDERED", "IN_PROGRESS", "COMPLETED"];
        let mut rest = expected.iter();
        assert!(
            states
                .iter()
                .all(|state| rest.any(|milestone| milestone == state)),
            "out of order: {states:?}"
        );
        assert_eq!(states.last(), Some(&"COMPLETED"), "{states:?}");

        let slow = Sandbox::start(Config {
            freight_step_after: NEVER,
            ..Config::default()
        })
        .await
        .unwrap();
        let client: Client = client_for(slow.base_url(), slow.token());
        let id = freight_order(&client).await;
        let error = fast(
            client.wait_until_freight_order_tendered(&id),
            SHORT,
            &Seen::default(),
        )
        .await
        .unwrap_err();
        assert_timed_out(&error, "BOOKED");

        let seen = Seen::default();
        let error = while_waiting(
            fast(client.wait_until_freight_order_completed(&id), GUARD, &seen),
            &seen,
            async {
                client
                    .cancel()
                    .order_id(&id)
                    .body_map(|cancel| cancel.cancellation_reason(Some("test".to_owned())))
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await
        .unwrap_err();
        assert_ended_at_once(&error, &seen, "CANCELLED");
    }
}

/// A server on 127.0.0.1 that answers `GetBulkParcelJob` and
/// `GetReportStatus` of 2024-04 with the next state of a fixed sequence,
/// counting the answers.
mod scripted {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::State;
    use serde_json::{Value, json};

    pub struct Server {
        pub base_url: String,
        answered: Arc<AtomicUsize>,
    }

    struct Script {
        states: Vec<String>,
        answered: Arc<AtomicUsize>,
    }

    impl Script {
        fn next(&self) -> String {
            let n = self.answered.fetch_add(1, Ordering::SeqCst);
            self.states[n.min(self.states.len() - 1)].clone()
        }
    }

    impl Server {
        pub async fn start(states: &[&str]) -> Self {
            let answered = Arc::new(AtomicUsize::new(0));
            let script = Arc::new(Script {
                states: states.iter().map(|s| (*s).to_owned()).collect(),
                answered: answered.clone(),
            });
            let job = |State(script): State<Arc<Script>>| async move {
                axum::Json(json!({"jobId": 7, "status": script.next()}))
            };
            let report = |State(script): State<Arc<Script>>| async move {
                axum::Json::<Value>(json!({"status": script.next()}))
            };
            let app = axum::Router::new()
                .route(
                    "/logistics/api/2024-04/parcels/jobs/{id}",
                    axum::routing::get(job),
                )
                .route(
                    "/logistics/api/2024-04/reports/{reference}",
                    axum::routing::get(report),
                )
                .with_state(script);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base_url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            Self { base_url, answered }
        }

        pub fn answered(&self) -> usize {
            self.answered.load(Ordering::SeqCst)
        }
    }
}
