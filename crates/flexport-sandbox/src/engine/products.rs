use flexport_logistics_2024_04::types;

use super::{Writer, required};
use crate::engine::DomainError;
use crate::state::{StateChange, Stock};

pub fn create(
    w: &mut Writer<'_>,
    input: types::CreateProductModel,
) -> Result<types::ApiProductResponse, DomainError> {
    required("name", &input.name)?;
    required("merchantSku", &input.merchant_sku)?;
    if let Some(dimensions) = &input.dimensions {
        for (field, value) in [
            ("dimensions.weight", dimensions.weight),
            ("dimensions.height", dimensions.height),
            ("dimensions.width", dimensions.width),
            ("dimensions.length", dimensions.length),
        ] {
            if value.is_nan() || value <= 0.0 {
                return Err(DomainError::invalid_field(
                    field,
                    format!("{value} is not > 0"),
                ));
            }
        }
    }
    let data = w.data();
    if data
        .products
        .values()
        .any(|product| product.merchant_sku == input.merchant_sku)
    {
        return Err(DomainError::conflict(format!(
            "a product with merchantSku `{}` exists",
            input.merchant_sku
        )));
    }
    let logistics_sku = format!("D{:010}", data.products.len() + 1);
    let now = w.now();
    let product = types::ApiProductResponse {
        name: input.name,
        logistics_sku: logistics_sku.clone(),
        merchant_sku: input.merchant_sku,
        barcodes: Vec::new(),
        dimensions: input.dimensions,
        international: input.customs_information,
        dims_locked: false,
        created_at: Some(now),
        updated_at: Some(now),
    };
    w.apply(StateChange::Product(Box::new(product.clone())));
    w.apply(StateChange::Stock {
        sku: logistics_sku,
        stock: Stock::default(),
    });
    Ok(product)
}
