//! `CreateUploadTarget` (`unstable`): where to upload a file.

use serde::Deserialize;
use serde_json::json;

use super::{Writer, required};
use crate::engine::DomainError;

/// The largest file the sandbox hands out an upload target for: 100 MiB.
pub const MAX_UPLOAD_BYTES: f64 = (100 << 20) as f64;

/// `CreateUploadTargetRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    pub filename: String,
    pub file_size: f64,
    pub mime_type: String,
    pub resource_type: ResourceType,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResourceType {
    ClaimProof,
    FreightBookingDocument,
}

/// `CreateUploadTargetResponse`: a form-upload URL and the fields to send
/// with the file. The sandbox keeps nothing of it.
pub fn create(w: &mut Writer<'_>, input: UploadRequest) -> Result<serde_json::Value, DomainError> {
    required("filename", &input.filename)?;
    required("mimeType", &input.mime_type)?;
    if !(input.file_size >= 1.0 && input.file_size.fract() == 0.0) {
        return Err(DomainError::invalid_field(
            "fileSize",
            format!("{} is not a whole number of bytes ≥ 1", input.file_size),
        ));
    }
    if input.file_size > MAX_UPLOAD_BYTES {
        return Err(DomainError::unprocessable(format!(
            "`fileSize`: {} bytes is over the {} bytes an upload may have",
            input.file_size, MAX_UPLOAD_BYTES
        )));
    }
    let folder = match input.resource_type {
        ResourceType::ClaimProof => "claim-proof",
        ResourceType::FreightBookingDocument => "freight-booking-document",
    };
    let key = format!(
        "{folder}/{}/{}",
        uuid::Uuid::new_v4(),
        input.filename.replace(['/', '\\'], "_")
    );
    Ok(json!({
        "url": format!("{}/sandbox/uploads", w.store.base_url),
        "fields": [
            {"name": "key", "value": key},
            {"name": "Content-Type", "value": input.mime_type},
        ],
    }))
}
