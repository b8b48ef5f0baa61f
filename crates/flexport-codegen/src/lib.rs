//! The one place in the project that turns a Flexport Logistics API OpenAPI
//! document into Rust.
//!
//! The version crates' build scripts call [`build_script::generate_client`],
//! `cargo xtask sync-specs` calls [`validate::parse_document`] and
//! [`generate`] to refuse a document that would not build, and the snapshot
//! tests call [`generate`] to pin its output.
//!
//! The pipeline is: [`validate::parse_document`] (is it OpenAPI 3.0, complete,
//! self-contained?) → [`normalize::normalize`] (named passes for constructs the
//! published documents contain and progenitor does not accept as they are) →
//! progenitor with [`settings`] → [`open_enums`] (catch-all variants for
//! enums decoded from responses) → [`lenient_strings`] → [`numbers::integral_fields`]
//! (`u64` fields decode `2.0`) → [`schemars_feature`] (`JsonSchema` only
//! with the version crate's `schemars` feature) → [`string_newtypes`]
//! (`as_str()` instead of `Deref<Target = String>`) → [`composing_builders`]
//! (setters take a value or its builder, lists of either) →
//! [`builder_errors`] (a builder's conversion names every missing field at
//! once, by path) → [`generated_docs`] (operations and fields documented
//! from the document) → prettyplease.

pub mod build_script;
pub mod builder_errors;
pub mod cli;
pub mod composing_builders;
pub mod document;
pub mod extensions;
mod generate;
pub mod generated_docs;
pub mod lenient_strings;
pub mod names;
pub mod normalize;
pub mod numbers;
pub mod open_enums;
pub mod operations;
pub mod paging;
pub mod refs;
pub mod schemars_feature;
pub mod string_newtypes;
pub mod validate;

pub use generate::{Error, Generated, generate, generate_from_value, settings};
