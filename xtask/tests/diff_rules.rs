//! Every diff rule on two tiny documents, and the rules all exercised.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use xtask::diff::rules::{ALL, Severity};
use xtask::diff::{ApiChange, Diff, diff_documents, load_document, render};

/// A document of version `version` (paths live below `/logistics/api/{version}/`).
fn doc(version: &str, paths: Value, schemas: Value) -> Value {
    let paths: serde_json::Map<String, Value> = paths
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| (format!("/logistics/api/{version}{path}"), item.clone()))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": version},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

fn body(name: &str) -> Value {
    json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
}

fn ok(name: &str) -> Value {
    json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
}

/// `POST /things` taking `Input` and returning `Output`, plus the given schemas.
fn api(version: &str, input: Value, output: Value) -> Value {
    doc(
        version,
        json!({"/things": {"post": {
            "operationId": "CreateThing",
            "tags": ["Things"],
            "requestBody": body("Input"),
            "responses": {"200": ok("Output")},
        }}}),
        json!({"Input": input, "Output": output}),
    )
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

fn diff(from: &Value, to: &Value) -> Diff {
    diff_documents("v1", from, "v2", to).unwrap()
}

/// What a page says of a change in Rust, every line joined.
fn rust_text(change: &ApiChange) -> String {
    if change.rust.is_empty() {
        return render::NO_RUST_CHANGE.to_owned();
    }
    change
        .rust
        .iter()
        .map(render::rust_line)
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn find<'d>(diff: &'d Diff, rule: &str) -> &'d ApiChange {
    diff.changes
        .iter()
        .find(|c| c.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:#?}", diff.changes))
}

/// `(name, from, to, the rule it must trigger, words its Rust impact must contain)`.
fn cases() -> Vec<(&'static str, Value, Value, &'static str, &'static str)> {
    let string = json!({"type": "string"});
    let plain = object(json!({"id": string}), &["id"]);
    let with = |extra: Value, required: &[&str]| {
        let mut properties = json!({"id": {"type": "string"}});
        properties
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        object(properties, required)
    };
    let colour = |values: &[&str]| {
        with(
            json!({"colour": {"type": "string", "enum": values}}),
            &["id"],
        )
    };
    let op = |version: &str, op: Value| {
        doc(
            version,
            json!({"/things/{thingId}": {"get": op}}),
            json!({"Output": plain.clone()}),
        )
    };
    let get = |params: Value| json!({"operationId": "GetThing", "tags": ["Things"], "parameters": params, "responses": {"200": ok("Output")}});
    let id_param =
        json!({"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}});
    let query = |required: bool, ty: &str| json!({"name": "limit", "in": "query", "required": required, "schema": {"type": ty}});
    let statuses = |extra: Value| {
        let mut responses = json!({"200": ok("Output")});
        responses
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"operationId": "GetThing", "parameters": [id_param.clone()], "responses": responses})
    };
    let problem = json!({"description": "bad"});
    let with_body = |has: bool| {
        let mut operation = json!({"operationId": "GetThing", "parameters": [id_param.clone()], "responses": {"200": ok("Output")}});
        if has {
            operation["requestBody"] = body("Output");
        }
        operation
    };

    vec![
        (
            "operation added",
            op("v1", get(json!([id_param]))),
            {
                let mut d = op("v2", get(json!([id_param])));
                d["paths"]["/logistics/api/v2/more"] = json!({"get": {"operationId": "ListMore", "tags": ["Things"], "responses": {"200": ok("Output")}}});
                d
            },
            "operation-added",
            "new method `ClientThingsExt::list_more()`. Code that compiled still compiles",
        ),
        (
            "operation removed",
            {
                let mut d = op("v1", get(json!([id_param])));
                d["paths"]["/logistics/api/v1/more"] =
                    json!({"get": {"operationId": "ListMore", "responses": {"200": ok("Output")}}});
                d
            },
            op("v2", get(json!([id_param]))),
            "operation-removed",
            "method `Client::list_more()` removed. **Breaks code that compiled**",
        ),
        (
            "operation moved",
            {
                let mut d = op("v1", get(json!([id_param])));
                d["paths"]["/logistics/api/v1/more"] =
                    json!({"get": {"operationId": "ListMore", "responses": {"200": ok("Output")}}});
                d
            },
            {
                let mut d = op("v2", get(json!([id_param])));
                d["paths"]["/logistics/api/v2/more/all"] =
                    json!({"get": {"operationId": "ListMore", "responses": {"200": ok("Output")}}});
                d
            },
            "operation-path-changed",
            "`Client::list_more()` now sends `GET /more/all` instead of `GET /more`. Code that compiled still compiles",
        ),
        (
            "operation id changed",
            op("v1", get(json!([id_param]))),
            op("v2", {
                let mut g = get(json!([id_param]));
                g["operationId"] = json!("FetchThing");
                g
            }),
            "operation-id-changed",
            "method `ClientThingsExt::get_thing()` removed. **Breaks code that compiled**",
        ),
        (
            "required parameter added",
            op("v1", get(json!([id_param]))),
            op("v2", get(json!([id_param, query(true, "integer")]))),
            "parameter-added-required",
            "gains `.limit()` (`u64`). Code that compiled still compiles; `send()` returns `Error::InvalidRequest` until `.limit()` is called",
        ),
        (
            "optional parameter added",
            op("v1", get(json!([id_param]))),
            op("v2", get(json!([id_param, query(false, "integer")]))),
            "parameter-added-optional",
            "gains `.limit()` (`u64`). Code that compiled still compiles.",
        ),
        (
            "parameter removed",
            op("v1", get(json!([id_param, query(false, "integer")]))),
            op("v2", get(json!([id_param]))),
            "parameter-removed",
            "loses `.limit()`. **Breaks code that compiled**",
        ),
        (
            "parameter became required",
            op("v1", get(json!([id_param, query(false, "integer")]))),
            op("v2", get(json!([id_param, query(true, "integer")]))),
            "parameter-became-required",
            "get_thing().limit()` must now be called. Code that compiled still compiles; `send()` returns `Error::InvalidRequest`",
        ),
        (
            "parameter became optional",
            op("v1", get(json!([id_param, query(true, "integer")]))),
            op("v2", get(json!([id_param, query(false, "integer")]))),
            "parameter-became-optional",
            "get_thing().limit()` may now be left out. Code that compiled still compiles.",
        ),
        (
            "parameter type changed",
            op("v1", get(json!([id_param, query(false, "integer")]))),
            op("v2", get(json!([id_param, query(false, "string")]))),
            "parameter-type-changed",
            "get_thing().limit()` takes `String` instead of `u64`. **Breaks code that compiled**",
        ),
        (
            "request body added",
            op("v1", with_body(false)),
            op("v2", with_body(true)),
            "request-body-added",
            "gains `.body()` (`types::Output`). Code that compiled still compiles.",
        ),
        (
            "request body removed",
            op("v1", with_body(true)),
            op("v2", with_body(false)),
            "request-body-removed",
            "loses `.body()`. **Breaks code that compiled**",
        ),
        (
            "success status added",
            op("v1", statuses(json!({}))),
            op("v2", statuses(json!({"202": ok("Output")}))),
            "response-success-status-added",
            "no change to the crate's public items",
        ),
        (
            "success status removed",
            op("v1", statuses(json!({"202": ok("Output")}))),
            op("v2", statuses(json!({}))),
            "response-success-status-removed",
            "no change to the crate's public items",
        ),
        (
            "error status added",
            op("v1", statuses(json!({}))),
            op("v2", statuses(json!({"409": problem}))),
            "response-error-status-added",
            "no change to the crate's public items",
        ),
        (
            "error status removed",
            op("v1", statuses(json!({"409": problem}))),
            op("v2", statuses(json!({}))),
            "response-error-status-removed",
            "no change to the crate's public items",
        ),
        (
            "required request property",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                with(json!({"sku": string}), &["id", "sku"]),
                plain.clone(),
            ),
            "request-property-added-required",
            "`types::Input` gains field `sku: String`. **Breaks code that compiled**: struct literals of `types::Input` and patterns without `..` break; build values with `types::Input::builder()`",
        ),
        (
            "optional request property",
            api("v1", plain.clone(), plain.clone()),
            api("v2", with(json!({"sku": string}), &["id"]), plain.clone()),
            "request-property-added-optional",
            "`types::Input` gains field `sku: Option<String>`. **Breaks code that compiled**: struct literals",
        ),
        (
            "request property removed",
            api("v1", with(json!({"sku": string}), &["id"]), plain.clone()),
            api("v2", plain.clone(), plain.clone()),
            "request-property-removed",
            "`types::Input` loses field `sku`. **Breaks code that compiled**",
        ),
        (
            "request property became required",
            api("v1", with(json!({"sku": string}), &["id"]), plain.clone()),
            api(
                "v2",
                with(json!({"sku": string}), &["id", "sku"]),
                plain.clone(),
            ),
            "request-property-became-required",
            "`types::Input::sku` changes from `Option<String>` to `String`. **Breaks code that compiled**",
        ),
        (
            "request property became optional",
            api("v1", plain.clone(), plain.clone()),
            api("v2", object(json!({"id": string}), &[]), plain.clone()),
            "request-property-became-optional",
            "`types::Input::id` changes from `String` to `Option<String>`. **Breaks code that compiled**",
        ),
        (
            "response property added",
            api("v1", plain.clone(), plain.clone()),
            api("v2", plain.clone(), with(json!({"sku": string}), &["id"])),
            "response-property-added",
            "`types::Output` gains field `sku: Option<String>`. **Breaks code that compiled**: struct literals",
        ),
        (
            "response property removed",
            api("v1", plain.clone(), with(json!({"sku": string}), &["id"])),
            api("v2", plain.clone(), plain.clone()),
            "response-property-removed",
            "`types::Output` loses field `sku`. **Breaks code that compiled**",
        ),
        (
            "response property became optional",
            api("v1", plain.clone(), plain.clone()),
            api("v2", plain.clone(), object(json!({"id": string}), &[])),
            "response-property-became-optional",
            "`types::Output::id` changes from `String` to `Option<String>`. **Breaks code that compiled**",
        ),
        (
            "response property became required",
            api("v1", plain.clone(), with(json!({"sku": string}), &["id"])),
            api(
                "v2",
                plain.clone(),
                with(json!({"sku": string}), &["id", "sku"]),
            ),
            "response-property-became-required",
            "`types::Output::sku` changes from `Option<String>` to `String`. **Breaks code that compiled**",
        ),
        (
            "request property became nullable",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                object(json!({"id": {"type": "string", "nullable": true}}), &["id"]),
                plain.clone(),
            ),
            "request-property-became-nullable",
            "`types::Input::id` changes from `String` to `Option<String>`. **Breaks code that compiled**",
        ),
        (
            "request property became not nullable",
            api(
                "v1",
                object(json!({"id": {"type": "string", "nullable": true}}), &["id"]),
                plain.clone(),
            ),
            api("v2", plain.clone(), plain.clone()),
            "request-property-became-not-nullable",
            "`types::Input::id` changes from `Option<String>` to `String`. **Breaks code that compiled**",
        ),
        (
            "response property became nullable",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                plain.clone(),
                object(json!({"id": {"type": "string", "nullable": true}}), &["id"]),
            ),
            "response-property-became-nullable",
            "`types::Output::id` changes from `String` to `Option<String>`. **Breaks code that compiled**",
        ),
        (
            "response property became not nullable",
            api(
                "v1",
                plain.clone(),
                object(json!({"id": {"type": "string", "nullable": true}}), &["id"]),
            ),
            api("v2", plain.clone(), plain.clone()),
            "response-property-became-not-nullable",
            "`types::Output::id` changes from `Option<String>` to `String`. **Breaks code that compiled**",
        ),
        (
            "request type changed",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                object(json!({"id": {"type": "integer"}}), &["id"]),
                plain.clone(),
            ),
            "request-type-changed",
            "`types::Input::id` changes from `String` to `u64`. **Breaks code that compiled**",
        ),
        (
            "response type changed",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                plain.clone(),
                object(json!({"id": {"type": "array", "items": string}}), &["id"]),
            ),
            "response-type-changed",
            "`types::Output::id` changes from `String` to `Vec<String>`. **Breaks code that compiled**",
        ),
        (
            "request format changed",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                object(json!({"id": {"type": "string", "format": "uuid"}}), &["id"]),
                plain.clone(),
            ),
            "request-format-changed",
            "`types::Input::id` changes from `String` to `Uuid`. **Breaks code that compiled**",
        ),
        (
            "response format changed",
            api("v1", plain.clone(), plain.clone()),
            api(
                "v2",
                plain.clone(),
                object(
                    json!({"id": {"type": "string", "format": "date-time"}}),
                    &["id"],
                ),
            ),
            "response-format-changed",
            "`types::Output::id` changes from `String` to `DateTime<Utc>`. **Breaks code that compiled**",
        ),
        (
            "request enum value added",
            api("v1", colour(&["RED"]), plain.clone()),
            api("v2", colour(&["RED", "BLUE"]), plain.clone()),
            "request-enum-value-added",
            "`types::InputColour` gains variant `Blue`. **Breaks code that compiled**: exhaustive `match`es on `types::InputColour` break: give them a wildcard arm (`_ => ...`)",
        ),
        (
            "request enum value removed",
            api("v1", colour(&["RED", "BLUE"]), plain.clone()),
            api("v2", colour(&["RED"]), plain.clone()),
            "request-enum-value-removed",
            "`types::InputColour` loses variant `Blue`. **Breaks code that compiled**",
        ),
        (
            "response enum value added",
            api("v1", plain.clone(), colour(&["RED"])),
            api("v2", plain.clone(), colour(&["RED", "BLUE"])),
            "response-enum-value-added",
            "`types::OutputColour` gains variant `Blue`. **Breaks code that compiled**: exhaustive `match`es on `types::OutputColour` break: give them a wildcard arm (`_ => ...`)",
        ),
        (
            "response enum value removed",
            api("v1", plain.clone(), colour(&["RED", "BLUE"])),
            api("v2", plain.clone(), colour(&["RED"])),
            "response-enum-value-removed",
            "`types::OutputColour` loses variant `Blue`. **Breaks code that compiled**",
        ),
        (
            "schema added",
            api("v1", plain.clone(), plain.clone()),
            {
                let mut d = api("v2", plain.clone(), plain.clone());
                d["components"]["schemas"]["Extra"] = plain.clone();
                d
            },
            "schema-added",
            "new type `types::Extra`. Code that compiled still compiles.",
        ),
        (
            "schema removed",
            {
                let mut d = api("v1", plain.clone(), plain.clone());
                d["components"]["schemas"]["Extra"] = json!({"type": "integer"});
                d
            },
            api("v2", plain.clone(), plain.clone()),
            "schema-removed",
            "no change to the crate's public items",
        ),
        (
            "schema renamed",
            {
                let mut d = api("v1", plain.clone(), plain.clone());
                d["components"]["schemas"]["OldName"] = colour(&["RED"]);
                d
            },
            {
                let mut d = api("v2", plain.clone(), plain.clone());
                d["components"]["schemas"]["NewName"] = colour(&["RED"]);
                d
            },
            "schema-renamed",
            "type `types::OldName` removed. **Breaks code that compiled**",
        ),
    ]
}

#[test]
fn each_rule_fires_on_its_construct_with_the_rust_impact_read_from_both_crates() {
    for (name, from, to, rule, rust) in cases() {
        let diff = diff(&from, &to);
        let change = diff.changes.iter().find(|c| c.rule == rule);
        let change = change.unwrap_or_else(|| panic!("{name}: no {rule} in {:#?}", diff.changes));
        let text = rust_text(change);
        if std::env::var_os("SHOW_RUST").is_some() {
            println!("{name}\t{text}");
            continue;
        }
        assert!(
            text.contains(rust),
            "{name}: {text:?} should contain {rust:?}"
        );
        let expected = ALL.iter().find(|r| r.id == rule).unwrap().severity;
        assert_eq!(change.severity, expected, "{name}");
    }
}

#[test]
fn every_rule_is_exercised() {
    let exercised: BTreeSet<&str> = cases().iter().map(|case| case.3).collect();
    let all: BTreeSet<&str> = ALL.iter().map(|rule| rule.id).collect();
    assert_eq!(exercised, all);
}

#[test]
fn a_document_compared_with_itself_has_no_changes() {
    let plain = object(json!({"id": {"type": "string"}}), &["id"]);
    let tiny = api("v1", plain.clone(), plain);
    assert_eq!(diff(&tiny, &tiny).changes, Vec::new());
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    for version in xtask::VERSIONS {
        let document = load_document(&specs.join(format!("{version}.json"))).unwrap();
        assert_eq!(
            diff_documents(version, &document, version, &document)
                .unwrap()
                .changes,
            Vec::new(),
            "{version}"
        );
    }
}

#[test]
fn operations_match_across_version_prefixes() {
    let plain = object(json!({"id": {"type": "string"}}), &["id"]);
    let diff = diff(
        &api("2023-04", plain.clone(), plain.clone()),
        &api("2024-04", plain.clone(), plain),
    );
    assert_eq!(
        diff.changes,
        Vec::new(),
        "POST /things is the same operation in both versions"
    );
}

#[test]
fn direction_decides_the_rule() {
    let string = json!({"type": "string"});
    let shared = |required: &[&str]| object(json!({"id": string, "sku": string}), required);
    // `Output` is both sent and received: the more severe rule wins.
    let both = |required: &[&str]| {
        doc(
            "v1",
            json!({"/things": {"post": {"operationId": "Put", "requestBody": body("Output"), "responses": {"200": ok("Output")}}}}),
            json!({"Output": shared(required)}),
        )
    };
    let d = diff(&both(&["id", "sku"]), &both(&["id"]));
    assert_eq!(
        find(&d, "response-property-became-optional").severity,
        Severity::Breaking
    );
    assert!(
        d.changes
            .iter()
            .all(|c| c.rule != "request-property-became-optional")
    );

    // A schema no operation references (a webhook payload) is received.
    let event = |values: &[&str]| {
        doc(
            "v1",
            json!({"/ping": {"get": {"operationId": "Ping", "responses": {"204": {"description": "ok"}}}}}),
            json!({"OrderShippedEvent": {"type": "string", "enum": values}}),
        )
    };
    let d = diff(&event(&["SHIPPED"]), &event(&["SHIPPED", "LOST"]));
    let change = find(&d, "response-enum-value-added");
    assert_eq!(
        (change.subject.as_str(), change.severity),
        ("schema OrderShippedEvent", Severity::PossiblyBreaking)
    );
}

#[test]
fn a_renamed_schema_is_not_also_added_removed_or_retyped() {
    let shape = object(json!({"id": {"type": "string"}}), &["id"]);
    let using = |name: &str| {
        doc(
            "v1",
            json!({"/things": {"get": {"operationId": "GetThing", "responses": {"200": ok(name)}}}}),
            json!({name: shape.clone()}),
        )
    };
    let d = diff(&using("Thing"), &using("ThingV2"));
    let rules: Vec<&str> = d.changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, ["schema-renamed"], "{:#?}", d.changes);
}

#[test]
fn loading_bad_input_names_the_file() {
    let missing = std::path::Path::new("/nonexistent/spec.json");
    assert!(
        load_document(missing)
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/spec.json")
    );
    let not_openapi = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_openapi.path(), br#"{"swagger": "2.0"}"#).unwrap();
    let message = load_document(not_openapi.path()).unwrap_err().to_string();
    assert!(
        message.contains(&not_openapi.path().display().to_string())
            && message.contains("Swagger 2.0"),
        "{message}"
    );
}

#[test]
fn markdown_and_json_say_the_same() {
    let plain = object(json!({"id": {"type": "string"}}), &["id"]);
    let d = diff(
        &api("v1", plain.clone(), plain.clone()),
        &api(
            "v2",
            plain.clone(),
            object(json!({"id": {"type": "string"}}), &[]),
        ),
    );
    let markdown = render::markdown(&d);
    assert!(markdown.contains("## Breaking changes"), "{markdown}");
    assert!(markdown.contains("### `schema Output`"), "{markdown}");
    assert!(
        markdown.contains("- `response-property-became-optional` (id)"),
        "{markdown}"
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["changes"][0]["severity"], "breaking");
    assert_eq!(
        json["changes"][0]["rule"],
        "response-property-became-optional"
    );

    let empty = diff(
        &api("v1", plain.clone(), plain.clone()),
        &api("v2", plain.clone(), plain),
    );
    assert!(render::markdown(&empty).contains("No changes."));
}

#[test]
fn a_moved_operation_is_not_also_added_or_removed() {
    let output = object(json!({"id": {"type": "string"}}), &["id"]);
    let at = |path: &str| {
        doc(
            "v1",
            json!({
                path: {"get": {"operationId": "ListThings", "responses": {"200": ok("Output")}}},
                "/health": {"get": {"operationId": "Health", "responses": {"200": ok("Output")}}},
            }),
            json!({"Output": output.clone()}),
        )
    };
    let d = diff(&at("/things"), &at("/things/all"));
    let rules: Vec<&str> = d.changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, ["operation-path-changed"], "{:#?}", d.changes);
    assert_eq!(d.changes[0].subject, "GET /things/all");
    assert!(d.changes[0].detail.contains("moved from `GET /things`"));
}
