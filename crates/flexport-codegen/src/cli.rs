//! The `flexport` command line's subcommands for one document: one clap
//! command per operation, named by the kebab-case neutral method name
//! (`get-order`), with a flag per parameter and per scalar field of the JSON
//! body, `--json-body FILE|-`, and `--all` on paged lists; and the code that
//! sends each one through the generated client's builder.
//!
//! It is generated from the same document and the same generated client as
//! the version crate ([`crate::generate`]): the operations are the rows of
//! its `OPERATIONS` table, the parameter types are the ones its builders'
//! setters take, and the paged lists are those it implements
//! `flexport_runtime::pagination::Paged` for. The emitted code is included
//! by the `flexport-cli` crate inside a module where `api` is the version's
//! facade module, and it calls that crate's `support` module (flag parsing,
//! body assembly, output); the CLI's tests drive every kind of call.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::operations::Row;

/// Flags every operation command may carry besides its own: a body field or
/// parameter of this name keeps only `--json-body`.
pub const RESERVED_FLAGS: &[&str] = &["json-body", "all", "page-size", "help"];

/// One subcommand, as data (what the generated code is made from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOperation {
    /// `get-order`.
    pub command: String,
    /// The client method (`get_order`).
    pub method_name: String,
    /// The builder type (`GetOrder`).
    pub builder: String,
    /// As documented (`GetOrder`, `CreateOrder202307`).
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Path, query and header parameters: setter name, flag, the setter's
    /// type as written in the builder module, help, required.
    pub parameters: Vec<Parameter>,
    /// The body type (`CreateOrderInput`) when the operation takes one.
    pub body_type: Option<String>,
    /// The body's top-level scalar fields, each a flag.
    pub body_fields: Vec<BodyField>,
    /// Whether `--json-body` is needed: some required field has no flag.
    pub body_required: bool,
    /// What `send()` answers (`OrderModel`, `ByteStream`), `None` for nothing.
    pub response_type: Option<String>,
    /// Whether the builder implements `Paged` (then `--all` streams it).
    pub paged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub setter: String,
    pub flag: String,
    /// The setter's target type, as tokens text (`:: std :: string :: String`).
    pub rust_type: String,
    pub help: Option<String>,
    pub required: bool,
}

/// The JSON type a body flag's text is turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyField {
    pub flag: String,
    /// The property's name in the JSON body (`externalOrderId`).
    pub field: String,
    pub kind: Kind,
    pub help: Option<String>,
    pub required: bool,
}

/// The subcommands of a document, and the Rust source that builds and runs
/// them (see the module docs for where it is included).
pub struct Generated {
    pub operations: Vec<CliOperation>,
    pub code: String,
}

/// Generates the command line of one document's bytes.
pub fn generate(document: &[u8]) -> Result<Generated, crate::Error> {
    let document = crate::validate::parse_document(document)?;
    let client = crate::generate_from_value(document.clone())?;
    let mut normalized = document.clone();
    crate::normalize::normalize(&mut normalized)?;
    let file = syn::parse_file(&client.code)?;
    let operations = operations(&client.operations, &document, &normalized, &file)
        .map_err(crate::Error::Operations)?;
    let tokens = tokens(&operations);
    let file: syn::File = syn::parse2(tokens)?;
    Ok(Generated {
        operations,
        code: prettyplease::unparse(&file),
    })
}

/// The subcommands of `rows` (the `OPERATIONS` table), read from the
/// normalized document and the generated client `file`; summaries and
/// descriptions come from the `documented` one (normalization adds notes to
/// descriptions that are not the document's).
pub fn operations(
    rows: &[Row],
    documented: &Value,
    normalized: &Value,
    file: &syn::File,
) -> Result<Vec<CliOperation>, String> {
    let setters = builder_setters(file);
    let paged = paged_builders(file);
    let mut found = Vec::new();
    for row in rows {
        let builder = row.method_name.to_upper_camel_case();
        let Some(builder_setters) = setters.get(&builder) else {
            return Err(format!(
                "`{}` has no builder `{builder}` in the generated client",
                row.method_name
            ));
        };
        let item = &normalized["paths"][&row.path][row.method.to_lowercase()];
        let documented_item = &documented["paths"][&row.path][row.method.to_lowercase()];
        let mut parameters = Vec::new();
        let mut body_type = None;
        for (setter, rust_type) in builder_setters {
            if setter == "body" {
                body_type = Some(rust_type.clone());
                continue;
            }
            let documented = documented_parameter(normalized, &row.path, item, setter);
            let required = documented.as_ref().is_some_and(|parameter| {
                parameter["in"] == "path" || parameter["required"] == Value::Bool(true)
            });
            let help = documented
                .as_ref()
                .and_then(|parameter| text(&parameter["description"]));
            parameters.push(Parameter {
                setter: setter.clone(),
                flag: setter.to_kebab_case(),
                rust_type: rust_type.clone(),
                help,
                required,
            });
        }
        let taken: BTreeSet<String> = parameters
            .iter()
            .map(|parameter| parameter.flag.clone())
            .chain(RESERVED_FLAGS.iter().map(|flag| (*flag).to_owned()))
            .collect();
        let (body_fields, body_required) = match body_type {
            Some(_) => body_flags(normalized, item, &taken),
            None => (Vec::new(), false),
        };
        found.push(CliOperation {
            command: row.method_name.to_kebab_case(),
            method_name: row.method_name.clone(),
            builder: builder.clone(),
            operation_id: row.operation_id.clone(),
            method: row.method.clone(),
            path: row.path.clone(),
            tag: row.tag.clone(),
            summary: text(&documented_item["summary"]),
            description: text(&documented_item["description"]),
            parameters,
            body_type: body_type.map(|ty| ty.trim_start_matches("types :: ").to_owned()),
            body_fields,
            body_required,
            response_type: row.response_type.clone(),
            paged: paged.contains(&builder),
        });
    }
    found.sort_by(|a, b| a.command.cmp(&b.command));
    Ok(found)
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The document's parameter whose snake-case name is `setter`, among the
/// operation's and its path item's parameters (references resolved).
fn documented_parameter(document: &Value, path: &str, item: &Value, setter: &str) -> Option<Value> {
    let path_item = &document["paths"][path];
    item["parameters"]
        .as_array()
        .into_iter()
        .chain(path_item["parameters"].as_array())
        .flatten()
        .map(|parameter| resolve(document, parameter).clone())
        .find(|parameter| {
            parameter["name"]
                .as_str()
                .is_some_and(|name| name.to_snake_case() == setter)
        })
}

fn resolve<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            break;
        };
        match document.pointer(pointer) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The flags of the body's top-level scalar properties (string, integer,
/// number, boolean, string enums), and whether a required property has none.
fn body_flags(document: &Value, item: &Value, taken: &BTreeSet<String>) -> (Vec<BodyField>, bool) {
    let schema = resolve(
        document,
        &item["requestBody"]["content"]["application/json"]["schema"],
    );
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let Some(properties) = schema["properties"].as_object() else {
        return (Vec::new(), true);
    };
    let mut fields = Vec::new();
    let mut unflagged_required = false;
    for (name, property) in properties {
        let property = resolve(document, property);
        let kind = match property["type"].as_str() {
            Some("string") => Some(Kind::Text),
            Some("integer") => Some(Kind::Integer),
            Some("number") => Some(Kind::Number),
            Some("boolean") => Some(Kind::Boolean),
            _ => None,
        };
        let flag = name.to_kebab_case();
        let is_required = required.contains(name.as_str());
        match kind {
            Some(kind)
                if !taken.contains(&flag) && !fields.iter().any(|f: &BodyField| f.flag == flag) =>
            {
                fields.push(BodyField {
                    flag,
                    field: name.clone(),
                    kind,
                    help: with_values(text(&property["description"]), &property["enum"]),
                    required: is_required,
                })
            }
            _ => unflagged_required |= is_required,
        }
    }
    (fields, unflagged_required)
}

/// A field's help, with its enum's values.
fn with_values(help: Option<String>, values: &Value) -> Option<String> {
    let Some(values) = values.as_array() else {
        return help;
    };
    let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    let listed = format!("one of {}", values.join(", "));
    Some(match help {
        Some(help) => format!("{help} ({listed})"),
        None => listed,
    })
}

/// Builder type name → its setters (name, target type) in the generated
/// `builder` module, in declaration order; `body` is the body setter.
fn builder_setters(file: &syn::File) -> BTreeMap<String, Vec<(String, String)>> {
    let mut found = BTreeMap::new();
    let Some(items) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => {
            module.content.as_ref().map(|(_, items)| items)
        }
        _ => None,
    }) else {
        return found;
    };
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(self_type) = &*block.self_ty else {
            continue;
        };
        let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let setters: &mut Vec<(String, String)> = found.entry(name).or_default();
        for member in &block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            if !matches!(function.vis, syn::Visibility::Public(_)) {
                continue;
            }
            if let Some(target) = setter_target(&function.sig) {
                setters.push((function.sig.ident.to_string(), target));
            }
        }
    }
    found
}

/// `T` of a setter `fn x<V>(self, value: V) -> Self where V: TryInto<T>`.
fn setter_target(sig: &syn::Signature) -> Option<String> {
    let clause = sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|predicate| {
        let syn::WherePredicate::Type(bound) = predicate else {
            return None;
        };
        let syn::Type::Path(bounded) = &bound.bounded_ty else {
            return None;
        };
        if !bounded.path.is_ident("V") {
            return None;
        }
        bound.bounds.iter().find_map(|bound| {
            let syn::TypeParamBound::Trait(tr) = bound else {
                return None;
            };
            let last = tr.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            arguments.args.iter().find_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(quote!(#ty).to_string()),
                _ => None,
            })
        })
    })
}

/// The builders the generated client implements `Paged` for.
fn paged_builders(file: &syn::File) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut visit = |items: &[syn::Item]| {
        for item in items {
            if let syn::Item::Impl(block) = item
                && let Some((path, _)) = &block.trait_
                && path.segments.last().is_some_and(|s| s.ident == "Paged")
                && let syn::Type::Path(self_type) = &*block.self_ty
                && let Some(last) = self_type.path.segments.last()
            {
                found.insert(last.ident.to_string());
            }
        }
    };
    visit(&file.items);
    for item in &file.items {
        if let syn::Item::Mod(module) = item
            && let Some((_, items)) = &module.content
        {
            visit(items);
        }
    }
    found
}

/// A type of the builder module, as seen from the including module: its
/// `types::X` are `api::types::X`.
fn api_type(text: &str) -> TokenStream {
    let mut words: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        match word {
            "types" if words.last() != Some(&"::") => words.extend(["api", "::", "types"]),
            "super" if words.last() != Some(&"::") => words.push("api"),
            other => words.push(other),
        }
    }
    let ty: syn::Type = syn::parse_str(&words.join(" ")).expect("a type from the generated client");
    quote!(#ty)
}

fn option_text(value: &Option<String>) -> TokenStream {
    match value {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}

/// `commands()` and `run(client, command, matches, output)`.
pub fn tokens(operations: &[CliOperation]) -> TokenStream {
    let commands = operations.iter().map(command_tokens);
    let arms = operations.iter().map(run_arm);
    quote! {
        /// One clap command per operation.
        pub fn commands() -> Vec<clap::Command> {
            vec![#(#commands),*]
        }

        /// Sends the operation `command` with the flags in `matches`.
        pub async fn run(
            client: &api::Client,
            command: &str,
            matches: &clap::ArgMatches,
            output: &mut crate::output::Output,
        ) -> Result<(), crate::Failure> {
            #[allow(unused_imports)]
            use api::prelude::*;
            match command {
                #(#arms)*
                other => Err(crate::Failure::Usage(format!("unknown operation `{other}`"))),
            }
        }
    }
}

fn command_tokens(operation: &CliOperation) -> TokenStream {
    let name = &operation.command;
    let about = operation
        .summary
        .clone()
        .or_else(|| {
            operation
                .description
                .as_ref()
                .and_then(|d| d.lines().next().map(str::to_owned))
        })
        .unwrap_or_else(|| format!("{} {}", operation.method, operation.path));
    let long_about = match &operation.description {
        Some(description) if Some(description) != operation.summary.as_ref() => {
            format!("{about}\n\n{description}")
        }
        _ => about.clone(),
    };
    let after = format!(
        "operationId: {} ({} {}, tag {})",
        operation.operation_id, operation.method, operation.path, operation.tag
    );
    let parameters = operation.parameters.iter().map(|parameter| {
        let flag = &parameter.flag;
        let required = parameter.required;
        let help = option_text(&parameter.help);
        let value_name = parameter.setter.to_uppercase();
        quote! {
            .arg(crate::support::flag_arg(#flag, #value_name, #required, #help))
        }
    });
    let body_fields = operation.body_fields.iter().map(|field| {
        let flag = &field.flag;
        let required = field.required;
        let help = option_text(&field.help);
        let field_name = &field.field;
        quote! {
            .arg(crate::support::body_arg(#flag, #field_name, #required, #help))
        }
    });
    let json_body = operation.body_type.as_ref().map(|_| {
        let required = operation.body_required;
        quote!(.arg(crate::support::json_body_arg(#required)))
    });
    let paged = operation
        .paged
        .then(|| quote!(.args(crate::support::list_args())));
    quote! {
        clap::Command::new(#name)
            .about(#about)
            .long_about(#long_about)
            .after_help(#after)
            #(#parameters)*
            #(#body_fields)*
            #json_body
            #paged
    }
}

fn run_arm(operation: &CliOperation) -> TokenStream {
    let name = &operation.command;
    let method = syn::Ident::new(&operation.method_name, proc_macro2::Span::call_site());
    let parameters = operation.parameters.iter().map(|parameter| {
        let flag = &parameter.flag;
        let setter = syn::Ident::new(&parameter.setter, proc_macro2::Span::call_site());
        let ty = api_type(&parameter.rust_type);
        quote! {
            if let Some(value) = crate::support::flag::<#ty>(matches, #flag)? {
                request = request.#setter(value);
            }
        }
    });
    let body = operation.body_type.as_ref().map(|body_type| {
        let ty = api_type(&format!("types :: {body_type}"));
        let fields = operation.body_fields.iter().map(|field| {
            let flag = &field.flag;
            let name = &field.field;
            let kind = match field.kind {
                Kind::Text => quote!(crate::support::Kind::Text),
                Kind::Integer => quote!(crate::support::Kind::Integer),
                Kind::Number => quote!(crate::support::Kind::Number),
                Kind::Boolean => quote!(crate::support::Kind::Boolean),
            };
            quote!((#flag, #name, #kind),)
        });
        quote! {
            let body: #ty = crate::support::body(matches, &[#(#fields)*])?;
            request = request.body(body);
        }
    });
    let paged = operation.paged.then(|| {
        quote! {
            if let Some(page_size) = crate::support::all(matches) {
                let items = flexport::pagination::StreamAll::stream_all(request, page_size);
                return output.stream(items).await;
            }
        }
    });
    let answer = match operation.response_type.as_deref() {
        Some("ByteStream") => quote!(output.download(request.send().await?).await),
        _ => quote!(output.answer(request.send().await?)),
    };
    quote! {
        #name => {
            #[allow(unused_mut)]
            let mut request = client.#method();
            #(#parameters)*
            #body
            #paged
            #answer
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setter_target_is_read_from_its_where_clause() {
        let sig: syn::Signature = syn::parse_quote! {
            fn limit<V>(mut self, value: V) -> Self where V: std::convert::TryInto<i64>
        };
        assert_eq!(setter_target(&sig).as_deref(), Some("i64"));
    }

    #[test]
    fn builder_module_types_are_reached_through_api() {
        assert_eq!(
            api_type("types :: InventoryPool").to_string(),
            "api :: types :: InventoryPool"
        );
        assert_eq!(
            api_type(":: std :: vec :: Vec < types :: X >").to_string(),
            ":: std :: vec :: Vec < api :: types :: X >"
        );
    }
}
