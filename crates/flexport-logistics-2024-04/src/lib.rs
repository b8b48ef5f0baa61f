//! Typed client for the Flexport Logistics API, version `2024-04`.
//!
//! Generated at build time by progenitor from this crate's `openapi.json`
//! (the workspace's `specs/2024-04.json`), through `flexport-codegen`. Every
//! operation of the document is a method of [`Client`], grouped by tag into
//! extension traits (`ClientOrdersExt`, `ClientProductsExt`, ...) that
//! [`prelude`] brings into scope. Request and response types are in [`types`].
//!
//! Every request runs through a [`flexport_runtime::Pipeline`] (the client's
//! inner value): bearer token, idempotency keys on POST and PATCH, retries
//! with backoff, tracing. The `flexport` crate builds clients with it, adds
//! typed errors, OAuth and webhooks, and is what most users want.
//!
//! ```no_run
//! use flexport_logistics_2024_04::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let pipeline = flexport_runtime::Pipeline::builder().bearer_token("<token>")?.build();
//! let client = Client::new("https://logistics-api.flexport.com", pipeline);
//! let product = client.get_product().logistics_sku("ABC123").send().await?;
//! println!("{:?}", product.into_inner());
//! # Ok(())
//! # }
//! ```

include!(concat!(env!("OUT_DIR"), "/client.rs"));
