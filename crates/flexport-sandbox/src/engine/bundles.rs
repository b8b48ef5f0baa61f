use flexport_logistics_2024_04::types;

use super::{Writer, quantity, required};
use crate::engine::DomainError;
use crate::state::StateChange;

pub fn create(
    w: &mut Writer<'_>,
    input: types::ApiBundle,
) -> Result<types::ApiBundleResponse, DomainError> {
    required("externalBundleId", &input.external_bundle_id)?;
    required("title", &input.title)?;
    required("sku", &input.sku)?;
    if input.bundle_contents.is_empty() {
        return Err(DomainError::invalid_field(
            "bundleContents",
            "a bundle needs at least one product",
        ));
    }
    let data = w.data();
    for (i, content) in input.bundle_contents.iter().enumerate() {
        if !data.products.contains_key(&content.product_id) {
            return Err(DomainError::invalid_field(
                &format!("bundleContents[{i}].productId"),
                format!("no product with logisticsSku `{}`", content.product_id),
            ));
        }
        quantity(&format!("bundleContents[{i}].quantity"), content.quantity)?;
    }
    if data
        .bundles
        .values()
        .any(|bundle| bundle.external_bundle_id == input.external_bundle_id)
    {
        return Err(DomainError::conflict(format!(
            "a bundle with externalBundleId `{}` exists",
            input.external_bundle_id
        )));
    }
    let bundle = types::ApiBundleResponse {
        bundle_contents: input.bundle_contents,
        bundle_id: format!("BDL-{}", data.bundles.len() + 1),
        created_at: w.now(),
        external_bundle_id: input.external_bundle_id,
        sku: input.sku,
        title: input.title,
    };
    w.apply(StateChange::Bundle(Box::new(bundle.clone())));
    Ok(bundle)
}
