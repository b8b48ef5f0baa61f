//! Shows the generated client of every version at work (each is a module of
//! the `flexport` facade with `full`, such as `flexport::v2024_04`, and is
//! used bare here, with a default pipeline): each creates a product, reads it
//! back and meets a 404, against a small fake of the products endpoints that
//! this program serves on 127.0.0.1 (nothing reaches Flexport).
//!
//! Run with `cargo run -p flexport-tests --example generated_clients`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Products created through the fake, by logistics SKU.
#[derive(Default)]
struct FakeProducts {
    products: Mutex<HashMap<String, Value>>,
}

impl Respond for FakeProducts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut products = self.products.lock().unwrap();
        let segments: Vec<&str> = request.url.path().split('/').collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", [_, "logistics", "api", _, "products"]) => {
                let input: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let sku = format!("LS{:06}", products.len() + 1);
                let product = json!({
                    "logisticsSku": sku,
                    "name": input["name"],
                    "merchantSku": input["merchantSku"],
                    "barcodes": [],
                    "dimsLocked": false,
                    "dimensions": input["dimensions"],
                });
                products.insert(sku, product.clone());
                ResponseTemplate::new(200).set_body_json(product)
            }
            ("GET", [_, "logistics", "api", _, "products", sku]) => match products.get(*sku) {
                Some(product) => ResponseTemplate::new(200).set_body_json(product),
                None => ResponseTemplate::new(404).set_body_raw(
                    json!({"type": "about:blank", "title": "Not Found", "detail": format!("no product {sku}")})
                        .to_string(),
                    "application/problem+json",
                ),
            },
            _ => ResponseTemplate::new(405),
        }
    }
}

/// Creates, reads back and misses a product with one version's client.
macro_rules! exercise {
    ($module:ident, $version:literal, $base_url:expr) => {{
        use flexport::$module::prelude::*;
        use flexport::$module::types;

        let started = Instant::now();
        let client = Client::new($base_url, flexport_runtime::Pipeline::default());
        let created = client
            .create_product()
            .body(
                types::CreateProductModel::builder()
                    .name("Ceramic mug")
                    .merchant_sku(concat!("MUG-", $version))
                    .dimensions(Some(
                        types::Dimension::builder()
                            .weight(0.9)
                            .weight_unit(types::WeightUnit::Lb)
                            .length(4.5)
                            .width(3.5)
                            .height(4.0)
                            .length_unit(types::LengthUnit::In)
                            .try_into()?,
                    )),
            )
            .send()
            .await?
            .into_inner();
        let fetched = client
            .get_product()
            .logistics_sku(&created.logistics_sku)
            .send()
            .await?
            .into_inner();
        let missing = client
            .get_product()
            .logistics_sku("NO-SUCH-SKU")
            .send()
            .await;
        let missing_status = match missing {
            Err(error) => error
                .status()
                .map(|s| s.to_string())
                .unwrap_or_else(|| error.to_string()),
            Ok(_) => "found (unexpected)".to_owned(),
        };
        println!(
            "{:<9} created {} ({}), read back {:?} weighing {} {:?}; unknown SKU -> {} [{:?}]",
            $version,
            created.logistics_sku,
            created.merchant_sku,
            fetched.name,
            fetched.dimensions.as_ref().map_or(0.0, |d| d.weight),
            fetched.dimensions.as_ref().map(|d| d.weight_unit.clone()),
            missing_status,
            started.elapsed(),
        );
    }};
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::start().await;
    Mock::given(path_regex(r"^/logistics/api/[^/]+/products(/[^/]+)?$"))
        .respond_with(FakeProducts::default())
        .mount(&server)
        .await;

    println!("Fake products API on {}\n", server.uri());
    for (version, path) in flexport_tests::committed_documents() {
        let document: Value = serde_json::from_slice(&std::fs::read(path)?)?;
        let count = flexport_codegen::operations::operations(&document).len();
        println!("{version:<9} {count} operations generated");
    }
    println!();
    let base_url = server.uri();
    exercise!(v2023_04, "2023-04", &base_url);
    exercise!(v2023_07, "2023-07", &base_url);
    exercise!(v2023_10, "2023-10", &base_url);
    exercise!(v2024_01, "2024-01", &base_url);
    exercise!(v2024_04, "2024-04", &base_url);
    exercise!(unstable, "unstable", &base_url);
    Ok(())
}
