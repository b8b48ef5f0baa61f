use std::future::Future;

tokio::task_local! {
    static IDEMPOTENCY_KEY: String;
}

/// Runs `call` with `key` as the idempotency key of the POST and PATCH
/// requests it sends, instead of a fresh UUID per call.
///
/// Use it to retry a call yourself later (after a restart, say) without
/// risking a second order: the same key makes Flexport replay the stored
/// result.
///
/// ```no_run
/// # async fn create_order() {}
/// # async fn run() {
/// let key = "order-4711-create";
/// flexport_runtime::with_idempotency_key(key, create_order()).await;
/// # }
/// ```
pub async fn with_idempotency_key<F: Future>(key: impl Into<String>, call: F) -> F::Output {
    IDEMPOTENCY_KEY.scope(key.into(), call).await
}

/// The key set by an enclosing [`with_idempotency_key`], if any.
pub fn current_idempotency_key() -> Option<String> {
    IDEMPOTENCY_KEY.try_with(Clone::clone).ok()
}
