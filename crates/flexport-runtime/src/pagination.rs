use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use progenitor_client::{ByteStream, Error};

/// A list operation paged with `offset` and `limit` query parameters.
///
/// The version crates implement it for the builder of every such operation
/// (for example `GetProducts`), so any of them can be read as one stream:
///
/// ```ignore
/// use flexport_runtime::OffsetPaged;
/// let mut products = client.get_products().stream_all(100);
/// while let Some(product) = products.try_next().await? { /* … */ }
/// ```
pub trait OffsetPaged: Clone + Sized {
    type Item;

    /// Fetches one page.
    fn page(
        self,
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Self::Item>, Error<ByteStream>>> + Send;

    /// Every item, fetched `page_size` at a time, until a page comes back
    /// empty. (A short page is not taken as the end: servers may cap `limit`.)
    fn stream_all(
        self,
        page_size: u64,
    ) -> impl Stream<Item = Result<Self::Item, Error<ByteStream>>> {
        let page_size = page_size.max(1);
        stream::try_unfold((self, 0u64), move |(builder, offset)| async move {
            let items = builder.clone().page(offset, page_size).await?;
            if items.is_empty() {
                return Ok::<_, Error<ByteStream>>(None);
            }
            let next = offset + items.len() as u64;
            Ok(Some((stream::iter(items).map(Ok), (builder, next))))
        })
        .try_flatten()
    }
}
