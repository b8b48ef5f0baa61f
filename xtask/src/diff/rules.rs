//! The checks `cargo xtask diff` applies, each with a fixed severity.

use serde::Serialize;

/// How a change affects a client written against the older version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Requests or code that worked before fail now.
    Breaking,
    /// Breaks some clients: an exhaustive `match`, a stricter validation.
    PossiblyBreaking,
    /// Nothing that worked before stops working.
    NonBreaking,
}

impl Severity {
    pub fn title(self) -> &'static str {
        match self {
            Severity::Breaking => "Breaking changes",
            Severity::PossiblyBreaking => "Possibly breaking changes",
            Severity::NonBreaking => "Non-breaking changes",
        }
    }
}

/// One named check.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident = $id:literal, $severity:ident, $summary:literal;)*) => {
        $($(#[$doc])* pub const $name: &Rule = &Rule { id: $id, severity: Severity::$severity, summary: $summary };)*
        /// Every rule, in the order the notes list them.
        pub const ALL: &[&Rule] = &[$($name),*];
    };
}

rules! {
    OPERATION_ADDED = "operation-added", NonBreaking, "a new operation";
    OPERATION_REMOVED = "operation-removed", Breaking, "an operation is gone";
    OPERATION_PATH_CHANGED = "operation-path-changed", Breaking, "same operationId, new method or path: older clients call the old one";
    OPERATION_ID_CHANGED = "operation-id-changed", Breaking, "same method and path, new operationId: the Rust method is renamed";
    PARAMETER_ADDED_REQUIRED = "parameter-added-required", Breaking, "a new required parameter";
    PARAMETER_ADDED_OPTIONAL = "parameter-added-optional", NonBreaking, "a new optional parameter";
    PARAMETER_REMOVED = "parameter-removed", Breaking, "a parameter is gone";
    PARAMETER_BECAME_REQUIRED = "parameter-became-required", Breaking, "an optional parameter is now required";
    PARAMETER_BECAME_OPTIONAL = "parameter-became-optional", NonBreaking, "a required parameter is now optional";
    PARAMETER_TYPE_CHANGED = "parameter-type-changed", Breaking, "a parameter's type or format changed";
    REQUEST_BODY_ADDED = "request-body-added", Breaking, "an operation now takes a body";
    REQUEST_BODY_REMOVED = "request-body-removed", Breaking, "an operation no longer takes a body";
    RESPONSE_SUCCESS_STATUS_ADDED = "response-success-status-added", PossiblyBreaking, "a new success status, unexpected to older clients";
    RESPONSE_SUCCESS_STATUS_REMOVED = "response-success-status-removed", Breaking, "a success status is gone";
    RESPONSE_ERROR_STATUS_ADDED = "response-error-status-added", NonBreaking, "a new error status";
    RESPONSE_ERROR_STATUS_REMOVED = "response-error-status-removed", NonBreaking, "an error status is gone";
    REQUEST_PROPERTY_ADDED_REQUIRED = "request-property-added-required", Breaking, "requests must carry a new property";
    /// Non-breaking for the API, unlike openapi-diff, which calls it breaking
    /// because the new property's schema makes the request schema accept less
    /// (a value an older client could have sent under that name, as an
    /// undeclared extra property, may now be refused). We classify what
    /// requests built from the older document do: they never carry a property
    /// the older document does not declare (the generated structs serialize
    /// declared fields only), so the server accepts every one of them as
    /// before. The exception: a client that adds undeclared properties to its
    /// JSON by hand. For Rust code the change is breaking all the same: the
    /// request struct gains a public field, which breaks its struct literals
    /// (the `Rust:` lines say so and name the builder that avoids it).
    REQUEST_PROPERTY_ADDED_OPTIONAL = "request-property-added-optional", NonBreaking, "requests may carry a new property";
    REQUEST_PROPERTY_REMOVED = "request-property-removed", Breaking, "a request property is gone";
    REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required", Breaking, "an optional request property is now required";
    REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional", NonBreaking, "a required request property is now optional";
    RESPONSE_PROPERTY_ADDED = "response-property-added", NonBreaking, "responses carry a new property";
    RESPONSE_PROPERTY_REMOVED = "response-property-removed", Breaking, "a response property is gone";
    RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional", Breaking, "a response property may now be missing";
    RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required", NonBreaking, "a response property is now always present";
    REQUEST_PROPERTY_BECAME_NULLABLE = "request-property-became-nullable", NonBreaking, "a request property now accepts null";
    REQUEST_PROPERTY_BECAME_NOT_NULLABLE = "request-property-became-not-nullable", Breaking, "a request property no longer accepts null";
    RESPONSE_PROPERTY_BECAME_NULLABLE = "response-property-became-nullable", Breaking, "a response property may now be null";
    RESPONSE_PROPERTY_BECAME_NOT_NULLABLE = "response-property-became-not-nullable", NonBreaking, "a response property is never null now";
    REQUEST_TYPE_CHANGED = "request-type-changed", Breaking, "a request value's type changed";
    RESPONSE_TYPE_CHANGED = "response-type-changed", Breaking, "a response value's type changed";
    REQUEST_FORMAT_CHANGED = "request-format-changed", PossiblyBreaking, "a request value's format changed: the server may validate it";
    RESPONSE_FORMAT_CHANGED = "response-format-changed", PossiblyBreaking, "a response value's format changed";
    REQUEST_ENUM_VALUE_ADDED = "request-enum-value-added", NonBreaking, "requests may send a new enum value";
    REQUEST_ENUM_VALUE_REMOVED = "request-enum-value-removed", Breaking, "requests may no longer send an enum value";
    RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added", PossiblyBreaking, "responses may carry a new enum value: exhaustive matches break";
    RESPONSE_ENUM_VALUE_REMOVED = "response-enum-value-removed", NonBreaking, "responses no longer carry an enum value";
    SCHEMA_ADDED = "schema-added", NonBreaking, "a new schema";
    SCHEMA_REMOVED = "schema-removed", Breaking, "a schema is gone";
    SCHEMA_RENAMED = "schema-renamed", Breaking, "a schema has a new name and the same shape: the Rust type is renamed";
}

/// Which way values of a schema travel, which decides how a change to it is
/// classified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Direction {
    pub request: bool,
    pub response: bool,
}

impl Direction {
    pub const REQUEST: Direction = Direction {
        request: true,
        response: false,
    };
    pub const RESPONSE: Direction = Direction {
        request: false,
        response: true,
    };

    /// The rule for this direction; when values travel both ways, the more
    /// severe of the two.
    pub fn pick(self, request: &'static Rule, response: &'static Rule) -> &'static Rule {
        match (self.request, self.response) {
            (true, true) => std::cmp::min_by_key(request, response, |rule| rule.severity),
            (true, false) => request,
            _ => response,
        }
    }
}
