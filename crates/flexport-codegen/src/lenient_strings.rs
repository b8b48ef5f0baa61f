//! Lenient response strings: production over the letter of the document.
//!
//! Where a document says string, production sometimes sends a number (the
//! `orderId` of a `GET /events` payload, typed a map of strings; see
//! `flexport_runtime::production::DIFFERENCES`, `numbers-for-strings`). One
//! general rule, never per field: every field of a struct the client decodes
//! from a response (the types [`crate::open_enums::response_types`] finds)
//! whose type is `String`, `Option<String>`, `Vec<String>`, or a map (or an
//! optional map) of strings is decoded through `flexport_runtime::lenient`,
//! which takes a string as it is and a number or boolean as its text.
//! Serializing is unchanged, and so is every other type; a field already
//! decoded by its own function (other than typify's
//! `Option::deserialize` for required nullable fields, which the lenient
//! option functions replace, keeping `null` as `None` and a missing field an
//! error) is left alone. An optional `Option` field that had no `default`
//! gets one, so a missing field is still `None`.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::{Fields, Item, parse_quote};

/// The name this step's change is reported under.
pub const PASS: &str = "lenient-response-strings";

/// Points the string fields of response types at `flexport_runtime::lenient`.
/// Returns `Type.field` for every field changed, sorted.
pub fn lenient_response_strings(file: &mut syn::File, response: &BTreeSet<String>) -> Vec<String> {
    point_fields(
        file,
        |name| response.contains(name),
        lenient_function,
        "lenient",
    )
}

/// Points the fields of the `types` structs that `structs` selects at the
/// `flexport_runtime::{module}` function `function` names for their type.
/// A field already decoded by its own function (other than typify's
/// `Option::deserialize`, which the option functions replace) is left alone;
/// an optional `Option` field gets `default`. Returns `Type.field` for every
/// field changed, sorted.
pub(crate) fn point_fields(
    file: &mut syn::File,
    structs: impl Fn(&str) -> bool,
    function: fn(&syn::Type) -> Option<&'static str>,
    module: &str,
) -> Vec<String> {
    let mut changed = Vec::new();
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    }) else {
        return changed;
    };
    for item in types.1.iter_mut() {
        let Item::Struct(structure) = item else {
            continue;
        };
        if !structs(&structure.ident.to_string()) {
            continue;
        }
        let Fields::Named(fields) = &mut structure.fields else {
            continue;
        };
        for field in fields.named.iter_mut() {
            let Some(function) = function(&field.ty) else {
                continue;
            };
            let own = field
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("serde"))
                .map(|attr| attr.to_token_stream().to_string().replace(' ', ""))
                .collect::<Vec<_>>();
            let typify_option = "#[serde(deserialize_with=\"::std::option::Option::deserialize\")]";
            if own
                .iter()
                .any(|attr| attr.contains("with") && attr != typify_option)
            {
                continue;
            }
            let required_nullable = own.iter().any(|attr| attr == typify_option);
            field.attrs.retain(|attr| {
                attr.to_token_stream().to_string().replace(' ', "") != typify_option
            });
            let path = format!("flexport_runtime::{module}::{function}");
            // serde takes a missing `Option` field as `None` only without a
            // `deserialize_with`: an optional one needs `default` now.
            let needs_default = function.starts_with("option_")
                && !required_nullable
                && !own.iter().any(|attr| attr.contains("default"));
            field.attrs.push(if needs_default {
                parse_quote!(#[serde(default, deserialize_with = #path)])
            } else {
                parse_quote!(#[serde(deserialize_with = #path)])
            });
            changed.push(format!(
                "{}.{}",
                structure.ident,
                field
                    .ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
        }
    }
    changed.sort();
    changed
}

/// The `flexport_runtime::lenient` function for a field type, if any.
fn lenient_function(ty: &syn::Type) -> Option<&'static str> {
    let text = ty
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace(",>", ">");
    let string = "::std::string::String";
    let option = |inner: &str| format!("::std::option::Option<{inner}>");
    let map = |key: &str| format!("::std::collections::HashMap<{key},{string}>");
    if text == string {
        Some("string")
    } else if text == option(string) {
        Some("option_string")
    } else if text == format!("::std::vec::Vec<{string}>") {
        Some("strings")
    } else if text == map(string) {
        Some("string_map")
    } else if text == option(&map(string)) {
        Some("option_string_map")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_fields_of_response_types_only_are_made_lenient() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct Event {
                    pub id: ::std::string::String,
                    #[serde(deserialize_with = "::std::option::Option::deserialize")]
                    pub payload: ::std::option::Option<
                        ::std::collections::HashMap<::std::string::String, ::std::string::String>,
                    >,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub note: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "labelUrl", skip_serializing_if = "::std::option::Option::is_none")]
                    pub label_url: ::std::option::Option<::std::string::String>,
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    pub amount: f64,
                    #[serde(with = "custom")]
                    pub custom: ::std::string::String,
                }
                pub struct Request {
                    pub id: ::std::string::String,
                }
            }
        };
        let response = BTreeSet::from(["Event".to_owned()]);
        let changed = lenient_response_strings(&mut file, &response);
        assert_eq!(
            changed,
            [
                "Event.id",
                "Event.label_url",
                "Event.note",
                "Event.payload",
                "Event.tags"
            ]
        );
        let text = file.to_token_stream().to_string().replace(' ', "");
        assert!(text.contains(
            "#[serde(deserialize_with=\"flexport_runtime::lenient::option_string_map\")]pubpayload"
        ));
        assert!(!text.contains("Option::deserialize"), "{text}");
        assert_eq!(text.matches("flexport_runtime::lenient").count(), 5);
        // A missing optional field stays `None`; a required nullable one and
        // one that had `default` get no second `default`.
        assert!(text.contains(
            "#[serde(default,deserialize_with=\"flexport_runtime::lenient::option_string\")]publabel_url"
        ));
        assert_eq!(text.matches("default").count(), 2, "{text}");
    }
}
