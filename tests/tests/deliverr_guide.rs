//! `docs/migrations/deliverr-v1.md` names Rust items of the `2023-04` crate;
//! they must exist there, and each renamed field must serialize under the
//! Logistics API name of its row.

use flexport_tests::workspace_root;
use xtask::diff::rust::{RustApi, Shape};

fn guide() -> String {
    std::fs::read_to_string(workspace_root().join("docs/migrations/deliverr-v1.md")).unwrap()
}

fn crate_2023_04() -> RustApi {
    let document =
        xtask::diff::load_document(&workspace_root().join("specs/2023-04.json")).unwrap();
    xtask::diff::rust::generate(&document).unwrap()
}

/// The JSON name of `field` of the struct at `path`, if both exist.
fn field_json(api: &RustApi, path: &str, field: &str) -> Option<String> {
    match &api.types.get(path)?.shape {
        Shape::Struct(fields) => fields.get(field).map(|f| f.json.clone()),
        _ => None,
    }
}

/// Whether one Rust name written on the page is true of the crate:
/// `types::X`, `types::X::field`, `Trait::method()`, `Trait::method().setter()`.
fn exists(api: &RustApi, name: &str) -> bool {
    if let Some(path) = name.strip_prefix("types::") {
        return match path.split_once("::") {
            None => api.types.contains_key(name),
            Some((ty, field)) => field_json(api, &format!("types::{ty}"), field).is_some(),
        };
    }
    let Some((owner, rest)) = name.split_once("::") else {
        return false;
    };
    let mut calls = rest.split("().");
    let method_name = calls.next().unwrap().trim_end_matches("()");
    let Some(method) = api
        .methods
        .get(method_name)
        .filter(|method| method.owner == owner)
    else {
        return false;
    };
    calls.all(|setter| method.setters.contains_key(setter.trim_end_matches("()")))
}

/// Every backticked span of the page that names a Rust item.
fn rust_names(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            span.starts_with("types::") || (span.starts_with("Client") && span.contains("::"))
        })
        .filter(|span| !span.contains(' ') && !span.contains("builder()"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_rust_name_in_the_guide_exists_in_the_2023_04_crate() {
    let api = crate_2023_04();
    let names = rust_names(&guide());
    assert!(names.len() >= 20, "the guide names {} items", names.len());
    for name in names {
        assert!(
            exists(&api, &name),
            "deliverr-v1.md names `{name}`, which the 2023-04 crate lacks"
        );
    }
}

#[test]
fn every_renamed_field_serializes_under_its_logistics_api_name() {
    let api = crate_2023_04();
    let guide = guide();
    let table = guide
        .split("## Renamed identifiers")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| line.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let renames: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row[0].trim_matches('`'), row[1].trim_matches('`')))
        .collect();
    assert_eq!(
        renames,
        [
            ("productId", "logisticsSku"),
            ("msku", "merchantSku"),
            ("orderShipmentTime", "promisedShipByTime"),
        ],
        "the renames issue 15 quotes from the guide"
    );
    for row in &rows {
        let (deliverr, logistics) = (row[0].trim_matches('`'), row[1].trim_matches('`'));
        for name in rust_names(row[2]) {
            let (ty, field) = name.rsplit_once("::").unwrap();
            assert_eq!(
                field_json(&api, ty, field).as_deref(),
                Some(logistics),
                "`{name}` should serialize as `{logistics}`"
            );
            let Shape::Struct(fields) = &api.types[ty].shape else {
                unreachable!()
            };
            assert!(
                fields.values().all(|f| f.json != deliverr),
                "`{ty}` still has a `{deliverr}` field"
            );
        }
    }
}

/// The same names, checked by the compiler against the built crate.
#[allow(dead_code)]
fn the_guide_compiles(
    product: flexport::v2023_04::types::ApiProductResponse,
    model: flexport::v2023_04::types::CreateProductModel,
    order: flexport::v2023_04::types::OrderModel,
    input: flexport::v2023_04::types::CreateOrderInput,
    client: &flexport::v2023_04::Client,
) {
    use flexport::v2023_04::prelude::*;
    let _: (String, String) = (product.logistics_sku, product.merchant_sku);
    let _: String = model.merchant_sku;
    let _ = (order.promised_ship_by_time, input.promised_ship_by_time);
    let _ = client
        .get_warehouse_details()
        .body(flexport::v2023_04::types::LogisticsSkus::builder());
    let _ = (
        client.create_bundle(),
        client.get_bundle(),
        client.get_bundle_inventory(),
    );
}
