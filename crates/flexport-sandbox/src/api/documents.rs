//! The documents whose URLs the sandbox hands out (transfer documents,
//! freight documents) and the upload target of `CreateUploadTarget`,
//! outside the API and without a token.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::error_answer::ErrorAnswer;
use crate::state::numeric_id;
use crate::store::Store;

/// Routes outside the API, without a token: the documents whose URLs the
/// sandbox hands out, and the upload target of `CreateUploadTarget`.
pub fn public_routes() -> Router<Arc<Store>> {
    Router::new()
        .route("/sandbox/documents/{file}", get(document))
        .route("/sandbox/uploads", post(upload))
}

/// Takes an upload to a `CreateUploadTarget` URL: reads the body to its end
/// and keeps nothing of it. 204, or 400 when the body breaks off.
async fn upload(body: axum::body::Body) -> Result<axum::http::StatusCode, ErrorAnswer> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        chunk.map_err(|error| ErrorAnswer::invalid_field("body", error))?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A document the sandbox handed out a URL for: `inbound-{shipmentId}.pdf`
/// or `freight-{orderId}-{type}.pdf`, as a one-page PDF; 404 for anything
/// else.
pub async fn document(
    State(store): State<Arc<Store>>,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, ErrorAnswer> {
    let not_found = || ErrorAnswer::not_found("document", &file);
    let name = file.strip_suffix(".pdf").ok_or_else(not_found)?;
    let data = store.read();
    let title = if let Some(id) = name.strip_prefix("inbound-") {
        let inbound = data.inbounds.get(&numeric_id(id)).ok_or_else(not_found)?;
        format!(
            "Transfer document, inbound shipment {}",
            inbound.shipment.id
        )
    } else if let Some(rest) = name.strip_prefix("freight-") {
        let (id, kind) = rest.split_once('-').ok_or_else(not_found)?;
        let order = data
            .freight_orders
            .get(&numeric_id(id))
            .ok_or_else(not_found)?;
        if !crate::engine::freight::has_document(&data, id, kind) {
            return Err(not_found());
        }
        format!("{}, freight order {}", kind.to_uppercase(), order.id)
    } else {
        return Err(not_found());
    };
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf(&title)))
}

/// A valid one-page PDF showing `title` (ASCII; other characters become `?`).
pub fn pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .map(|c| {
            if matches!(c, '(' | ')' | '\\') {
                '?'
            } else {
                c
            }
        })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 720 Td (Flexport sandbox: {text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
