//! Typed client for the Flexport Logistics API, version `2023-10`.
//!
//! Generated at build time by progenitor from this crate's `openapi.json`
//! (the workspace's `specs/2023-10.json`), through `flexport-codegen`. Every
//! operation of the document is a method of [`Client`], grouped by tag into
//! extension traits (`ClientOrdersExt`, `ClientProductsExt`, ...) that
//! [`prelude`] brings into scope. Request and response types are in [`types`].
//!
//! This bare client sends what you give it and nothing more; the `flexport`
//! crate adds authentication, idempotency keys, typed errors and retries.
//!
//! ```no_run
//! use flexport_logistics_2023_10::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut headers = reqwest::header::HeaderMap::new();
//! headers.insert(reqwest::header::AUTHORIZATION, "Bearer <token>".parse()?);
//! let http = reqwest::Client::builder().default_headers(headers).build()?;
//! let client = Client::new_with_client("https://logistics-api.flexport.com", http);
//! let product = client.get_product().logistics_sku("ABC123").send().await?;
//! println!("{:?}", product.into_inner());
//! # Ok(())
//! # }
//! ```

include!(concat!(env!("OUT_DIR"), "/client.rs"));
