//! The transaction of the write being handled: put in the request's
//! extensions by [`crate::layers::write_transaction`], which commits it
//! after the handler, and borrowed by the handler to run engine operations.

use std::sync::{Arc, Mutex};

use crate::engine::{DomainError, Writer};
use crate::error_answer::ErrorAnswer;
use crate::store::{Store, Transaction};

#[derive(Clone)]
pub struct Tx(Arc<Mutex<Option<Transaction>>>);

impl Tx {
    pub fn new(tx: Transaction) -> Self {
        Self(Arc::new(Mutex::new(Some(tx))))
    }

    /// Runs an engine operation in this transaction, answering its result
    /// as JSON and a refusal as problem+json.
    pub fn run<T>(
        &self,
        store: &Store,
        operation: impl FnOnce(&mut Writer<'_>) -> Result<T, DomainError>,
    ) -> Result<axum::Json<T>, ErrorAnswer> {
        self.run_raw(store, operation).map(axum::Json)
    }

    pub fn run_raw<T>(
        &self,
        store: &Store,
        operation: impl FnOnce(&mut Writer<'_>) -> Result<T, DomainError>,
    ) -> Result<T, ErrorAnswer> {
        let mut slot = self.0.lock().unwrap();
        let tx = slot
            .as_mut()
            .expect("a handler runs before its transaction is committed");
        operation(&mut Writer { store, tx }).map_err(ErrorAnswer::from)
    }

    pub fn take(&self) -> Option<Transaction> {
        self.0.lock().unwrap().take()
    }
}
