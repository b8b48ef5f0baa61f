//! `flexport_runtime::pagination::Paged` for every paged list operation.
//!
//! A GET operation is paged when its query parameters say how, by one of the
//! runtime's three rules (see `flexport_runtime::pagination`):
//!
//! - `offset` and `limit` (numbers), a success body that is an array of a
//!   named schema: by offset;
//! - `page_info` (a string) and `limit`, an array body: by the `Link`
//!   header's `rel="next"` cursor;
//! - `cursor` and `limit` (numbers), a body that is an object with exactly
//!   one array property of a named schema: by the last item's `id`.
//!
//! The rule is read from the (normalized) document, so a new API version's
//! lists are paged without a line of hand-written code.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::refs::{self, resolved};

/// How a list operation is paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Offset,
    PageInfo,
    /// By `cursor`, the items being the body's `property` array.
    Cursor {
        property: String,
    },
}

/// A paged list operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagedOperation {
    pub operation_id: String,
    pub item_schema: String,
    pub rule: Rule,
    /// Whether `offset` or `cursor` is an integer (else a number).
    position_is_integer: bool,
    limit_is_integer: bool,
}

/// Every paged list operation of the document.
pub fn paged_operations(document: &Value) -> Vec<PagedOperation> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for item in paths.values() {
        let Some(get) = item.get("get") else { continue };
        let Some(operation_id) = get.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let query: BTreeMap<&str, &Value> = item
            .get("parameters")
            .into_iter()
            .chain(get.get("parameters"))
            .filter_map(Value::as_array)
            .flatten()
            .map(|parameter| resolved(document, parameter))
            .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("query"))
            .filter_map(|parameter| {
                let name = parameter.get("name")?.as_str()?;
                Some((name, resolved(document, parameter.get("schema")?)))
            })
            .collect();
        let kind = |name: &str| query.get(name)?.get("type")?.as_str();
        let numeric = |name: &str| {
            let kind = kind(name)?;
            matches!(kind, "integer" | "number").then_some(kind == "integer")
        };
        let Some(limit_is_integer) = numeric("limit") else {
            continue;
        };
        let body = success_schema(document, get);
        let (rule, position_is_integer, item_schema) = if let Some(offset) = numeric("offset") {
            (
                Rule::Offset,
                offset,
                body.and_then(|b| array_item(document, b)),
            )
        } else if kind("page_info") == Some("string") {
            (
                Rule::PageInfo,
                false,
                body.and_then(|b| array_item(document, b)),
            )
        } else if let Some(cursor) = numeric("cursor") {
            let Some((property, item)) = body.and_then(|b| single_array_property(document, b))
            else {
                continue;
            };
            (Rule::Cursor { property }, cursor, Some(item))
        } else {
            continue;
        };
        let Some(item_schema) = item_schema else {
            continue;
        };
        found.push(PagedOperation {
            operation_id: operation_id.to_owned(),
            item_schema,
            rule,
            position_is_integer,
            limit_is_integer,
        });
    }
    found
}

/// The operations paged by offset.
pub fn offset_paged(document: &Value) -> Vec<PagedOperation> {
    paged_operations(document)
        .into_iter()
        .filter(|operation| operation.rule == Rule::Offset)
        .collect()
}

/// The `Paged` impls of the document's paged lists.
pub fn tokens(document: &Value) -> TokenStream {
    paged_operations(document)
        .iter()
        .map(PagedOperation::tokens)
        .collect()
}

impl PagedOperation {
    fn tokens(&self) -> TokenStream {
        let builder = ident(&self.operation_id.to_upper_camel_case());
        let item = ident(&self.item_schema.to_upper_camel_case());
        let number = |is_integer: bool, name: &str| {
            let name = ident(name);
            if is_integer {
                quote!(#name)
            } else {
                quote!(#name as f64)
            }
        };
        let limit = number(self.limit_is_integer, "limit");
        let (position, body) = match &self.rule {
            Rule::Offset => {
                let offset = number(self.position_is_integer, "at");
                (
                    quote!(u64),
                    quote! {
                        let items = self.offset(#offset).limit(#limit).send().await?.into_inner();
                        Ok(flexport_runtime::pagination::Page::by_offset(at, items))
                    },
                )
            }
            Rule::PageInfo => (
                quote!(::std::option::Option<::std::string::String>),
                quote! {
                    let request = self.limit(#limit);
                    let request = match at {
                        Some(cursor) => request.page_info(cursor),
                        None => request,
                    };
                    Ok(flexport_runtime::pagination::Page::by_link(request.send().await?))
                },
            ),
            Rule::Cursor { property } => {
                let property = ident(&property.to_snake_case());
                let cursor = if self.position_is_integer {
                    quote!(cursor as i64)
                } else {
                    quote!(cursor)
                };
                (
                    quote!(::std::option::Option<f64>),
                    quote! {
                        let request = self.limit(#limit);
                        let request = match at {
                            Some(cursor) => request.cursor(#cursor),
                            None => request,
                        };
                        let items = request.send().await?.into_inner().#property;
                        Ok(flexport_runtime::pagination::Page::by_last_id(items))
                    },
                )
            }
        };
        quote! {
            impl flexport_runtime::pagination::Paged for builder::#builder<'_> {
                type Item = types::#item;
                type Position = #position;

                async fn page(
                    self,
                    at: Self::Position,
                    limit: u64,
                ) -> std::result::Result<
                    flexport_runtime::pagination::Page<Self::Item, Self::Position>,
                    flexport_runtime::Error,
                > {
                    #body
                }
            }
        }
    }
}

/// The schema of the operation's JSON success body.
fn success_schema<'a>(document: &'a Value, operation: &'a Value) -> Option<&'a Value> {
    let responses = operation.get("responses")?.as_object()?;
    let (_, success) = responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))?;
    let schema = resolved(document, success)
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(resolved(document, schema))
}

/// The named schema of an array's items.
fn array_item(document: &Value, schema: &Value) -> Option<String> {
    let schema = resolved(document, schema);
    if schema.get("type").and_then(Value::as_str) != Some("array") {
        return None;
    }
    let name = refs::schema_name(schema.get("items")?.get("$ref")?.as_str()?)?;
    // Only names typify keeps as they are; anything else the normalize passes
    // should have made so.
    (name == name.to_upper_camel_case()).then_some(name)
}

/// The one array property of an object schema, and its items' schema name.
fn single_array_property(document: &Value, schema: &Value) -> Option<(String, String)> {
    let properties = schema.get("properties")?.as_object()?;
    let arrays: Vec<(String, String)> = properties
        .iter()
        .filter_map(|(name, property)| Some((name.clone(), array_item(document, property)?)))
        .collect();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| {
            arrays.len() == 1
                && required
                    .iter()
                    .any(|name| name.as_str() == Some(&arrays[0].0))
        });
    required.then(|| arrays.into_iter().next()).flatten()
}

fn ident(name: &str) -> proc_macro2::Ident {
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}
