//! What the sandbox holds, and the one way it changes.
//!
//! There are two copies of [`Data`]:
//! - the *committed* copy, which GET handlers and webhook deliveries read,
//!   holds only changes that are on disk (with `--state`): a change reaches
//!   it after its journal line has been written and `fdatasync`ed;
//! - the *working* copy, behind one async mutex, which writers (requests and
//!   the ticker) take in turn, compute their changes against, and queue for
//!   the journal. It runs ahead of the committed copy by the changes that are
//!   queued but not yet on disk, so that writes can share one fsync.
//!
//! A writer's answer waits until its changes (and every change queued before
//! them) are committed. When a journal write fails, every change queued
//! since the last good write is dropped, the working copy is rebuilt from the
//! committed one, and the waiting writers get [`CommitError`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::Config;
use crate::journal::{CommitError, Journal};
use crate::state::{Data, Event, StateChange};

/// The working copy and which journal generation it was built for.
pub struct Working {
    pub data: Data,
    generation: u64,
}

/// One writer's turn: the working copy (held until [`Store::commit`]) and
/// the changes and events it made.
pub struct Transaction {
    pub(crate) working: OwnedMutexGuard<Working>,
    pub(crate) changes: Vec<StateChange>,
    pub(crate) events: Vec<Event>,
}

impl Transaction {
    /// The working copy, with this transaction's changes applied.
    pub fn data(&self) -> &Data {
        &self.working.data
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Applies `change` to the working copy and records it for the journal.
    pub fn apply(&mut self, change: StateChange) {
        self.working.data.apply(change.clone());
        self.changes.push(change);
    }

    pub fn push_event(&mut self, event: Event) {
        self.events.push(event);
    }
}

pub struct Store {
    pub config: Config,
    /// `http://127.0.0.1:PORT`, for URLs the sandbox hands out.
    pub base_url: String,
    pub account_id: String,
    /// The sandbox's time ([`Config::manual_clock`]).
    pub clock: crate::clock::Clock,
    committed: Arc<RwLock<Data>>,
    working: Arc<Mutex<Working>>,
    /// Bumped by the journal at every failed write: a working copy of an
    /// older generation holds changes that never reached the disk.
    generation: Arc<AtomicU64>,
    journal: Option<Journal>,
}

impl Store {
    pub fn open(config: Config, base_url: String) -> std::io::Result<Self> {
        let generation = Arc::new(AtomicU64::new(0));
        let clock = if config.manual_clock {
            crate::clock::Clock::manual()
        } else {
            crate::clock::Clock::wall()
        };
        let (data, journal) = match &config.state_file {
            Some(path) => {
                let data = crate::journal::recover(path)?;
                let committed = Arc::new(RwLock::new(data.clone()));
                let journal = Journal::start(
                    path,
                    &config,
                    clock.clone(),
                    committed.clone(),
                    generation.clone(),
                )?;
                (committed, Some(journal))
            }
            None => (Arc::new(RwLock::new(Data::default())), None),
        };
        let working = data.read().unwrap().clone();
        Ok(Self {
            config,
            base_url,
            account_id: "sandbox-account".to_owned(),
            clock,
            committed: data,
            working: Arc::new(Mutex::new(Working {
                data: working,
                generation: 0,
            })),
            generation,
            journal,
        })
    }

    /// The committed state.
    pub fn read(&self) -> RwLockReadGuard<'_, Data> {
        self.committed.read().unwrap()
    }

    /// Waits for the writers' turn. The working copy is rebuilt from the
    /// committed one first if a journal write failed since it was last used.
    pub async fn begin(&self) -> Transaction {
        let mut working = self.working.clone().lock_owned().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if working.generation != generation {
            working.data = self.read().clone();
            working.generation = generation;
        }
        Transaction {
            working,
            changes: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Makes `tx`'s changes durable (with `--state`) and then visible to
    /// readers; returns the events to deliver. Also waits for every change
    /// queued before, so an empty transaction works as a barrier.
    pub async fn commit(&self, tx: Transaction) -> Result<Vec<Event>, CommitError> {
        let Transaction {
            working,
            changes,
            events,
        } = tx;
        let Some(journal) = &self.journal else {
            let mut committed = self.committed.write().unwrap();
            for change in changes {
                committed.apply(change);
            }
            return Ok(events);
        };
        let done = journal.queue(working.generation, changes)?;
        drop(working);
        match done.await {
            Ok(Ok(())) => Ok(events),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(CommitError("the journal writer stopped".to_owned())),
        }
    }
}
