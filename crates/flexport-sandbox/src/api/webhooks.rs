use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, required};
use crate::problem::Problem;
use crate::state::{Change, Data, Store, Transaction, numeric_id};

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::WebhookCreateModel>,
) -> Reply<types::WebhookModel> {
    required("type", &input.type_)?;
    // The generated enums decode undeclared values (for forward compatibility
    // of responses); as a server, the sandbox refuses them like Flexport.
    if let types::WebhookRequestMethod::UnknownValue(value) = &input.method {
        return Err(Problem::invalid_field(
            "method",
            format!("`{value}` is not a method"),
        ));
    }
    if let Some(types::WebhookAuthType::UnknownValue(value)) = &input.auth_method {
        return Err(Problem::invalid_field(
            "authMethod",
            format!("`{value}` is not an auth method"),
        ));
    }
    match url::Url::parse(&input.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => {
            return Err(Problem::invalid_field(
                "url",
                "must be an absolute http or https URL",
            ));
        }
    }
    let id = {
        let data = store.read();
        if data
            .webhooks
            .values()
            .any(|webhook| webhook.type_ == input.type_ && webhook.url == input.url)
        {
            return Err(Problem::conflict(format!(
                "a webhook for `{}` events to {} exists",
                input.type_, input.url
            )));
        }
        Data::next_id(&data.webhooks)
    };
    let webhook = types::WebhookModel {
        auth_method: input.auth_method,
        id: id as f64,
        method: input.method,
        password: input.password,
        token: input.token,
        token_header: input.token_header,
        type_: input.type_,
        url: input.url,
        username: input.username,
    };
    store.apply(&tx, Change::Webhook(webhook.clone()));
    Ok(axum::Json(webhook))
}

pub async fn list(State(store): State<Arc<Store>>) -> Reply<Vec<types::WebhookModel>> {
    Ok(axum::Json(
        store.read().webhooks.values().cloned().collect(),
    ))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(webhook_id): Path<String>,
) -> Reply<types::WebhookModel> {
    store
        .read()
        .webhooks
        .get(&numeric_id(&webhook_id))
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| Problem::not_found("webhook", &webhook_id))
}

pub async fn delete(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    Path(webhook_id): Path<String>,
) -> Result<StatusCode, Problem> {
    if !store.read().webhooks.contains_key(&numeric_id(&webhook_id)) {
        return Err(Problem::not_found("webhook", &webhook_id));
    }
    store.apply(&tx, Change::WebhookDeleted { id: webhook_id });
    Ok(StatusCode::NO_CONTENT)
}
