//! Open response enums: a string enum the client decodes from a response or a
//! webhook payload gets a catch-all variant, [`CATCH_ALL`]`(String)`, that
//! keeps a value the document does not declare exactly as received.
//!
//! Flexport adds enum values within an API version's lifetime (`TIKTOK` as a
//! source, `DAMAGED` for inbound events). With closed enums a pinned client
//! would fail the whole call because of one new string.
//!
//! The rule, applied to the generated code (typify's enums are only known by
//! name once generated, so this runs on the syn tree, not on the document):
//!
//! - **Response side**: the types named in a `send()` return type (success
//!   and typed error bodies), the webhook event schemas, and every type they
//!   reach through fields, transitively.
//! - **Request side**: the types named in an operation builder's fields (body,
//!   path and query parameters), transitively.
//! - A plain string enum on the response side is opened, also when it is on
//!   the request side too. A request-only enum stays closed.
//! - An opened enum still cannot *send* an undeclared value by accident:
//!   `FromStr` and `TryFrom<&str>`/`TryFrom<String>` keep accepting only the
//!   declared values; only serde decoding yields the catch-all. A request
//!   carries an undeclared value only when the caller passes one that came
//!   from the server, or writes the catch-all variant out on purpose; it is
//!   serialized back as the same string, so a value read can be echoed.
//! - An enum the `known-strings` normalization pass made (the document says
//!   "one of these values, or any string") is opened wherever it is used,
//!   requests included: there `UnknownValue(s)` is how a caller sends any
//!   string `s`, as the document allows.
//! - The catch-all is not `Copy`, so an opened enum (and any type deriving
//!   `Copy` that holds one) loses its `Copy` derive.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{Fields, GenericArgument, Ident, Item, ItemMod, PathArguments, Token, Type, parse_quote};

/// The name this step's change is reported under, beside the normalization passes.
pub const PASS: &str = "open-response-enums";

/// The name of the catch-all variant. An enum that already declares a
/// variant of this name gets the first free one of `UnknownValue2`, `UnknownValue3`, ...
pub const CATCH_ALL: &str = "UnknownValue";

/// Opens the response-side string enums of a generated client.
///
/// `extra_response_types` are types decoded outside any operation (the
/// webhook event schemas). `always_open` are enums opened wherever they are
/// used (those of the `known-strings` pass). Returns the names of the enums it
/// opened, sorted.
pub fn open_response_enums(
    file: &mut syn::File,
    extra_response_types: &[String],
    always_open: &[String],
) -> Vec<String> {
    let Some(types) = module_items(&file.items, "types").map(<[Item]>::to_vec) else {
        return Vec::new();
    };
    let names: BTreeSet<String> = types.iter().filter_map(type_name).collect();
    let edges: BTreeMap<String, BTreeSet<String>> = types
        .iter()
        .filter_map(|item| Some((type_name(item)?, referenced(item, &names))))
        .collect();

    let response = response_side(file, &names, &edges, extra_response_types);
    // A nullable schema is generated as a newtype of `Option<..Inner>`: the
    // enum to open is the one it holds.
    let always_open: BTreeSet<String> = always_open
        .iter()
        .flat_map(|name| {
            let held = edges.get(name).into_iter().flatten().cloned();
            std::iter::once(name.clone()).chain(held)
        })
        .collect();

    let mut opened = Vec::new();
    let types_mod = module_mut(&mut file.items, "types").expect("found above");
    let items = &mut types_mod.content.as_mut().expect("inline module").1;
    for item in items.iter_mut() {
        if let Item::Enum(enumeration) = item
            && (response.contains(&enumeration.ident.to_string())
                || always_open.contains(&enumeration.ident.to_string()))
            && is_string_enum(enumeration)
        {
            opened.push(enumeration.ident.to_string());
        }
    }
    for name in &opened {
        open(items, name, always_open.contains(name));
    }
    // A type may derive `Copy` only while everything it holds is `Copy`.
    let mut not_copy: BTreeSet<String> = opened.iter().cloned().collect();
    loop {
        let mut changed = false;
        for item in items.iter_mut() {
            let Some(name) = type_name(item) else {
                continue;
            };
            if not_copy.contains(&name) || edges[&name].is_disjoint(&not_copy) {
                continue;
            }
            if remove_derive(item_attrs(item), "Copy") {
                not_copy.insert(name);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    opened.sort();
    opened
}

/// The types of `types` a response body, a typed error body or one of
/// `extra_response_types` (webhook events) reaches through fields,
/// transitively: what the client decodes. Also used by the
/// `lenient-response-strings` pass ([`crate::lenient_strings`]).
pub fn response_types(file: &syn::File, extra_response_types: &[String]) -> BTreeSet<String> {
    let Some(types) = module_items(&file.items, "types") else {
        return BTreeSet::new();
    };
    let names: BTreeSet<String> = types.iter().filter_map(type_name).collect();
    let edges: BTreeMap<String, BTreeSet<String>> = types
        .iter()
        .filter_map(|item| Some((type_name(item)?, referenced(item, &names))))
        .collect();
    response_side(file, &names, &edges, extra_response_types)
}

fn response_side(
    file: &syn::File,
    names: &BTreeSet<String>,
    edges: &BTreeMap<String, BTreeSet<String>>,
    extra_response_types: &[String],
) -> BTreeSet<String> {
    let mut response_roots: BTreeSet<String> = extra_response_types
        .iter()
        .filter(|name| names.contains(*name))
        .cloned()
        .collect();
    if let Some(builders) = module_items(&file.items, "builder") {
        for item in builders {
            if let Item::Impl(block) = item {
                for impl_item in &block.items {
                    if let syn::ImplItem::Fn(method) = impl_item
                        && method.sig.ident == "send"
                    {
                        response_roots.extend(referenced(&method.sig.output, names));
                    }
                }
            }
        }
    }
    closure(response_roots, edges)
}

/// A unit-only enum serde derives for, as typify makes of a string `enum`.
fn is_string_enum(enumeration: &syn::ItemEnum) -> bool {
    let serde_derived = enumeration.attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && derives(attr)
                .iter()
                .any(|path| ends_with(path, "Deserialize"))
    });
    let enum_level_serde = enumeration
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("serde"));
    serde_derived
        && !enum_level_serde
        && !enumeration.variants.is_empty()
        && enumeration
            .variants
            .iter()
            .all(|variant| matches!(variant.fields, Fields::Unit))
}

/// Adds the catch-all variant to enum `name`; `any_string` when the
/// document allows any string there (so callers build the variant too).
fn open(items: &mut [Item], name: &str, any_string: bool) {
    let mut catch_all = String::new();
    for item in items.iter_mut() {
        match item {
            Item::Enum(enumeration) if enumeration.ident == name => {
                remove_derive(&mut enumeration.attrs, "Copy");
                let taken: BTreeSet<String> = enumeration
                    .variants
                    .iter()
                    .map(|v| v.ident.to_string())
                    .collect();
                catch_all = CATCH_ALL.to_owned();
                let mut n = 2;
                while taken.contains(&catch_all) {
                    catch_all = format!("{CATCH_ALL}{n}");
                    n += 1;
                }
                let variant = Ident::new(&catch_all, Span::call_site());
                enumeration.variants.push(if any_string {
                    parse_quote! {
                        /// A value other than the declared ones, which the document allows
                        /// here (any string): build it to send such a value; decoding one
                        /// gives it, kept exactly. `FromStr` and `TryFrom` accept declared
                        /// values only.
                        #[serde(untagged)]
                        #variant(::std::string::String)
                    }
                } else {
                    parse_quote! {
                        /// A value this API version's document does not declare, kept exactly
                        /// as received and serialized back unchanged. Only decoding produces it:
                        /// `FromStr` and `TryFrom` accept declared values only.
                        #[serde(untagged)]
                        #variant(::std::string::String)
                    }
                });
            }
            _ => {}
        }
    }
    let variant = Ident::new(&catch_all, Span::call_site());
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        let is_display = block
            .trait_
            .as_ref()
            .is_some_and(|(path, _)| ends_with(path, "Display"));
        let for_this = matches!(&*block.self_ty, syn::Type::Path(ty) if ty.path.is_ident(name));
        if !(is_display && for_this) {
            continue;
        }
        for impl_item in &mut block.items {
            let syn::ImplItem::Fn(method) = impl_item else {
                continue;
            };
            for statement in &mut method.block.stmts {
                if let syn::Stmt::Expr(syn::Expr::Match(matched), _) = statement {
                    matched.arms.push(parse_quote! {
                        Self::#variant(ref value) => f.write_str(value),
                    });
                }
            }
        }
    }
}

fn derives(attr: &syn::Attribute) -> Vec<syn::Path> {
    attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        .map(|paths| paths.into_iter().collect())
        .unwrap_or_default()
}

/// Removes `name` from the `#[derive(..)]` attributes; true when it was there.
fn remove_derive(attrs: &mut [syn::Attribute], name: &str) -> bool {
    let mut removed = false;
    for attr in attrs
        .iter_mut()
        .filter(|attr| attr.path().is_ident("derive"))
    {
        let paths = derives(attr);
        let kept: Vec<&syn::Path> = paths.iter().filter(|path| !path.is_ident(name)).collect();
        if kept.len() < paths.len() {
            *attr = parse_quote!(#[derive(#(#kept),*)]);
            removed = true;
        }
    }
    removed
}

fn ends_with(path: &syn::Path, name: &str) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

fn item_attrs(item: &mut Item) -> &mut Vec<syn::Attribute> {
    match item {
        Item::Struct(item) => &mut item.attrs,
        Item::Enum(item) => &mut item.attrs,
        Item::Type(item) => &mut item.attrs,
        _ => unreachable!("only called for type items"),
    }
}

fn type_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(item) => Some(item.ident.to_string()),
        Item::Enum(item) => Some(item.ident.to_string()),
        Item::Type(item) => Some(item.ident.to_string()),
        _ => None,
    }
}

fn module_items<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(module) if module.ident == name => Some(module.content.as_ref()?.1.as_slice()),
        _ => None,
    })
}

fn module_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut ItemMod> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == name => Some(module),
        _ => None,
    })
}

/// The names of `names` that `node` mentions in a type.
fn referenced<T: TypesIn>(node: &T, names: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    node.types_in(&mut |ty| collect(ty, names, &mut found));
    found
}

fn collect(ty: &Type, names: &BTreeSet<String>, found: &mut BTreeSet<String>) {
    match ty {
        Type::Path(path) => {
            for segment in &path.path.segments {
                let ident = segment.ident.to_string();
                if names.contains(&ident) {
                    found.insert(ident);
                }
                if let PathArguments::AngleBracketed(arguments) = &segment.arguments {
                    for argument in &arguments.args {
                        if let GenericArgument::Type(inner) = argument {
                            collect(inner, names, found);
                        }
                    }
                }
            }
        }
        Type::Reference(inner) => collect(&inner.elem, names, found),
        Type::Array(inner) => collect(&inner.elem, names, found),
        Type::Slice(inner) => collect(&inner.elem, names, found),
        Type::Paren(inner) => collect(&inner.elem, names, found),
        Type::Group(inner) => collect(&inner.elem, names, found),
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|t| collect(t, names, found)),
        _ => {}
    }
}

/// Syntax whose types [`referenced`] reads.
trait TypesIn {
    fn types_in(&self, f: &mut dyn FnMut(&Type));
}

impl TypesIn for Item {
    fn types_in(&self, f: &mut dyn FnMut(&Type)) {
        let fields: Box<dyn Iterator<Item = &syn::Field>> = match self {
            Item::Struct(item) => Box::new(item.fields.iter()),
            Item::Enum(item) => Box::new(item.variants.iter().flat_map(|v| v.fields.iter())),
            Item::Type(item) => return f(&item.ty),
            _ => return,
        };
        fields.for_each(|field| f(&field.ty));
    }
}

impl TypesIn for syn::ReturnType {
    fn types_in(&self, f: &mut dyn FnMut(&Type)) {
        if let syn::ReturnType::Type(_, ty) = self {
            f(ty);
        }
    }
}

fn closure(
    roots: BTreeSet<String>,
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut pending: Vec<String> = roots.into_iter().collect();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            pending.extend(edges.get(&name).into_iter().flatten().cloned());
        }
    }
    reached
}
