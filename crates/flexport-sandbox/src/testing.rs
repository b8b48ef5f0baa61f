//! What tests against the sandbox share, the sandbox's own and those of
//! code that uses it (the `flexport` facade's among them): plain HTTP to one
//! version's paths and to `/sandbox/...` ([`Api`]), and a webhook receiver
//! ([`Receiver`]).
//!
//! These are test helpers: each method panics, naming the request, when the
//! request cannot be sent or an answer it insists on (as [`Api::ok`]'s 200)
//! does not come, so that a test fails where the sandbox misbehaved.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::{Config, DURATIONS, Sandbox};

/// [`Config::default`] with every timed step of [`DURATIONS`] (those named
/// `..._after`: receiving, shipping, reports, parcel and return steps, bulk
/// jobs, quotes, freight) taking `step`; expiries stay as they are.
pub fn steps_after(step: Duration) -> Config {
    let mut config = Config::default();
    for setting in DURATIONS
        .iter()
        .filter(|setting| setting.name.ends_with("_after"))
    {
        (setting.set)(&mut config, step);
    }
    config
}

/// A status and a JSON body (`Null` when empty).
pub type Answer = (u16, Value);

/// An answer with its headers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// `Null` when empty.
    pub body: Value,
}

/// Plain HTTP, with the sandbox's token, to one version's paths
/// (`/logistics/api/{version}/...`) and to the sandbox's own.
#[derive(Debug, Clone)]
pub struct Api {
    pub http: reqwest::Client,
    /// The sandbox's base URL (`http://127.0.0.1:PORT`).
    pub root: String,
    /// The version's paths: `{root}/logistics/api/{version}`.
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(sandbox: &Sandbox, version: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            root: sandbox.base_url(),
            base: format!("{}/logistics/api/{version}", sandbox.base_url()),
            token: sandbox.token().to_owned(),
        }
    }

    /// Sends `request` with the token; panics when no answer comes or its
    /// body is neither empty nor JSON.
    pub async fn reply(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|error| panic!("the sandbox did not answer: {error}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .unwrap_or_else(|error| panic!("the answer's body was cut: {error}"));
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// [`Api::reply`]'s status and body.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let reply = self.reply(request).await;
        (reply.status, reply.body)
    }

    /// `method` to `path` of the version (or to `path` itself, when it is a
    /// whole URL, as a `Link` header gives), with `body` as JSON.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.reply(request).await
    }

    async fn answer(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let reply = self.call(method, path, body).await;
        (reply.status, reply.body)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.answer(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.answer(reqwest::Method::POST, path, Some(body)).await
    }

    /// POST `path` with no body.
    pub async fn post_empty(&self, path: &str) -> Answer {
        self.answer(reqwest::Method::POST, path, None).await
    }

    /// POST `path` with `body` as it is, said to be JSON: a cut or
    /// malformed body, which [`Api::post`] cannot send.
    pub async fn post_bytes(&self, path: &str, body: &'static [u8]) -> Answer {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        self.send(request).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.answer(reqwest::Method::PATCH, path, Some(body)).await
    }

    /// GET `path`, which must answer 200.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// GET `path` (which must answer 200) every 20 ms until `done` holds of
    /// its body; panics after 30 seconds.
    pub async fn until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1500 {
            let body = self.ok(path).await;
            if done(&body) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("GET {path} never answered what was awaited")
    }

    /// A request to the sandbox's own paths (`/sandbox/clock`, ...).
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.root));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Moves a manual clock `seconds` on.
    pub async fn advance(&self, seconds: f64) -> Answer {
        self.control(
            reqwest::Method::POST,
            "/sandbox/clock/advance",
            Some(json!({"seconds": seconds})),
        )
        .await
    }

    /// Creates a product (`CreateProduct`, which must succeed); its
    /// logistics SKU.
    pub async fn product(&self, merchant_sku: &str) -> String {
        let (status, product) = self
            .post(
                "/products",
                json!({"name": "Mug", "merchantSku": merchant_sku}),
            )
            .await;
        assert_eq!(status, 200, "{product}");
        product["logisticsSku"].as_str().unwrap().to_owned()
    }

    /// Creates an inbound shipment of `quantity` units of `sku` (which must
    /// succeed); its id.
    pub async fn inbound(&self, sku: &str, quantity: i64) -> String {
        self.inbound_of(json!({
            "from": {"address1": "1 Main St", "city": "Reno", "countryCode": "US",
                     "provinceCode": "NV", "zip": "89501"},
            "items": [{"logisticsSku": sku, "quantity": quantity}],
            "prep": {"boxContentLabels": false},
        }))
        .await
    }

    /// Creates the inbound shipment `body` describes (which must succeed);
    /// its id.
    pub async fn inbound_of(&self, body: Value) -> String {
        let (status, shipment) = self.post("/inbounds/shipments", body).await;
        assert_eq!(status, 200, "{shipment}");
        shipment["id"].as_str().unwrap().to_owned()
    }

    /// Places an order of `quantity` units of `sku` (which must succeed).
    pub async fn order(&self, external_id: &str, sku: &str, quantity: i64) -> Value {
        let (status, order) = self
            .post(
                "/orders",
                json!({
                    "externalOrderId": external_id,
                    "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
                    "lineItems": [{"logisticsSku": sku, "quantity": quantity}],
                }),
            )
            .await;
        assert_eq!(status, 200, "{order}");
        order
    }
}

/// A server on 127.0.0.1 that answers 200 to every webhook delivery, at any
/// path, and keeps the bodies as they were sent, in the order they arrived.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// Where to deliver (`http://127.0.0.1:PORT/hook`).
    pub url: String,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let kept = received.clone();
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move { kept.lock().unwrap().push(body.to_vec()) }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port on 127.0.0.1");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, received }
    }

    /// The bodies received so far, byte for byte.
    pub fn bodies(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }

    /// The bodies received so far as JSON (`Null` for one that is not).
    pub fn json(&self) -> Vec<Value> {
        self.bodies()
            .iter()
            .map(|body| serde_json::from_slice(body).unwrap_or(Value::Null))
            .collect()
    }

    /// The `logisticsEventId` of each body that has one.
    pub fn event_ids(&self) -> Vec<String> {
        self.json()
            .iter()
            .filter_map(|body| body["logisticsEventId"].as_str().map(str::to_owned))
            .collect()
    }
}
