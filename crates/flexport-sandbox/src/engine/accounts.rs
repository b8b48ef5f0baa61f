//! `GetLogisticsAccountStandingStatus` (`unstable`).

use flexport_logistics_2024_04::types::LogisticsInboundShipmentStatus;
use serde_json::json;

use crate::state::Data;

/// `AccountStandingStatusOutput`: the account is set up; it has imported a
/// catalogue once it has a product, and completed its first inbound shipment
/// once one has been received.
pub fn standing(data: &Data, account_id: &str) -> serde_json::Value {
    json!({
        "logisticsAccountId": account_id,
        "isFullySetup": true,
        "importedProductCatalog": !data.products.is_empty(),
        "completedFirstInboundShipment": data.inbounds.values().any(|inbound| {
            inbound.shipment.status == LogisticsInboundShipmentStatus::Completed
        }),
    })
}
