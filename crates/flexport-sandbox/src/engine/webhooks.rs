use flexport_logistics_2024_04::types;

use super::{Writer, required};
use crate::engine::DomainError;
use crate::state::{Data, StateChange, numeric_id};

pub fn create(
    w: &mut Writer<'_>,
    input: types::WebhookCreateModel,
) -> Result<types::WebhookModel, DomainError> {
    required("type", &input.type_)?;
    // The generated enums decode undeclared values (for forward compatibility
    // of responses); as a server, the sandbox refuses them like Flexport.
    if let types::WebhookRequestMethod::UnknownValue(value) = &input.method {
        return Err(DomainError::invalid_field(
            "method",
            format!("`{value}` is not a method"),
        ));
    }
    if let Some(types::WebhookAuthType::UnknownValue(value)) = &input.auth_method {
        return Err(DomainError::invalid_field(
            "authMethod",
            format!("`{value}` is not an auth method"),
        ));
    }
    match url::Url::parse(&input.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => {
            return Err(DomainError::invalid_field(
                "url",
                "must be an absolute http or https URL",
            ));
        }
    }
    let data = w.data();
    if data
        .webhooks
        .values()
        .any(|webhook| webhook.type_ == input.type_ && webhook.url == input.url)
    {
        return Err(DomainError::conflict(format!(
            "a webhook for `{}` events to {} exists",
            input.type_, input.url
        )));
    }
    let webhook = types::WebhookModel {
        auth_method: input.auth_method,
        id: Data::next_id(&data.webhooks).to_string(),
        method: input.method,
        password: input.password,
        token: input.token,
        token_header: input.token_header,
        type_: input.type_,
        url: input.url,
        username: input.username,
    };
    w.apply(StateChange::Webhook(Box::new(webhook.clone())));
    Ok(webhook)
}

pub fn delete(w: &mut Writer<'_>, webhook_id: String) -> Result<(), DomainError> {
    if !w.data().webhooks.contains_key(&numeric_id(&webhook_id)) {
        return Err(DomainError::not_found("webhook", &webhook_id));
    }
    w.apply(StateChange::WebhookDeleted { id: webhook_id });
    Ok(())
}
