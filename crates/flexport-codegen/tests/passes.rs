//! Each normalization pass on a small document that shows its construct, and
//! the generated Rust that results.

use flexport_codegen::normalize::{PASSES, normalize};
use serde_json::{Value, json};

fn document(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Test API", "version": "v1"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

fn json_response(schema: Value) -> Value {
    json!({"description": "ok", "content": {"application/json": {"schema": schema}}})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// One `GET` operation answering 200 with `schema`.
fn get_returning(operation_id: &str, schema: Value) -> Value {
    json!({"/logistics/api/v1/thing": {"get": {
        "operationId": operation_id,
        "responses": {"200": json_response(schema)},
    }}})
}

/// Runs the pass called `name` and returns the changes it reports.
fn run(name: &str, doc: &mut Value) -> Result<Vec<String>, String> {
    let pass = PASSES
        .iter()
        .find(|pass| pass.name == name)
        .unwrap_or_else(|| panic!("no pass {name}"));
    (pass.apply)(doc).map_err(|error| error.to_string())
}

/// A pass given a document without its construct changes nothing.
#[track_caller]
fn assert_untouched(name: &str, mut doc: Value) {
    let before = doc.clone();
    assert_eq!(run(name, &mut doc).unwrap(), Vec::<String>::new(), "{name}");
    assert_eq!(
        doc, before,
        "{name} changed a document without its construct"
    );
}

fn generated(doc: Value) -> String {
    flexport_codegen::generate_from_value(doc)
        .unwrap_or_else(|error| panic!("{error}"))
        .code
}

fn plain_document() -> Value {
    document(
        get_returning("GetThing", schema_ref("Thing")),
        json!({"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}),
    )
}

#[test]
fn every_pass_leaves_a_plain_document_alone() {
    for pass in PASSES {
        assert_untouched(pass.name, plain_document());
    }
}

#[test]
fn operation_ids_are_made_from_method_and_path() {
    let mut doc = document(
        json!({
            "/logistics/api/v1/orders/{orderId}/cancel": {"post": {
                "parameters": [{"name": "orderId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": json_response(json!({"type": "string"}))},
            }},
            "/logistics/api/v1/orders": {"get": {"responses": {"200": json_response(json!({"type": "string"}))}}},
        }),
        json!({}),
    );
    let changes = run("operation-ids", &mut doc).unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(
        doc.pointer("/paths/~1logistics~1api~1v1~1orders~1{orderId}~1cancel/post/operationId"),
        Some(&json!("PostOrdersByOrderIdCancel"))
    );
    assert_eq!(
        doc.pointer("/paths/~1logistics~1api~1v1~1orders/get/operationId"),
        Some(&json!("GetOrders"))
    );
    let code = generated(doc);
    assert!(
        code.contains("pub fn post_orders_by_order_id_cancel("),
        "method from the synthesized id"
    );
}

#[test]
fn clashing_operation_ids_get_the_method_appended() {
    let ok = || json!({"200": json_response(json!({"type": "string"}))});
    let mut doc = document(
        json!({
            "/logistics/api/v1/a": {"get": {"operationId": "GetThing", "responses": ok()}},
            "/logistics/api/v1/b": {"post": {"operationId": "get_thing", "responses": ok()}},
        }),
        json!({}),
    );
    let changes = run("operation-ids", &mut doc).unwrap();
    assert_eq!(
        changes,
        [r#"POST /logistics/api/v1/b: operationId "get_thing" clashes, now "get_thing_post""#]
    );
    let code = generated(doc);
    assert!(code.contains("fn get_thing(&self)") && code.contains("fn get_thing_post(&self)"));
}

#[test]
fn without_normalization_progenitor_refuses_missing_operation_ids() {
    let doc = document(
        json!({"/a": {"get": {"responses": {"200": json_response(json!({"type": "string"}))}}}}),
        json!({}),
    );
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).unwrap();
    let raw = progenitor::Generator::new(&flexport_codegen::settings()).generate_tokens(&spec);
    assert!(
        raw.unwrap_err()
            .to_string()
            .contains("missing operation ID")
    );
    assert!(flexport_codegen::generate_from_value(doc).is_ok());
}

#[test]
fn typescript_schema_names_become_identifiers_and_refs_follow() {
    let pick = "Pick_ApiInventoryResponse.Exclude_keyofApiInventoryResponse.breakdown__";
    let mut doc = document(
        get_returning("GetInventory", schema_ref(pick)),
        json!({
            pick: {"type": "object", "properties": {"onHand": {"type": "integer"}, "sku": schema_ref("Sku_")}},
            "Sku_": {"type": "object", "properties": {"value": {"type": "string"}}},
            "Sku": {"type": "object", "properties": {"other": {"type": "string"}}},
            "2024Thing": {"type": "object"},
        }),
    );
    let changes = run("schema-names", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            r#"schema "2024Thing" is now "Schema2024thing""#,
            r#"schema "Pick_ApiInventoryResponse.Exclude_keyofApiInventoryResponse.breakdown__" is now "PickApiInventoryResponseExcludeKeyofApiInventoryResponseBreakdown""#,
            r#"schema "Sku_" is now "Sku2""#,
        ]
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(
        schemas.contains_key("Sku")
            && schemas.contains_key("Sku2")
            && !schemas.contains_key("Sku_")
    );
    let new_pick = "PickApiInventoryResponseExcludeKeyofApiInventoryResponseBreakdown";
    assert_eq!(
        doc["components"]["schemas"][new_pick]["properties"]["sku"],
        schema_ref("Sku2")
    );
    let response = &doc["paths"]["/logistics/api/v1/thing"]["get"]["responses"]["200"]["content"]["application/json"];
    assert_eq!(response["schema"], schema_ref(new_pick));

    // Later, `typescript-utility-names` gives it a readable name.
    let code = generated(doc);
    assert!(
        code.contains("pub struct ApiInventoryResponse "),
        "renamed type generated"
    );
    assert!(code.contains("pub struct Sku2 ") && code.contains("pub struct Sku "));
}

#[test]
fn colliding_names_are_told_apart_deterministically() {
    let mut doc = document(
        get_returning("GetA", schema_ref("a.b")),
        json!({"a.b": {"type": "object"}, "a-b": {"type": "object"}, "AB": {"type": "object"}}),
    );
    run("schema-names", &mut doc).unwrap();
    let mut names: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    names.sort();
    assert_eq!(names, ["AB", "AB2", "AB3"]);
    assert!(flexport_codegen::generate_from_value(doc).is_ok());
}

fn nullable_wrappers() -> Value {
    document(
        get_returning("GetPrice", schema_ref("Price")),
        json!({
            "Money": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
            "MaybeMoney": {"allOf": [schema_ref("Money")], "nullable": true},
            "InputMaybe_Scalars-at-String_": {"type": "string", "nullable": true},
            "Alias_of_alias": schema_ref("InputMaybe_Scalars-at-String_"),
            "Price": {
                "type": "object",
                "properties": {
                    "value": schema_ref("MaybeMoney"),
                    "note": schema_ref("InputMaybe_Scalars-at-String_"),
                    "documented": {"allOf": [{"type": "string"}], "description": "inline member"},
                },
                "required": ["value", "note", "documented"],
            },
        }),
    )
}

#[test]
fn a_nullable_allof_wrapper_becomes_a_nullable_any_of() {
    let mut doc = nullable_wrappers();
    assert_eq!(
        run("single-allof", &mut doc).unwrap(),
        ["2 one-member allOf wrapper(s) collapsed"]
    );
    assert_eq!(
        doc["components"]["schemas"]["MaybeMoney"],
        json!({"anyOf": [schema_ref("Money")], "nullable": true})
    );
    assert_eq!(
        doc["components"]["schemas"]["Price"]["properties"]["documented"],
        json!({"type": "string", "description": "inline member"})
    );
}

#[test]
fn nullable_aliases_are_inlined_and_dropped() {
    let mut doc = nullable_wrappers();
    run("schema-names", &mut doc).unwrap();
    run("single-allof", &mut doc).unwrap();
    let changes = run("alias-schemas", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            r#"alias "AliasOfAlias" inlined"#,
            r#"alias "InputMaybeScalarsAtString" inlined"#,
            r#"alias "MaybeMoney" inlined"#
        ]
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["Money", "Price"],
        "aliases dropped"
    );
    let price = &schemas["Price"]["properties"];
    assert_eq!(
        price["value"],
        json!({"anyOf": [schema_ref("Money")], "nullable": true})
    );
    assert_eq!(price["note"], json!({"type": "string", "nullable": true}));
}

#[test]
fn nullable_wrappers_generate_plain_options() {
    let code = generated(nullable_wrappers());
    assert!(
        code.contains("pub value: ::std::option::Option<Money>"),
        "nullable ref field"
    );
    assert!(
        code.contains("pub note: ::std::option::Option<::std::string::String>"),
        "nullable string alias field"
    );
    assert!(
        !code.contains("struct MaybeMoney") && !code.contains("InputMaybe"),
        "no wrapper newtypes"
    );
}

#[test]
fn request_bodies_keep_their_json_media_type() {
    let body = |types: &[&str]| {
        let content: serde_json::Map<String, Value> = types
            .iter()
            .map(|t| (t.to_string(), json!({"schema": schema_ref("Thing")})))
            .collect();
        json!({"/logistics/api/v1/thing": {"post": {
            "operationId": "CreateThing",
            "requestBody": {"content": content},
            "responses": {"200": json_response(schema_ref("Thing"))},
        }}})
    };
    let things = json!({"Thing": {"type": "object"}});
    let mut doc = document(
        body(&["application/xml", "application/json"]),
        things.clone(),
    );
    let changes = run("request-media-types", &mut doc).unwrap();
    assert_eq!(
        changes,
        ["CreateThing: request body keeps application/json, drops application/xml"]
    );
    let content = doc
        .pointer("/paths/~1logistics~1api~1v1~1thing/post/requestBody/content")
        .unwrap();
    assert_eq!(
        content.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["application/json"]
    );
    assert!(generated(doc).contains("fn create_thing(&self)"));

    let mut xml_only = document(body(&["application/xml", "text/plain"]), things);
    let error = run("request-media-types", &mut xml_only).unwrap_err();
    assert!(
        error.contains("CreateThing") && error.contains("no JSON"),
        "{error}"
    );
}

fn with_responses(responses: Value, schemas: Value) -> Value {
    document(
        json!({"/logistics/api/v1/thing": {"get": {"operationId": "GetThing", "responses": responses}}}),
        schemas,
    )
}

#[test]
fn a_default_response_beside_success_describes_errors() {
    let schemas = json!({"Thing": {"type": "object"}, "Problem": {"type": "object", "properties": {"title": {"type": "string"}}}});
    let mut doc = with_responses(
        json!({"200": json_response(schema_ref("Thing")), "default": json_response(schema_ref("Problem"))}),
        schemas.clone(),
    );
    // Without the pass, the 200 and default bodies differ and progenitor asserts.
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).unwrap();
    let raw = std::panic::catch_unwind(|| {
        progenitor::Generator::new(&flexport_codegen::settings()).generate_tokens(&spec)
    });
    assert!(raw.is_err(), "progenitor accepted two success body types");

    assert_eq!(
        run("default-response", &mut doc).unwrap(),
        ["GetThing: default response re-declared as 4XX and 5XX"]
    );
    let responses = doc
        .pointer("/paths/~1logistics~1api~1v1~1thing/get/responses")
        .unwrap()
        .as_object()
        .unwrap();
    assert_eq!(responses.keys().collect::<Vec<_>>(), ["200", "4XX", "5XX"]);
    let code = generated(with_responses(
        json!({"200": json_response(schema_ref("Thing")), "default": json_response(schema_ref("Problem"))}),
        schemas,
    ));
    assert!(
        code.contains("Result<ResponseValue<types::Thing>, Error<types::Problem>>"),
        "typed errors kept"
    );

    assert_untouched(
        "default-response",
        with_responses(
            json!({"default": json_response(schema_ref("Thing"))}),
            json!({"Thing": {}}),
        ),
    );
}

#[test]
fn differing_error_bodies_are_handed_over_raw() {
    let schemas = json!({
        "Thing": {"type": "object"},
        "BadRequest": {"type": "object", "properties": {"field": {"type": "string"}}},
        "NotFound": {"type": "object", "properties": {"id": {"type": "string"}}},
    });
    let responses = json!({
        "200": json_response(schema_ref("Thing")),
        "400": json_response(schema_ref("BadRequest")),
        "404": json_response(schema_ref("NotFound")),
    });
    let mut doc = with_responses(responses.clone(), schemas.clone());
    assert_eq!(
        run("error-bodies", &mut doc).unwrap(),
        ["GetThing: 2 different error bodies declared as application/problem+json"]
    );
    let r = doc
        .pointer("/paths/~1logistics~1api~1v1~1thing/get/responses")
        .unwrap();
    assert!(
        r["400"]["content"]
            .get("application/problem+json")
            .is_some()
    );
    assert!(
        r["200"]["content"].get("application/json").is_some(),
        "success untouched"
    );
    let code = generated(with_responses(responses, schemas));
    assert!(
        code.contains("Result<ResponseValue<types::Thing>, Error<ByteStream>>"),
        "errors raw"
    );

    let same = json!({"200": json_response(schema_ref("Thing")), "400": json_response(schema_ref("Thing")), "404": json_response(schema_ref("Thing"))});
    assert_untouched("error-bodies", with_responses(same, json!({"Thing": {}})));
}

/// `send()` returns `flexport_runtime::Error`, whether the operation
/// documents error bodies (raw) or none, and the change log counts it.
#[test]
fn send_returns_the_runtime_error() {
    let with_errors = with_responses(
        json!({"200": json_response(schema_ref("Thing")), "400": json_response(schema_ref("Thing")), "404": json_response(schema_ref("Other"))}),
        json!({"Thing": {}, "Other": {"type": "object"}}),
    );
    for doc in [plain_document(), with_errors] {
        let generated = flexport_codegen::generate_from_value(doc).unwrap();
        assert!(
            generated
                .code
                .contains("-> Result<ResponseValue<types::Thing>, flexport_runtime::Error>"),
            "{}",
            generated.code
        );
        let logged: Vec<&str> = generated
            .changes
            .iter()
            .filter(|change| change.pass == "send-error")
            .map(|change| change.detail.as_str())
            .collect();
        assert_eq!(
            logged,
            ["1 `send()` result(s) return `flexport_runtime::Error`"]
        );
    }
}

#[test]
fn differing_success_bodies_are_joined() {
    let schemas = json!({
        "Thing": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
        "Job": {"type": "object", "properties": {"jobId": {"type": "integer"}}, "required": ["jobId"]},
    });
    let responses =
        json!({"200": json_response(schema_ref("Thing")), "202": json_response(schema_ref("Job"))});
    let mut doc = with_responses(responses.clone(), schemas.clone());
    assert_eq!(
        run("success-bodies", &mut doc).unwrap(),
        ["GetThing: 2 different success bodies joined in a oneOf"]
    );
    let r = doc
        .pointer("/paths/~1logistics~1api~1v1~1thing/get/responses")
        .unwrap();
    let union = json!({"oneOf": [schema_ref("Thing"), schema_ref("Job")]});
    assert_eq!(r["200"]["content"]["application/json"]["schema"], union);
    assert_eq!(r["202"]["content"]["application/json"]["schema"], union);
    assert!(generated(with_responses(responses, schemas)).contains("pub enum GetThingResponse"));
}

#[test]
fn a_success_body_mixed_with_none_is_refused_by_name() {
    let mut doc = with_responses(
        json!({"200": json_response(schema_ref("Thing")), "204": {"description": "nothing"}}),
        json!({"Thing": {"type": "object"}}),
    );
    let error = run("success-bodies", &mut doc).unwrap_err();
    assert!(
        error.contains("GetThing") && error.contains("200, 204"),
        "{error}"
    );
    let generation = flexport_codegen::generate_from_value(doc)
        .unwrap_err()
        .to_string();
    assert!(
        generation.starts_with("unsupported construct: operation GetThing"),
        "{generation}"
    );
}

#[test]
fn normalizing_twice_changes_nothing_more() {
    let mut doc = nullable_wrappers();
    assert!(!normalize(&mut doc).unwrap().is_empty());
    let once = doc.clone();
    assert_eq!(normalize(&mut doc).unwrap(), Vec::new());
    assert_eq!(doc, once);
}

#[test]
fn revision_suffixes_are_recognised_by_shape() {
    use flexport_codegen::normalize::strip_revision_suffix as strip;
    assert_eq!(strip("CreateParcelV3"), Some("CreateParcel"));
    assert_eq!(strip("get_quote_v2"), Some("get_quote"));
    assert_eq!(strip("CreateOrder202307"), Some("CreateOrder"));
    assert_eq!(strip("create_order_202312"), Some("create_order"));
    assert_eq!(
        strip("UpdateInboundingShipmentV3"),
        Some("UpdateInboundingShipment")
    );
    // Not revision suffixes: a number that is no year-month, a capital run,
    // an id with nothing left.
    assert_eq!(strip("GetTop100"), None);
    assert_eq!(strip("CreateOrder202313"), None);
    assert_eq!(strip("GetSKUV2"), None);
    assert_eq!(strip("V2"), None);
    assert_eq!(strip("GetThing"), None);
}

fn operations_with_ids(ids: &[(&str, &str)]) -> Value {
    let ok = json!({"200": json_response(json!({"type": "string"}))});
    let paths: serde_json::Map<String, Value> = ids
        .iter()
        .map(|(path, id)| {
            (
                format!("/logistics/api/v1/{path}"),
                json!({"post": {"operationId": id, "description": "Makes one.", "responses": ok}}),
            )
        })
        .collect();
    document(Value::Object(paths), json!({}))
}

#[test]
fn revision_suffixes_give_neutral_method_names_and_keep_the_documented_id() {
    let mut doc = operations_with_ids(&[
        ("orders", "CreateOrder202307"),
        ("parcels", "CreateParcelV3"),
    ]);
    let changes = run("revision-suffixes", &mut doc).unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let order = &doc["paths"]["/logistics/api/v1/orders"]["post"];
    assert_eq!(order["operationId"], "CreateOrder");
    assert_eq!(
        order["description"],
        "Makes one.\n\nDocumented operationId: `CreateOrder202307`."
    );
    let code = generated(doc);
    assert!(code.contains("fn create_order(&self)") && code.contains("fn create_parcel(&self)"));
    assert!(code.contains("Documented operationId: `CreateParcelV3`."));
    assert!(!code.contains("create_order202307"));
}

#[test]
fn clashing_revisions_all_keep_their_suffixes() {
    // Two revisions of one operation: neither gets the neutral name, so no
    // method silently changes meaning when a revision is added.
    let mut doc = operations_with_ids(&[
        ("a", "CreateParcelV2"),
        ("b", "CreateParcelV3"),
        ("c", "GetQuoteV2"),
        ("d", "GetQuote"),
    ]);
    let before = doc.clone();
    let changes = run("revision-suffixes", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            "CreateParcelV2, CreateParcelV3 keep their suffix: 2 operations would be `create_parcel`",
            "GetQuoteV2 keep their suffix: operation `get_quote` exists",
        ]
    );
    assert_eq!(doc, before);
}

fn list_with_query(parameters: Value) -> Value {
    document(
        json!({"/logistics/api/v1/things/{thingId}": {
            "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "number", "format": "double"}}],
            "get": {
                "operationId": "GetThings",
                "parameters": parameters,
                "responses": {"200": json_response(json!({"type": "array", "items": schema_ref("Thing")}))},
            },
        }}),
        json!({"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}),
    )
}

#[test]
fn numeric_paging_parameters_become_integers() {
    let mut doc = list_with_query(json!([
        {"name": "limit", "in": "query", "schema": {"type": "number", "format": "double"}},
        {"name": "offset", "in": "query", "schema": {"type": "number"}},
        {"name": "pageSize", "in": "query", "schema": {"type": "number", "minimum": 1}},
        {"name": "weight", "in": "query", "schema": {"type": "number", "format": "double"}},
        {"name": "cursor", "in": "query", "schema": {"type": "number", "format": "double"}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "format": "int32"}},
    ]));
    let changes = run("paging-integers", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            "query parameter `limit` (number) is now u64 (1×)",
            "query parameter `offset` (number) is now u64 (1×)",
            "query parameter `pageSize` (number) is now u64 (1×)",
            "query parameter `page` (integer) is now u64 (1×)",
        ]
    );
    let parameters = &doc["paths"]["/logistics/api/v1/things/{thingId}"]["get"]["parameters"];
    assert_eq!(
        parameters[0]["schema"],
        json!({"type": "integer", "format": "uint64"})
    );
    assert_eq!(
        parameters[2]["schema"],
        json!({"type": "integer", "format": "uint64"})
    );
    // Not paging: a measurement and an opaque cursor stay numbers.
    assert_eq!(parameters[3]["schema"]["type"], "number");
    assert_eq!(parameters[4]["schema"]["type"], "number");
    let code = generated(doc);
    assert!(
        code.contains("offset: Result<Option<u64>, String>"),
        "{code}"
    );
    assert!(!code.contains("Option<f64>, String>,\n        offset"));
}

#[test]
fn numeric_path_parameters_become_strings() {
    let mut doc = list_with_query(json!([]));
    let changes = run("path-parameter-strings", &mut doc).unwrap();
    assert_eq!(
        changes,
        ["path parameter `thingId` (number) is now a string (1×)"]
    );
    let code = generated(doc);
    assert!(
        code.contains("thing_id: Result<::std::string::String, String>"),
        "{code}"
    );
}

/// An enum per side: one only in a response, one only in a request body,
/// one in both, and one only in a webhook event schema.
fn enums_on_each_side() -> Value {
    let status = |values: &[&str]| json!({"type": "string", "enum": values});
    document(
        json!({"/logistics/api/v1/things": {"post": {
            "operationId": "CreateThing",
            "requestBody": {"content": {"application/json": {"schema": schema_ref("ThingInput")}}},
            "responses": {"200": json_response(schema_ref("Thing"))},
        }}}),
        json!({
            "Thing": {"type": "object", "properties": {
                "status": schema_ref("Status"), "source": schema_ref("Source"),
            }},
            "ThingInput": {"type": "object", "properties": {
                "mode": schema_ref("Mode"), "source": schema_ref("Source"),
            }},
            "Status": status(&["OPEN", "UNKNOWN_VALUE"]),
            "Mode": status(&["FAST", "SLOW"]),
            "Source": status(&["AMAZON", "SHOPIFY"]),
            "Phase": status(&["ARRIVED"]),
            "ThingArrivedEvent": {"type": "object", "properties": {
                "thingEventType": {"type": "string"}, "phase": schema_ref("Phase"),
            }},
        }),
    )
}

fn enum_source<'a>(code: &'a str, name: &str) -> &'a str {
    let start = code
        .find(&format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("no enum {name}"));
    let end = start + code[start..].find("\n    }").unwrap();
    &code[start..end]
}

/// Enum `name` in `code` ends with the `UnknownValue(String)` catch-all.
fn assert_open(code: &str, name: &str, why: &str) {
    let source = enum_source(code, name);
    assert!(
        source.contains("#[serde(untagged)]\n        UnknownValue(::std::string::String),"),
        "{name} {why}:\n{source}"
    );
}

#[test]
fn response_enums_get_a_catch_all_and_request_only_enums_stay_closed() {
    let generated = flexport_codegen::generate_from_value(enums_on_each_side()).unwrap();
    let code = &generated.code;
    for name in ["Source", "Phase"] {
        assert_open(code, name, "is decoded, so it is open");
    }
    // `UNKNOWN_VALUE` is a declared value: the catch-all takes the next name.
    assert!(enum_source(code, "Status").contains("UnknownValue2(::std::string::String)"));
    assert!(
        !enum_source(code, "Mode").contains("(::std::string::String)"),
        "Mode is only sent, so it stays closed"
    );
    assert!(code.contains("Self::UnknownValue(ref value) => f.write_str(value)"));
    assert!(!code.contains("deny_unknown_fields"));
    let change = generated
        .changes
        .iter()
        .find(|change| change.pass == "open-response-enums")
        .expect("reported");
    assert_eq!(
        change.detail,
        "3 response enum(s) get `UnknownValue(String)`: Phase, Source, Status"
    );
}

#[test]
fn generated_types_accept_unknown_fields() {
    // serde ignores unknown fields unless told otherwise; nothing may tell it.
    for (version, document) in committed_documents() {
        let code = flexport_codegen::generate(&document).unwrap().code;
        assert!(!code.contains("deny_unknown_fields"), "{version}");
    }
}

fn committed_documents() -> Vec<(String, Vec<u8>)> {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(specs)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| (path.display().to_string(), std::fs::read(&path).unwrap()))
        .collect();
    found.sort();
    assert!(!found.is_empty());
    found
}

/// TypeScript's `"PNG" | "ZPL203" | string` as the documents spell it: a
/// component that is the construct (reached only from a request body), one
/// written inline and nullable inside a property, and look-alikes that are not
/// "any string" (an integer, a string with a format).
fn known_strings_document() -> Value {
    let string = json!({"type": "string"});
    document(
        json!({"/logistics/api/v1/things": {"post": {
            "operationId": "CreateThing",
            "requestBody": {"content": {"application/json": {"schema": schema_ref("ThingInput")}}},
            "responses": {"200": json_response(schema_ref("Thing"))},
        }}}),
        json!({
            "LabelFormat": {"type": "string", "enum": ["PNG", "ZPL203"]},
            "LabelFormatParcel": {"anyOf": [schema_ref("LabelFormat"), string]},
            "ThingInput": {"type": "object", "properties": {
                "labelFormat": schema_ref("LabelFormatParcel"),
                "carrier": {"nullable": true, "oneOf": [
                    {"type": "string", "enum": ["UPS", "FEDEX"]}, string,
                ]},
                "count": {"anyOf": [schema_ref("LabelFormat"), {"type": "integer"}]},
                "when": {"anyOf": [schema_ref("LabelFormat"), {"type": "string", "format": "date-time"}]},
            }},
            "Thing": {"type": "object", "properties": {"id": string}},
        }),
    )
}

#[test]
fn known_values_or_any_string_become_open_enums() {
    let mut doc = known_strings_document();
    let changes = run("known-strings", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            r#""ThingInput carrier": string enum or any string is now the open enum "ThingInputCarrier""#,
            r#"schema "LabelFormatParcel": string enum or any string is now an open enum of ["PNG","ZPL203"]"#,
        ]
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["LabelFormatParcel"],
        json!({"type": "string", "enum": ["PNG", "ZPL203"]})
    );
    assert_eq!(
        schemas["ThingInputCarrier"],
        json!({"type": "string", "enum": ["UPS", "FEDEX"]})
    );
    assert_eq!(
        schemas["ThingInput"]["properties"]["carrier"],
        json!({"anyOf": [schema_ref("ThingInputCarrier")], "nullable": true})
    );
    // Not "any string": left as they are.
    let before = known_strings_document();
    for field in ["count", "when"] {
        assert_eq!(
            schemas["ThingInput"]["properties"][field],
            before["components"]["schemas"]["ThingInput"]["properties"][field]
        );
    }
    assert_eq!(
        doc["x-flexport-open-enums"],
        json!(["LabelFormatParcel", "ThingInputCarrier"])
    );
    // Running it again finds nothing more and keeps the list.
    let again = doc.clone();
    assert_eq!(
        run("known-strings", &mut doc).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(doc, again);
}

#[test]
fn known_strings_enums_are_open_although_only_sent() {
    let generated = flexport_codegen::generate_from_value(known_strings_document()).unwrap();
    let code = &generated.code;
    for name in ["LabelFormatParcel", "ThingInputCarrier"] {
        assert_open(
            code,
            name,
            "accepts any string, so it is open in requests too",
        );
    }
    // A request-only enum that is not the construct stays closed.
    assert!(!enum_source(code, "LabelFormat").contains("(::std::string::String)"));
    assert!(code.contains("pub label_format: ::std::option::Option<LabelFormatParcel>"));
    assert!(code.contains("pub carrier: ::std::option::Option<ThingInputCarrier>"));
    assert!(
        !code.contains("pub struct LabelFormatParcel {"),
        "no struct of flattened scalars"
    );
}

fn object_schemas(names: &[&str]) -> Value {
    Value::Object(
        names
            .iter()
            .map(|name| {
                (
                    name.to_string(),
                    json!({"type": "object", "properties": {"id": {"type": "string"}}}),
                )
            })
            .collect(),
    )
}

#[test]
fn type_revision_suffixes_are_recognised_by_shape() {
    use flexport_codegen::names::strip_type_revision_suffix as strip;
    assert_eq!(strip("CreateOrderInput202307"), Some("CreateOrderInput"));
    assert_eq!(strip("PickupInputV3"), Some("PickupInput"));
    assert_eq!(strip("ItemDataUnstable"), Some("ItemData"));
    assert_eq!(strip("PackageOutput2Unstable"), Some("PackageOutput2"));
    // Look-alikes: a marker inside the name, nothing left, a capital run.
    assert_eq!(strip("FtlQuoteRequestV2WeightUnitEnum"), None);
    assert_eq!(strip("Unstable"), None);
    assert_eq!(strip("ITEMUnstable"), None);
    assert_eq!(strip("UnstableItems"), None);
    assert_eq!(strip("Top100"), None);
    assert_eq!(strip("SKUV2"), None);
}

#[test]
fn type_revision_suffixes_give_neutral_type_names_with_the_clash_rule() {
    let mut doc = document(
        get_returning("GetThing", schema_ref("CreateOrderInput202307")),
        object_schemas(&[
            "CreateOrderInput202307",
            "ItemDataUnstable",
            "ResponseV3",
            "ResponseV4",
            "Thing",
            "ThingV2",
            "FtlQuoteRequestV2WeightUnitEnum",
        ]),
    );
    doc["components"]["schemas"]["CreateOrderInput202307"]["properties"]["items"] =
        json!({"type": "array", "items": schema_ref("ItemDataUnstable")});
    doc["components"]["schemas"]["ItemDataUnstable"]["description"] = json!("One item.");
    let changes = run("type-revision-suffixes", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            "ResponseV3, ResponseV4 keep their suffix: 2 schemas would be `Response`",
            "ThingV2 keep their suffix: schema `Thing` exists",
            r#"schema "CreateOrderInput202307" is now "CreateOrderInput""#,
            r#"schema "ItemDataUnstable" is now "ItemData""#,
        ]
    );
    let schemas = &doc["components"]["schemas"];
    for kept in [
        "ResponseV3",
        "ResponseV4",
        "ThingV2",
        "FtlQuoteRequestV2WeightUnitEnum",
    ] {
        assert!(schemas.get(kept).is_some(), "{kept} keeps its name");
    }
    assert_eq!(
        schemas["CreateOrderInput"]["properties"]["items"]["items"],
        schema_ref("ItemData"),
        "refs follow"
    );
    assert_eq!(
        schemas["ItemData"]["description"],
        "One item.\n\nDocumented schema name: `ItemDataUnstable`."
    );
    let code = generated(doc);
    assert!(
        code.contains("pub struct CreateOrderInput {") && code.contains("pub struct ItemData {")
    );
    assert!(code.contains("Documented schema name: `CreateOrderInput202307`."));
    assert!(!code.contains("CreateOrderInput202307 {") && !code.contains("ItemDataUnstable {"));
}

#[test]
fn typescript_utility_names_are_recognised_by_shape() {
    use flexport_codegen::names::{UtilityName, typescript_utility};
    let omit = |base: &str, keys: &[&str]| {
        Some(UtilityName {
            base: base.into(),
            omitted: keys.iter().map(|k| k.to_string()).collect(),
        })
    };
    assert_eq!(
        typescript_utility("PickFulfillmentShipmentExcludeKeyofFulfillmentShipmentWarehouse"),
        omit("FulfillmentShipment", &["Warehouse"])
    );
    assert_eq!(
        typescript_utility("Pick_Parcel.Exclude_keyofParcel.id-or-status__"),
        omit("Parcel", &["Id", "Status"])
    );
    // Look-alikes: a name that starts with `Pick`, a `keyof` of another type.
    assert_eq!(typescript_utility("PickupInputV3"), None);
    assert_eq!(typescript_utility("PickListExcludeKeyofOrderItems"), None);
    assert_eq!(typescript_utility("Pick_A.Exclude_keyofB.c__"), None);
    assert_eq!(typescript_utility("PickAExcludeKeyofA"), None);
}

#[test]
fn typescript_utility_names_become_the_type_or_the_type_without_its_keys() {
    let pick = "PickFulfillmentShipmentExcludeKeyofFulfillmentShipmentWarehouse";
    let pick_existing = "PickApiInventoryResponseExcludeKeyofApiInventoryResponseBreakdown";
    let mut doc = document(
        get_returning("GetThing", schema_ref(pick)),
        object_schemas(&[pick, pick_existing, "ApiInventoryResponse", "PickupInput"]),
    );
    doc["components"]["schemas"][pick]["properties"]["inventory"] = schema_ref(pick_existing);
    let changes = run("typescript-utility-names", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            format!(r#"schema "{pick}" is now "FulfillmentShipment""#),
            format!(r#"schema "{pick_existing}" is now "ApiInventoryResponseWithoutBreakdown""#),
        ]
    );
    let schemas = &doc["components"]["schemas"];
    assert!(schemas.get("PickupInput").is_some() && schemas.get("ApiInventoryResponse").is_some());
    assert_eq!(
        schemas["FulfillmentShipment"]["properties"]["inventory"],
        schema_ref("ApiInventoryResponseWithoutBreakdown")
    );
    let code = generated(doc);
    assert!(code.contains("pub struct FulfillmentShipment {"));
    assert!(code.contains(&format!("Documented schema name: `{pick}`.")));
    assert!(!code.contains(&format!("{pick} {{")));
}

fn tagged_operations(operations: &[(&str, &str, &str)]) -> Value {
    let ok = json!({"200": json_response(json!({"type": "string"}))});
    let paths: serde_json::Map<String, Value> = operations
        .iter()
        .map(|(path, tag, id)| {
            (
                format!("/logistics/api/v1/{path}"),
                json!({"post": {"operationId": id, "tags": [tag], "responses": ok}}),
            )
        })
        .collect();
    document(Value::Object(paths), json!({}))
}

#[test]
fn tag_prefixed_operations_act_on_their_own_tags_resource() {
    let mut doc = tagged_operations(&[
        ("returns", "Returns", "ReturnsCreateOrder"),
        ("returns/one", "Returns", "ReturnsGetOrder"),
        ("returns/one/cancel", "Returns", "ReturnsCancelOrder"),
        ("returns/cancel", "Returns", "CancelReturn"),
        ("returns/label", "Returns", "ReturnsGetLabel"),
        ("orders", "Orders", "OrdersCreateOrder"),
        ("parcels", "Parcels", "CreateParcel"),
    ]);
    let changes = run("tag-prefixed-operations", &mut doc).unwrap();
    assert_eq!(
        changes,
        [
            "ReturnsCancelOrder keep their name: operation `cancel_return` exists",
            r#"POST /logistics/api/v1/returns: operationId "ReturnsCreateOrder" is now "CreateReturn""#,
            r#"POST /logistics/api/v1/returns/one: operationId "ReturnsGetOrder" is now "GetReturn""#,
        ]
    );
    let paths = &doc["paths"];
    assert_eq!(
        paths["/logistics/api/v1/returns"]["post"]["description"],
        "Documented operationId: `ReturnsCreateOrder`."
    );
    // Look-alikes: the noun is the tag's own, or no tag's.
    assert_eq!(
        paths["/logistics/api/v1/orders"]["post"]["operationId"],
        "OrdersCreateOrder"
    );
    assert_eq!(
        paths["/logistics/api/v1/returns/label"]["post"]["operationId"],
        "ReturnsGetLabel"
    );
    let code = generated(doc);
    assert!(code.contains("fn create_return(&self)") && code.contains("fn get_return(&self)"));
    assert!(!code.contains("fn returns_create_order("));
}

#[test]
fn builder_conversions_gather_every_field_error_before_failing() {
    let doc = document(
        get_returning("GetThing", schema_ref("Thing")),
        json!({"Thing": {
            "type": "object",
            "required": ["from", "items"],
            "properties": {"from": {"type": "string"}, "items": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"}},
        }}),
    );
    let generated = flexport_codegen::generate_from_value(doc).unwrap();
    let code = &generated.code;
    for field in ["from", "items", "note"] {
        assert!(
            code.contains(&format!("(\"{field}\", value.{field}.as_ref().err())")),
            "{field}"
        );
    }
    assert!(code.contains("super::error::ConversionError::of_fields(["));
    assert!(
        generated
            .changes
            .iter()
            .any(|c| c.pass == "all-missing-fields"
                && c.detail.starts_with("1 builder conversion(s)"))
    );
}

#[test]
fn object_setters_take_builders_and_list_setters_lists_of_either() {
    let doc = document(
        get_returning("GetThing", schema_ref("Thing")),
        json!({
            "Thing": {
                "type": "object",
                "required": ["part"],
                "properties": {
                    "part": schema_ref("Part"),
                    "spare": schema_ref("Part"),
                    "parts": {"type": "array", "items": schema_ref("Part")},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Part": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}},
        }),
    );
    let generated = flexport_codegen::generate_from_value(doc).unwrap();
    let code = &generated.code;
    assert!(code.contains("pub use flexport_runtime::build::ConversionError;"));
    assert!(
        code.contains("impl ::std::convert::TryFrom<Part> for ::std::option::Option<super::Part>")
    );
    assert!(code.contains("T: flexport_runtime::build::IntoList<::std::vec::Vec<super::Part>>"));
    // A list of strings keeps its `TryInto` setter.
    assert!(code.contains("T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>"));
    assert!(
        generated
            .changes
            .iter()
            .any(|c| c.pass == "composing-builders"
                && c.detail.starts_with("2 builder(s)")
                && c.detail.contains("2 object setter(s)")
                && c.detail.contains("1 list setter(s)"))
    );
}

#[test]
fn operations_and_fields_are_documented_from_the_document() {
    let doc = document(
        json!({"/logistics/api/v1/thing": {"post": {
            "operationId": "CreateThingV2",
            "summary": "Create a thing",
            "description": "Makes one thing.",
            "requestBody": {"content": {"application/json": {"schema": schema_ref("Thing")}}},
            "responses": {
                "200": json_response(schema_ref("Thing")),
                "404": {"description": "No such warehouse"},
                "409": {"description": "Conflict error"},
            },
        }}}),
        json!({"Thing": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "description": "What it is called.", "maxLength": 255, "pattern": "^[A-Z]+$"},
                "weight": {"type": "number", "minimum": 1, "maximum": 10},
            },
        }}),
    );
    let generated = flexport_codegen::generate_from_value(doc).unwrap();
    let code = &generated.code;
    for text in [
        "Create a thing",
        "Makes one thing.",
        "`POST /logistics/api/v1/thing`.",
        "Documented operationId: `CreateThingV2`.",
        "# Errors",
        "- `404`: No such warehouse",
        "- `409`: Conflict error",
        "What it is called.",
        "`name`: required (the builder's conversion fails without it). At most 255 character(s). Matches the pattern `^[A-Z]+$`.",
        "`weight`: optional. At least 1. At most 10.",
    ] {
        assert!(code.contains(text), "{text}");
    }
    // The field docs are on the type's fields and on the builder's setters.
    // (Not a count: `counts-and-ids` makes those u64 and drops their bounds.)
    assert_eq!(
        code.matches("`weight`: optional. At least 1. At most 10.")
            .count(),
        2
    );
    assert!(generated.changes.iter().any(|c| {
        c.pass == "generated-docs"
            && c.detail
                .starts_with("1 operation(s), 2 field(s) and 2 builder setter(s)")
    }));
}

#[test]
fn string_newtypes_read_as_str_without_deref_to_string() {
    let doc = document(
        get_returning("GetThing", schema_ref("Thing")),
        json!({
            "Thing": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": schema_ref("ThingName")},
            },
            "ThingName": {"type": "string", "maxLength": 255},
        }),
    );
    let generated = flexport_codegen::generate_from_value(doc).unwrap();
    let code = &generated.code;
    assert!(
        code.contains("pub struct ThingName("),
        "typify made no newtype"
    );
    assert!(
        !code.contains("type Target = ::std::string::String;"),
        "a string newtype still derefs to String"
    );
    assert!(code.contains("impl ThingName {"));
    assert!(code.contains("pub fn as_str(&self) -> &str"));
    assert!(code.contains("impl ::std::convert::AsRef<str> for ThingName"));
    assert!(code.contains("impl ::std::fmt::Display for ThingName"));
    // The checked conversions stay.
    assert!(code.contains("impl ::std::convert::TryFrom<&str> for ThingName"));
    assert!(
        generated
            .changes
            .iter()
            .any(|c| c.pass == flexport_codegen::string_newtypes::PASS
                && c.detail.starts_with("1 string newtype(s)"))
    );
}
