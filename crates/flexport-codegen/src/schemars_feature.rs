//! `schemars::JsonSchema` behind the version crate's `schemars` feature.
//!
//! [`crate::settings`] asks progenitor to derive `schemars::JsonSchema` on
//! every type (and typify writes some `impl ::schemars::JsonSchema` blocks by
//! hand). This step, run on the generated syn tree, turns each of those into
//! code that exists only with `feature = "schemars"`:
//!
//! - `#[derive(.., schemars::JsonSchema, ..)]` loses that path and the item
//!   gets `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`;
//! - an `impl` of `JsonSchema` gets `#[cfg(feature = "schemars")]`.
//!
//! The generated text is the same with and without the feature, so the
//! build script does not depend on (or rerun for) the feature.

use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Meta, Path, Token, parse_quote};

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "schemars-feature";

/// Puts every `JsonSchema` derive and impl of `file` behind the `schemars`
/// feature; returns how many items it changed.
pub fn gate_json_schema(file: &mut syn::File) -> usize {
    gate_items(&mut file.items)
}

fn gate_items(items: &mut [Item]) -> usize {
    let mut changed = 0;
    for item in items {
        match item {
            Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    changed += gate_items(items);
                }
            }
            Item::Struct(s) => changed += usize::from(gate_derive(&mut s.attrs)),
            Item::Enum(e) => changed += usize::from(gate_derive(&mut e.attrs)),
            Item::Impl(block) => {
                let is_json_schema = block
                    .trait_
                    .as_ref()
                    .is_some_and(|(path, _)| is_json_schema(path));
                if is_json_schema {
                    block.attrs.push(parse_quote!(#[cfg(feature = "schemars")]));
                    changed += 1;
                }
            }
            _ => {}
        }
    }
    changed
}

/// Whether a path names `schemars::JsonSchema` (with or without a leading `::`).
fn is_json_schema(path: &Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["schemars", "JsonSchema"]
}

fn gate_derive(attrs: &mut Vec<Attribute>) -> bool {
    let mut found = None;
    for (index, attr) in attrs.iter_mut().enumerate() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        if !paths.iter().any(is_json_schema) {
            continue;
        }
        found = Some(index);
        let kept: Punctuated<Path, Token![,]> =
            paths.into_iter().filter(|p| !is_json_schema(p)).collect();
        attr.meta = Meta::List(parse_quote!(derive(#kept)));
    }
    // Right after the derive it came from, before the helper attributes
    // (`#[serde(..)]`) that the derive reads.
    if let Some(index) = found {
        attrs.insert(
            index + 1,
            parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]),
        );
    }
    found.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_and_impls_move_behind_the_feature() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(Clone, schemars::JsonSchema, Debug)]
                #[serde(rename_all = "camelCase")]
                pub struct A { pub x: i64 }
                #[derive(Clone)]
                pub enum B { X }
                impl ::schemars::JsonSchema for C {}
                impl ::std::fmt::Display for C {}
            }
        };
        assert_eq!(gate_json_schema(&mut file), 2);
        let code = quote::quote!(#file).to_string();
        assert!(!code.contains("Clone , schemars :: JsonSchema"), "{code}");
        assert!(code.contains("# [derive (Clone , Debug)]"), "{code}");
        assert!(
            code.contains(
                "# [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] # [serde"
            ),
            "{code}"
        );
        assert!(
            code.contains("# [cfg (feature = \"schemars\")] impl :: schemars :: JsonSchema for C"),
            "{code}"
        );
        assert_eq!(code.matches("cfg").count(), 2, "{code}");
    }
}
