//! `GetWarehouseDetails`: where a product's units are.

use flexport_logistics_2024_04::types;

use crate::engine::DomainError;
use crate::state::Data;

/// The one warehouse of the sandbox (the inbound shipments' `to` address).
pub const WAREHOUSE_ID: &str = "SBX-RNO-1";

/// One entry per requested SKU, in the order asked. The sandbox keeps every
/// unit in the `DEFAULT` pool of one warehouse, so other pools list no
/// warehouse. Unknown SKUs give a 422 naming all of them, and nothing else.
pub fn details(
    data: &Data,
    input: &types::LogisticsSkus,
    pool: types::InventoryPool,
) -> Result<Vec<types::WarehouseDetailsResponse>, DomainError> {
    if input.logistics_skus.is_empty() {
        return Err(DomainError::invalid_field(
            "logisticsSkus",
            "at least one logistics SKU is required",
        ));
    }
    let unknown: Vec<&str> = input
        .logistics_skus
        .iter()
        .filter(|sku| !data.products.contains_key(*sku))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(DomainError::unprocessable(format!(
            "`logisticsSkus`: no product with logisticsSku {}",
            unknown
                .iter()
                .map(|sku| format!("`{sku}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(input
        .logistics_skus
        .iter()
        .map(|sku| types::WarehouseDetailsResponse {
            logistics_sku: sku.clone(),
            warehouse_details: match pool {
                types::InventoryPool::Default => vec![types::WarehouseDetails {
                    available: super::count(data.stock(sku).available),
                    warehouse_id: WAREHOUSE_ID.to_owned(),
                }],
                _ => Vec::new(),
            },
        })
        .collect())
}
