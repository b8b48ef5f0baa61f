//! The generated type builders of the 2024-04 crate, as a user meets them.

use flexport::v2024_04::types;

#[test]
fn a_builder_names_every_missing_required_field_at_once() {
    let error = types::OrderLineItemInput::try_from(types::OrderLineItemInput::builder())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "no value supplied for logistics_sku; no value supplied for quantity"
    );
    // A field that was set is not named; one still missing is.
    let error = types::OrderLineItemInput::try_from(
        types::OrderLineItemInput::builder().logistics_sku("A"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(error, "no value supplied for quantity");
    let complete = types::OrderLineItemInput::builder()
        .logistics_sku("A")
        .quantity(2);
    assert!(types::OrderLineItemInput::try_from(complete).is_ok());
}
