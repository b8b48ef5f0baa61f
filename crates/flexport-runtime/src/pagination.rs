use std::future::Future;

use crate::Error;
use futures::{Stream, StreamExt, TryStreamExt, stream};

/// A list operation paged with `offset` and `limit` query parameters.
///
/// The version crates implement it for the builder of every such operation
/// (for example `GetProducts`). [`offset_stream`] reads one as a stream of
/// every item; the `flexport` crate's `pagination::OffsetPaged` adds
/// `stream_all`, which yields `flexport::Error`.
pub trait OffsetPaged: Clone + Sized {
    type Item;

    /// Fetches one page.
    fn page(
        self,
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Self::Item>, Error>> + Send;
}

/// Every item of an [`OffsetPaged`] list, fetched `page_size` at a time
/// (0 counts as 1), until a page comes back empty. A short page is not taken
/// as the end, because servers may cap `limit`; so a list costs one request
/// more than it has pages.
///
/// The first failed page ends the stream: its error, converted into `E`, is
/// the last item. `E` is the caller's error type, such as [`Error`]
/// (`flexport::Error`) itself:
///
/// ```ignore
/// use futures::TryStreamExt;
/// let mut products = flexport_runtime::offset_stream::<_, flexport_runtime::Error>(
///     client.get_products(),
///     100,
/// );
/// while let Some(product) = products.try_next().await? { /* … */ }
/// ```
pub fn offset_stream<P, E>(builder: P, page_size: u64) -> impl Stream<Item = Result<P::Item, E>>
where
    P: OffsetPaged,
    E: From<Error>,
{
    let page_size = page_size.max(1);
    stream::try_unfold((builder, 0u64), move |(builder, offset)| async move {
        let items = builder.clone().page(offset, page_size).await?;
        if items.is_empty() {
            return Ok::<_, E>(None);
        }
        let next = offset.saturating_add(items.len() as u64);
        Ok(Some((stream::iter(items).map(Ok), (builder, next))))
    })
    .try_flatten()
}
