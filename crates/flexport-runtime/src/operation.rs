//! The rows of the `OPERATIONS` table that `flexport-codegen` emits into
//! every version crate: one per operation of the version's document, read
//! from the document and from the generated client together, so that tools
//! and tests never scrape the generated code's doc comments.

/// One operation of a version's document and the client method that sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operation {
    /// Upper case, as in `GET`.
    pub method: &'static str,
    /// The path template as the document declares it, version prefix
    /// included: `/logistics/api/2024-04/orders/{orderId}`.
    pub path: &'static str,
    /// The operationId as documented, revision suffix included
    /// (`CreateOrder202307`).
    pub operation_id: &'static str,
    /// The client method that sends it, neutral where the documented
    /// operationId has a revision suffix (`create_order`); also what the
    /// pipeline's tracing span names the operation.
    pub method_name: &'static str,
    /// The operation's first tag (`Orders`); the generated extension trait
    /// is `Client{Tag}Ext`.
    pub tag: &'static str,
    /// The type the body setter converts into, within the crate's `types`
    /// (`CreateOrderInput202307`); `None` without a body.
    pub request_type: Option<&'static str>,
    /// What `send()` answers on success, within the crate's `types`
    /// (`OrderModel`, `Vec<WebhookModel>`, `ByteStream` for a download);
    /// `None` for an answer without a body.
    pub response_type: Option<&'static str>,
    /// Whether the document asks for a bearer token (`security`); the OAuth
    /// operations declare none.
    pub bearer_token: bool,
}

impl Operation {
    /// The path template below `prefix` (`/logistics/api/2024-04`), as in
    /// `/orders/{orderId}`; the whole template when it does not start with it.
    pub fn path_below<'a>(&'a self, prefix: &str) -> &'a str {
        self.path.strip_prefix(prefix).unwrap_or(self.path)
    }
}
