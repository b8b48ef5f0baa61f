//! The facade against wiremock servers on 127.0.0.1: auth, configuration,
//! idempotency keys, retries, errors, OAuth, pagination and webhooks.

#![cfg(feature = "v2024-04")]

use std::time::Duration;

use flexport::pagination::StreamAll;
use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{
    ClientBuilder, ConfigError, Error, ErrorCode, ErrorKind, ResponseMetadata, RetryClassifiers,
    RetryDecision, RetryPolicy,
};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PREFIX: &str = "/logistics/api/2024-04";
const TOKEN: &str = "secret-token-4711";

fn builder(server: &MockServer) -> ClientBuilder {
    ClientBuilder::new()
        .token(TOKEN)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            deadline: Some(Duration::from_secs(10)),
        })
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

fn product(sku: &str) -> Value {
    json!({"name": "Mug", "logisticsSku": sku, "merchantSku": format!("M-{sku}"), "barcodes": [], "dimsLocked": false})
}

fn new_product() -> types::CreateProductModel {
    serde_json::from_value(json!({"name": "Mug", "merchantSku": "MUG-1"})).unwrap()
}

fn problem(status: u16, title: &str, code: Option<u32>) -> ResponseTemplate {
    let mut body = json!({"type": "about:blank", "title": title, "status": status, "detail": format!("{title} (detail)"), "instance": "/x"});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/problem+json")
        .insert_header("x-correlation-id", "6f1c2d7e-0000-4000-8000-000000000001")
        .set_body_json(body)
}

/// The error of reading product `sku`, as the facade reports it.
async fn product_error(client: &Client, sku: &str) -> Error {
    client
        .get_product()
        .logistics_sku(sku)
        .send()
        .await
        .unwrap_err()
}

/// The error of creating a product, as the facade reports it.
async fn create_error(client: &Client) -> Error {
    client
        .create_product()
        .body(new_product())
        .send()
        .await
        .unwrap_err()
}

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap();
    all.into_iter().filter(|r| r.url.path() == wanted).collect()
}

#[tokio::test]
async fn every_request_carries_the_bearer_token_and_a_user_agent_naming_the_sdk() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{PREFIX}/products/SKU1")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(product("SKU1")))
        .expect(1)
        .mount(&server)
        .await;
    let product = client(&server)
        .get_product()
        .logistics_sku("SKU1")
        .send()
        .await
        .unwrap();
    assert_eq!(product.logistics_sku, "SKU1");
    let request = &server.received_requests().await.unwrap()[0];
    let agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
    assert!(
        agent.starts_with(concat!("flexport-rs/", env!("CARGO_PKG_VERSION"))),
        "{agent}"
    );
    assert!(
        !request.headers.contains_key("idempotency-key"),
        "a GET needs no key"
    );
}

#[tokio::test]
async fn the_token_never_shows_in_debug_output_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(problem(401, "Unauthorized", None))
        .mount(&server)
        .await;
    let builder = builder(&server);
    assert!(!format!("{builder:?}").contains(TOKEN));
    let client = builder.build::<Client>().unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));
    let error = product_error(&client, "SKU1").await;
    assert_eq!(error.kind(), Some(ErrorKind::Unauthorized));
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback_or_when_allowed() {
    let build = |url: &str| {
        ClientBuilder::new()
            .token(TOKEN)
            .base_url(url)
            .build::<Client>()
    };
    assert!(matches!(
        build("http://api.example.com"),
        Err(ConfigError::InsecureBaseUrl { .. })
    ));
    for url in [
        "https://api.example.com",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        assert!(build(url).is_ok(), "{url}");
    }
    let allowed = ClientBuilder::new()
        .token(TOKEN)
        .base_url("http://api.example.com")
        .allow_insecure_http()
        .build::<Client>();
    assert!(allowed.is_ok());
    assert!(matches!(
        build("ftp://x"),
        Err(ConfigError::InvalidBaseUrl { .. })
    ));
    assert!(matches!(
        build("not a url"),
        Err(ConfigError::InvalidBaseUrl { .. })
    ));
    assert!(matches!(
        ClientBuilder::new().build::<Client>(),
        Err(ConfigError::MissingToken)
    ));
    assert!(matches!(
        ClientBuilder::new().token("bad\ntoken").build::<Client>(),
        Err(ConfigError::InvalidToken(_))
    ));
}

#[tokio::test]
async fn from_env_reads_the_token_and_base_url() {
    // The only test that touches these variables.
    unsafe {
        std::env::remove_var(flexport::TOKEN_ENV_VAR);
    }
    assert!(matches!(
        ClientBuilder::from_env(),
        Err(ConfigError::MissingToken)
    ));
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer from-env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(product("E")))
        .expect(1)
        .mount(&server)
        .await;
    unsafe {
        std::env::set_var(flexport::TOKEN_ENV_VAR, "from-env");
        std::env::set_var("FLEXPORT_BASE_URL", server.uri());
    }
    let client: Client = ClientBuilder::from_env().unwrap().build().unwrap();
    client
        .get_product()
        .logistics_sku("E")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_post_gets_one_idempotency_key_that_every_retry_reuses() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{PREFIX}/products")))
        .respond_with(problem(503, "Service Unavailable", None))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{PREFIX}/products")))
        .and(header_exists("idempotency-key"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("idempotent-replayed", "true")
                .insert_header("x-correlation-id", "c0ffee00-0000-4000-8000-000000000000")
                .set_body_json(product("NEW")),
        )
        .mount(&server)
        .await;
    let created = client(&server)
        .create_product()
        .body(new_product())
        .send()
        .await
        .unwrap();
    assert!(created.idempotent_replayed());
    assert_eq!(
        created.correlation_id(),
        Some("c0ffee00-0000-4000-8000-000000000000")
    );
    let requests = requests_to(&server, &format!("{PREFIX}/products")).await;
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(uuid_v4(keys[0]), "{}", keys[0]);

    let second = client(&server)
        .create_product()
        .body(new_product())
        .send()
        .await
        .unwrap();
    assert!(!second.idempotent_replayed() || second.correlation_id().is_some());
    let last = requests_to(&server, &format!("{PREFIX}/products"))
        .await
        .pop()
        .unwrap();
    assert_ne!(
        last.headers["idempotency-key"].to_str().unwrap(),
        keys[0],
        "a new call gets a new key"
    );
}

fn uuid_v4(key: &str) -> bool {
    key.len() == 36 && key.as_bytes()[14] == b'4' && key.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn a_caller_chosen_key_is_sent_instead() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("idempotency-key", "order-4711"))
        .respond_with(ResponseTemplate::new(200).set_body_json(product("K")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    flexport::with_idempotency_key(
        "order-4711",
        client.create_product().body(new_product()).send(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn other_4xx_are_never_retried_and_get_their_kind_code_and_correlation_id() {
    let cases = [
        (400, ErrorKind::BadRequest, None),
        (401, ErrorKind::Unauthorized, None),
        (403, ErrorKind::Forbidden, Some(405003)),
        (404, ErrorKind::NotFound, None),
        (409, ErrorKind::Conflict, None),
        (422, ErrorKind::UnprocessableEntity, Some(407001)),
        (423, ErrorKind::Locked, None),
    ];
    for (status, kind, code) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(problem(status, "Nope", code))
            .expect(1)
            .mount(&server)
            .await;
        let error = create_error(&client(&server)).await;
        let api = error.api().unwrap_or_else(|| panic!("{status}: {error:?}"));
        assert_eq!((api.status.as_u16(), api.kind), (status, kind));
        assert_eq!(api.code, code.map(ErrorCode::from_number), "{status}");
        let problem = api.problem.as_ref().unwrap();
        assert_eq!(
            (
                problem.title.as_deref(),
                problem.detail.as_deref(),
                problem.instance.as_deref()
            ),
            (Some("Nope"), Some("Nope (detail)"), Some("/x"))
        );
        assert_eq!(
            error.correlation_id(),
            Some("6f1c2d7e-0000-4000-8000-000000000001")
        );
        assert!(api.idempotency_key.is_some(), "the key to retry with");
        assert!(error.to_string().contains("Nope"), "{error}");
    }
}

#[tokio::test]
async fn a_get_is_retried_on_5xx_and_429_and_gives_up_with_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(problem(502, "Bad Gateway", None))
        .expect(3)
        .mount(&server)
        .await;
    let error = product_error(&client(&server), "X").await;
    assert_eq!(error.kind(), Some(ErrorKind::Server));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    // Whether the wait the server asks for fits in the deadline decides
    // whether the call is retried: no clock is read here. (That the wait is
    // never shorter than `Retry-After` is `RetryPolicy`'s unit test.)
    for (retry_after, requests) in [("0", 2), ("1", 1)] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                problem(429, "Too Many Requests", None).insert_header("retry-after", retry_after),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(product("R")))
            .mount(&server)
            .await;
        let client: Client = builder(&server)
            .deadline(Duration::from_millis(900))
            .build()
            .unwrap();
        let result = client.get_product().logistics_sku("R").send().await;
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            requests,
            "Retry-After: {retry_after}"
        );
        assert_eq!(result.is_ok(), requests == 2, "Retry-After: {retry_after}");
    }

    let exhausted = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(problem(429, "Too Many Requests", None).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&exhausted)
        .await;
    let error = product_error(&client(&exhausted), "R").await;
    let api = error.api().unwrap();
    assert_eq!(
        (api.kind, api.retry_after),
        (ErrorKind::TooManyRequests, Some(Duration::from_secs(3600))),
        "a wait past the deadline is not attempted"
    );
}

#[tokio::test]
async fn a_users_retry_rules_make_a_status_final_and_a_code_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{PREFIX}/products/GONE")))
        .respond_with(problem(502, "Bad Gateway", None))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PREFIX}/products/BUSY")))
        .respond_with(problem(409, "Busy", Some(499001)))
        .mount(&server)
        .await;
    let client: Client = builder(&server)
        .retry_classifiers(
            RetryClassifiers::new()
                .status(reqwest::StatusCode::BAD_GATEWAY, RetryDecision::Final)
                .code(499001, RetryDecision::Retry),
        )
        .build()
        .unwrap();
    product_error(&client, "GONE").await;
    product_error(&client, "BUSY").await;
    // Without the rules, the 502 would be sent three times and the 409 once.
    assert_eq!(
        requests_to(&server, &format!("{PREFIX}/products/GONE"))
            .await
            .len(),
        1
    );
    assert_eq!(
        requests_to(&server, &format!("{PREFIX}/products/BUSY"))
            .await
            .len(),
        3
    );

    // No rule makes a POST without a key retryable.
    let unkeyed: Client = builder(&server)
        .idempotency_keys(false)
        .retry_classifiers(RetryClassifiers::new().code(499001, RetryDecision::Retry))
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .respond_with(problem(409, "Busy", Some(499001)))
        .mount(&server)
        .await;
    create_error(&unkeyed).await;
    assert_eq!(
        requests_to(&server, &format!("{PREFIX}/products"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(problem(500, "Oops", None))
        .expect(1)
        .mount(&server)
        .await;
    let client: Client = builder(&server).idempotency_keys(false).build().unwrap();
    let error = create_error(&client).await;
    assert_eq!(error.kind(), Some(ErrorKind::Server));
    assert!(
        !server.received_requests().await.unwrap()[0]
            .headers
            .contains_key("idempotency-key")
    );
}

#[tokio::test]
async fn malformed_bodies_give_typed_errors_that_keep_the_raw_body() {
    let server = MockServer::start().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(path(format!("{PREFIX}/products/HTML")))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string(html),
        )
        .mount(&server)
        .await;
    Mock::given(path(format!("{PREFIX}/products/EMPTY")))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path(format!("{PREFIX}/products/WRONG")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": 3})))
        .mount(&server)
        .await;
    Mock::given(path(format!("{PREFIX}/products/NOTJSON")))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"name\": "))
        .mount(&server)
        .await;
    let client: Client = builder(&server).max_attempts(1).build().unwrap();

    let error = product_error(&client, "HTML").await;
    let api = error.api().unwrap();
    assert_eq!(
        (api.kind, api.problem.is_none(), api.body.as_ref()),
        (ErrorKind::Server, true, html.as_bytes())
    );
    assert!(error.to_string().contains("not problem+json"), "{error}");

    let error = product_error(&client, "EMPTY").await;
    assert_eq!(
        (error.kind(), error.api().unwrap().body.is_empty()),
        (Some(ErrorKind::NotFound), true)
    );

    for sku in ["WRONG", "NOTJSON"] {
        match product_error(&client, sku).await {
            Error::InvalidResponse(invalid) => {
                assert_eq!(invalid.status, 200);
                assert!(!invalid.body.is_empty(), "{sku}");
            }
            other => panic!("{sku}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_a_dead_port_a_transport_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(product("S"))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client: Client = builder(&server)
        .timeout(Duration::from_millis(50))
        .max_attempts(2)
        .build()
        .unwrap();
    let error = product_error(&client, "S").await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "timeouts are retried"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client: Client = ClientBuilder::new()
        .token(TOKEN)
        .base_url(url)
        .max_attempts(2)
        .build()
        .unwrap();
    let error = product_error(&client, "S").await;
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}

#[tokio::test]
async fn the_deadline_bounds_a_call_across_its_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(problem(503, "Unavailable", None))
        .mount(&server)
        .await;
    let client: Client = builder(&server)
        .retry_policy(RetryPolicy {
            max_attempts: 1000,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(100),
            deadline: Some(Duration::from_secs(2)),
        })
        .build()
        .unwrap();
    let error = product_error(&client, "D").await;
    assert_eq!(error.kind(), Some(ErrorKind::Server));
    let attempts = server.received_requests().await.unwrap().len();
    assert!(
        (2..=40).contains(&attempts),
        "{attempts} attempts: a 2 s deadline allows at most 40 waits of 50-100 ms, not 1,000 attempts"
    );
}

/// The client the builder makes carries the attempt timeout itself, and an
/// attempt gets a timeout of its own only when the deadline is nearer: this
/// one must be cut by the deadline, long before the server's answer.
#[tokio::test]
async fn a_deadline_nearer_than_the_attempt_timeout_cuts_the_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(product("N"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client: Client = builder(&server)
        .timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy {
            deadline: Some(Duration::from_millis(300)),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let error = product_error(&client, "N").await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn partner_oauth_builds_the_authorization_url_and_exchanges_a_code() {
    let server = MockServer::start().await;
    let app =
        flexport::oauth::OAuthApp::new("app-id", "app-secret", "https://partner.example/callback")
            .base_url(server.uri());
    let url = app
        .authorization_url::<Client>(&["orders:read", "orders:write"], "xyz")
        .unwrap();
    assert_eq!(url.path(), format!("{PREFIX}/oauth/authorize"));
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "app-id");
    assert_eq!(query["scope"], "orders:read orders:write");
    assert_eq!(query["redirect_uri"], "https://partner.example/callback");
    assert_eq!(query["state"], "xyz");

    Mock::given(method("POST"))
        .and(path(format!("{PREFIX}/oauth/token")))
        .and(header("authorization", "Basic YXBwLWlkOmFwcC1zZWNyZXQ="))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=good-code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "partner-token", "logisticsAccountId": "acct-1"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{PREFIX}/oauth/token")))
        .and(body_string_contains("code=used-code"))
        .respond_with(problem(400, "Invalid, expired or used code", Some(405005)))
        .expect(1)
        .mount(&server)
        .await;
    let token = app.exchange_code::<Client>("good-code").await.unwrap();
    assert_eq!(token.logistics_account_id, "acct-1");
    assert!(!format!("{token:?}").contains("partner-token"));
    let error = app.exchange_code::<Client>("used-code").await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidAuthorizationCode));
}

#[tokio::test]
async fn offset_paged_lists_stream_every_item_until_an_empty_page() {
    let server = MockServer::start().await;
    let all: Vec<Value> = (0..23).map(|i| product(&format!("P{i}"))).collect();
    let pages = all.clone();
    Mock::given(method("GET"))
        .and(path(format!("{PREFIX}/products")))
        // The 2024-04 document types `limit` and `offset` as numbers; the
        // paging-integers pass makes them integers, so no `5.0` goes out.
        .and(query_param("limit", "5"))
        .respond_with(move |request: &Request| {
            let offset: usize = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "offset")
                .unwrap()
                .1
                .parse()
                .unwrap();
            let page: Vec<Value> = pages.iter().skip(offset).take(5).cloned().collect();
            ResponseTemplate::new(200).set_body_json(page)
        })
        .mount(&server)
        .await;
    let client = client(&server);
    let skus: Vec<String> = client
        .get_products()
        .stream_all(5)
        .map_ok(|p| p.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(skus, (0..23).map(|i| format!("P{i}")).collect::<Vec<_>>());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        6,
        "five pages and one empty page"
    );
}

#[test]
fn webhook_events_parse_into_their_variants_and_unknown_types_are_kept() {
    use flexport::v2024_04::webhooks::Event;
    let received = json!({
        "logisticsAccountId": "acct-1", "logisticsEventId": "evt-1", "logisticsEventType": "inbound.received",
        "logisticsEventTime": "2024-04-01T00:00:00Z", "type": "SELLABLE", "amount": 12, "shipmentItemId": 7
    });
    let event: Event = flexport::webhooks::parse(received.to_string().as_bytes()).unwrap();
    match &event {
        Event::InboundReceived(payload) => {
            assert_eq!(
                (payload.amount, payload.shipment_item_id.as_str()),
                (12, "7")
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(event.event_type(), "InboundReceived");

    let unknown = json!({"logisticsEventType": "WarehouseOnFire", "logisticsEventId": "evt-2", "smoke": true});
    match flexport::webhooks::parse::<Event>(unknown.to_string().as_bytes()).unwrap() {
        Event::Unknown {
            event_type,
            payload,
        } => assert_eq!(
            (event_type.as_str(), &payload),
            ("WarehouseOnFire", &unknown)
        ),
        other => panic!("{other:?}"),
    }

    let broken = json!({"logisticsEventType": "InboundReceived", "amount": "twelve"});
    let error = flexport::webhooks::parse::<Event>(broken.to_string().as_bytes()).unwrap_err();
    assert_eq!(error.event_type.as_deref(), Some("InboundReceived"));
    assert_eq!(error.body, broken.to_string().into_bytes());
    for body in [&b"<html>"[..], b"{}", b""] {
        assert!(
            flexport::webhooks::parse::<Event>(body).is_err(),
            "{body:?}"
        );
    }
}

/// A generated `send()` fails with `flexport::Error` itself (the binding's
/// type is the check: no conversion is written here), and that error names
/// the idempotency key the request carried.
#[tokio::test]
async fn a_generated_send_fails_with_flexport_error_naming_its_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(problem(409, "Duplicate", None))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let sent: Result<_, flexport::Error> = flexport::with_idempotency_key(
        "product-4712",
        client.create_product().body(new_product()).send(),
    )
    .await;
    let error = sent.unwrap_err();
    assert_eq!(error.idempotency_key(), Some("product-4712"));
    assert_eq!(error.kind(), Some(ErrorKind::Conflict));
}

/// `?` turns a builder's conversion error into `flexport::Error`, naming the
/// missing field; a body made in `body_map` that lacks a field fails
/// `send()` the same way, nested fields by their path, before anything is
/// sent.
#[tokio::test]
async fn a_body_missing_a_required_field_is_an_invalid_request_naming_it() {
    fn address() -> Result<types::AddressInput, flexport::Error> {
        Ok(types::AddressInput::builder()
            .address1("1 Main St")
            .country_code("US")
            .try_into()?)
    }
    let error = address().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(reason) if reason.contains("city")),
        "{error}"
    );
    assert!(!error.may_have_acted() && !error.is_retryable());

    let server = MockServer::start().await;
    let client = client(&server);
    let sent: Result<_, flexport::Error> = client
        .create_order()
        .body_map(|order| {
            order.external_order_id("ORDER-1").address(
                types::AddressInput::builder()
                    .address1("1 Main St")
                    .country_code("US"),
            )
        })
        .send()
        .await;
    let error = sent.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(reason) if reason.contains("address") && reason.contains("city")),
        "{error}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}
