//! Code appended to every generated client, beyond what progenitor emits:
//! the `ClientHooks` impl that runs requests through `flexport_runtime`'s
//! pipeline, `Paged` for list operations ([`crate::paging`]), a
//! `webhooks::Event` enum and order outcomes; and two rewrites of progenitor's output
//! ([`decode_through_runtime`], [`send_returns_runtime_error`]).
//!
//! Each is derived from the (normalized) document by a general rule, so a new
//! API version gets them without a line of hand-written code.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::refs::{self, resolved};

/// Everything this module adds, for the document `generate` was given.
pub fn tokens(document: &Value) -> TokenStream {
    let hooks = hooks();
    let paged = crate::paging::tokens(document);
    let webhooks = webhook_events(document).map(|events| events.tokens());
    let outcomes = outcomes(document);
    quote! { #hooks #paged #webhooks #outcomes }
}

/// The schemas whose `error` property is an object with a boolean
/// `retriable` (an order that Flexport took but could not fulfil, such as
/// `INVENTORY_ERR`), with that error's schema: `(schema, error schema)`.
pub fn retriable_errors(document: &Value) -> Vec<(String, String)> {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    // Through `$ref`s and one-member `allOf`s, `anyOf`s and `oneOf`s (a
    // nullable reference), to a named schema.
    fn named<'d>(document: &'d Value, mut value: &'d Value) -> Option<String> {
        let mut name = None;
        for _ in 0..8 {
            if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
                name = reference
                    .strip_prefix("#/components/schemas/")
                    .map(str::to_owned);
                value = refs::resolve(document, reference)?;
            } else if let Some([member]) = ["allOf", "anyOf", "oneOf"]
                .iter()
                .find_map(|key| value.get(*key))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                value = member;
            } else {
                break;
            }
        }
        let retriable = value.pointer("/properties/retriable/type")?.as_str()? == "boolean";
        retriable.then_some(name).flatten()
    }
    schemas
        .iter()
        .filter_map(|(name, schema)| {
            let error = named(document, schema.pointer("/properties/error")?)?;
            Some((name.clone(), error))
        })
        .collect()
}

/// `outcome()` on each schema of [`retriable_errors`], and the `Outcome`
/// enum it returns.
fn outcomes(document: &Value) -> TokenStream {
    let found = retriable_errors(document);
    if found.is_empty() {
        return TokenStream::new();
    }
    let methods = found.iter().map(|(schema, error)| {
        let ty = ident(&schema.to_upper_camel_case());
        let error_ty = ident(&error.to_upper_camel_case());
        let doc = format!(
            "What became of this `{schema}`: accepted (no `error`), or not fulfilled, \
             and then whether asking again can succeed (the error's `retriable`)."
        );
        quote! {
            impl types::#ty {
                #[doc = #doc]
                pub fn outcome(&self) -> Outcome<'_, types::#error_ty> {
                    let error: Option<&types::#error_ty> = (&self.error).into();
                    match error {
                        None => Outcome::Accepted,
                        Some(error) if error.retriable => Outcome::Retriable(error),
                        Some(error) => Outcome::Failed(error),
                    }
                }
            }
        }
    });
    quote! {
        /// What became of a request Flexport took (answered 2xx) but may not
        /// have been able to carry out: an order whose `error` is set (such as
        /// `INVENTORY_ERR`) was created, and will not ship as it stands.
        /// `types::OrderModel::outcome()` tells which.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum Outcome<'a, E> {
            /// No `error`: Flexport is carrying it out (its status says how far).
            Accepted,
            /// `error.retriable`: Flexport could not carry it out yet, and asking
            /// again once the cause is fixed can succeed (for an order,
            /// `retry_order`; for `INVENTORY_ERR`, once the missing units are
            /// available: the local sandbox then ships it).
            Retriable(&'a E),
            /// `error` with `retriable` false: asking again as it is will not
            /// succeed; change or cancel it.
            Failed(&'a E),
        }

        impl<'a, E> Outcome<'a, E> {
            /// The error, unless accepted.
            pub fn error(&self) -> Option<&'a E> {
                match *self {
                    Self::Accepted => None,
                    Self::Retriable(error) | Self::Failed(error) => Some(error),
                }
            }

            /// Whether asking again (after fixing the cause) can succeed:
            /// `Retriable`.
            pub fn retry_may_succeed(&self) -> bool {
                matches!(self, Self::Retriable(_))
            }
        }

        #(#methods)*
    }
}

/// Adds `flexport_runtime::ResponseMetadata` (`correlation_id()`,
/// `idempotent_replayed()` on every `ResponseValue`) to progenitor's
/// `prelude`, so `use <crate>::prelude::*` is all a caller imports to read a
/// response's correlation id. Returns whether the `prelude` module was found.
pub fn prelude_response_metadata(file: &mut syn::File) -> bool {
    let prelude = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "prelude" => module.content.as_mut(),
        _ => None,
    });
    let Some((_, items)) = prelude else {
        return false;
    };
    items.push(syn::parse_quote!(
        pub use flexport_runtime::ResponseMetadata;
    ));
    true
}

/// The name [`send_returns_runtime_error`]'s change is reported under.
pub const SEND_ERROR_PASS: &str = "send-error";

/// Makes every operation builder's `send()` return
/// `Result<ResponseValue<T>, flexport_runtime::Error>` instead of progenitor's
/// `Result<ResponseValue<T>, progenitor_client::Error<E>>`, so a caller meets
/// `flexport::Error` (with its idempotency key, `may_have_acted` and
/// `is_retryable`) without a conversion of its own.
///
/// Progenitor's `send` stays as it is under a private name, and the public
/// `send` converts its error once with `flexport_runtime::Error::from`, which
/// loses nothing (the pipeline has already read a failed response's body).
/// `E` is `ByteStream` (raw error bodies) or `()` (none); a typed error body
/// would not convert, and the crate would not compile.
///
/// Returns how many `send`s it rewrote; the generator checks that this is one
/// per operation, since the rewrite depends on the shape of progenitor's
/// output (`mod builder`, `async fn send(self)`, that return type).
pub fn send_returns_runtime_error(file: &mut syn::File) -> usize {
    let mut rewritten = 0;
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let mut at = 0;
            while at < block.items.len() {
                let syn::ImplItem::Fn(function) = &mut block.items[at] else {
                    at += 1;
                    continue;
                };
                let is_send = function.sig.ident == "send" && function.sig.asyncness.is_some();
                if let Some(wrapper) = is_send.then(|| rewrite_send(function)).flatten() {
                    block.items.insert(at, syn::ImplItem::Fn(wrapper));
                    rewritten += 1;
                    at += 1;
                }
                at += 1;
            }
        }
    }
    rewritten
}

/// The name progenitor's `send` is kept under, private to its builder.
const GENERATED_SEND: &str = "send_generated";

/// Renames progenitor's `send` to a private [`GENERATED_SEND`] (its body and
/// indentation unchanged) and returns the public `send` that calls it and
/// converts its error, with progenitor's docs.
fn rewrite_send(function: &mut syn::ImplItemFn) -> Option<syn::ImplItemFn> {
    let syn::ReturnType::Type(_, output) = &function.sig.output else {
        return None;
    };
    let [ok, error] = generic_arguments(output, "Result")?;
    generic_arguments::<1>(&ok, "ResponseValue")?;
    generic_arguments::<1>(&error, "Error")?;
    let attrs = std::mem::take(&mut function.attrs);
    let generated = ident(GENERATED_SEND);
    function.sig.ident = generated.clone();
    function.vis = syn::Visibility::Inherited;
    function.attrs.push(syn::parse_quote!(
        #[doc = " progenitor's `send`, with progenitor's error type."]
    ));
    Some(syn::parse_quote! {
        #(#attrs)*
        pub async fn send(self) -> Result<#ok, flexport_runtime::Error> {
            self.#generated().await.map_err(flexport_runtime::Error::from)
        }
    })
}

/// The `N` type arguments of a path type whose last segment is `name`.
fn generic_arguments<const N: usize>(ty: &syn::Type, name: &str) -> Option<[syn::Type; N]> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let types: Vec<syn::Type> = arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
        .collect();
    types.try_into().ok()
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
    /// The envelope: the properties every one of `schemas` has (the type
    /// field among them), in the first schema's order.
    pub envelope: Vec<String>,
}

/// How an envelope property is typed, by a rule on its name (the documents
/// give these properties no type at all): the type field is an `EventType`;
/// a name ending in `Time` or `At` a date-time; any other (the ids) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeField {
    EventType,
    Time,
    Text,
}

impl WebhookEvents {
    /// How the envelope property `name` is typed.
    pub fn envelope_field(&self, name: &str) -> EnvelopeField {
        if name == self.type_field {
            EnvelopeField::EventType
        } else if name.ends_with("Time") || name.ends_with("At") {
            EnvelopeField::Time
        } else {
            EnvelopeField::Text
        }
    }

    fn tokens(&self) -> TokenStream {
        let type_field = &self.type_field;
        let type_field_ident = {
            use heck::ToSnakeCase;
            ident(&type_field.to_snake_case())
        };
        let variants: Vec<(Ident, Ident, String, String)> = self
            .schemas
            .iter()
            .map(|schema| {
                let stem = schema.strip_suffix("Event").unwrap_or(schema);
                let variant = stem.to_upper_camel_case();
                (
                    ident(&variant),
                    ident(&schema.to_upper_camel_case()),
                    schema.clone(),
                    variant,
                )
            })
            .collect();
        let declarations = variants.iter().map(|(variant, ty, schema, _)| {
            let doc = format!("A payload of the `{schema}` schema.");
            quote! { #[doc = #doc] #variant(super::types::#ty), }
        });
        let arms = variants.iter().map(|(variant, ..)| {
            quote! {
                EventType::#variant => serde_json::from_value(payload).map(Self::#variant),
            }
        });
        let kinds = variants.iter().map(|(variant, ..)| {
            quote! { Self::#variant(_) => EventType::#variant, }
        });
        let type_declarations = variants.iter().map(|(variant, _, schema, name)| {
            let doc = format!("`{name}`: its payload is the `{schema}` schema.");
            quote! { #[doc = #doc] #variant, }
        });
        let all = variants
            .iter()
            .map(|(variant, ..)| quote! { Self::#variant, });
        let parse_arms = variants.iter().map(|(variant, _, schema, _)| {
            quote! {
                if key == flexport_runtime::webhooks::event_key(#schema) {
                    return Self::#variant;
                }
            }
        });
        let names = variants.iter().map(|(variant, _, _, name)| {
            quote! { Self::#variant => #name, }
        });
        let schemas = variants.iter().map(|(variant, _, schema, _)| {
            quote! { Self::#variant => Some(#schema), }
        });
        let envelope_fields: Vec<(Ident, String, EnvelopeField)> = self
            .envelope
            .iter()
            .map(|name| {
                use heck::ToSnakeCase;
                (
                    ident(&name.to_snake_case()),
                    name.clone(),
                    self.envelope_field(name),
                )
            })
            .collect();
        let field_declarations = envelope_fields.iter().map(|(field, name, kind)| {
            let (ty, doc) = match kind {
                EnvelopeField::EventType => (
                    quote!(EventType),
                    format!("`{name}`: the event's type, known to this version or not."),
                ),
                EnvelopeField::Time => (
                    quote!(Option<chrono::DateTime<chrono::Utc>>),
                    format!(
                        "`{name}`, an RFC 3339 date-time; `None` when absent or `null` \
                         (the document allows `null`). Any other value fails parsing."
                    ),
                ),
                EnvelopeField::Text => (
                    quote!(Option<std::string::String>),
                    format!(
                        "`{name}`, a string, or a number as its text; `None` when absent \
                         or `null`. Any other value fails parsing."
                    ),
                ),
            };
            quote! { #[doc = #doc] pub #field: #ty, }
        });
        let field_reads = envelope_fields.iter().map(|(field, name, kind)| {
            let read = match kind {
                EnvelopeField::EventType => quote!(EventType::parse(event_type)),
                EnvelopeField::Time => quote!(time(payload, #name)?),
                EnvelopeField::Text => quote!(text(payload, #name)?),
            };
            quote! { #field: #read, }
        });
        let doc = format!(
            "A webhook event of this API version, told apart by its `{type_field}` \
             (case and separators ignored: `InboundReceived`, `inbound_received` \
             and `inbound.received` are the same type)."
        );
        let type_doc = format!(
            "The event types this version's document declares, one per `*Event` schema \
             (named after it without `Event`), and any other as `Unknown`: the type of a \
             webhook payload's `{type_field}`, and the `type` to subscribe a webhook to \
             (`types::WebhookCreateModel`). [`EventType::ALL`] lists the declared ones. \
             Names compare as `flexport_runtime::webhooks::event_key` does (case and \
             separators ignored)."
        );
        quote! {
            /// Webhook payloads: the `*Event` schemas of the document, their
            /// envelope and their types.
            pub mod webhooks {
                pub use flexport_runtime::webhooks::InvalidEvent;

                #[doc = #type_doc]
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #[non_exhaustive]
                pub enum EventType {
                    #(#type_declarations)*
                    /// A type this version does not declare, kept as sent.
                    Unknown(std::string::String),
                }

                impl EventType {
                    /// Every event type this version declares, in document order.
                    pub const ALL: &'static [EventType] = &[#(#all)*];

                    /// The declared type `name` stands for, or `Unknown(name)`.
                    pub fn parse(name: &str) -> Self {
                        let key = flexport_runtime::webhooks::event_key(name);
                        #(#parse_arms)*
                        Self::Unknown(name.to_owned())
                    }

                    /// The declared type's name (as subscribed to), or the type as sent.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(#names)*
                            Self::Unknown(name) => name,
                        }
                    }

                    /// The schema of a declared type's payload; `None` for `Unknown`.
                    pub fn schema(&self) -> Option<&'static str> {
                        match self {
                            #(#schemas)*
                            Self::Unknown(_) => None,
                        }
                    }
                }

                impl std::fmt::Display for EventType {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl From<&str> for EventType {
                    fn from(name: &str) -> Self {
                        Self::parse(name)
                    }
                }

                impl From<EventType> for std::string::String {
                    fn from(event_type: EventType) -> Self {
                        event_type.as_str().to_owned()
                    }
                }

                impl std::str::FromStr for EventType {
                    type Err = std::convert::Infallible;
                    fn from_str(name: &str) -> Result<Self, Self::Err> {
                        Ok(Self::parse(name))
                    }
                }

                impl PartialEq<str> for EventType {
                    fn eq(&self, other: &str) -> bool {
                        *self == Self::parse(other)
                    }
                }

                impl PartialEq<&str> for EventType {
                    fn eq(&self, other: &&str) -> bool {
                        *self == Self::parse(other)
                    }
                }

                impl serde::Serialize for EventType {
                    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }

                impl<'de> serde::Deserialize<'de> for EventType {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let name = <std::string::String as serde::Deserialize>::deserialize(deserializer)?;
                        Ok(Self::parse(&name))
                    }
                }

                /// What every event of this version carries: the properties all
                /// its `*Event` schemas share, typed (the document leaves them
                /// untyped and `nullable`).
                #[derive(Debug, Clone, PartialEq)]
                #[non_exhaustive]
                pub struct Envelope {
                    #(#field_declarations)*
                }

                impl Envelope {
                    /// Reads the envelope of a webhook request body.
                    pub fn from_slice(body: &[u8]) -> std::result::Result<Self, InvalidEvent> {
                        flexport_runtime::webhooks::parse(body, #type_field, |_, event_type, payload| {
                            Self::read(&event_type, &payload)
                        })
                    }

                    fn read(
                        event_type: &str,
                        payload: &serde_json::Value,
                    ) -> std::result::Result<Self, serde_json::Error> {
                        Ok(Self { #(#field_reads)* })
                    }
                }

                fn field<'p>(payload: &'p serde_json::Value, name: &str) -> Option<&'p serde_json::Value> {
                    payload.get(name).filter(|value| !value.is_null())
                }

                fn text(
                    payload: &serde_json::Value,
                    name: &str,
                ) -> std::result::Result<Option<std::string::String>, serde_json::Error> {
                    match field(payload, name) {
                        None => Ok(None),
                        Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
                        Some(serde_json::Value::Number(number)) => Ok(Some(number.to_string())),
                        Some(other) => Err(<serde_json::Error as serde::de::Error>::custom(format!(
                            "`{name}` is {other}, not a string or a number"
                        ))),
                    }
                }

                fn time(
                    payload: &serde_json::Value,
                    name: &str,
                ) -> std::result::Result<Option<chrono::DateTime<chrono::Utc>>, serde_json::Error> {
                    let Some(value) = field(payload, name) else {
                        return Ok(None);
                    };
                    let refused = |why: std::string::String| {
                        <serde_json::Error as serde::de::Error>::custom(format!(
                            "`{name}` is {value}, not an RFC 3339 date-time{why}"
                        ))
                    };
                    let text = value.as_str().ok_or_else(|| refused(std::string::String::new()))?;
                    chrono::DateTime::parse_from_rfc3339(text)
                        .map(|time| Some(time.with_timezone(&chrono::Utc)))
                        .map_err(|error| refused(format!(" ({error})")))
                }

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
                    /// Parses a webhook request body; its [`Envelope`] must
                    /// read too (a malformed time is refused).
                    pub fn from_slice(body: &[u8]) -> std::result::Result<Self, InvalidEvent> {
                        Self::from_slice_with_envelope(body).map(|(_, event)| event)
                    }

                    /// Parses a webhook request body into its [`Envelope`] and its event.
                    pub fn from_slice_with_envelope(
                        body: &[u8],
                    ) -> std::result::Result<(Envelope, Self), InvalidEvent> {
                        flexport_runtime::webhooks::parse(body, #type_field, |_, event_type, payload| {
                            let envelope = Envelope::read(&event_type, &payload)?;
                            let event = match &envelope.#type_field_ident {
                                #(#arms)*
                                EventType::Unknown(_) => Ok(Self::Unknown { event_type, payload }),
                            }?;
                            Ok((envelope, event))
                        })
                    }

                    /// The event's type: a declared one, or `Unknown` with the type as sent.
                    pub fn event_type(&self) -> EventType {
                        match self {
                            #(#kinds)*
                            Self::Unknown { event_type, .. } => EventType::Unknown(event_type.clone()),
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
    let schemas: Vec<String> = candidates
        .iter()
        .filter(|(_, field)| field == type_field)
        .map(|(name, _)| (*name).clone())
        .collect();
    let properties: Vec<Vec<String>> = schemas
        .iter()
        .map(|name| property_names(document, &schemas_of(document)[name]))
        .collect();
    let envelope = properties[0]
        .iter()
        .filter(|name| properties.iter().all(|each| each.contains(name)))
        .fold(Vec::new(), |mut envelope, name| {
            if !envelope.contains(name) {
                envelope.push(name.clone());
            }
            envelope
        });
    Some(WebhookEvents {
        type_field: type_field.to_owned(),
        schemas,
        envelope,
    })
}

fn schemas_of(document: &Value) -> &serde_json::Map<String, Value> {
    document["components"]["schemas"]
        .as_object()
        .expect("webhook_events found the schemas")
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

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
