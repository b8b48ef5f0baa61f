//! Generates the typed dispatch of every operation of every committed
//! document: for each version, a `call(client, method_name, args)` whose
//! arms call the generated client method of each row of the version's
//! `OPERATIONS` table, with each builder setter fed a value decoded into
//! that setter's own type. The rows come from `flexport_codegen::generate`
//! (the same run that emits the version crate's `OPERATIONS`), the setter
//! types from the generated `builder` module; nothing is listed by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use flexport_codegen::operations::{client_methods, last_segment};

fn main() {
    let specs = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../specs");
    println!("cargo:rerun-if-changed={}", specs.display());
    let mut documents: Vec<(String, PathBuf)> = std::fs::read_dir(&specs)
        .expect("the workspace's specs/ directory")
        .map(|entry| entry.expect("a readable specs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let version = path.file_stem().unwrap().to_string_lossy().into_owned();
            (version, path.canonicalize().unwrap())
        })
        .collect();
    documents.sort();
    let mut out = String::new();
    let mut table = String::from(
        "/// Every committed document's version.\n\
         pub const VERSIONS: &[crate::Version] = &[\n",
    );
    for (version, path) in &documents {
        println!("cargo:rerun-if-changed={}", path.display());
        let module = module_name(version);
        let generated = flexport_codegen::generate(&std::fs::read(path).unwrap())
            .unwrap_or_else(|error| panic!("{version}: {error}"));
        let file = syn::parse_file(&generated.code).expect("the generated code parses");
        let methods = client_methods(&file);
        let setters = builder_setters(&file);
        writeln!(out, "pub mod {module} {{").unwrap();
        writeln!(out, "    #[allow(unused_imports)]").unwrap();
        writeln!(
            out,
            "    use flexport::{module}::{{Client, prelude::*, types}};"
        )
        .unwrap();
        let mut setter_table = String::from("    pub const SETTERS: &[(&str, &[&str])] = &[\n");
        let mut arms = String::new();
        for row in &generated.operations {
            let builder = methods
                .get(&row.method_name)
                .unwrap_or_else(|| panic!("{version}: no client method {}", row.method_name));
            let fields = setters.get(builder).cloned().unwrap_or_default();
            let names: Vec<String> = fields.iter().map(|(name, _)| format!("{name:?}")).collect();
            writeln!(
                setter_table,
                "        ({:?}, &[{}]),",
                row.method_name,
                names.join(", ")
            )
            .unwrap();
            writeln!(arms, "            {:?} => {{", row.method_name).unwrap();
            let binding = if fields.is_empty() {
                "call"
            } else {
                "mut call"
            };
            writeln!(
                arms,
                "                let {binding} = client.{}();",
                row.method_name
            )
            .unwrap();
            for (name, ty) in &fields {
                let ty = ty.replace("super ::", &format!("flexport :: {module} ::"));
                writeln!(
                    arms,
                    "                match args.get::<{ty}>({name:?}) {{ Ok(Some(value)) => call = call.{name}(value), Ok(None) => {{}}, Err(error) => return Some(crate::Sent::NotTyped(error)) }}"
                )
                .unwrap();
            }
            let sent = if row.response_type.as_deref() == Some("ByteStream") {
                "crate::Sent::from_download"
            } else {
                "crate::Sent::from_json"
            };
            writeln!(arms, "                {sent}(call.send().await)").unwrap();
            writeln!(arms, "            }}").unwrap();
        }
        setter_table.push_str("    ];\n");
        out.push_str(&setter_table);
        writeln!(
            out,
            "    /// Sends the operation `method` (a `method_name` of `OPERATIONS`) \
             with `args`; `None` for a method this version does not have.\n    \
             pub async fn call(client: &Client, method: &str, args: &crate::Args) -> Option<crate::Sent> {{\n        \
             Some(match method {{\n{arms}            _ => return None,\n        }})\n    }}"
        )
        .unwrap();
        writeln!(out, "}}").unwrap();
        writeln!(
            table,
            "    crate::Version {{ name: {version:?}, document: include_str!({:?}), setters: {module}::SETTERS, operations: flexport::{module}::OPERATIONS }},",
            path.display()
        )
        .unwrap();
    }
    table.push_str("];\n");
    // The dispatcher over versions.
    let mut dispatch = String::from(
        "/// Sends `method` of `version` through `client` (a facade client of that version, as \
         [`Clients`] holds); `None` when the version or the method is unknown.\n\
         pub async fn call(clients: &Clients, version: &str, method: &str, args: &crate::Args) -> Option<crate::Sent> {\n    match version {\n",
    );
    let mut clients = String::from(
        "/// A facade client of every version, built by one builder.\npub struct Clients {\n",
    );
    let mut build = String::from(
        "impl Clients {\n    pub fn build(builder: impl Fn() -> flexport::ClientBuilder) -> Result<Self, flexport::ConfigError> {\n        Ok(Self {\n",
    );
    for (version, _) in &documents {
        let module = module_name(version);
        writeln!(
            dispatch,
            "        {version:?} => {module}::call(&clients.{module}, method, args).await,"
        )
        .unwrap();
        writeln!(clients, "    pub {module}: flexport::{module}::Client,").unwrap();
        writeln!(build, "            {module}: builder().build()?,").unwrap();
    }
    dispatch.push_str("        _ => None,\n    }\n}\n");
    clients.push_str("}\n");
    build.push_str("        })\n    }\n}\n");
    out.push_str(&table);
    out.push_str(&dispatch);
    out.push_str(&clients);
    out.push_str(&build);
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("dispatch.rs");
    std::fs::write(target, out).unwrap();
}

/// The facade's module of a version: `v2024_04`, `unstable`.
fn module_name(version: &str) -> String {
    let name = version.replace('-', "_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{name}")
    } else {
        name
    }
}

/// Builder type → its setters `(name, T of the V: TryInto<T> bound)`, in
/// the order the builder declares them.
fn builder_setters(file: &syn::File) -> BTreeMap<String, Vec<(String, String)>> {
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let builders = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => module.content.as_ref(),
        _ => None,
    });
    for item in builders.into_iter().flat_map(|(_, items)| items) {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(builder) = last_segment(&imp.self_ty) else {
            continue;
        };
        let setters = found.entry(builder).or_default();
        for impl_item in &imp.items {
            let syn::ImplItem::Fn(function) = impl_item else {
                continue;
            };
            if let Some(target) = try_into_target(&function.sig) {
                setters.push((function.sig.ident.to_string(), target));
            }
        }
    }
    found
}

/// `T` of a setter's `V: TryInto<T>` bound, as tokens.
fn try_into_target(sig: &syn::Signature) -> Option<String> {
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
                syn::GenericArgument::Type(ty) => Some(quote::quote!(#ty).to_string()),
                _ => None,
            })
        })
    })
}
