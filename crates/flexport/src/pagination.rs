//! Reading list operations as streams of [`crate::Error`] results.
//!
//! Operations paged by `offset` and `limit` (such as `GetProducts` and
//! `GetAllInventory`) implement [`OffsetPaged`] on their builders:
//!
//! ```no_run
//! # #[cfg(feature = "v2024-04")]
//! # async fn run(client: flexport::v2024_04::Client) -> Result<(), flexport::Error> {
//! use flexport::pagination::OffsetPaged;
//! use flexport::v2024_04::prelude::*;
//! use futures::TryStreamExt;
//!
//! let mut products = std::pin::pin!(client.get_products().stream_all(100));
//! while let Some(product) = products.try_next().await? {
//!     println!("{}", product.logistics_sku);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Operations paged by a cursor whose next value the caller derives (the
//! freight lists of `unstable`) use [`cursor_stream`].

use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};

/// A list operation paged by `offset` and `limit`: every builder that
/// implements [`flexport_runtime::OffsetPaged`] (the version crates do it for
/// each such operation) gets [`OffsetPaged::stream_all`].
pub trait OffsetPaged: flexport_runtime::OffsetPaged {
    /// Every item, fetched `page_size` at a time (0 counts as 1), until a page
    /// comes back empty. A short page is not taken as the end, because servers
    /// may cap `limit`; so a list costs one request more than it has pages.
    ///
    /// Each page is one call through the pipeline, retried as any call is.
    /// A page that still fails ends the stream: its [`crate::Error`] is the
    /// last item, after the items of the pages before it.
    fn stream_all(self, page_size: u64) -> impl Stream<Item = Result<Self::Item, crate::Error>> {
        flexport_runtime::offset_stream(self, page_size)
    }
}

impl<P: flexport_runtime::OffsetPaged> OffsetPaged for P {}

/// Every item of a cursor-paged list: `fetch(cursor)` returns a page and the
/// cursor of the next one, starting from `first`.
///
/// Stops after a page that is empty, that names no next cursor, or whose next
/// cursor equals the one it was fetched with (the server would answer the same
/// page again). `fetch` may fail with [`crate::Error`] or with anything that
/// converts into it, such as the error of a generated method's `send()`; the
/// first failure ends the stream and is its last item.
pub fn cursor_stream<C, T, E, F, Fut>(
    first: Option<C>,
    mut fetch: F,
) -> impl Stream<Item = Result<T, crate::Error>>
where
    C: Clone + PartialEq,
    F: FnMut(Option<C>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), E>>,
    crate::Error: From<E>,
{
    stream::try_unfold(Some(first), move |cursor| {
        let page = cursor.map(|cursor| (fetch(cursor.clone()), cursor));
        async move {
            let Some((page, cursor)) = page else {
                return Ok::<_, crate::Error>(None);
            };
            let (items, next) = page.await?;
            if items.is_empty() {
                return Ok(None);
            }
            let after = next.filter(|next| Some(next) != cursor.as_ref()).map(Some);
            Ok(Some((stream::iter(items).map(Ok), after)))
        }
    })
    .try_flatten()
}
