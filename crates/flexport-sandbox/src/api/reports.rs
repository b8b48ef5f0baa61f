use std::fmt::Write;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use flexport_logistics_2024_04::types::{self, ReportStatus};

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::problem::Problem;
use crate::store::Store;

pub async fn generate(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::ReportGenerationRequest>,
) -> Reply<types::ReportGenerationResponse> {
    tx.run(&store, |w| engine::reports::generate(w, input))
}

pub async fn status(
    State(store): State<Arc<Store>>,
    Path(reference): Path<String>,
) -> Reply<types::Report> {
    store
        .read()
        .reports
        .get(&reference)
        .map(|report| axum::Json(report.report.clone()))
        .ok_or_else(|| Problem::not_found("report", &reference))
}

/// A finished report as CSV, generated from the current state: orders,
/// products or inventory levels by the report type's category; other
/// categories get a header only.
pub async fn download(
    State(store): State<Arc<Store>>,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let reference = file.strip_suffix(".csv").unwrap_or(&file);
    let data = store.read();
    let report = data
        .reports
        .get(reference)
        .filter(|report| report.report.status == ReportStatus::Success)
        .ok_or_else(|| Problem::not_found("finished report", reference))?;
    let mut csv = String::new();
    let report_type = report.report_type.to_string();
    match report_type.split('-').next().unwrap_or("") {
        "Orders" => {
            csv.push_str("orderId,externalOrderId,status\n");
            for order in data.orders.values() {
                let order = &order.order;
                let external = order.external_order_id.as_deref().unwrap_or("");
                let _ = writeln!(
                    csv,
                    "{},{external},{}",
                    order.id, order.state.internal_status
                );
            }
        }
        "Products" => {
            csv.push_str("logisticsSku,merchantSku,name\n");
            for product in data.products.values() {
                let _ = writeln!(
                    csv,
                    "{},{},{}",
                    product.logistics_sku, product.merchant_sku, product.name
                );
            }
        }
        "Inventory" => {
            csv.push_str("logisticsSku,onHand,available\n");
            for sku in data.products.keys() {
                let stock = data.stock(sku);
                let _ = writeln!(csv, "{sku},{},{}", stock.on_hand, stock.available);
            }
        }
        _ => csv.push_str("reportType\n"),
    }
    Ok(([(header::CONTENT_TYPE, "text/csv")], csv))
}
