//! The `schemars` feature: every enabled version's types implement
//! `schemars::JsonSchema`, including typify's hand-written impls.
//! `cargo test -p flexport --features schemars --test schemars`

#![cfg(all(feature = "v2024-04", feature = "schemars"))]

use flexport::v2024_04::types;

#[test]
fn types_have_json_schemas() {
    let order = serde_json::to_value(schemars::schema_for!(types::CreateOrderInput)).unwrap();
    let properties = &order["properties"];
    assert!(properties["externalOrderId"].is_object(), "{order:#}");
    assert!(properties["lineItems"].is_object(), "{order:#}");
    // an open response enum keeps its declared values in the schema
    let status = serde_json::to_value(schemars::schema_for!(types::InternalOrderStatus)).unwrap();
    assert!(status.to_string().contains("SHIPPED"), "{status:#}");
    // typify's hand-written impl of a constrained integer
    let code = serde_json::to_value(schemars::schema_for!(types::StatusCodesBadrequest)).unwrap();
    assert_eq!(code["type"], "integer", "{code:#}");
}
