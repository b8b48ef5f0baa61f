//! The generated code's side of the protocol `flexport_runtime::protocol`
//! writes down: every committed document is generated, and the code must
//! name exactly the runtime paths and hook calls the protocol lists, and
//! every rewrite of progenitor's output must have applied. A change to
//! either side alone (codegen calling something new, a rewrite that no
//! longer matches progenitor's output, a list edited without the code)
//! fails here.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use flexport_runtime::protocol::{GENERATED_CODE_USES, HOOK_CALLS};
use flexport_tests::committed_documents;

/// Every committed document's generated client, generated once.
fn generated() -> &'static [(String, flexport_codegen::Generated)] {
    static GENERATED: OnceLock<Vec<(String, flexport_codegen::Generated)>> = OnceLock::new();
    GENERATED.get_or_init(|| {
        committed_documents()
            .into_iter()
            .map(|(version, path)| {
                let bytes = std::fs::read(&path).unwrap();
                let generated = flexport_codegen::generate(&bytes)
                    .unwrap_or_else(|error| panic!("{version}: {error}"));
                (version, generated)
            })
            .collect()
    })
}

/// Every `flexport_runtime::…` path the code names, in code, attributes or
/// strings alike.
fn runtime_paths(code: &str) -> BTreeSet<String> {
    const PREFIX: &str = "flexport_runtime::";
    code.match_indices(PREFIX)
        .map(|(at, _)| {
            let rest = &code[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            rest[..end].trim_end_matches(':').to_owned()
        })
        .collect()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_generated_code_names_exactly_the_runtime_paths_the_protocol_lists() {
    let mut used = BTreeSet::new();
    for (_, generated) in generated() {
        used.extend(runtime_paths(&generated.code));
    }
    let listed: BTreeSet<String> = GENERATED_CODE_USES.iter().map(|p| p.to_string()).collect();
    let unlisted: Vec<_> = used.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&used).collect();
    assert!(
        unlisted.is_empty(),
        "the generated code names runtime paths flexport_runtime::protocol does not list \
         (write them down there): {unlisted:?}"
    );
    assert!(
        unused.is_empty(),
        "flexport_runtime::protocol lists paths no generated code names any more: {unused:?}"
    );
}

#[test]
fn the_hooks_call_the_pipeline_as_the_protocol_says_once_per_client() {
    for (version, generated) in generated() {
        let code = without_whitespace(&generated.code);
        assert_eq!(
            code.matches("implprogenitor_client::ClientHooks<flexport_runtime::Pipeline>forClient")
                .count(),
            1,
            "{version}"
        );
        for call in HOOK_CALLS {
            assert_eq!(
                code.matches(&without_whitespace(call)).count(),
                1,
                "{version}: {call}"
            );
        }
        assert_eq!(
            code.matches("self.inner.").count(),
            HOOK_CALLS.len(),
            "{version}: the generated code calls the pipeline beyond its hooks"
        );
    }
}

#[test]
fn every_rewrite_of_progenitors_output_applied_to_every_document() {
    for (version, generated) in generated() {
        let code = &generated.code;
        // The token rewrite `decode_through_runtime`: progenitor's decoder
        // must be gone, the runtime's in its place.
        assert_eq!(
            code.matches("from_response").count(),
            0,
            "{version}: progenitor's ResponseValue::from_response was not rewritten"
        );
        assert!(
            code.matches("flexport_runtime::decode").count() > 0,
            "{version}: nothing decodes through flexport_runtime::decode"
        );
        // Error bodies reach `Error::from` as the stream the pipeline has
        // buffered (the `now_or_never` read-back of the protocol).
        assert!(
            code.matches("ResponseValue::stream(").count() > 0,
            "{version}: no error body is handed over as a stream"
        );
        // The syn passes: each reports how often it applied, and none may
        // have found nothing.
        for pass in [
            flexport_codegen::extensions::SEND_ERROR_PASS,
            flexport_codegen::open_enums::PASS,
            flexport_codegen::lenient_strings::PASS,
            flexport_codegen::numbers::INTEGRAL_PASS,
            flexport_codegen::schemars_feature::PASS,
            flexport_codegen::string_newtypes::PASS,
            flexport_codegen::composing_builders::PASS,
            flexport_codegen::builder_errors::PASS,
        ] {
            assert!(
                generated.changes.iter().any(|change| change.pass == pass),
                "{version}: the `{pass}` rewrite applied nowhere: progenitor's output changed shape"
            );
        }
        // `send-error` applied once per operation (or the build failed with
        // RewriteMissed); its log line says how often.
        let sends = generated
            .changes
            .iter()
            .find(|change| change.pass == flexport_codegen::extensions::SEND_ERROR_PASS)
            .unwrap();
        assert!(
            sends
                .detail
                .starts_with(&format!("{} ", generated.operations.len())),
            "{version}: {}",
            sends.detail
        );
    }
}
