//! Reading list operations as streams.
//!
//! Operations paged by `offset` and `limit` (such as `GetProducts` and
//! `GetAllInventory`) implement [`OffsetPaged`] on their builders:
//! `client.get_products().stream_all(100)` yields every product. Operations
//! paged by a cursor whose next value the caller derives (the freight lists of
//! `unstable`) use [`cursor_stream`].

use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};

pub use flexport_runtime::OffsetPaged;

/// Every item of a cursor-paged list: `fetch(cursor)` returns a page and the
/// cursor of the next one, starting from `first`. Stops on an empty page or
/// when no next cursor is returned.
pub fn cursor_stream<C, T, F, Fut>(
    first: Option<C>,
    mut fetch: F,
) -> impl Stream<Item = Result<T, crate::Error>>
where
    F: FnMut(Option<C>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), crate::Error>>,
{
    stream::try_unfold(Some(first), move |cursor| {
        let page = cursor.map(&mut fetch);
        async move {
            let Some(page) = page else {
                return Ok::<_, crate::Error>(None);
            };
            let (items, next) = page.await?;
            if items.is_empty() {
                return Ok(None);
            }
            let after = next.map(Some);
            Ok(Some((stream::iter(items).map(Ok), after)))
        }
    })
    .try_flatten()
}
