use std::fmt::Write;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, ReportStatus};

use super::{JsonBody, Reply};
use crate::problem::Problem;
use crate::state::{Change, Report, Store, Transaction};

pub async fn generate(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::ReportGenerationRequest>,
) -> Reply<types::ReportGenerationResponse> {
    if let (Some(start), Some(end)) = (input.start_date, input.end_date)
        && end < start
    {
        return Err(Problem::invalid_field("endDate", "is before startDate"));
    }
    let reference = uuid::Uuid::new_v4().to_string();
    let report = Report {
        report_type: input.report_type,
        report: types::Report {
            error_message: None,
            status: ReportStatus::Pending,
            url: None,
            url_expiration: None,
        },
        ready_at: Some(Utc::now() + store.config.report_after),
    };
    store.apply(
        &tx,
        Change::Report {
            reference: reference.clone(),
            report,
        },
    );
    Ok(axum::Json(types::ReportGenerationResponse {
        report_reference: reference,
    }))
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

/// Marks every report whose time has come as ready, with a download URL.
pub fn finish_due(store: &Store, tx: &Transaction, now: DateTime<Utc>) {
    let due: Vec<(String, Report)> = store
        .read()
        .reports
        .iter()
        .filter(|(_, report)| report.ready_at.is_some_and(|at| at <= now))
        .map(|(reference, report)| (reference.clone(), report.clone()))
        .collect();
    for (reference, mut report) in due {
        report.ready_at = None;
        report.report.status = ReportStatus::Success;
        report.report.url = Some(format!(
            "{}/sandbox/reports/{reference}.csv",
            store.base_url
        ));
        report.report.url_expiration = Some(now + chrono::Duration::days(1));
        store.apply(tx, Change::Report { reference, report });
    }
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
