//! Project tasks behind `cargo xtask`: keeping `specs/` in step with Flexport
//! (`sync-specs`), adding and removing API versions (`add-version`,
//! `remove-version`) and saying what changes between them (`diff`,
//! `migration-notes`). `main.rs` only parses the command line.

pub mod diff;
pub mod files;
pub mod lock;
pub mod migration_notes;
pub mod sync;
pub mod versions;

/// The API versions the project ships a crate for, oldest first.
pub use flexport_runtime::API_VERSIONS as VERSIONS;

/// Where Flexport publishes the documents.
pub const DEFAULT_BASE_URL: &str = "https://logistics-api.flexport.com";

/// The URL of one version's document below a base URL (`https://...`,
/// `http://127.0.0.1:PORT` or `file:///path/to/mirror`).
pub fn document_url(base_url: &str, version: &str) -> String {
    format!(
        "{}/logistics/api/{version}/documentation/raw",
        base_url.trim_end_matches('/')
    )
}

/// The workspace this program was built in.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace's `specs/` directory.
pub fn default_specs_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}
