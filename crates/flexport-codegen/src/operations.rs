//! The operations a document declares, as the completeness checks count them.

use serde_json::Value;

/// One operation: an HTTP method on a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    /// Upper case, as in `GET`.
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

/// Every operation in the document's `paths`, sorted by path and method.
pub fn operations(document: &Value) -> Vec<Operation> {
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut found: Vec<Operation> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            methods.iter().filter_map(move |method| {
                let operation = item.get(*method)?;
                Some(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    operation_id: operation
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
            })
        })
        .collect();
    found.sort();
    found
}

/// The longest `/`-terminated prefix shared by all of the document's paths,
/// such as `/logistics/api/2024-04/`: what differs between API versions and
/// says nothing about the operation.
pub fn path_prefix(document: &Value) -> String {
    let paths: Vec<&String> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys())
        .collect();
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut prefix = first.as_str();
    for path in &paths {
        while !path.starts_with(prefix) {
            prefix = &prefix[..prefix.len() - 1];
        }
    }
    prefix[..prefix.rfind('/').map_or(0, |i| i + 1)].to_owned()
}

/// One row of the `OPERATIONS` table a version crate carries
/// (`flexport_runtime::Operation` in the generated code): an operation of
/// the document joined with the client method progenitor generated for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    /// Upper case, as in `GET`.
    pub method: String,
    pub path: String,
    /// As documented (before the `revision-suffixes` pass).
    pub operation_id: String,
    /// The generated client method (`create_order`).
    pub method_name: String,
    /// The operation's first tag; empty when it has none.
    pub tag: String,
    /// What the body setter converts into (`CreateOrderInput202307`).
    pub request_type: Option<String>,
    /// What `send()` answers on success (`OrderModel`, `Vec<WebhookModel>`).
    pub response_type: Option<String>,
    /// `false` only when the operation's effective `security` is an empty
    /// list (the OAuth operations); a document that names no security at
    /// all is taken to want the token the pipeline sends.
    pub bearer_token: bool,
}

/// The table of `documented` (the operations of the document as published)
/// after normalization into `normalized`, each joined with its method in
/// the generated `file`: the method whose name is the snake-case
/// operationId, and the builder it returns, whose `body` setter and `send`
/// give the request and response types.
///
/// Fails naming the operation when the generated code has no method for it,
/// and naming the method when it sends no operation of the document, so
/// the table and the client always agree.
pub fn table(
    documented: &[Operation],
    normalized: &Value,
    file: &syn::File,
) -> Result<Vec<Row>, String> {
    use heck::ToSnakeCase;
    let methods = client_methods(file);
    let builders = builder_types(file);
    let global_security = normalized.get("security");
    let mut rows = Vec::new();
    for operation in operations(normalized) {
        let item = &normalized["paths"][&operation.path][operation.method.to_lowercase()];
        let neutral = operation
            .operation_id
            .clone()
            .ok_or_else(|| format!("{} {} has no operationId", operation.method, operation.path))?;
        let method_name = neutral.to_snake_case();
        let builder = methods.get(&method_name).ok_or_else(|| {
            format!(
                "{} {} (`{neutral}`): the generated client has no method `{method_name}`",
                operation.method, operation.path
            )
        })?;
        let (request_type, response_type) = builders.get(builder).cloned().unwrap_or_default();
        let documented_id = documented
            .iter()
            .find(|raw| raw.method == operation.method && raw.path == operation.path)
            .and_then(|raw| raw.operation_id.clone())
            .unwrap_or_else(|| neutral.clone());
        let security = item.get("security").or(global_security);
        rows.push(Row {
            method: operation.method.clone(),
            path: operation.path.clone(),
            operation_id: documented_id,
            method_name,
            tag: item["tags"][0].as_str().unwrap_or_default().to_owned(),
            request_type,
            response_type,
            bearer_token: !security
                .and_then(Value::as_array)
                .is_some_and(|requirements| requirements.is_empty()),
        });
    }
    let unsent: Vec<&String> = methods
        .keys()
        .filter(|name| builders.contains_key(methods[*name].as_str()))
        .filter(|name| !rows.iter().any(|row| &row.method_name == *name))
        .collect();
    if !unsent.is_empty() {
        return Err(format!(
            "client methods for no operation of the document: {unsent:?}"
        ));
    }
    Ok(rows)
}

/// `pub const OPERATIONS: &[flexport_runtime::Operation]` for `rows`.
pub fn tokens(rows: &[Row]) -> proc_macro2::TokenStream {
    let option = |value: &Option<String>| match value {
        Some(text) => quote::quote!(Some(#text)),
        None => quote::quote!(None),
    };
    let entries = rows.iter().map(|row| {
        let Row {
            method,
            path,
            operation_id,
            method_name,
            tag,
            bearer_token,
            ..
        } = row;
        let request_type = option(&row.request_type);
        let response_type = option(&row.response_type);
        quote::quote! {
            flexport_runtime::Operation {
                method: #method,
                path: #path,
                operation_id: #operation_id,
                method_name: #method_name,
                tag: #tag,
                request_type: #request_type,
                response_type: #response_type,
                bearer_token: #bearer_token,
            },
        }
    });
    quote::quote! {
        /// Every operation of this version's document, sorted by method and
        /// path, with the client method that sends it and its types: the
        /// one list of operations that tools, tests and the sandbox read.
        pub const OPERATIONS: &[flexport_runtime::Operation] = &[#(#entries)*];
    }
}

/// Client method name → the builder type it returns (`create_order` →
/// `CreateOrder`), over the extension traits and inherent `impl Client` of
/// generated code (also read by `flexport-validator`'s build script).
pub fn client_methods(file: &syn::File) -> std::collections::BTreeMap<String, String> {
    let mut found = std::collections::BTreeMap::new();
    let mut add = |sig: &syn::Signature| {
        if let syn::ReturnType::Type(_, returned) = &sig.output
            && let Some(builder) = last_segment(returned)
        {
            found.insert(sig.ident.to_string(), builder);
        }
    };
    for item in &file.items {
        match item {
            syn::Item::Trait(item) => {
                for trait_item in &item.items {
                    if let syn::TraitItem::Fn(method) = trait_item {
                        add(&method.sig);
                    }
                }
            }
            syn::Item::Impl(item)
                if item.trait_.is_none()
                    && last_segment(&item.self_ty).as_deref() == Some("Client") =>
            {
                for impl_item in &item.items {
                    if let syn::ImplItem::Fn(method) = impl_item {
                        add(&method.sig);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Builder type → (the `body` setter's target type, `send()`'s success
/// type), from the top-level `builder` module.
fn builder_types(
    file: &syn::File,
) -> std::collections::BTreeMap<String, (Option<String>, Option<String>)> {
    let mut found = std::collections::BTreeMap::new();
    let builders = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => module.content.as_ref(),
        _ => None,
    });
    for item in builders.into_iter().flat_map(|(_, items)| items) {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(builder) = last_segment(&imp.self_ty) else {
            continue;
        };
        let entry: &mut (Option<String>, Option<String>) = found.entry(builder).or_default();
        for impl_item in &imp.items {
            let syn::ImplItem::Fn(function) = impl_item else {
                continue;
            };
            if function.sig.ident == "body" {
                entry.0 = body_target(&function.sig);
            } else if function.sig.ident == "send" {
                entry.1 = success_type(&function.sig);
            }
        }
    }
    found
}

/// `T` of the `V: TryInto<types::T>` bound of a body setter.
fn body_target(sig: &syn::Signature) -> Option<String> {
    let predicates = &sig.generics.where_clause.as_ref()?.predicates;
    predicates.iter().find_map(|predicate| {
        let syn::WherePredicate::Type(bound) = predicate else {
            return None;
        };
        bound.bounds.iter().find_map(|bound| {
            let syn::TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let segment = bound.path.segments.last()?;
            if segment.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
                return None;
            };
            arguments.args.iter().find_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(type_text(ty)),
                _ => None,
            })
        })
    })
}

/// `T` of `send()`'s `Result<ResponseValue<T>, _>`; `None` for `()`.
fn success_type(sig: &syn::Signature) -> Option<String> {
    let syn::ReturnType::Type(_, returned) = &sig.output else {
        return None;
    };
    let first_argument = |ty: &syn::Type| -> Option<syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let syn::PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments
        else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
    };
    let response_value = first_argument(returned)?;
    let success = first_argument(&response_value)?;
    match &success {
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => None,
        ty => Some(type_text(ty)),
    }
}

/// A type as written within the crate: `types::` and the `std` paths
/// dropped (`Vec<WebhookModel>`, `String`).
fn type_text(ty: &syn::Type) -> String {
    quote::quote!(#ty)
        .to_string()
        .replace(' ', "")
        .replace("::std::vec::", "")
        .replace("::std::string::", "")
        .replace("types::", "")
}

/// The last segment of a path type (`types::Order` → `Order`).
pub fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}
