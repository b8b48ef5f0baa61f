//! Code appended to every generated client, beyond what progenitor emits:
//! the `ClientHooks` impl that runs requests through `flexport_runtime`'s
//! pipeline, `Paged` for list operations ([`crate::paging`]), and a
//! `webhooks::Event` enum.
//!
//! Each is derived from the (normalized) document by a general rule, so a new
//! API version gets them without a line of hand-written code.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::refs;

/// Everything this module adds, for the document `generate` was given.
pub fn tokens(document: &Value) -> TokenStream {
    let hooks = hooks();
    let paged = crate::paging::tokens(document);
    let webhooks = webhook_events(document).map(|events| events.tokens());
    quote! { #hooks #paged #webhooks }
}

/// Makes every generated `ResponseValue::from_response(..)` call
/// `flexport_runtime::decode(..)` instead, which keeps an undecodable body's
/// status, headers and reason (progenitor's own keeps only the bytes).
///
/// A token rewrite of one path, the same for every operation: the two
/// functions have the same signature, so the generated code type-checks
/// unchanged around it.
pub fn decode_through_runtime(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let is_path = |at: usize, text: &str| matches!(tokens.get(at), Some(TokenTree::Ident(ident)) if ident == text);
        let is_colons = |at: usize| {
            matches!(
                (tokens.get(at), tokens.get(at + 1)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                    if a.as_char() == ':' && b.as_char() == ':'
            )
        };
        if is_path(i, "ResponseValue") && is_colons(i + 1) && is_path(i + 3, "from_response") {
            out.extend(quote!(flexport_runtime::decode));
            i += 4;
            continue;
        }
        out.push(match &tokens[i] {
            TokenTree::Group(group) => {
                let mut rewritten =
                    Group::new(group.delimiter(), decode_through_runtime(group.stream()));
                rewritten.set_span(group.span());
                TokenTree::Group(rewritten)
            }
            other => other.clone(),
        });
        i += 1;
    }
    out.into_iter().collect()
}

/// `ClientHooks` for the generated `Client`, whose inner value is the pipeline.
fn hooks() -> TokenStream {
    quote! {
        impl progenitor_client::ClientHooks<flexport_runtime::Pipeline> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &progenitor_client::OperationInfo,
            ) -> std::result::Result<(), progenitor_client::Error<E>> {
                self.inner
                    .prepare(request)
                    .map_err(progenitor_client::Error::InvalidRequest)
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner.execute(&self.client, request, info.operation_id).await
            }
        }
    }
}

/// The `*Event` schemas of the document, told apart by a `…EventType` property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvents {
    /// The property that names the event type, such as `logisticsEventType`.
    pub type_field: String,
    /// Schema names, in document order.
    pub schemas: Vec<String>,
}

impl WebhookEvents {
    fn tokens(&self) -> TokenStream {
        let type_field = &self.type_field;
        let variants: Vec<(Ident, Ident, String)> = self
            .schemas
            .iter()
            .map(|schema| {
                let stem = schema.strip_suffix("Event").unwrap_or(schema);
                (
                    ident(&stem.to_upper_camel_case()),
                    ident(&schema.to_upper_camel_case()),
                    schema.clone(),
                )
            })
            .collect();
        let declarations = variants.iter().map(|(variant, ty, schema)| {
            let doc = format!("A payload of the `{schema}` schema.");
            quote! { #[doc = #doc] #variant(super::types::#ty), }
        });
        let arms = variants.iter().map(|(variant, _, schema)| {
            quote! {
                if key == flexport_runtime::webhooks::event_key(#schema) {
                    return serde_json::from_value(payload).map(Self::#variant);
                }
            }
        });
        let names = variants.iter().map(|(variant, ..)| {
            let name = variant.to_string();
            quote! { Self::#variant(_) => #name, }
        });
        let doc = format!(
            "A webhook event of this API version, told apart by its `{type_field}` \
             (case and separators ignored: `InboundReceived`, `inbound_received` \
             and `inbound.received` are the same type)."
        );
        quote! {
            /// Webhook payloads: the `*Event` schemas of the document.
            pub mod webhooks {
                pub use flexport_runtime::webhooks::InvalidEvent;

                #[doc = #doc]
                #[derive(Debug, Clone)]
                #[non_exhaustive]
                pub enum Event {
                    #(#declarations)*
                    /// An event type this version does not declare, kept as sent.
                    Unknown {
                        event_type: std::string::String,
                        payload: serde_json::Value,
                    },
                }

                impl Event {
                    /// Parses a webhook request body.
                    pub fn from_slice(body: &[u8]) -> std::result::Result<Self, InvalidEvent> {
                        flexport_runtime::webhooks::parse(body, #type_field, |key, event_type, payload| {
                            #(#arms)*
                            Ok(Self::Unknown { event_type, payload })
                        })
                    }

                    /// The variant's name, or the type as sent for `Unknown`.
                    pub fn event_type(&self) -> &str {
                        match self {
                            #(#names)*
                            Self::Unknown { event_type, .. } => event_type,
                        }
                    }
                }
            }
        }
    }
}

/// The webhook events of the document, if it declares any.
pub fn webhook_events(document: &Value) -> Option<WebhookEvents> {
    let schemas = document.get("components")?.get("schemas")?.as_object()?;
    let type_field_of = |schema: &Value| -> Option<String> {
        property_names(document, schema)
            .into_iter()
            .find(|name| name.ends_with("EventType"))
    };
    let candidates: Vec<(&String, String)> = schemas
        .iter()
        .filter(|(name, _)| name.ends_with("Event") && name.as_str() != "Event")
        .filter(|(name, _)| name.as_str() == name.to_upper_camel_case())
        .filter_map(|(name, schema)| Some((name, type_field_of(schema)?)))
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, field) in &candidates {
        *counts.entry(field.as_str()).or_default() += 1;
    }
    let (type_field, _) = counts.into_iter().max_by_key(|(_, count)| *count)?;
    // Two names differing only in case would share the runtime's event key;
    // the first one in document order would then win.
    let schemas = candidates
        .iter()
        .filter(|(_, field)| field == type_field)
        .map(|(name, _)| (*name).clone())
        .collect();
    Some(WebhookEvents {
        type_field: type_field.to_owned(),
        schemas,
    })
}

/// The property names of a schema, including those its `allOf` members add.
fn property_names(document: &Value, schema: &Value) -> Vec<String> {
    let schema = resolved(document, schema);
    let own = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|properties| properties.keys().cloned());
    let inherited = schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|member| property_names(document, member));
    own.chain(inherited).collect()
}

pub(crate) fn resolved<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => refs::resolve(document, reference).unwrap_or(value),
        None => value,
    }
}

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
