//! Docs of the generated API from the document: what each operation is and
//! how it fails, what each field means and what it accepts.
//!
//! progenitor's builder interface documents an operation method with
//! "Sends a `POST` request to `/…`" only, and typify writes a field's doc
//! only from its `description`. This step, run on the generated syn tree
//! with the normalized document, writes:
//!
//! - on each operation method of the `Client…Ext` traits: the operation's
//!   `summary` and `description`, its method and path, the operationId as
//!   documented, and an `# Errors` list of every status other than 2xx the
//!   document lists for it, with its description (the example progenitor
//!   wrote stays below);
//! - on each field of an object type generated from a named schema, and on
//!   its builder's setter: the JSON name, whether the schema requires it,
//!   and the limits the property states (`maxLength`, `minLength`,
//!   `pattern`, `minimum`, `maximum` and their exclusive forms, `minItems`,
//!   `maxItems`), after the description typify wrote.
//!
//! Limits of a referenced schema (a `$ref` property) are on that type's own
//! page, not repeated on the field.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use serde_json::Value;
use syn::{Attribute, ImplItem, Item, TraitItem, parse_quote};

use crate::operations::Row;

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "generated-docs";

/// How many items got docs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Documented {
    pub operations: usize,
    pub fields: usize,
    pub setters: usize,
}

/// Writes the docs; see the module docs.
pub fn document(file: &mut syn::File, rows: &[Row], document: &Value) -> Documented {
    let mut documented = Documented::default();
    let by_method: BTreeMap<&str, &Row> = rows
        .iter()
        .map(|row| (row.method_name.as_str(), row))
        .collect();
    let mut document_method = |ident: &syn::Ident, attrs: &mut Vec<Attribute>| {
        let Some(row) = by_method.get(ident.to_string().as_str()) else {
            return;
        };
        let operation = &document["paths"][&row.path][row.method.to_lowercase()];
        if !operation.is_object() {
            return;
        }
        let existing = doc_text(attrs);
        let example = existing
            .find("```")
            .map(|at| existing[at..].to_owned())
            .unwrap_or_default();
        let mut text = operation_doc(row, operation);
        if !example.is_empty() {
            text.push_str("\n\n");
            text.push_str(&example);
        }
        set_doc(attrs, &text);
        documented.operations += 1;
    };
    for item in &mut file.items {
        match item {
            // Tagged operations: one `Client…Ext` trait per tag.
            Item::Trait(tr) => {
                let name = tr.ident.to_string();
                if !(name.starts_with("Client") && name.ends_with("Ext")) {
                    continue;
                }
                for trait_item in &mut tr.items {
                    if let TraitItem::Fn(function) = trait_item {
                        document_method(&function.sig.ident, &mut function.attrs);
                    }
                }
            }
            // Untagged operations: methods of `Client` itself.
            Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(block.self_ty.as_ref(), syn::Type::Path(p) if p.path.is_ident("Client")) =>
            {
                for impl_item in &mut block.items {
                    if let ImplItem::Fn(function) = impl_item {
                        document_method(&function.sig.ident, &mut function.attrs);
                    }
                }
            }
            _ => {}
        }
    }
    let schemas: BTreeMap<String, &Value> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.to_upper_camel_case(), schema))
        .collect();
    let Some(types) = module_items(&mut file.items, "types") else {
        return documented;
    };
    let mut field_docs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in types.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Some(schema) = schemas.get(&s.ident.to_string()) else {
            continue;
        };
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut docs = BTreeMap::new();
        for field in s.fields.iter_mut() {
            let Some(ident) = &field.ident else { continue };
            let rust_name = ident.to_string().trim_start_matches("r#").to_owned();
            let json_name = serde_rename(&field.attrs).unwrap_or_else(|| rust_name.clone());
            let Some(property) = properties.get(&json_name) else {
                continue;
            };
            let text = field_doc(&json_name, required.contains(&json_name.as_str()), property);
            append_doc(&mut field.attrs, &text);
            documented.fields += 1;
            let mut setter = doc_text(&field.attrs);
            if setter.is_empty() {
                setter = text;
            }
            docs.insert(rust_name, setter);
        }
        field_docs.insert(s.ident.to_string(), docs);
    }
    let Some(builder) = module_items(types, "builder") else {
        return documented;
    };
    for item in builder.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(path) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(docs) = path
            .path
            .get_ident()
            .and_then(|name| field_docs.get(&name.to_string()))
        else {
            continue;
        };
        for impl_item in &mut block.items {
            let ImplItem::Fn(function) = impl_item else {
                continue;
            };
            let name = function.sig.ident.to_string();
            if let Some(text) = docs.get(name.trim_start_matches("r#")) {
                set_doc(&mut function.attrs, text);
                documented.setters += 1;
            }
        }
    }
    documented
}

fn module_items<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(syn::ItemMod {
            ident,
            content: Some((_, items)),
            ..
        }) if ident == name => Some(items),
        _ => None,
    })
}

fn operation_doc(row: &Row, operation: &Value) -> String {
    let mut parts = Vec::new();
    let text = |key: &str| {
        operation
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    };
    if let Some(summary) = text("summary") {
        parts.push(summary.to_owned());
    }
    let description = text("description");
    if let Some(description) = description {
        parts.push(description.to_owned());
    }
    // `revision-suffixes` already notes a documented operationId that
    // differs from the method's name in the description.
    let noted = description
        .is_some_and(|text| text.contains(crate::document::DOCUMENTED_OPERATION_ID_NOTE));
    if noted {
        parts.push(format!("`{} {}`.", row.method, row.path));
    } else {
        parts.push(format!(
            "`{} {}`. {} `{}`.",
            row.method,
            row.path,
            crate::document::DOCUMENTED_OPERATION_ID_NOTE,
            row.operation_id
        ));
    }
    let errors: Vec<String> = operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(status, _)| !status.starts_with('2'))
        .map(|(status, response)| {
            let description = response
                .get("description")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty());
            match description {
                Some(description) => format!("- `{status}`: {description}"),
                None => format!("- `{status}`"),
            }
        })
        .collect();
    if !errors.is_empty() {
        parts.push(format!(
            "# Errors\n\nThe statuses other than success the document lists for it:\n\n{}",
            errors.join("\n")
        ));
    }
    parts.join("\n\n")
}

fn field_doc(json_name: &str, required: bool, property: &Value) -> String {
    let mut facts = vec![format!(
        "`{json_name}`: {}.",
        if required {
            "required (the builder's conversion fails without it)"
        } else {
            "optional"
        }
    )];
    let number = |key: &str| property.get(key).filter(|value| value.is_number());
    if let Some(limit) = number("minLength") {
        facts.push(format!("At least {limit} character(s)."));
    }
    if let Some(limit) = number("maxLength") {
        facts.push(format!("At most {limit} character(s)."));
    }
    if let Some(pattern) = property.get("pattern").and_then(Value::as_str) {
        facts.push(format!("Matches the pattern `{pattern}`."));
    }
    let exclusive = |key: &str| property.get(key).and_then(Value::as_bool) == Some(true);
    if let Some(limit) = number("minimum") {
        let relation = if exclusive("exclusiveMinimum") {
            "More than"
        } else {
            "At least"
        };
        facts.push(format!("{relation} {limit}."));
    }
    if let Some(limit) = number("maximum") {
        let relation = if exclusive("exclusiveMaximum") {
            "Less than"
        } else {
            "At most"
        };
        facts.push(format!("{relation} {limit}."));
    }
    if let Some(limit) = number("minItems") {
        facts.push(format!("At least {limit} item(s)."));
    }
    if let Some(limit) = number("maxItems") {
        facts.push(format!("At most {limit} item(s)."));
    }
    facts.join(" ")
}

fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

fn doc_text(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn set_doc(attrs: &mut Vec<Attribute>, text: &str) {
    attrs.retain(|attr| !attr.path().is_ident("doc"));
    attrs.insert(0, parse_quote!(#[doc = #text]));
}

fn append_doc(attrs: &mut Vec<Attribute>, text: &str) {
    let existing = doc_text(attrs);
    if existing.trim().is_empty() {
        set_doc(attrs, text);
    } else {
        let position = attrs
            .iter()
            .rposition(|attr| attr.path().is_ident("doc"))
            .map_or(0, |at| at + 1);
        attrs.insert(position, parse_quote!(#[doc = ""]));
        attrs.insert(position + 1, parse_quote!(#[doc = #text]));
    }
}
