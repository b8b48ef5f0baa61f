//! `CreateUploadTarget` (`unstable`): where to upload a file.

use flexport_logistics_unstable::types::{
    CreateUploadTargetRequest, CreateUploadTargetResponse, CreateUploadTargetResponseEntry,
    ResourceType,
};

use super::{Writer, required};
use crate::engine::DomainError;

/// The largest file the sandbox hands out an upload target for: 100 MiB.
pub const MAX_UPLOAD_BYTES: f64 = (100 << 20) as f64;

/// `CreateUploadTargetResponse`: a form-upload URL and the fields to send
/// with the file. The sandbox keeps nothing of it.
pub fn create(
    w: &mut Writer<'_>,
    input: CreateUploadTargetRequest,
) -> Result<CreateUploadTargetResponse, DomainError> {
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
    let field = |name: &str, value: String| CreateUploadTargetResponseEntry {
        name: name.to_owned(),
        value,
    };
    Ok(CreateUploadTargetResponse {
        url: format!("{}/sandbox/uploads", w.store.base_url),
        fields: vec![field("key", key), field("Content-Type", input.mime_type)],
    })
}
