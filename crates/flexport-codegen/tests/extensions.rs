//! What `extensions` derives from a document, on small documents and on
//! every committed one.

use flexport_codegen::extensions::{EnvelopeField, retriable_errors, webhook_events};
use flexport_codegen::paging::{Rule, offset_paged, paged_operations};
use serde_json::json;

#[test]
fn offset_and_limit_lists_of_a_named_schema_are_paged() {
    let item = json!({"$ref": "#/components/schemas/Product"});
    let list = |params: serde_json::Value| {
        json!({"get": {
            "operationId": "ListProducts", "parameters": params,
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": item}}}}}
        }})
    };
    let query = |name: &str, ty: &str| json!({"name": name, "in": "query", "schema": {"type": ty}});
    let document = |paths| json!({"openapi": "3.0.3", "paths": paths, "components": {"schemas": {"Product": {"type": "object"}}}});

    let paged = offset_paged(&document(
        json!({"/products": list(json!([query("offset", "integer"), query("limit", "number")]))}),
    ));
    assert_eq!(paged.len(), 1);
    assert_eq!(
        (
            paged[0].operation_id.as_str(),
            paged[0].item_schema.as_str()
        ),
        ("ListProducts", "Product")
    );

    for params in [
        json!([query("limit", "integer")]),
        json!([query("offset", "string"), query("limit", "integer")]),
    ] {
        assert!(
            offset_paged(&document(json!({"/products": list(params.clone())}))).is_empty(),
            "{params}"
        );
    }
}

#[test]
fn event_schemas_are_found_through_all_of_and_told_apart_by_their_type_field() {
    let base = json!({"type": "object", "properties": {"logisticsEventType": {"type": "string"}}});
    let document = json!({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {
        "EventBase": base,
        "OrderShippedEvent": {"allOf": [{"$ref": "#/components/schemas/EventBase"}, {"type": "object"}]},
        "InboundReceivedEvent": {"type": "object", "properties": {"logisticsEventType": {}, "amount": {"type": "integer"}}},
        "FreightTrackingEvent": {"type": "object", "properties": {"eventType": {"type": "string"}}},
    }}});
    let events = webhook_events(&document).unwrap();
    assert_eq!(events.type_field, "logisticsEventType");
    assert_eq!(
        events.schemas,
        ["OrderShippedEvent", "InboundReceivedEvent"]
    );
}

#[test]
fn every_committed_version_with_list_operations_gets_paging_and_webhook_events() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    for version in ["2023-07", "2023-10", "2024-01", "2024-04", "unstable"] {
        let document: serde_json::Value =
            serde_json::from_slice(&std::fs::read(specs.join(format!("{version}.json"))).unwrap())
                .unwrap();
        let paged: Vec<String> = offset_paged(&document)
            .into_iter()
            .map(|op| op.operation_id)
            .collect();
        assert!(
            paged.contains(&"GetProducts".to_owned())
                && paged.contains(&"GetAllInventory".to_owned()),
            "{version}: {paged:?}"
        );
        let events = webhook_events(&document).unwrap();
        assert!(
            events.schemas.contains(&"InboundReceivedEvent".to_owned()),
            "{version}"
        );
    }
}

#[test]
fn page_info_and_cursor_lists_are_paged_by_their_own_rule() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let read = |version: &str| -> serde_json::Value {
        let mut document =
            serde_json::from_slice(&std::fs::read(specs.join(format!("{version}.json"))).unwrap())
                .unwrap();
        flexport_codegen::normalize::normalize(&mut document).unwrap();
        document
    };
    let rules = |document: &serde_json::Value| -> Vec<(String, Rule)> {
        paged_operations(document)
            .into_iter()
            .map(|op| (op.operation_id, op.rule))
            .collect()
    };
    let unstable = rules(&read("unstable"));
    for (operation, rule) in [
        ("GetProducts", Rule::Offset),
        ("GetAllInventory", Rule::Offset),
        ("GetReturns", Rule::PageInfo),
        ("GetEvents", Rule::PageInfo),
        (
            "GetFreightOrders",
            Rule::Cursor {
                property: "orders".to_owned(),
            },
        ),
        (
            "GetQuotes",
            Rule::Cursor {
                property: "quotes".to_owned(),
            },
        ),
    ] {
        assert!(
            unstable.contains(&(operation.to_owned(), rule.clone())),
            "{operation} {rule:?}: {unstable:?}"
        );
    }
    assert_eq!(unstable.len(), 6, "{unstable:?}");
    assert_eq!(
        rules(&read("2023-04")),
        [("GetReturns".to_owned(), Rule::PageInfo)]
    );
}

#[test]
fn the_envelope_is_what_every_event_schema_shares_typed_by_name() {
    let envelope = json!({"type": "object", "properties": {
        "logisticsEventType": {}, "logisticsEventTime": {}, "logisticsEventId": {}}});
    let document = json!({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {
        "Envelope": envelope,
        "OrderShippedEvent": {"allOf": [{"$ref": "#/components/schemas/Envelope"}, {"type": "object", "properties": {"orderId": {}}}]},
        "InboundReceivedEvent": {"type": "object", "properties": {
            "amount": {"type": "integer"}, "logisticsEventType": {}, "logisticsEventTime": {}, "logisticsEventId": {}}},
    }}});
    let events = webhook_events(&document).unwrap();
    assert_eq!(
        events.envelope,
        [
            "logisticsEventType",
            "logisticsEventTime",
            "logisticsEventId"
        ]
    );
    let kinds: Vec<EnvelopeField> = events
        .envelope
        .iter()
        .map(|name| events.envelope_field(name))
        .collect();
    assert_eq!(
        kinds,
        [
            EnvelopeField::EventType,
            EnvelopeField::Time,
            EnvelopeField::Text
        ]
    );
}

#[test]
fn every_committed_version_has_the_same_envelope_and_an_order_outcome() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    for version in ["2023-07", "2023-10", "2024-01", "2024-04", "unstable"] {
        let mut document: serde_json::Value =
            serde_json::from_slice(&std::fs::read(specs.join(format!("{version}.json"))).unwrap())
                .unwrap();
        flexport_codegen::normalize::normalize(&mut document).unwrap();
        let events = webhook_events(&document).unwrap();
        let mut envelope = events.envelope.clone();
        envelope.sort();
        assert_eq!(
            envelope,
            [
                "logisticsAccountId",
                "logisticsEventId",
                "logisticsEventTime",
                "logisticsEventType"
            ],
            "{version}"
        );
        assert_eq!(
            retriable_errors(&document),
            [("OrderModel".to_owned(), "OrderError".to_owned())],
            "{version}"
        );
    }
}
