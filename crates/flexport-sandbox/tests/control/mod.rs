//! What the tests of the sandbox's control endpoints share: plain HTTP to
//! one version's paths and to `/sandbox/...`, and a webhook receiver.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use flexport_sandbox::Sandbox;
use serde_json::{Value, json};

pub struct Api {
    pub http: reqwest::Client,
    pub root: String,
    pub base: String,
    pub token: String,
}

/// A status and a JSON body (`Null` when empty or not JSON).
pub type Answer = (u16, Value);

impl Api {
    pub fn new(sandbox: &Sandbox, version: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            root: sandbox.base_url(),
            base: format!("{}/logistics/api/{version}", sandbox.base_url()),
            token: sandbox.token().to_owned(),
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    pub async fn post_empty(&self, path: &str) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)))
            .await
    }

    /// GET `path`, which must answer 200.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
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

    pub async fn advance(&self, seconds: f64) -> Answer {
        self.control(
            reqwest::Method::POST,
            "/sandbox/clock/advance",
            Some(json!({"seconds": seconds})),
        )
        .await
    }

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

    pub async fn inbound(&self, sku: &str, quantity: i64) -> String {
        let (status, shipment) = self
            .post(
                "/inbounds/shipments",
                json!({
                    "from": {"address1": "1 Main St", "city": "Reno", "countryCode": "US",
                             "provinceCode": "NV", "zip": "89501"},
                    "items": [{"logisticsSku": sku, "quantity": quantity}],
                    "prep": {"boxContentLabels": false},
                }),
            )
            .await;
        assert_eq!(status, 200, "{shipment}");
        shipment["id"].as_str().unwrap().to_owned()
    }

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

/// A server on 127.0.0.1 that answers 200 to every webhook delivery and
/// keeps the bodies, in the order they arrived.
pub struct Receiver {
    pub url: String,
    pub bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let kept = bodies.clone();
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, bodies }
    }

    pub fn event_ids(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter_map(|body| body["logisticsEventId"].as_str().map(str::to_owned))
            .collect()
    }
}
