//! Delivers events to the webhooks registered for their type.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use flexport_logistics_2024_04::types::{WebhookAuthType, WebhookModel, WebhookRequestMethod};
use flexport_runtime::webhooks::event_key;

use crate::state::Event;
use crate::store::Store;

static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a plain reqwest client builds")
});

/// Whether `webhook` subscribed to events of `event_type` (`*` takes all;
/// `InboundReceived`, `inbound_received` and `inbound.received` are one type).
pub fn subscribed(webhook: &WebhookModel, event_type: &str) -> bool {
    webhook.type_ == "*" || event_key(&webhook.type_) == event_key(event_type)
}

/// Sends each event to every subscribed webhook, in the background, trying
/// each delivery up to three times.
pub fn deliver(store: &Arc<Store>, events: Vec<Event>) {
    for delivery in deliveries(store, events) {
        tokio::spawn(delivery);
    }
}

/// Like [`deliver`], but returns once every delivery has been answered or
/// given up on.
pub async fn deliver_all(store: &Arc<Store>, events: Vec<Event>) {
    futures::future::join_all(deliveries(store, events)).await;
}

fn deliveries(
    store: &Arc<Store>,
    events: Vec<Event>,
) -> Vec<impl std::future::Future<Output = ()> + Send + 'static> {
    let mut deliveries = Vec::new();
    for event in events {
        let targets: Vec<WebhookModel> = store
            .read()
            .webhooks
            .values()
            .filter(|webhook| subscribed(webhook, event.event_type))
            .cloned()
            .collect();
        for webhook in targets {
            let payload = event.payload.clone();
            deliveries.push(async move {
                for attempt in 0..3u32 {
                    match send(&webhook, &payload).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::debug!(url = webhook.url, %error, attempt, "webhook delivery failed")
                        }
                    }
                    if attempt < 2 {
                        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    }
                }
            });
        }
    }
    deliveries
}

async fn send(webhook: &WebhookModel, payload: &serde_json::Value) -> reqwest::Result<()> {
    let request = match webhook.method {
        WebhookRequestMethod::Put => HTTP.put(&webhook.url),
        // `api::webhooks::create` refuses undeclared methods.
        WebhookRequestMethod::Post | WebhookRequestMethod::UnknownValue(_) => {
            HTTP.post(&webhook.url)
        }
    };
    let request = match webhook.auth_method {
        Some(WebhookAuthType::BasicAuth) => request.basic_auth(
            webhook.username.clone().unwrap_or_default(),
            webhook.password.clone(),
        ),
        Some(WebhookAuthType::Token) => request.header(
            webhook.token_header.as_deref().unwrap_or("Authorization"),
            webhook.token.clone().unwrap_or_default(),
        ),
        // `api::webhooks::create` refuses undeclared auth types.
        Some(WebhookAuthType::None | WebhookAuthType::UnknownValue(_)) | None => request,
    };
    request.json(payload).send().await?.error_for_status()?;
    Ok(())
}
