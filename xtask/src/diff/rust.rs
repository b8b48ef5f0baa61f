//! The public surface of a generated crate, read from the code
//! `flexport-codegen` generates, and what changes in it from one version to
//! the next, classified by whether code that compiled against the older
//! crate still compiles.
//!
//! Nothing here predicts what progenitor would generate: both versions are
//! generated and the syntax trees compared. The surface is
//!
//! - every `pub struct` and `pub enum` of the `types` and `webhooks` modules
//!   (`types::builder` and `types::error` are progenitor's plumbing), with
//!   their public fields and variants, and whether a struct has a
//!   `types::builder` companion or a `Default` impl;
//! - every client method (extension-trait methods and inherent `Client`
//!   methods whose doc names an HTTP request), with the builder it returns,
//!   the builder's setters and their parameter types, which setters must be
//!   called before `send()`, and `send()`'s return type.
//!
//! Items are matched by name. A rename therefore shows as one item removed
//! and one added.
//!
//! Not compared, so a change there is not reported: trait impls (`Default`,
//! `FromStr`, `Display`, conversions), inherent methods of types (such as
//! `builder()` itself), the `types::builder` structs, and what `send()` does
//! with a status code (only its signature is compared). "Breaks" follows
//! semver as Rust practice counts it: adding a public item is not counted,
//! although it can make a name ambiguous between two glob imports.

use std::collections::{BTreeMap, BTreeSet};

use flexport_codegen::operations::Row;
use quote::ToTokens;
use serde::Serialize;
use serde_json::Value;

/// The public surface of one generated crate.
#[derive(Debug, Clone, Default)]
pub struct RustApi {
    /// Keyed by module path, `types::Parcel`.
    pub types: BTreeMap<String, TypeDef>,
    /// Keyed by method name, `get_order`.
    pub methods: BTreeMap<String, MethodDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    /// `types::Parcel`.
    pub path: String,
    /// The name typify writes as the type's first doc line (`` `Parcel` ``):
    /// the schema's name, in the PascalCase typify gives the type.
    pub schema: Option<String>,
    pub shape: Shape,
    /// A `types::builder::{Name}` exists (`types::Parcel::builder()`).
    pub has_builder: bool,
    /// `Default` is derived or implemented.
    pub has_default: bool,
    /// `#[non_exhaustive]`: adding a variant or field does not break users.
    pub non_exhaustive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Named public fields.
    Struct(BTreeMap<String, Member>),
    /// A tuple struct; its field types, joined.
    Tuple(String),
    Enum(BTreeMap<String, Member>),
}

/// A field or a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The JSON name (`#[serde(rename)]`, else the Rust name).
    pub json: String,
    /// A field's type, or a variant's payload (empty for a unit variant).
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDef {
    pub name: String,
    /// `ClientOrdersExt`, or `Client` for an inherent method.
    pub owner: String,
    /// `GET /orders/{orderId}`, the path below the version prefix.
    pub operation: String,
    /// The builder type, `builder::GetOrder`.
    pub builder: String,
    pub setters: BTreeMap<String, Setter>,
    /// `send()`'s return type.
    pub returns: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setter {
    pub name: String,
    /// What the value must convert into (`String` for `V: TryInto<String>`).
    pub ty: String,
    /// `send()` fails with `Error::InvalidRequest` unless it was called.
    pub required: bool,
}

/// Generates the client of a (normalized) document with `flexport-codegen`
/// and reads its public surface.
pub fn generate(document: &Value) -> Result<RustApi, flexport_codegen::Error> {
    let generated = flexport_codegen::generate_from_value(document.clone())?;
    let file = syn::parse_file(&generated.code)?;
    let prefix = flexport_codegen::operations::path_prefix(document);
    Ok(RustApi::read(
        &file,
        &generated.operations,
        prefix.trim_end_matches('/'),
    ))
}

/// A type's tokens as one compact string: `Option<String>`, not
/// `:: std :: option :: Option < :: std :: string :: String >`.
pub fn show(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string().replace(' ', "");
    for path in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::",
        "std::convert::",
        "::chrono::offset::",
        "::chrono::",
        "::serde_json::",
        "::uuid::",
    ] {
        text = text.replace(path, "");
    }
    text.replace(',', ", ")
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `rename = "..."` of a `#[serde(...)]` attribute.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .find_map(|attr| {
            let text = attr.meta.to_token_stream().to_string();
            let start = text.find("rename = \"")? + "rename = \"".len();
            let end = start + text[start..].find('"')?;
            Some(text[start..end].to_owned())
        })
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident(name))
}

fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .any(|attr| {
            attr.meta
                .to_token_stream()
                .to_string()
                .split([',', '(', ')', ' ', ':'])
                .any(|word| word == name)
        })
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn module_items<'f>(items: &'f [syn::Item], name: &str) -> &'f [syn::Item] {
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == name => {
                module.content.as_ref().map(|(_, items)| items.as_slice())
            }
            _ => None,
        })
        .unwrap_or(&[])
}

impl RustApi {
    /// Reads the surface of a generated file whose operation paths start
    /// with `prefix` (`/logistics/api/2024-04`); each method's HTTP method
    /// and path come from the generator's `operations` table.
    pub fn read(file: &syn::File, operations: &[Row], prefix: &str) -> RustApi {
        let mut api = RustApi::default();
        for module in ["types", "webhooks"] {
            api.read_types(module, module_items(&file.items, module));
        }
        let builders = module_items(&file.items, "builder");
        for item in &file.items {
            match item {
                syn::Item::Trait(item) if is_pub(&item.vis) => {
                    for trait_item in &item.items {
                        if let syn::TraitItem::Fn(method) = trait_item {
                            api.read_method(
                                &item.ident.to_string(),
                                &method.sig,
                                builders,
                                operations,
                                prefix,
                            );
                        }
                    }
                }
                syn::Item::Impl(item) if item.trait_.is_none() => {
                    for impl_item in &item.items {
                        if let syn::ImplItem::Fn(method) = impl_item
                            && is_pub(&method.vis)
                        {
                            api.read_method("Client", &method.sig, builders, operations, prefix);
                        }
                    }
                }
                _ => {}
            }
        }
        api
    }

    fn read_types(&mut self, module: &str, items: &[syn::Item]) {
        let type_builders: BTreeSet<String> = module_items(items, "builder")
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                _ => None,
            })
            .collect();
        let default_impls: BTreeSet<String> = items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) => {
                    let (trait_path, _) = imp.trait_.as_ref()?;
                    let trait_name = trait_path.segments.last()?.ident.to_string();
                    (trait_name == "Default").then(|| last_segment(&imp.self_ty))?
                }
                _ => None,
            })
            .collect();
        for item in items {
            let (ident, attrs, shape) = match item {
                syn::Item::Struct(s) if is_pub(&s.vis) => {
                    let shape = match &s.fields {
                        syn::Fields::Named(named) => Shape::Struct(
                            named
                                .named
                                .iter()
                                .filter(|f| is_pub(&f.vis))
                                .filter_map(|f| {
                                    let name = f.ident.as_ref()?.to_string();
                                    Some((
                                        name.clone(),
                                        Member {
                                            json: serde_rename(&f.attrs).unwrap_or(name.clone()),
                                            name,
                                            ty: show(&f.ty),
                                        },
                                    ))
                                })
                                .collect(),
                        ),
                        syn::Fields::Unnamed(unnamed) => Shape::Tuple(
                            unnamed
                                .unnamed
                                .iter()
                                .map(|f| show(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        syn::Fields::Unit => Shape::Tuple(String::new()),
                    };
                    (&s.ident, &s.attrs, shape)
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let name = v.ident.to_string();
                            let payload = match &v.fields {
                                syn::Fields::Unit => String::new(),
                                fields => show(fields),
                            };
                            (
                                name.clone(),
                                Member {
                                    json: serde_rename(&v.attrs).unwrap_or(name.clone()),
                                    name,
                                    ty: payload,
                                },
                            )
                        })
                        .collect();
                    (&e.ident, &e.attrs, Shape::Enum(variants))
                }
                _ => continue,
            };
            let name = ident.to_string();
            let doc = doc_text(attrs);
            let schema = doc
                .lines()
                .next()
                .and_then(|line| line.strip_prefix('`')?.strip_suffix('`'))
                .map(str::to_owned);
            let path = format!("{module}::{name}");
            self.types.insert(
                path.clone(),
                TypeDef {
                    path,
                    schema,
                    shape,
                    has_builder: type_builders.contains(&name),
                    has_default: derives(attrs, "Default") || default_impls.contains(&name),
                    non_exhaustive: has_attr(attrs, "non_exhaustive"),
                },
            );
        }
    }

    fn read_method(
        &mut self,
        owner: &str,
        sig: &syn::Signature,
        builders: &[syn::Item],
        operations: &[Row],
        prefix: &str,
    ) {
        let Some(row) = operations.iter().find(|row| sig.ident == row.method_name) else {
            return;
        };
        let (http_method, path) = (&row.method, &row.path);
        let syn::ReturnType::Type(_, returned) = &sig.output else {
            return;
        };
        let Some(builder) = last_segment(returned) else {
            return;
        };
        let relative = path.strip_prefix(prefix).unwrap_or(path);
        let mut method = MethodDef {
            name: sig.ident.to_string(),
            owner: owner.to_owned(),
            operation: format!("{http_method} {relative}"),
            builder: format!("builder::{builder}"),
            setters: BTreeMap::new(),
            returns: String::new(),
        };
        let impls = builders.iter().filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                (last_segment(&imp.self_ty).as_deref() == Some(&builder)).then_some(imp)
            }
            _ => None,
        });
        for imp in impls {
            let fns: Vec<&syn::ImplItemFn> = imp
                .items
                .iter()
                .filter_map(|item| match item {
                    syn::ImplItem::Fn(f) if is_pub(&f.vis) => Some(f),
                    _ => None,
                })
                .collect();
            // `new()` starts every required setter's field as `Err("... was
            // not initialized")`.
            let new_body = fns
                .iter()
                .find(|f| f.sig.ident == "new")
                .map(|f| f.block.to_token_stream().to_string())
                .unwrap_or_default();
            for f in fns {
                let name = f.sig.ident.to_string();
                match name.as_str() {
                    "new" => {}
                    "send" => {
                        if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                            method.returns = show(ty);
                        }
                    }
                    _ => {
                        let required = new_body.contains(&format!("{name} : Err ("));
                        method.setters.insert(
                            name.clone(),
                            Setter {
                                ty: setter_type(&f.sig),
                                name,
                                required,
                            },
                        );
                    }
                }
            }
        }
        self.methods.insert(method.name.clone(), method);
    }
}

/// What a setter accepts: the `T` of `V: TryInto<T>`, else the bounds or
/// parameter types as written.
fn setter_type(sig: &syn::Signature) -> String {
    // The first predicate bounds the value (`V: TryInto<T>`); the others
    // bound its conversion error.
    let bounds = sig
        .generics
        .where_clause
        .as_ref()
        .and_then(|clause| clause.predicates.first())
        .map(|predicate| match predicate {
            syn::WherePredicate::Type(t) => show(&t.bounds),
            other => show(other),
        })
        .unwrap_or_default();
    if let Some(inner) = bounds
        .strip_prefix("TryInto<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return inner.to_owned();
    }
    if !bounds.is_empty() {
        return bounds;
    }
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(t) => Some(show(&t.ty)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What kind of item changed, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RustChangeKind {
    TypeAdded,
    TypeRemoved,
    /// Struct became enum, a tuple struct's inner type changed, ...
    TypeChanged,
    FieldAdded,
    FieldRemoved,
    FieldTypeChanged,
    VariantAdded,
    VariantRemoved,
    VariantPayloadChanged,
    MethodAdded,
    MethodRemoved,
    /// Same method name, another HTTP method or path.
    MethodRequestChanged,
    MethodReturnChanged,
    SetterAdded,
    SetterRemoved,
    SetterTypeChanged,
    SetterBecameRequired,
    SetterBecameOptional,
}

/// One change to the public surface.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RustChange {
    pub kind: RustChangeKind,
    /// The type or method: `types::Parcel`, `ClientOrdersExt::get_order`.
    pub owner: String,
    /// The field, variant or setter, if the change is below the owner.
    pub member: Option<String>,
    /// The JSON name of the field or variant, or the operation
    /// (`GET /orders/{orderId}`) of a method or setter.
    pub anchor: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Some code that compiled against the older crate fails to compile
    /// against the newer one (a semver-major change).
    pub breaks_rust: bool,
    /// What code breaks, and how to write code that survives the change.
    pub advice: String,
}

impl RustChange {
    /// One sentence on what changes in the crate.
    pub fn describe(&self) -> String {
        let owner = &self.owner;
        let member = self.member.as_deref().unwrap_or_default();
        let before = self.before.as_deref().unwrap_or_default();
        let after = self.after.as_deref().unwrap_or_default();
        match self.kind {
            RustChangeKind::TypeAdded => format!("new type `{owner}`"),
            RustChangeKind::TypeRemoved => format!("type `{owner}` removed"),
            RustChangeKind::TypeChanged => {
                format!("`{owner}` changes from `{before}` to `{after}`")
            }
            RustChangeKind::FieldAdded => format!("`{owner}` gains field `{member}: {after}`"),
            RustChangeKind::FieldRemoved => format!("`{owner}` loses field `{member}`"),
            RustChangeKind::FieldTypeChanged => {
                format!("`{owner}::{member}` changes from `{before}` to `{after}`")
            }
            RustChangeKind::VariantAdded => format!("`{owner}` gains variant `{member}`"),
            RustChangeKind::VariantRemoved => format!("`{owner}` loses variant `{member}`"),
            RustChangeKind::VariantPayloadChanged => {
                format!("`{owner}::{member}` changes from `{before}` to `{after}`")
            }
            RustChangeKind::MethodAdded => format!("new method `{owner}()`"),
            RustChangeKind::MethodRemoved => format!("method `{owner}()` removed"),
            RustChangeKind::MethodRequestChanged => {
                format!("`{owner}()` now sends `{after}` instead of `{before}`")
            }
            RustChangeKind::MethodReturnChanged => {
                format!("`{owner}().send()` returns `{after}` instead of `{before}`")
            }
            RustChangeKind::SetterAdded => format!("`{owner}()` gains `.{member}()` (`{after}`)"),
            RustChangeKind::SetterRemoved => format!("`{owner}()` loses `.{member}()`"),
            RustChangeKind::SetterTypeChanged => {
                format!("`{owner}().{member}()` takes `{after}` instead of `{before}`")
            }
            RustChangeKind::SetterBecameRequired => {
                format!("`{owner}().{member}()` must now be called")
            }
            RustChangeKind::SetterBecameOptional => {
                format!("`{owner}().{member}()` may now be left out")
            }
        }
    }
}

fn method_path(method: &MethodDef) -> String {
    format!("{}::{}", method.owner, method.name)
}

/// Every change from `old`'s surface to `new`'s, sorted.
pub fn diff(old: &RustApi, new: &RustApi) -> Vec<RustChange> {
    let mut changes = Vec::new();
    let mut push = |kind,
                    owner: &str,
                    member: Option<&str>,
                    anchor: &str,
                    before,
                    after,
                    breaks_rust,
                    advice: String| {
        changes.push(RustChange {
            kind,
            owner: owner.to_owned(),
            member: member.map(str::to_owned),
            anchor: anchor.to_owned(),
            before,
            after,
            breaks_rust,
            advice,
        })
    };
    use RustChangeKind as K;
    for (path, new_type) in &new.types {
        let anchor = new_type.schema.clone().unwrap_or_default();
        let Some(old_type) = old.types.get(path) else {
            push(
                K::TypeAdded,
                path,
                None,
                &anchor,
                None,
                None,
                false,
                String::new(),
            );
            continue;
        };
        match (&old_type.shape, &new_type.shape) {
            (Shape::Struct(a), Shape::Struct(b)) => {
                for (name, field) in b.iter().filter(|(n, _)| !a.contains_key(*n)) {
                    let breaks_rust = !new_type.non_exhaustive;
                    let advice = if breaks_rust {
                        struct_literal_advice(path, new_type)
                    } else {
                        String::new()
                    };
                    push(
                        K::FieldAdded,
                        path,
                        Some(name),
                        &field.json,
                        None,
                        Some(field.ty.clone()),
                        breaks_rust,
                        advice,
                    );
                }
                for (name, field) in a.iter().filter(|(n, _)| !b.contains_key(*n)) {
                    push(
                        K::FieldRemoved,
                        path,
                        Some(name),
                        &field.json,
                        Some(field.ty.clone()),
                        None,
                        true,
                        format!("every use of `{path}::{name}` breaks"),
                    );
                }
                for (name, old_field) in a {
                    if let Some(new_field) = b.get(name)
                        && old_field.ty != new_field.ty
                    {
                        push(
                            K::FieldTypeChanged,
                            path,
                            Some(name),
                            &new_field.json,
                            Some(old_field.ty.clone()),
                            Some(new_field.ty.clone()),
                            true,
                            format!(
                                "code that reads or sets `{name}` as `{}` breaks",
                                old_field.ty
                            ),
                        );
                    }
                }
            }
            (Shape::Enum(a), Shape::Enum(b)) => {
                for (name, variant) in b.iter().filter(|(n, _)| !a.contains_key(*n)) {
                    let breaks_rust = !new_type.non_exhaustive;
                    let advice = if breaks_rust {
                        format!(
                            "exhaustive `match`es on `{path}` break: give them a wildcard arm (`_ => ...`)"
                        )
                    } else {
                        String::new()
                    };
                    push(
                        K::VariantAdded,
                        path,
                        Some(name),
                        &variant.json,
                        None,
                        None,
                        breaks_rust,
                        advice,
                    );
                }
                for (name, variant) in a.iter().filter(|(n, _)| !b.contains_key(*n)) {
                    push(
                        K::VariantRemoved,
                        path,
                        Some(name),
                        &variant.json,
                        None,
                        None,
                        true,
                        format!("every use of `{path}::{name}` breaks"),
                    );
                }
                for (name, old_variant) in a {
                    if let Some(new_variant) = b.get(name)
                        && old_variant.ty != new_variant.ty
                    {
                        push(
                            K::VariantPayloadChanged,
                            path,
                            Some(name),
                            &new_variant.json,
                            Some(old_variant.ty.clone()),
                            Some(new_variant.ty.clone()),
                            true,
                            format!("code that builds or matches `{path}::{name}` breaks"),
                        );
                    }
                }
            }
            (a, b) if a != b => push(
                K::TypeChanged,
                path,
                None,
                &anchor,
                Some(shape_text(a)),
                Some(shape_text(b)),
                true,
                format!("code that builds or reads `{path}` breaks"),
            ),
            _ => {}
        }
    }
    for (path, old_type) in old
        .types
        .iter()
        .filter(|(p, _)| !new.types.contains_key(*p))
    {
        let anchor = old_type.schema.clone().unwrap_or_default();
        push(
            K::TypeRemoved,
            path,
            None,
            &anchor,
            None,
            None,
            true,
            format!("every use of `{path}` breaks"),
        );
    }

    for (name, new_method) in &new.methods {
        let owner = method_path(new_method);
        let Some(old_method) = old.methods.get(name) else {
            push(
                K::MethodAdded,
                &owner,
                None,
                &new_method.operation,
                None,
                None,
                false,
                String::new(),
            );
            continue;
        };
        if old_method.operation != new_method.operation {
            push(
                K::MethodRequestChanged,
                &owner,
                None,
                &new_method.operation,
                Some(old_method.operation.clone()),
                Some(new_method.operation.clone()),
                false,
                String::new(),
            );
        }
        if old_method.returns != new_method.returns {
            push(
                K::MethodReturnChanged,
                &owner,
                None,
                &new_method.operation,
                Some(old_method.returns.clone()),
                Some(new_method.returns.clone()),
                true,
                "code that names or destructures the response type breaks".to_owned(),
            );
        }
        let (a, b) = (&old_method.setters, &new_method.setters);
        for (setter_name, setter) in b.iter().filter(|(n, _)| !a.contains_key(*n)) {
            let advice = if setter.required {
                format!(
                    "`send()` returns `Error::InvalidRequest` until `.{setter_name}()` is called"
                )
            } else {
                String::new()
            };
            push(
                K::SetterAdded,
                &owner,
                Some(setter_name),
                &new_method.operation,
                None,
                Some(setter.ty.clone()),
                false,
                advice,
            );
        }
        for setter_name in a.keys().filter(|n| !b.contains_key(*n)) {
            push(
                K::SetterRemoved,
                &owner,
                Some(setter_name),
                &new_method.operation,
                None,
                None,
                true,
                format!("calls of `.{setter_name}()` break"),
            );
        }
        for (setter_name, old_setter) in a {
            let Some(new_setter) = b.get(setter_name) else {
                continue;
            };
            if old_setter.ty != new_setter.ty {
                push(
                    K::SetterTypeChanged,
                    &owner,
                    Some(setter_name),
                    &new_method.operation,
                    Some(old_setter.ty.clone()),
                    Some(new_setter.ty.clone()),
                    true,
                    format!(
                        "calls of `.{setter_name}()` with a value that does not convert into `{}` break",
                        new_setter.ty
                    ),
                );
            }
            match (old_setter.required, new_setter.required) {
                (false, true) => push(
                    K::SetterBecameRequired,
                    &owner,
                    Some(setter_name),
                    &new_method.operation,
                    None,
                    None,
                    false,
                    format!(
                        "`send()` returns `Error::InvalidRequest` until `.{setter_name}()` is called"
                    ),
                ),
                (true, false) => push(
                    K::SetterBecameOptional,
                    &owner,
                    Some(setter_name),
                    &new_method.operation,
                    None,
                    None,
                    false,
                    String::new(),
                ),
                _ => {}
            }
        }
    }
    for (name, old_method) in old
        .methods
        .iter()
        .filter(|(n, _)| !new.methods.contains_key(*n))
    {
        push(
            K::MethodRemoved,
            &method_path(old_method),
            None,
            &old_method.operation,
            None,
            None,
            true,
            format!("calls of `{name}()` break"),
        );
    }
    changes.sort();
    changes
}

fn struct_literal_advice(path: &str, def: &TypeDef) -> String {
    let mut ways = Vec::new();
    if def.has_builder {
        ways.push(format!("build values with `{path}::builder()`"));
    }
    if def.has_default {
        ways.push("end struct literals with `..Default::default()`".to_owned());
    }
    let ways = if ways.is_empty() {
        String::new()
    } else {
        format!("; {}", ways.join(" or "))
    };
    format!(
        "struct literals of `{path}` and patterns without `..` break{ways}, and write patterns with `..`"
    )
}

fn shape_text(shape: &Shape) -> String {
    match shape {
        Shape::Struct(_) => "a struct".to_owned(),
        Shape::Tuple(inner) => format!("({inner})"),
        Shape::Enum(_) => "an enum".to_owned(),
    }
}
