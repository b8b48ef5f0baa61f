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
