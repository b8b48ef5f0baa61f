//! Every paged list operation as one stream of items:
//! `use flexport::pagination::*` and call [`StreamAll::stream_all`] on its
//! builder.
//!
//! ```no_run
//! # #[cfg(feature = "v2024-04")]
//! # async fn run(client: flexport::v2024_04::Client) -> Result<(), flexport::Error> {
//! use flexport::pagination::*;
//! use flexport::v2024_04::prelude::*;
//! use futures::TryStreamExt;
//!
//! let mut products = std::pin::pin!(client.get_products().stream_all(100));
//! while let Some(product) = products.try_next().await? {
//!     println!("{}", product.logistics_sku);
//! }
//! // Returns page by the `Link` header's cursor; the same call reads them.
//! let returns: Vec<_> = client.get_returns().status("CANCELLED").stream_all(50).try_collect().await?;
//! # let _ = returns;
//! # Ok(())
//! # }
//! ```
//!
//! Three kinds of list, one method (the generator picks the rule from each
//! operation's parameters; see [`flexport_runtime::pagination`]):
//! - by `offset` and `limit` (`GetProducts`, `GetAllInventory`): the next page
//!   starts after the rows received, so a short page is not taken as the end
//!   (servers cap `limit`; the bulk inventory one returns fewer rows than
//!   asked before the end); only an empty page is, so a list costs one
//!   request more than it has pages;
//! - by `page_info` (`GetReturns`, `GetEvents`): the cursor of the
//!   `rel="next"` link of the `Link` header, parsed per RFC 8288; the list
//!   ends on a page with no next link (or an empty page);
//! - by `cursor` (the freight lists of `unstable`): the `id` of the last item;
//!   the list ends on an empty page.
//!
//! Each page is one call through the pipeline, retried as any call is. A
//! page answered `504 Gateway Timeout` is asked again at once with half the
//! page size, down to [`PAGE_SIZE_FLOOR`] (10), and the smaller size is kept
//! for the rest of the stream; at the floor a 504 is retried like any 5xx.
//! A page that still fails ends the stream: its [`StreamError`] is the last
//! item, after the items of the pages before it, and carries the position
//! (offset or cursor) of that page, so that
//! [`StreamAll::stream_from`] resumes exactly there. `?` turns a
//! [`StreamError`] into its [`crate::Error`].

use futures::Stream;

pub use flexport_runtime::pagination::{PAGE_SIZE_FLOOR, Paged};

/// The error that ended a stream of a paged list, with the position to
/// resume from (`u64` for an offset, `Option<String>` for a `page_info`
/// cursor, `Option<f64>` for a freight cursor).
pub type StreamError<P> = flexport_runtime::pagination::StreamError<crate::Error, P>;

/// [`Self::stream_all`] on the builder of every paged list operation (the
/// version crates implement [`Paged`] for each).
pub trait StreamAll: Paged {
    /// Every item, fetched `page_size` at a time (0 counts as 1), from the
    /// first page; see the module docs for when it ends and how it shrinks
    /// the page on gateway timeouts. Pages are fetched only as far as the
    /// stream is read.
    fn stream_all(
        self,
        page_size: u64,
    ) -> impl Stream<Item = Result<Self::Item, StreamError<Self::Position>>> {
        self.stream_from(Self::Position::default(), page_size)
    }

    /// As [`Self::stream_all`], from `position`: the
    /// [`StreamError::position`] of a stream that failed, or an offset or
    /// cursor you kept.
    fn stream_from(
        self,
        position: Self::Position,
        page_size: u64,
    ) -> impl Stream<Item = Result<Self::Item, StreamError<Self::Position>>> {
        flexport_runtime::pagination::stream(self, position, page_size)
    }
}

impl<P: Paged> StreamAll for P {}
