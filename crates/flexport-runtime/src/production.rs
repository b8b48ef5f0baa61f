//! What production Flexport does that its documents do not say: the one list
//! of known differences between the API documents and the live API, as
//! clients running against production observed them (merchants' code and
//! notes, 2024-04 to 2025-03) or Flexport's documentation pages describe
//! them. The SDK's handling of each is named in [`Difference::handled_by`];
//! the sandbox plays the same list.

/// Where a difference comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Flexport's documentation pages (not the OpenAPI documents).
    Documented,
    /// Observed by clients running against production.
    Observed,
}

/// One known difference between a document and production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// A short, stable name.
    pub name: &'static str,
    /// What the documents say and what production does.
    pub what: &'static str,
    pub source: Source,
    /// What in this SDK deals with it.
    pub handled_by: &'static str,
}

/// Every known difference between the documents and production.
pub const DIFFERENCES: &[Difference] = &[
    Difference {
        name: "numbers-for-strings",
        what: "where a response schema says string, production may send a number \
               (`GET /events` payload `orderId`, typed a map of strings)",
        source: Source::Observed,
        handled_by: "the codegen pass `lenient-response-strings`: every string a response \
                     reaches decodes a number or boolean into its text (`flexport_runtime::lenient`)",
    },
    Difference {
        name: "gateway-timeout",
        what: "list pages that cost more than API Gateway's ~29 s answer \
               `504 {\"message\": \"Endpoint request timed out\"}` with `x-amz-apigw-id`, \
               every time at that page size; no document lists a 504",
        source: Source::Observed,
        handled_by: "`pagination::stream` halves the page down to 10 and keeps it; \
                     `gateway::is_gateway_timeout`",
    },
    Difference {
        name: "gateway-errors",
        what: "API Gateway's own answers (504, 429, 403 `Missing Authentication Token` for a \
               path it does not route) are `{\"message\": …}`, not problem+json",
        source: Source::Observed,
        handled_by: "`gateway::message` and `gateway::answered_by_gateway`, shown by the error's Display",
    },
    Difference {
        name: "short-pages",
        what: "some offset lists (the bulk inventory one) return fewer rows than `limit` \
               before the end",
        source: Source::Observed,
        handled_by: "offset streams advance by rows received and stop only on an empty page",
    },
    Difference {
        name: "link-cursors",
        what: "`GetReturns` and `GetEvents` page by `Link: <…?page_info=…>; rel=\"next\"`, \
               an opaque cursor (base64 JSON); a stored cursor can answer 500 for good",
        source: Source::Observed,
        handled_by: "`pagination::next_link_cursor` (RFC 8288); a stream's error carries its cursor",
    },
    Difference {
        name: "event-names",
        what: "events are named `Shipment.Created`, `Shipment.Shipped`, `Order.Shipped`, one \
               `Shipment.Created` per shipment of a split order",
        source: Source::Observed,
        handled_by: "nothing in the client (the `type` filter is a string); the sandbox names them so",
    },
    Difference {
        name: "events-limit",
        what: "`GET /events` answers 400 to `limit` of 250 and above",
        source: Source::Observed,
        handled_by: "nothing in the client; the sandbox refuses the same",
    },
    Difference {
        name: "order-cost-and-labels",
        what: "a shipped order carries `cost`, `currency` (in no document) and, per package, \
               `label.{carrier, shippingMethod, trackingCode, packageDimensions}`",
        source: Source::Observed,
        handled_by: "unknown fields are ignored when decoding; the sandbox fills them",
    },
    Difference {
        name: "inbound-list",
        what: "production 2024-06 lists inbound shipments by `GET /inbounds/shipments` with \
               `limit`/`offset`; no committed document has it",
        source: Source::Observed,
        handled_by: "nothing yet: no client method without a document",
    },
    Difference {
        name: "oauth-scopes",
        what: "the scopes are `read_logistics_*`/`write_logistics_*` per area, space-separated; \
               the documents name none",
        source: Source::Documented,
        handled_by: "`flexport::oauth::Scope`",
    },
    Difference {
        name: "oauth-authorize-redirect",
        what: "the authorize endpoint answers a 301 redirect; `client_id=identity` gives a \
               token tied to the portal user",
        source: Source::Documented,
        handled_by: "`flexport::oauth::IDENTITY_CLIENT_ID`",
    },
    Difference {
        name: "token-lifetime",
        what: "tokens are documented not to expire; one merchant's expired after about a year; \
               a 401 means unknown or revoked",
        source: Source::Documented,
        handled_by: "`TokenSource::set_bearer` swaps a running client's token; a 401's remedy says so",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_difference_has_a_unique_name_and_says_what_handles_it() {
        let mut names: Vec<&str> = DIFFERENCES.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DIFFERENCES.len());
        assert!(
            DIFFERENCES
                .iter()
                .all(|d| !d.what.is_empty() && !d.handled_by.is_empty())
        );
    }
}
