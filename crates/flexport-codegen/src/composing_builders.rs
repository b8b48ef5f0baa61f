//! Type builders that compose: a nested object's setter takes the value or
//! its builder, a list's setter a list of either, and every problem keeps its
//! path.
//!
//! typify writes each `types::builder::X` with fields of type
//! `Result<T, String>` and setters bounded by `T: TryInto<Field>` whose
//! error is turned into text. So `.dimensions(dimensions_builder)` does not
//! compile (no `Option<Dimension>: TryFrom<builder::Dimension>`), nor does
//! `.items(vec![item_builder])` (no `Vec` conversion, which the orphan rule
//! forbids the generated crate to add), and a nested builder's missing
//! fields end up as one string under the outer field's name. This step, run
//! on the generated syn tree, rewrites `types`:
//!
//! - `types::error::ConversionError` becomes `flexport_runtime::build::ConversionError`
//!   (re-exported), whose problems each carry a path;
//! - every builder field holds `Result<T, ConversionError>`; a required
//!   field starts as `flexport_runtime`'s "no value supplied";
//! - the setter of a field whose type is a generated object `S` (or
//!   `Option<S>`) keeps `T: TryInto<Field>` but asks `T::Error:
//!   Into<ConversionError>`, so a nested builder's problems stay structured;
//!   each object gets `impl TryFrom<builder::S> for Option<S>`, so an
//!   optional field takes the builder without `Some`;
//! - the setter of a list of generated objects (`Vec<S>`, `Option<Vec<S>>`)
//!   takes any `flexport_runtime::build::IntoList` (a `Vec`, array or slice
//!   of values or builders);
//! - every other setter keeps its bound and turns the error's text into the
//!   problem's reason.
//!
//! [`crate::builder_errors`] then gathers every field's problems under the
//! field's name in the conversion, so a missing field three levels down
//! reads `items[1].logistics_sku: no value supplied`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{
    Expr, GenericArgument, ImplItem, Item, ItemImpl, ItemMod, ItemStruct, PathArguments, Type,
    parse_quote,
};

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "composing-builders";

/// What the rewrite changed, for the change log and its count checks.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// Builder structs whose fields now hold `ConversionError`.
    pub builders: usize,
    /// Setters of object fields that take the value or its builder.
    pub object_setters: usize,
    /// Setters of list fields that take a list of values or builders.
    pub list_setters: usize,
    /// Setters of any other field.
    pub other_setters: usize,
    /// Whether `types::error::ConversionError` now is the runtime's.
    pub error_replaced: bool,
}

/// Rewrites the `types` module of `file`; see the module docs.
pub fn compose_builders(file: &mut syn::File) -> Rewritten {
    let mut rewritten = Rewritten::default();
    let Some(types) = module_items(&mut file.items, "types") else {
        return rewritten;
    };
    if let Some(error) = module_items(types, "error") {
        *error = vec![parse_quote!(
            pub use flexport_runtime::build::ConversionError;
        )];
        rewritten.error_replaced = true;
    }
    let Some(builder) = module_items(types, "builder") else {
        return rewritten;
    };
    let builders: BTreeSet<String> = builder
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut fields: std::collections::BTreeMap<String, Vec<(syn::Ident, Type)>> =
        Default::default();
    for item in builder.iter_mut() {
        if let Item::Struct(s) = item
            && let Some(retyped) = retype_fields(s)
        {
            fields.insert(s.ident.to_string(), retyped);
            rewritten.builders += 1;
        }
    }
    for item in builder.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let Some(name) = self_name(block) else {
            continue;
        };
        let Some(fields) = fields.get(&name) else {
            continue;
        };
        match &block.trait_ {
            None => rewrite_setters(block, fields, &builders, &mut rewritten),
            Some((path, _)) if path.segments.last().is_some_and(|s| s.ident == "Default") => {
                rewrite_default(block);
            }
            _ => {}
        }
    }
    for name in &builders {
        let name = format_ident!("{name}");
        builder.push(parse_quote! {
            /// An optional field of this type takes its builder without `Some`.
            impl ::std::convert::TryFrom<#name> for ::std::option::Option<super::#name> {
                type Error = super::error::ConversionError;
                fn try_from(
                    value: #name,
                ) -> ::std::result::Result<Self, super::error::ConversionError> {
                    super::#name::try_from(value).map(::std::option::Option::Some)
                }
            }
        });
    }
    rewritten
}

/// The items of the inline module `name` among `items`.
pub(crate) fn module_items<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(ItemMod {
            ident,
            content: Some((_, items)),
            ..
        }) if ident == name => Some(items),
        _ => None,
    })
}

fn self_name(block: &ItemImpl) -> Option<String> {
    match block.self_ty.as_ref() {
        Type::Path(path) if path.path.segments.len() == 1 => {
            Some(path.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

/// `Result<T, String>` → `Result<T, ConversionError>` on every field;
/// returns the fields with their `T`, or `None` if a field has another shape.
fn retype_fields(s: &mut ItemStruct) -> Option<Vec<(syn::Ident, Type)>> {
    let mut fields = Vec::new();
    for field in s.fields.iter_mut() {
        let name = field.ident.clone()?;
        let [value, error] = generic_args(&field.ty, "Result")?;
        if !is_path(&error, &["std", "string", "String"]) {
            return None;
        }
        field.ty = parse_quote!(::std::result::Result<#value, super::error::ConversionError>);
        fields.push((name, value));
    }
    Some(fields)
}

/// The type arguments of `...::Name<A, B>` whose last segment is `name`.
fn generic_args<const N: usize>(ty: &Type, name: &str) -> Option<[Type; N]> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<Type> = args
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
        .collect();
    types.try_into().ok()
}

fn is_path(ty: &Type, segments: &[&str]) -> bool {
    let Type::Path(path) = ty else { return false };
    path.path.segments.len() == segments.len()
        && path
            .path
            .segments
            .iter()
            .zip(segments)
            .all(|(segment, name)| segment.ident == name)
}

/// `super::S` where `S` has a builder.
fn is_object(ty: &Type, builders: &BTreeSet<String>) -> bool {
    let Type::Path(path) = ty else { return false };
    let segments = &path.path.segments;
    segments.len() == 2
        && segments[0].ident == "super"
        && segments[1].arguments.is_none()
        && builders.contains(&segments[1].ident.to_string())
}

enum Kind {
    Object,
    List,
    Other,
}

fn kind(ty: &Type, builders: &BTreeSet<String>) -> Kind {
    let inner = generic_args::<1>(ty, "Option").map(|[inner]| inner);
    let ty = inner.as_ref().unwrap_or(ty);
    if is_object(ty, builders) {
        return Kind::Object;
    }
    match generic_args::<1>(ty, "Vec") {
        Some([element]) if is_object(&element, builders) => Kind::List,
        _ => Kind::Other,
    }
}

fn rewrite_setters(
    block: &mut ItemImpl,
    fields: &[(syn::Ident, Type)],
    builders: &BTreeSet<String>,
    rewritten: &mut Rewritten,
) {
    for item in &mut block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        let Some((name, ty)) = fields.iter().find(|(name, _)| *name == function.sig.ident) else {
            continue;
        };
        let (bound, value): (TokenStream, Expr) = match kind(ty, builders) {
            Kind::Object => {
                rewritten.object_setters += 1;
                (
                    quote!(
                        T: ::std::convert::TryInto<#ty>,
                        T::Error: ::std::convert::Into<super::error::ConversionError>,
                    ),
                    parse_quote!(value.try_into().map_err(::std::convert::Into::into)),
                )
            }
            Kind::List => {
                rewritten.list_setters += 1;
                (
                    quote!(T: flexport_runtime::build::IntoList<#ty>,),
                    parse_quote!(flexport_runtime::build::IntoList::into_list(value)),
                )
            }
            Kind::Other => {
                rewritten.other_setters += 1;
                (
                    quote!(
                        T: ::std::convert::TryInto<#ty>,
                        T::Error: ::std::fmt::Display,
                    ),
                    parse_quote!(
                        value
                            .try_into()
                            .map_err(super::error::ConversionError::invalid)
                    ),
                )
            }
        };
        let attrs = &function.attrs;
        let vis = &function.vis;
        *function = parse_quote! {
            #(#attrs)*
            #vis fn #name<T>(mut self, value: T) -> Self
            where
                #bound
            {
                self.#name = #value;
                self
            }
        };
    }
}

/// `Err("no value supplied for f".to_string())` → `Err(ConversionError::missing())`
/// in `fn default() -> Self { Self { .. } }`.
fn rewrite_default(block: &mut ItemImpl) {
    for item in &mut block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        for statement in &mut function.block.stmts {
            let syn::Stmt::Expr(Expr::Struct(construct), None) = statement else {
                continue;
            };
            for field in &mut construct.fields {
                if let Expr::Call(call) = &field.expr
                    && matches!(call.func.as_ref(), Expr::Path(p) if p.path.is_ident("Err"))
                {
                    field.expr = parse_quote!(Err(super::error::ConversionError::missing()));
                }
            }
        }
    }
}
