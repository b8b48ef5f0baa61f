//! String newtypes that read as strings without pulling in `String`'s page.
//!
//! typify gives each constrained string type (`InboundAddressName`, at most
//! 255 characters) `Deref<Target = String>`, so its docs list every method
//! of `String` (about 700 lines) under "Methods from Deref". This step, run
//! on the generated syn tree, replaces that `Deref` by `as_str()`,
//! `AsRef<str>` and `Display`; typify's `From<X> for String` (`Into<String>`)
//! and `TryFrom<&str>`/`TryFrom<String>`/`FromStr` (which check the limits)
//! stay.

use syn::{ImplItem, Item, Type, parse_quote};

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "string-newtypes";

/// Rewrites every `impl Deref<Target = String>` in `types`; returns how many.
pub fn replace_string_deref(file: &mut syn::File) -> usize {
    let Some(types) = crate::composing_builders::module_items(&mut file.items, "types") else {
        return 0;
    };
    let mut replaced = 0;
    let mut added = Vec::new();
    for item in types.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let is_deref = block
            .trait_
            .as_ref()
            .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "Deref"));
        let targets_string = block
            .items
            .iter()
            .any(|item| matches!(item, ImplItem::Type(target) if is_string(&target.ty)));
        if !(is_deref && targets_string) {
            continue;
        }
        let ty = block.self_ty.clone();
        *item = parse_quote! {
            impl #ty {
                /// The text.
                pub fn as_str(&self) -> &str {
                    &self.0
                }
            }
        };
        added.push(parse_quote! {
            impl ::std::convert::AsRef<str> for #ty {
                fn as_ref(&self) -> &str {
                    &self.0
                }
            }
        });
        added.push(parse_quote! {
            impl ::std::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(&self.0)
                }
            }
        });
        replaced += 1;
    }
    types.extend(added);
    replaced
}

fn is_string(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "String")
}
