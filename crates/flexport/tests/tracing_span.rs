//! The `flexport.request` span each call opens, as a `tracing` subscriber
//! sees it: operation (the generated method's name), method, path, the attempt that answered, status and
//! correlation id; and the token appears in no field of any span or event.

#![cfg(feature = "v2024-04")]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexport::v2024_04::{Client, prelude::*};
use flexport::{ClientBuilder, RetryPolicy};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "secret-token-4711";
const CORRELATION_ID: &str = "6f1c2d7e-0000-4000-8000-00000000abcd";

type Fields = BTreeMap<String, String>;

/// Every span (by name, with its fields as last recorded) and every event.
#[derive(Clone, Default)]
struct Captured {
    spans: Arc<Mutex<Vec<(String, Fields)>>>,
    events: Arc<Mutex<Vec<Fields>>>,
}

struct FieldVisitor<'a>(&'a mut Fields);

impl Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

/// The index of a span in `Captured::spans`, kept in the span's extensions.
struct SpanIndex(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Captured {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut FieldVisitor(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((attrs.metadata().name().to_owned(), fields));
        let span = ctx.span(id).expect("a new span is registered");
        span.extensions_mut().insert(SpanIndex(spans.len() - 1));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a recorded span is registered");
        let extensions = span.extensions();
        let SpanIndex(index) = extensions.get().expect("every span gets an index");
        values.record(&mut FieldVisitor(&mut self.spans.lock().unwrap()[*index].1));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut FieldVisitor(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
}

fn client(server: &MockServer) -> Client {
    ClientBuilder::new()
        .token(TOKEN)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            deadline: None,
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_call_has_one_span_with_operation_method_path_attempt_status_and_correlation_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products/SKU-1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products/SKU-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-correlation-id", CORRELATION_ID)
                .set_body_json(json!({"name": "Mug", "logisticsSku": "SKU-1", "merchantSku": "M-1", "barcodes": [], "dimsLocked": false})),
        )
        .mount(&server)
        .await;
    let client = client(&server);

    let captured = Captured::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(captured.clone()));
    client
        .get_product()
        .logistics_sku("SKU-1")
        .send()
        .await
        .unwrap();

    let spans = captured.spans.lock().unwrap().clone();
    let requests: Vec<&Fields> = spans
        .iter()
        .filter(|(name, _)| name == "flexport.request")
        .map(|(_, fields)| fields)
        .collect();
    assert_eq!(
        requests.len(),
        1,
        "one span per call, not per attempt: {spans:?}"
    );
    let expected: Fields = [
        ("operation", "get_product"),
        ("method", "GET"),
        ("path", "/logistics/api/2024-04/products/SKU-1"),
        ("attempt", "2"),
        ("status", "200"),
        ("correlation_id", CORRELATION_ID),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    assert_eq!(requests[0], &expected);

    let events = captured.events.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|fields| fields.get("status").map(String::as_str) == Some("503")),
        "the retry of the 503 is logged: {events:?}"
    );
    let everything = format!("{spans:?}{events:?}");
    assert!(
        !everything.contains(TOKEN),
        "the token leaked into tracing: {everything}"
    );
}

/// The fields of every `flexport.request` span, in the order the calls
/// began.
fn request_spans(captured: &Captured) -> Vec<Fields> {
    captured
        .spans
        .lock()
        .unwrap()
        .iter()
        .filter(|(name, _)| name == "flexport.request")
        .map(|(_, fields)| fields.clone())
        .collect()
}

fn products_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!([]))
}

#[tokio::test]
async fn a_wait_for_a_permit_and_a_throttle_are_recorded_on_the_call_they_happened_to() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"type": "about:blank", "title": "Too Many Requests"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products"))
        .respond_with(products_answer())
        .mount(&server)
        .await;
    // 10 per second in bursts of 1, each client with a limiter of its own.
    let limited = || -> Client {
        ClientBuilder::new()
            .token(TOKEN)
            .base_url(server.uri())
            .rate_limit(10.0, 1)
            .limiter_registry(flexport::LimiterRegistry::new(4))
            .retry_policy(RetryPolicy {
                max_attempts: 3,
                initial_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(5),
                deadline: Some(Duration::from_secs(30)),
            })
            .build()
            .unwrap()
    };

    let captured = Captured::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(captured.clone()));
    // One call, throttled once, then answered; the cut makes its retry wait
    // for a permit.
    limited().get_products().send().await.unwrap();
    let throttled = request_spans(&captured).remove(0);
    assert_eq!(throttled.get("throttles").map(String::as_str), Some("1"));
    assert_eq!(throttled.get("attempt").map(String::as_str), Some("2"));
    assert_eq!(throttled.get("status").map(String::as_str), Some("200"));
    assert!(throttled.contains_key("permit_wait_ms"), "{throttled:?}");
    // Two calls at once on another client: exactly one of them waited
    // (about 100 ms), and neither was throttled.
    let client = limited();
    let (a, b) = futures::join!(client.get_products().send(), client.get_products().send());
    a.unwrap();
    b.unwrap();
    let spans = request_spans(&captured);
    let waited: Vec<u64> = spans[1..]
        .iter()
        .filter_map(|fields| fields.get("permit_wait_ms"))
        .map(|ms| ms.parse().unwrap())
        .collect();
    assert_eq!(waited.len(), 1, "{spans:?}");
    assert!(waited[0] >= 1, "{waited:?}");
    assert!(
        spans[1..]
            .iter()
            .all(|fields| !fields.contains_key("throttles")
                && !fields.contains_key("retries_withheld")),
        "{spans:?}"
    );
}

#[tokio::test]
async fn the_call_whose_retry_the_outage_guard_withholds_records_it_and_the_budget_left() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client: Client = ClientBuilder::new()
        .token(TOKEN)
        .base_url(server.uri())
        .no_rate_limit()
        .retry_policy(RetryPolicy {
            max_attempts: 8,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            deadline: None,
        })
        .build()
        .unwrap();

    let captured = Captured::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(captured.clone()));
    // The budget holds 80 retries: 11 calls take 7 each, the 12th takes the
    // last 3 and is refused its fourth.
    let mut first_withheld = None;
    for call in 1..=12 {
        let error = client.get_products().send().await.unwrap_err();
        if error.retries_withheld() {
            first_withheld.get_or_insert(call);
        }
    }
    assert_eq!(first_withheld, Some(12));
    let spans = request_spans(&captured);
    assert_eq!(spans.len(), 12);
    for fields in &spans[..11] {
        assert_eq!(fields.get("attempt").map(String::as_str), Some("8"));
        assert!(!fields.contains_key("retries_withheld"), "{fields:?}");
        assert!(!fields.contains_key("guard_tokens"), "{fields:?}");
    }
    let withheld = &spans[11];
    assert_eq!(withheld.get("attempt").map(String::as_str), Some("4"));
    assert_eq!(
        withheld.get("retries_withheld").map(String::as_str),
        Some("true")
    );
    assert_eq!(withheld.get("guard_tokens").map(String::as_str), Some("0"));
}
