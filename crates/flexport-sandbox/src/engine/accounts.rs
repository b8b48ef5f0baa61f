//! `GetLogisticsAccountStandingStatus` (`unstable`).

use flexport_logistics_2024_04::types::LogisticsInboundShipmentStatus;
use flexport_logistics_unstable::types::AccountStandingStatusOutput;

use crate::state::Data;

/// `AccountStandingStatusOutput`: the account is set up; it has imported a
/// catalogue once it has a product, and completed its first inbound shipment
/// once one has been received.
pub fn standing(data: &Data, account_id: &str) -> AccountStandingStatusOutput {
    AccountStandingStatusOutput {
        logistics_account_id: account_id.to_owned(),
        is_fully_setup: true,
        imported_product_catalog: !data.products.is_empty(),
        completed_first_inbound_shipment: data
            .inbounds
            .values()
            .any(|inbound| inbound.shipment.status == LogisticsInboundShipmentStatus::Completed),
    }
}
