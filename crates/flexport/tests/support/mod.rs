//! What the facade's test files share (`mod support;`): servers on
//! 127.0.0.1 that play production's list behaviour (capped and short pages,
//! the API gateway's 504, `Link` cursors, a cursor that goes bad), clients
//! of them and of the sandbox, and [`api_error`].

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use flexport::{ClientBuilder, Error, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const PRODUCTS: &str = "/logistics/api/2024-04/products";
pub const RETURNS: &str = "/logistics/api/2024-04/returns";

pub fn product(n: usize) -> Value {
    json!({"name": "Mug", "logisticsSku": format!("P{n}"), "merchantSku": format!("M{n}"), "barcodes": [], "dimsLocked": false})
}

/// A query parameter as a number, whether it went out as `5` or `5.0`.
pub fn number(request: &Request, name: &str) -> usize {
    request
        .url
        .query_pairs()
        .find(|(key, _)| key == name)
        .and_then(|(_, value)| value.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no numeric `{name}` in {}", request.url)) as usize
}

/// A builder of clients of `sandbox` (any version), with `max_attempts`
/// attempts and quick retries (1 to 5 ms apart).
pub fn sandbox_builder(sandbox: &flexport_sandbox::Sandbox, max_attempts: u32) -> ClientBuilder {
    ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy {
            max_attempts,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
}

/// The API error a call ended in; panics on a success or another error.
pub fn api_error<T, E: Into<Error>>(result: Result<T, E>) -> flexport::ApiError {
    match result.map_err(Into::into) {
        Err(Error::Api(error)) => *error,
        Err(other) => panic!("expected an API error, got {other:?}"),
        Ok(_) => panic!("expected an API error, got a success"),
    }
}

/// A 2024-04 client of `base_url` with quick retries (3 attempts).
#[cfg(feature = "v2024-04")]
pub fn client(base_url: &str) -> flexport::v2024_04::Client {
    flexport::ClientBuilder::new()
        .token("t")
        .base_url(base_url)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            deadline: None,
        })
        .build()
        .unwrap()
}

/// The API gateway's answer when the service is slower than its limit.
pub fn gateway_timeout() -> ResponseTemplate {
    ResponseTemplate::new(504)
        .insert_header("content-type", "application/json")
        .insert_header("x-amz-apigw-id", "Qk3xYFk9IAMF0sA=")
        .insert_header("x-amzn-errortype", "IntegrationTimeout")
        .set_body_string(r#"{"message": "Endpoint request timed out"}"#)
}

/// Serves `total` products by offset and limit, capping `limit` at `cap`;
/// `fail(offset, limit, attempt)` may answer instead. Counts requests.
pub async fn products_server(
    total: usize,
    cap: usize,
    fail: impl Fn(usize, usize, usize) -> Option<ResponseTemplate> + Send + Sync + 'static,
) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    Mock::given(method("GET"))
        .and(path(PRODUCTS))
        .respond_with(move |request: &Request| {
            let attempt = count.fetch_add(1, Ordering::SeqCst);
            let (offset, limit) = (number(request, "offset"), number(request, "limit"));
            if let Some(failure) = fail(offset, limit, attempt) {
                return failure;
            }
            let page: Vec<Value> = (offset..total).take(limit.min(cap)).map(product).collect();
            ResponseTemplate::new(200).set_body_json(page)
        })
        .mount(&server)
        .await;
    (server, requests)
}

pub fn return_order(n: usize) -> Value {
    json!({
        "id": n, "status": "CREATED", "rma": format!("RMA-{n}"), "externalReturnId": format!("RET-{n}"),
        "returnItems": [],
        "shippingLabel": {"carrier": "UPS", "trackingCode": format!("1Z{n}"), "trackingStatus": "CREATED"},
    })
}

/// The opaque cursor of the page that starts at item `start`: base64 JSON
/// as production's, so it holds `+`, `/` and `=` and must be percent-encoded
/// in a URL.
pub fn cursor(start: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!(r#"{{"after":"~~{start:04}??>"}}"#))
}

fn cursor_start(given: &str) -> Option<usize> {
    (0..10_000).find(|start| cursor(*start) == given)
}

/// Serves `total` returns by `limit` and `page_info`, each page's `Link`
/// header naming the next with a relative target, the cursor
/// percent-encoded, `page_info` before `limit`, after a `rel="prev"` link
/// with a quoted title holding `,` and `;`. While `bad` is set, the page
/// at item `bad_at` answers 500 every time. Records the cursors received.
pub struct ReturnsServer {
    pub server: MockServer,
    pub bad: Arc<AtomicBool>,
    pub requests: Arc<AtomicUsize>,
}

pub async fn returns_server(total: usize, bad_at: Option<usize>) -> ReturnsServer {
    let server = MockServer::start().await;
    let bad = Arc::new(AtomicBool::new(bad_at.is_some()));
    let requests = Arc::new(AtomicUsize::new(0));
    let (is_bad, count) = (bad.clone(), requests.clone());
    Mock::given(method("GET"))
        .and(path(RETURNS))
        .respond_with(move |request: &Request| {
            count.fetch_add(1, Ordering::SeqCst);
            let limit = number(request, "limit");
            let start = match request.url.query_pairs().find(|(k, _)| k == "page_info") {
                None => 0,
                Some((_, given)) => match cursor_start(&given) {
                    Some(start) => start,
                    None => return ResponseTemplate::new(400).set_body_string("bad cursor"),
                },
            };
            if is_bad.load(Ordering::SeqCst) && Some(start) == bad_at {
                return ResponseTemplate::new(500)
                    .insert_header("content-type", "application/problem+json")
                    .set_body_json(json!({"type": "about:blank", "title": "Internal Server Error"}));
            }
            let page: Vec<Value> = (start..total).take(limit).map(return_order).collect();
            let mut response = ResponseTemplate::new(200).set_body_json(&page);
            let end = start + page.len();
            if end < total {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(cursor(end).as_bytes()).collect();
                response = response.insert_header(
                    "link",
                    format!(
                        r#"<?page_info={}&limit={limit}>; rel="prev"; title="back, please; now", <?page_info={encoded}&limit={limit}>; rel="next""#,
                        url::form_urlencoded::byte_serialize(cursor(0).as_bytes()).collect::<String>()
                    )
                    .as_str(),
                );
            }
            response
        })
        .mount(&server)
        .await;
    ReturnsServer {
        server,
        bad,
        requests,
    }
}

/// A keep-alive HTTP/1.1 server that answers `GET …/products/{sku}` with
/// a product when the request carries `Authorization: Bearer {accepted}`,
/// else 401 problem+json. Counts the TCP connections it accepted and
/// records the tokens it was sent.
pub struct TokenServer {
    pub url: String,
    pub accepted: Arc<std::sync::Mutex<String>>,
    pub connections: Arc<AtomicUsize>,
    pub seen: Arc<std::sync::Mutex<Vec<String>>>,
}

pub async fn token_server(accepted: &str) -> TokenServer {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::Mutex::new(accepted.to_owned()));
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = TokenServer {
        url,
        accepted: accepted.clone(),
        connections: connections.clone(),
        seen: seen.clone(),
    };
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let (accepted, seen) = (accepted.clone(), seen.clone());
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let token = request
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .unwrap_or_default()
                        .to_owned();
                    seen.lock().unwrap().push(token.clone());
                    let ok = token == *accepted.lock().unwrap();
                    let sku = request
                        .uri()
                        .path()
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    async move {
                        let (status, content_type, body) = if ok {
                            (
                                200,
                                "application/json",
                                product(0).to_string().replace("P0", &sku),
                            )
                        } else {
                            (
                                401,
                                "application/problem+json",
                                json!({"type": "about:blank", "title": "Unauthorized"}).to_string(),
                            )
                        };
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", content_type)
                                .body(Full::new(Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                },
            );
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    server
}

/// Freight (`unstable`): a pallets quote, and an order booked from it.
#[cfg(feature = "unstable")]
pub mod freight {
    use flexport::unstable::{Client, ResponseValue, prelude::*, types};

    /// A quote for two pallets from 94607 to 89501 (which must succeed).
    pub async fn pallets_quote(client: &Client) -> types::LtlQuoteResponse {
        client
            .create_pallets_quote()
            .body_map(|quote| {
                quote
                    .pallet_count(2_u64)
                    .pickup_details(types::QuoteLocationDetails::builder().zip("94607"))
                    .delivery_details(types::QuoteLocationDetails::builder().zip("89501"))
            })
            .send()
            .await
            .unwrap()
            .into_inner()
    }

    /// Books `quote`'s two pallets, picked up now.
    pub async fn pallets_order(
        client: &Client,
        quote: &types::LtlQuoteResponse,
    ) -> Result<ResponseValue<types::LtlOrderResponse>, flexport::Error> {
        let address = |street: &str, zip: &str| {
            types::FreightAddress::builder()
                .street1(street)
                .city("Reno")
                .zip(zip)
                .state("NV")
                .country("US")
        };
        let contact = || {
            types::Contact::builder()
                .first_name("Ada")
                .last_name("Lane")
                .phone("555-0100")
                .email("ada@example.com")
        };
        let pallet: types::PackageDetails = types::PackageDetails::builder()
            .pallet_count(2_u64)
            .length(48.0)
            .width(40.0)
            .height(50.0)
            .weight(400.0)
            .try_into()
            .unwrap();
        client
            .create_pallets_order()
            .body_map(|order| {
                order
                    // A request body sends the id as the number the document
                    // declares; the answer gave it as text.
                    .quote_id(quote.id.parse::<u64>().unwrap())
                    .pallets(vec![pallet])
                    .delivery_details(
                        types::OrderDeliveryDetails::builder()
                            .address(address("1 Dock Rd", "89501"))
                            .contact(contact()),
                    )
                    .pickup_details(
                        types::OrderPickupDetails::builder()
                            .cargo_ready_date(chrono::Utc::now())
                            .address(address("2 Mill St", "94607"))
                            .contact(contact()),
                    )
            })
            .send()
            .await
    }
}

/// `value` as the request type `T`; panics when it does not fit.
pub fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// Fixtures of the sandbox through one version's client: `sandbox_fixtures!(module, "feature")`.
macro_rules! sandbox_fixtures {
    ($version:ident, $feature:tt) => {
        /// Fixtures of the sandbox through this version's client.
        #[cfg(feature = $feature)]
        pub mod $version {
            use flexport::$version::{Client, prelude::*, types};
            use serde_json::json;

            /// `units` of `sku` received into stock: an inbound shipment,
            /// polled every 20 ms until it is completed (panics after 30 s).
            pub async fn received(
                client: &Client,
                sku: &str,
                units: i32,
            ) -> types::InboundShipmentResponseV4 {
                let shipment = client
                    .create_inbounding_shipment()
                    .body(super::body::<types::CreateInboundShipmentRequest>(json!({
                        "from": {"address1": "1 A St", "city": "LA", "provinceCode": "CA",
                                 "zip": "90001", "countryCode": "US"},
                        "prep": {"boxContentLabels": false},
                        "items": [{"logisticsSku": sku, "quantity": units}],
                    })))
                    .send()
                    .await
                    .unwrap()
                    .into_inner();
                for _ in 0..1500 {
                    let now = client
                        .get_inbounding_shipment()
                        .shipment_id(&shipment.id)
                        .send()
                        .await
                        .unwrap()
                        .into_inner();
                    if now.status == types::LogisticsInboundShipmentStatus::Completed {
                        return now;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                panic!("inbound shipment {} was not received", shipment.id);
            }

            /// A buyer's address in Reno.
            pub fn address() -> types::builder::DeliverrAddress {
                types::DeliverrAddress::builder()
                    .name("Ada Buyer")
                    .street1("1 Main St")
                    .city("Reno")
                    .state("NV")
                    .zip("89501")
                    .country("US")
            }
        }
    };
}

sandbox_fixtures!(v2024_04, "v2024-04");
sandbox_fixtures!(unstable, "unstable");
