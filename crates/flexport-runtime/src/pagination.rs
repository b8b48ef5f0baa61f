//! Paged list operations, read as one stream of items.
//!
//! The version crates implement [`Paged`] for the builder of every list
//! operation the document pages, by one of three rules (the generator tells
//! them apart by the operation's query parameters):
//!
//! - **offset** (`offset` and `limit`, such as `GetProducts`): the position is
//!   the offset (`u64`); the next page starts after the rows received, so a
//!   short page (a server that caps `limit`, as the bulk inventory endpoint
//!   does) is not the end; only an empty page is;
//! - **`page_info`** (`page_info` and `limit`, such as `GetReturns` and
//!   `GetEvents`): the position is the cursor (`Option<String>`, `None` for
//!   the first page); the next one is the `page_info` of the `rel="next"`
//!   target of the answer's `Link` header, parsed per RFC 8288 (several
//!   links, quoted parameters, relative or absolute targets, a percent-encoded
//!   cursor, any order of query parameters); no next link is the end;
//! - **cursor** (`cursor` and `limit`, the freight lists of `unstable`): the
//!   position is the cursor (`Option<f64>`); the next one is the `id` of the
//!   last item of the page; an empty page is the end.
//!
//! [`stream()`] reads one as a stream (the `flexport` crate's
//! `pagination::StreamAll::stream_all` calls it). A page whose next position
//! equals its own also ends the list (the server would answer the same page
//! again).
//!
//! **Gateway timeouts shrink the page.** A list page answered `504 Gateway
//! Timeout` (the API gateway's ~29 s limit: some lists cost more with page
//! size) is asked again at once with half the page size, down to
//! [`PAGE_SIZE_FLOOR`], and the smaller size is kept for the rest of the
//! stream; the pipeline does not retry such a 504 itself while the page can
//! still shrink. At the floor (or for a stream started at or below it), a 504
//! is retried like any 5xx. The position does not move while shrinking, so no
//! item is skipped or repeated.

use std::fmt;
use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use progenitor_client::ResponseValue;
use reqwest::header::LINK;

/// The smallest page a gateway timeout shrinks a stream's page to.
pub const PAGE_SIZE_FLOOR: u64 = 10;

/// A list operation read one page at a time.
pub trait Paged: Clone + Send + Sized {
    type Item: Send;
    /// Where a page starts: an offset (`u64`), a `page_info` cursor
    /// (`Option<String>`) or a freight cursor (`Option<f64>`); its `Default`
    /// is the first page.
    type Position: Clone + PartialEq + Default + fmt::Debug + Send + Sync + 'static;

    /// Fetches the page of at most `limit` items that starts at `at`.
    fn page(
        self,
        at: Self::Position,
        limit: u64,
    ) -> impl Future<Output = Result<Page<Self::Item, Self::Position>, crate::Error>> + Send;
}

/// One page of a [`Paged`] list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, P> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this one is the last.
    pub next: Option<P>,
}

impl<T> Page<T, u64> {
    /// An offset page fetched at `at`: the next starts after the rows
    /// received; an empty page is the last.
    pub fn by_offset(at: u64, items: Vec<T>) -> Self {
        let next = (!items.is_empty()).then(|| at.saturating_add(items.len() as u64));
        Self { items, next }
    }
}

impl<T> Page<T, Option<String>> {
    /// A `page_info` page: the next cursor is the `page_info` query
    /// parameter of the answer's `rel="next"` link ([`next_link_cursor`]).
    pub fn by_link(response: ResponseValue<Vec<T>>) -> Self {
        let next = next_link_cursor(response.headers(), "page_info").map(Some);
        Self {
            items: response.into_inner(),
            next,
        }
    }
}

impl<T: serde::Serialize> Page<T, Option<f64>> {
    /// A cursor page: the next cursor is the numeric `id` of the last item;
    /// an empty page (or a last item without one) is the last.
    pub fn by_last_id(items: Vec<T>) -> Self {
        let next = items.last().and_then(numeric_id).map(Some);
        Self { items, next }
    }
}

fn numeric_id<T: serde::Serialize>(item: &T) -> Option<f64> {
    serde_json::to_value(item).ok()?.get("id")?.as_f64()
}

/// The value of query parameter `parameter` (percent-decoded) of the target
/// of the first `rel="next"` link of the `Link` headers, or `None`.
///
/// Each `Link` header is parsed per RFC 8288 (by the `http-link` crate); one
/// that does not parse is skipped. A relative target is resolved against a
/// placeholder base: only the target's query is read, and that is the same
/// whatever the base, except for a target that is empty or only a fragment
/// (the same page again), which then names no cursor and ends the list.
pub fn next_link_cursor(headers: &reqwest::header::HeaderMap, parameter: &str) -> Option<String> {
    let base = url::Url::parse("http://link-base.invalid/").expect("a valid URL");
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| http_link::parse_link_header(value, &base).ok())
        .flatten()
        .filter(|link| link.rel == "next")
        .find_map(|link| {
            link.target
                .query_pairs()
                .find(|(name, _)| name == parameter)
                .map(|(_, value)| value.into_owned())
        })
        .filter(|cursor| !cursor.is_empty())
}

/// The error that ended a stream, with where the stream was, to resume there.
#[derive(Debug)]
pub struct StreamError<E, P> {
    /// Why the page failed, after the pipeline's retries.
    pub error: E,
    /// The position of the page that failed: pass it to a new stream to go
    /// on from there (every item before it was yielded).
    pub position: P,
    /// The page size the stream had come down to (gateway timeouts shrink it).
    pub page_size: u64,
}

impl<E: fmt::Display, P: fmt::Debug> fmt::Display for StreamError<E, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (the list stopped at position {:?}, page size {}; a stream started there resumes it)",
            self.error, self.position, self.page_size
        )
    }
}

impl<E: std::error::Error + 'static, P: fmt::Debug> std::error::Error for StreamError<E, P> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// `?` on a stream's item gives the plain [`crate::Error`].
impl<P> From<StreamError<crate::Error, P>> for crate::Error {
    fn from(error: StreamError<crate::Error, P>) -> Self {
        error.error
    }
}

tokio::task_local! {
    /// Set while a stream fetches a page it could still shrink.
    static PAGE_CAN_SHRINK: ();
}

/// Whether the pipeline must hand a gateway timeout of the current call back
/// at once rather than retry it: the call is a list page that the stream
/// will ask again with a smaller page size.
pub(crate) fn gateway_timeout_shrinks_page() -> bool {
    PAGE_CAN_SHRINK.try_with(|_| ()).is_ok()
}

/// Every item of a [`Paged`] list from position `start` (its `Default` for
/// the first page), fetched `page_size` at a time (0 counts as 1), with the
/// rules of the module docs.
///
/// Pages are fetched only as far as the stream is read. The first page that
/// still fails (after the pipeline's retries, and after shrinking for a
/// gateway timeout) ends the stream: its [`StreamError`], with the error
/// converted into `E`, is the last item.
pub fn stream<P, E>(
    builder: P,
    start: P::Position,
    page_size: u64,
) -> impl Stream<Item = Result<P::Item, StreamError<E, P::Position>>>
where
    P: Paged,
    E: From<crate::Error>,
{
    let state = Some((builder, start, page_size.max(1)));
    stream::try_unfold(state, move |state| async move {
        let Some((builder, at, mut limit)) = state else {
            return Ok(None);
        };
        loop {
            let can_shrink = limit > PAGE_SIZE_FLOOR;
            let fetch = builder.clone().page(at.clone(), limit);
            let result = if can_shrink {
                PAGE_CAN_SHRINK.scope((), fetch).await
            } else {
                fetch.await
            };
            let page = match result {
                Ok(page) => page,
                Err(error)
                    if can_shrink
                        && error
                            .status()
                            .is_some_and(crate::gateway::is_gateway_timeout) =>
                {
                    let smaller = (limit / 2).max(PAGE_SIZE_FLOOR);
                    tracing::debug!(from = limit, to = smaller, "gateway timeout: smaller page");
                    limit = smaller;
                    continue;
                }
                Err(error) => {
                    return Err(StreamError {
                        error: E::from(error),
                        position: at,
                        page_size: limit,
                    });
                }
            };
            if page.items.is_empty() {
                return Ok(None);
            }
            let next = page
                .next
                .filter(|next| *next != at)
                .map(|next| (builder, next, limit));
            return Ok(Some((stream::iter(page.items).map(Ok), next)));
        }
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn links(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(LINK, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_next_cursor_is_read_from_the_link_header_as_rfc_8288_has_it() {
        let cases = [
            (r#"<?page_info=abc>; rel="next""#, Some("abc")),
            (
                r#"<https://x.example/r?limit=2&page_info=abc>; rel=next"#,
                Some("abc"),
            ),
            (
                r#"</logistics/api/2024-04/returns?page_info=a%2Bb%3D%3D&limit=2>; rel="next""#,
                Some("a+b=="),
            ),
            (
                r#"<?page_info=p>; rel="prev", <?limit=2&page_info=n>; title="a, b; c"; rel="next""#,
                Some("n"),
            ),
            (r#"<?page_info=n>; rel="last next""#, Some("n")),
            (r#"<?page_info=p>; rel="prev""#, None),
            (r#"<?limit=2>; rel="next""#, None),
            (r#"<?page_info=>; rel="next""#, None),
            (r#"not a link"#, None),
        ];
        for (value, cursor) in cases {
            assert_eq!(
                next_link_cursor(&links(&[value]), "page_info").as_deref(),
                cursor,
                "{value}"
            );
        }
        let two_headers = links(&[
            r#"<?page_info=p>; rel="prev""#,
            r#"<?page_info=n>; rel="next""#,
        ]);
        assert_eq!(
            next_link_cursor(&two_headers, "page_info").as_deref(),
            Some("n")
        );
    }

    #[test]
    fn offset_and_last_id_pages_name_their_next_position() {
        assert_eq!(Page::by_offset(10, vec![1, 2, 3]).next, Some(13));
        assert_eq!(Page::<u8, u64>::by_offset(10, vec![]).next, None);
        let items = vec![serde_json::json!({"id": 4.0}), serde_json::json!({"id": 9})];
        assert_eq!(Page::by_last_id(items).next, Some(Some(9.0)));
        assert_eq!(
            Page::by_last_id(vec![serde_json::json!({"x": 1})]).next,
            None
        );
    }
}
