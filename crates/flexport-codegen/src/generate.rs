use std::panic::{AssertUnwindSafe, catch_unwind};

use heck::ToUpperCamelCase;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::normalize::{self, Change, Unsupported};
use crate::validate::{self, InvalidDocument};

/// Why a document could not be turned into Rust.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid document: {0}")]
    Invalid(#[from] InvalidDocument),
    #[error("unsupported construct: {0}")]
    Unsupported(#[from] Unsupported),
    #[error("the normalized document no longer parses as OpenAPI 3.0: {0}")]
    Normalized(serde_json::Error),
    #[error("progenitor refused the document: {0}")]
    Progenitor(#[from] progenitor::Error),
    #[error("progenitor gave up on the document: {0}")]
    GeneratorPanicked(String),
    #[error("the generated client does not match the document's operations: {0}")]
    Operations(String),
    #[error("progenitor produced code that does not parse: {0}")]
    Syntax(#[from] syn::Error),
    /// A rewrite of progenitor's output found fewer places than it must:
    /// progenitor's output changed shape, and the rewrite must follow it.
    #[error(
        "the `{pass}` rewrite applied {applied} time(s), expected {expected}: progenitor's output changed shape"
    )]
    RewriteMissed {
        pass: &'static str,
        applied: usize,
        expected: usize,
    },
}

/// The generated client of one document.
#[derive(Debug)]
pub struct Generated {
    /// Formatted Rust source: a `types` module, a `builder` module, the
    /// `Client`, one extension trait per tag and a `prelude`.
    pub code: String,
    /// What normalization changed in the document before generation.
    pub changes: Vec<Change>,
    /// The crate's `OPERATIONS` table, as data.
    pub operations: Vec<crate::operations::Row>,
}

/// The progenitor settings every version crate is generated with.
///
/// - **Builder interface**: each operation is `client.create_order().body(..).send()`.
///   Adding an optional parameter in a later API version adds a builder method
///   instead of changing a positional signature, so code written against one
///   version keeps compiling against the next far more often.
/// - **Separate tags**: operations are grouped into one extension trait per
///   tag (`ClientOrdersExt`, `ClientParcelsExt`, ...), mirroring the sections
///   of Flexport's documentation; `use <crate>::prelude::*` brings them all in.
/// - **`schemars::JsonSchema`** on every type, as Oxide's SDK does, so users
///   can emit or check the schema of what they send and store; after
///   generation [`crate::schemars_feature`] puts it behind the version
///   crate's `schemars` feature, so a build without it does not compile it.
/// - **`flexport_runtime::Pipeline` as the inner type, hooks expected**: every
///   request goes through the pipeline (token, idempotency key, retries,
///   tracing) by the `ClientHooks` impl that [`crate::extensions`] appends;
///   `Expected` makes a missing impl a compile error instead of a silent
///   bypass. Successful bodies are decoded by `flexport_runtime::decode`
///   ([`crate::extensions::decode_through_runtime`]).
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Separate)
        .with_derive("schemars::JsonSchema")
        .with_inner_type(quote::quote!(flexport_runtime::Pipeline))
        .with_hooks(HooksMode::Expected);
    settings
}

/// Validates, normalizes and generates the client for a document's bytes.
pub fn generate(document: &[u8]) -> Result<Generated, Error> {
    generate_from_value(validate::parse_document(document)?)
}

/// Normalizes and generates the client for an already validated document.
pub fn generate_from_value(mut document: Value) -> Result<Generated, Error> {
    let documented = crate::operations::operations(&document);
    let changes = normalize::normalize(&mut document)?;
    let normalized = document.clone();
    let extensions = crate::extensions::tokens(&document);
    let webhook_schemas: Vec<String> = crate::extensions::webhook_events(&document)
        .map(|events| {
            events
                .schemas
                .iter()
                .map(|s| s.to_upper_camel_case())
                .collect()
        })
        .unwrap_or_default();
    let always_open: Vec<String> = normalize::always_open_schemas(&document)
        .iter()
        .map(|s| s.to_upper_camel_case())
        .collect();
    let operation_count = crate::operations::operations(&document).len();
    let spec: openapiv3::OpenAPI = serde_json::from_value(document).map_err(Error::Normalized)?;
    let mut generator = Generator::new(&settings());
    // progenitor reports some unsupported constructs with `todo!`/`assert!`;
    // turn those into an error that names the document instead of a crash.
    let tokens = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(&spec)))
        .map_err(|panic| Error::GeneratorPanicked(panic_message(&panic)))??;
    let tokens = crate::extensions::decode_through_runtime(tokens);
    let mut file: syn::File = syn::parse2(quote::quote! { #tokens #extensions })?;
    let operations =
        crate::operations::table(&documented, &normalized, &file).map_err(Error::Operations)?;
    file.items
        .push(syn::parse2(crate::operations::tokens(&operations))?);
    if !crate::extensions::prelude_response_metadata(&mut file) {
        return Err(Error::RewriteMissed {
            pass: "prelude",
            applied: 0,
            expected: 1,
        });
    }
    let mut changes = changes;
    let sends = crate::extensions::send_returns_runtime_error(&mut file);
    if sends != operation_count {
        return Err(Error::RewriteMissed {
            pass: crate::extensions::SEND_ERROR_PASS,
            applied: sends,
            expected: operation_count,
        });
    }
    if sends > 0 {
        changes.push(Change {
            pass: crate::extensions::SEND_ERROR_PASS,
            detail: format!("{sends} `send()` result(s) return `flexport_runtime::Error`"),
        });
    }
    let opened = crate::open_enums::open_response_enums(&mut file, &webhook_schemas, &always_open);
    if !opened.is_empty() {
        changes.push(Change {
            pass: crate::open_enums::PASS,
            detail: format!(
                "{} response enum(s) get `{}(String)`: {}",
                opened.len(),
                crate::open_enums::CATCH_ALL,
                opened.join(", ")
            ),
        });
    }
    let response_types = crate::open_enums::response_types(&file, &webhook_schemas);
    let lenient = crate::lenient_strings::lenient_response_strings(&mut file, &response_types);
    if !lenient.is_empty() {
        changes.push(Change {
            pass: crate::lenient_strings::PASS,
            detail: format!(
                "{} response string field(s) also decode a number or boolean as its text",
                lenient.len()
            ),
        });
    }
    let integral = crate::numbers::integral_fields(&mut file);
    if !integral.is_empty() {
        changes.push(Change {
            pass: crate::numbers::INTEGRAL_PASS,
            detail: format!(
                "{} u64 field(s) also decode an integral float (`2.0`) and refuse a fraction",
                integral.len()
            ),
        });
    }
    let gated = crate::schemars_feature::gate_json_schema(&mut file);
    if gated > 0 {
        changes.push(Change {
            pass: crate::schemars_feature::PASS,
            detail: format!("{gated} JsonSchema derive(s)/impl(s) behind `feature = \"schemars\"`"),
        });
    }
    let newtypes = crate::string_newtypes::replace_string_deref(&mut file);
    if newtypes > 0 {
        changes.push(Change {
            pass: crate::string_newtypes::PASS,
            detail: format!(
                "{newtypes} string newtype(s) get as_str(), AsRef<str> and Display instead of Deref<Target = String>"
            ),
        });
    }
    let composed = crate::composing_builders::compose_builders(&mut file);
    if !composed.error_replaced {
        return Err(Error::RewriteMissed {
            pass: crate::composing_builders::PASS,
            applied: 0,
            expected: 1,
        });
    }
    if composed.builders > 0 {
        changes.push(Change {
            pass: crate::composing_builders::PASS,
            detail: format!(
                "{} builder(s) keep each problem's path; {} object setter(s) take a value or its builder, {} list setter(s) a list of either",
                composed.builders, composed.object_setters, composed.list_setters
            ),
        });
    }
    let reported = crate::builder_errors::report_all_missing_fields(&mut file);
    if reported > 0 {
        changes.push(Change {
            pass: crate::builder_errors::PASS,
            detail: format!(
                "{reported} builder conversion(s) name every missing or invalid field at once"
            ),
        });
    }
    let docs = crate::generated_docs::document(&mut file, &operations, &normalized);
    if docs.operations != operations.len() {
        return Err(Error::RewriteMissed {
            pass: crate::generated_docs::PASS,
            applied: docs.operations,
            expected: operations.len(),
        });
    }
    changes.push(Change {
        pass: crate::generated_docs::PASS,
        detail: format!(
            "{} operation(s), {} field(s) and {} builder setter(s) documented from the document",
            docs.operations, docs.fields, docs.setters
        ),
    });
    Ok(Generated {
        code: prettyplease::unparse(&file),
        changes,
        operations,
    })
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".to_owned())
}
