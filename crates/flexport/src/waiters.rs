//! Waiting for Flexport's long work: an inbound received, an order shipped
//! or delivered, a parcel delivered, a bulk parcel job done, a report ready,
//! a return processed, a freight order's milestones (`unstable`).
//!
//! ```no_run
//! # #[cfg(feature = "v2024-04")]
//! # async fn run(client: flexport::v2024_04::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use flexport::waiters::{WaitError, Waiters};
//!
//! match client
//!     .wait_until_order_shipped("123")
//!     .deadline(Duration::from_secs(2 * 60 * 60))
//!     .on_progress(|seen| println!("poll {}: {}", seen.poll, seen.state))
//!     .await
//! {
//!     Ok(order) => println!("shipped in {} shipments", order.shipments.len()),
//!     // CANCELLED or ERROR: it will not ship by itself; the order is in the error.
//!     Err(WaitError::Unreachable { state, object, .. }) => println!("{state}: {:?}", object.error),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Each waiter polls one `GET` operation ([`Acceptors::operation`]) through
//! the client's own pipeline (token, retries, rate limiting), reads one
//! state from the answer ([`Acceptors::field`], as its wire string) and
//! sorts it, after the smithy waiter model, into three kinds:
//! - [`Acceptors::success`]: the wait returns the object;
//! - [`Acceptors::failure`]: states from which the wanted one cannot come
//!   by itself (a cancelled order, an order in error that only a
//!   `RetryOrder` can move on, a failed job); the wait ends at once with
//!   [`WaitError::Unreachable`], which carries the object;
//! - anything else, [`Acceptors::pending`] states and values newer than the
//!   pinned version alike: poll again.
//!
//! Between polls it sleeps with the runtime's backoff ([`RetryPolicy`]'s
//! "equal jitter"): before poll `n + 1`, a delay drawn from the upper half
//! of `min(max_delay, 2 × min_delay × 2^(n-1))`, so never less than
//! `min_delay` (when `max_delay` is at least twice it) and never more than
//! `max_delay`. The wait ends at its deadline (counted from the first poll):
//! no poll starts at or after it, a poll still in flight then is abandoned,
//! and the error is [`WaitError::TimedOut`] with the last state seen. A poll
//! that fails after the pipeline's own retries ends the wait with
//! [`WaitError::Poll`].
//!
//! Where a document gives the state as a plain string (parcel tracking, bulk
//! parcel jobs: [`Acceptors::declared`] is `false`), the values named are the
//! local sandbox's, not Flexport's documented ones.
//!
//! A waiter is available on a version's client when that version's
//! document has its operation (bulk parcel jobs from `2024-04`, freight in
//! `unstable` only); a test checks this, and every state named, against
//! `specs/`.
//!
//! [`RetryPolicy`]: crate::RetryPolicy

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;

/// The future a [`Target`] poll returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one waiter waits for, as data: which operation it polls, which field
/// of the answer it reads, and how it sorts that field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Acceptors {
    /// What is awaited, as errors name it: `order shipped`.
    pub name: &'static str,
    /// The documented operationId polled, such as `GetOrder`.
    pub operation: &'static str,
    /// The path of the state in the answer's JSON, such as `state.internalStatus`.
    pub field: &'static str,
    /// States that end the wait with the object.
    pub success: &'static [&'static str],
    /// States from which no success state comes by itself: they end the wait
    /// with [`WaitError::Unreachable`].
    pub failure: &'static [&'static str],
    /// The other known states, on the way: the wait polls again.
    pub pending: &'static [&'static str],
    /// Whether the documents declare the field's values (an enum): then
    /// `success`, `failure` and `pending` are exactly its values. If not,
    /// they are the local sandbox's.
    pub declared: bool,
}

/// How a state is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The wanted state: the wait returns the object.
    Success,
    /// A state from which the wanted one cannot come: the wait ends.
    Failure,
    /// Anything else: the wait polls again.
    Pending,
}

impl Acceptors {
    /// Sorts a state (its wire string): an unknown one is [`Verdict::Pending`].
    pub fn verdict(&self, state: &str) -> Verdict {
        if self.success.contains(&state) {
            Verdict::Success
        } else if self.failure.contains(&state) {
            Verdict::Failure
        } else {
            Verdict::Pending
        }
    }
}

macro_rules! targets {
    ($($(#[$doc:meta])* $marker:ident = $acceptors:expr;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct $marker;

            impl $marker {
                pub const ACCEPTORS: Acceptors = $acceptors;
            }
        )*

        /// Every waiter's acceptors, whichever versions have it.
        pub const ALL: &[&Acceptors] = &[$(&$marker::ACCEPTORS),*];
    };
}

const ORDER_FAILURE: &[&str] = &["CANCELLED", "ERROR"];
const FREIGHT_FAILURE: &[&str] = &["CANCELLED", "ERROR", "LOST_DAMAGED"];

targets! {
    /// An inbound shipment is received (`COMPLETED`). The documents name no
    /// state an inbound cannot come back from, so only the deadline ends
    /// this wait early.
    InboundReceived = Acceptors {
        name: "inbound received",
        operation: "GetInboundingShipmentV4",
        field: "status",
        success: &["COMPLETED"],
        failure: &[],
        pending: &[
            "PENDING", "READY_TO_SHIP", "IN_TRANSIT", "ARRIVED", "PREPARING_FOR_DISTRIBUTION",
            "IN_PREP", "FORWARDING", "RECEIVING",
        ],
        declared: true,
    };
    /// An order has shipped (`SHIPPED`, or already `DELIVERED`); ends early
    /// on `CANCELLED` and on `ERROR` (an order in error moves on only after
    /// a `RetryOrder`, which is the caller's to send).
    OrderShipped = Acceptors {
        name: "order shipped",
        operation: "GetOrder",
        field: "state.internalStatus",
        success: &["SHIPPED", "DELIVERED"],
        failure: ORDER_FAILURE,
        pending: &["CREATED"],
        declared: true,
    };
    /// An order is delivered (`DELIVERED`); ends early on `CANCELLED` and `ERROR`.
    OrderDelivered = Acceptors {
        name: "order delivered",
        operation: "GetOrder",
        field: "state.internalStatus",
        success: &["DELIVERED"],
        failure: ORDER_FAILURE,
        pending: &["CREATED", "SHIPPED"],
        declared: true,
    };
    /// A parcel's tracking says `DELIVERED`; ends early on `CANCELLED`. The
    /// documents give tracking status as a plain string: these are the
    /// local sandbox's values.
    ParcelDelivered = Acceptors {
        name: "parcel delivered",
        operation: "GetParcelTracking",
        field: "status",
        success: &["DELIVERED"],
        failure: &["CANCELLED"],
        pending: &["LABEL_CREATED", "IN_TRANSIT", "OUT_FOR_DELIVERY"],
        declared: false,
    };
    /// A bulk parcel job is done (`COMPLETED`); ends early on `FAILED` or
    /// `ERROR`. The documents give the job status as a plain string: these
    /// are the local sandbox's values (which never fails a job).
    BulkParcelJobDone = Acceptors {
        name: "bulk parcel job done",
        operation: "GetBulkParcelJob",
        field: "status",
        success: &["COMPLETED"],
        failure: &["FAILED", "ERROR"],
        pending: &["PENDING"],
        declared: false,
    };
    /// A report is ready to download (`SUCCESS`); ends early on `ERROR`.
    ReportReady = Acceptors {
        name: "report ready",
        operation: "GetReportStatus",
        field: "status",
        success: &["SUCCESS"],
        failure: &["ERROR"],
        pending: &["PENDING"],
        declared: true,
    };
    /// A return is processed (`PROCESSED`); ends early on `CANCELLED`.
    ReturnProcessed = Acceptors {
        name: "return processed",
        operation: "ReturnsGetOrder",
        field: "status",
        success: &["PROCESSED"],
        failure: &["CANCELLED"],
        pending: &["CREATED", "SHIPPED", "RECEIVED_FOR_PROCESSING"],
        declared: true,
    };
    /// A freight order is tendered to a carrier (or further along); ends
    /// early on `CANCELLED`, `ERROR` and `LOST_DAMAGED`.
    FreightOrderTendered = Acceptors {
        name: "freight order tendered",
        operation: "GetFreightOrder",
        field: "status",
        success: &["TENDERED", "IN_PROGRESS", "COMPLETED"],
        failure: FREIGHT_FAILURE,
        pending: &["PLANNED", "BOOKED"],
        declared: true,
    };
    /// A freight order is picked up and on its way (`IN_PROGRESS`, or
    /// already `COMPLETED`); ends early on `CANCELLED`, `ERROR` and `LOST_DAMAGED`.
    FreightOrderInProgress = Acceptors {
        name: "freight order in progress",
        operation: "GetFreightOrder",
        field: "status",
        success: &["IN_PROGRESS", "COMPLETED"],
        failure: FREIGHT_FAILURE,
        pending: &["PLANNED", "BOOKED", "TENDERED"],
        declared: true,
    };
    /// A freight order is delivered (`COMPLETED`); ends early on
    /// `CANCELLED`, `ERROR` and `LOST_DAMAGED`.
    FreightOrderCompleted = Acceptors {
        name: "freight order completed",
        operation: "GetFreightOrder",
        field: "status",
        success: &["COMPLETED"],
        failure: FREIGHT_FAILURE,
        pending: &["PLANNED", "BOOKED", "TENDERED", "IN_PROGRESS"],
        declared: true,
    };
}

/// What a waiter polls on a client of type `C`: one call by id, and the
/// state read from its answer. The waiters of this module implement it for
/// every version that has their operation; implement it yourself to wait for
/// anything else with [`Waiters::wait_until`].
pub trait Target<C>: Send + Sync {
    /// The object a poll returns.
    type Output: Send;

    fn acceptors(&self) -> &'static Acceptors;

    /// One poll: a call through the client's pipeline.
    fn poll<'a>(&'a self, client: &'a C, id: &'a str)
    -> BoxFuture<'a, Result<Self::Output, Error>>;

    /// The state of `object`, as its wire string.
    fn state(&self, object: &Self::Output) -> String;
}

/// The shortest sleep between two polls by default: 2 s.
pub const DEFAULT_MIN_DELAY: Duration = Duration::from_secs(2);
/// The longest sleep between two polls by default: 60 s.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(60);
/// How long a wait lasts by default: one hour (Flexport's own sandbox
/// receives and ships "within an hour"; a real inbound takes days, so set
/// your own [`Wait::deadline`] in production).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60 * 60);

/// What a progress callback sees after each poll.
#[derive(Debug)]
#[non_exhaustive]
pub struct Observed<'a, T> {
    /// The state read, as its wire string.
    pub state: &'a str,
    pub verdict: Verdict,
    /// The object as this poll returned it.
    pub object: &'a T,
    /// This poll's number, from 1.
    pub poll: u32,
    /// Since the first poll began.
    pub elapsed: Duration,
}

type Progress<'c, T> = Box<dyn FnMut(&Observed<'_, T>) + Send + 'c>;

/// A wait to configure, then `.await`. Made by the [`Waiters`] methods.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<'c, C, T: Target<C>> {
    client: &'c C,
    target: T,
    id: String,
    deadline: Duration,
    min_delay: Duration,
    max_delay: Duration,
    on_progress: Option<Progress<'c, T::Output>>,
}

impl<'c, C, T: Target<C>> Wait<'c, C, T> {
    pub fn new(client: &'c C, target: T, id: impl Into<String>) -> Self {
        Self {
            client,
            target,
            id: id.into(),
            deadline: DEFAULT_DEADLINE,
            min_delay: DEFAULT_MIN_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            on_progress: None,
        }
    }

    /// How long the wait may last, from its first poll
    /// ([`DEFAULT_DEADLINE`] unless set).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The shortest sleep between polls ([`DEFAULT_MIN_DELAY`] unless set);
    /// raises `max_delay` to it if it was lower.
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self.max_delay = self.max_delay.max(delay);
        self
    }

    /// The longest sleep between polls ([`DEFAULT_MAX_DELAY`] unless set);
    /// lowers `min_delay` to it if it was higher.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self.min_delay = self.min_delay.min(delay);
        self
    }

    /// Called after every poll that answered, with the state it saw, the
    /// final one included.
    pub fn on_progress(
        mut self,
        callback: impl FnMut(&Observed<'_, T::Output>) + Send + 'c,
    ) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// The sleep after poll `poll` (from 1): the runtime's equal-jitter
    /// backoff starting at twice `min_delay`, within `min_delay..=max_delay`.
    fn delay(&self, poll: u32) -> Duration {
        crate::RetryPolicy {
            initial_delay: self.min_delay.saturating_mul(2),
            max_delay: self.max_delay,
            ..crate::RetryPolicy::default()
        }
        .delay(poll, None)
        .clamp(self.min_delay, self.max_delay)
    }

    async fn run(mut self) -> Result<T::Output, WaitError<T::Output>> {
        let acceptors = self.target.acceptors();
        let started = Instant::now();
        // A deadline beyond what the clock can hold is no deadline.
        let end = started.checked_add(self.deadline);
        let left =
            |end: Option<Instant>| end.map(|end| end.saturating_duration_since(Instant::now()));
        let mut last_state = None;
        let mut polls = 0;
        let timed_out = |last_state, polls| WaitError::TimedOut {
            waiter: acceptors.name,
            last_state,
            polls,
        };
        loop {
            let remaining = left(end);
            if remaining.is_some_and(|left| left.is_zero()) {
                return Err(timed_out(last_state, polls));
            }
            polls += 1;
            let poll = self.target.poll(self.client, &self.id);
            let answer = match remaining {
                Some(left) => match tokio::time::timeout(left, poll).await {
                    Ok(answer) => answer,
                    Err(_) => return Err(timed_out(last_state, polls)),
                },
                None => poll.await,
            };
            let object = match answer {
                Ok(object) => object,
                Err(source) => {
                    return Err(WaitError::Poll {
                        waiter: acceptors.name,
                        last_state,
                        polls,
                        source,
                    });
                }
            };
            let state = self.target.state(&object);
            let verdict = acceptors.verdict(&state);
            if let Some(callback) = self.on_progress.as_mut() {
                callback(&Observed {
                    state: &state,
                    verdict,
                    object: &object,
                    poll: polls,
                    elapsed: started.elapsed(),
                });
            }
            match verdict {
                Verdict::Success => return Ok(object),
                Verdict::Failure => {
                    return Err(WaitError::Unreachable {
                        waiter: acceptors.name,
                        state,
                        polls,
                        object: Box::new(object),
                    });
                }
                Verdict::Pending => last_state = Some(state),
            }
            let delay = self.delay(polls);
            tokio::time::sleep(left(end).map_or(delay, |left| delay.min(left))).await;
        }
    }
}

impl<'c, C, T> IntoFuture for Wait<'c, C, T>
where
    C: Sync,
    T: Target<C> + 'c,
    T::Output: 'c,
{
    type Output = Result<T::Output, WaitError<T::Output>>;
    type IntoFuture = BoxFuture<'c, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl<C, T: Target<C> + fmt::Debug> fmt::Debug for Wait<'_, C, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("target", &self.target)
            .field("id", &self.id)
            .field("deadline", &self.deadline)
            .field("min_delay", &self.min_delay)
            .field("max_delay", &self.max_delay)
            .field("on_progress", &self.on_progress.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a wait ended without the wanted state. Every variant names the
/// waiter, the number of polls sent (a poll the deadline cut short counts,
/// though it never answered) and the last state seen; neither `Display` nor
/// `Debug` shows the object.
#[non_exhaustive]
pub enum WaitError<T> {
    /// The deadline came first; `last_state` is `None` when no poll answered.
    TimedOut {
        waiter: &'static str,
        last_state: Option<String>,
        polls: u32,
    },
    /// The object reached a state from which the wanted one cannot come
    /// (one of [`Acceptors::failure`]); `object` is it, as that poll returned it.
    Unreachable {
        waiter: &'static str,
        state: String,
        polls: u32,
        object: Box<T>,
    },
    /// A poll failed after the pipeline's retries.
    Poll {
        waiter: &'static str,
        last_state: Option<String>,
        polls: u32,
        source: Error,
    },
}

impl<T> WaitError<T> {
    /// What was awaited, such as `order shipped`.
    pub fn waiter(&self) -> &'static str {
        match self {
            Self::TimedOut { waiter, .. }
            | Self::Unreachable { waiter, .. }
            | Self::Poll { waiter, .. } => waiter,
        }
    }

    /// The last state a poll saw; `None` if none answered.
    pub fn last_state(&self) -> Option<&str> {
        match self {
            Self::TimedOut { last_state, .. } | Self::Poll { last_state, .. } => {
                last_state.as_deref()
            }
            Self::Unreachable { state, .. } => Some(state),
        }
    }

    /// Polls sent, the one that failed or was abandoned included.
    pub fn polls(&self) -> u32 {
        match self {
            Self::TimedOut { polls, .. }
            | Self::Unreachable { polls, .. }
            | Self::Poll { polls, .. } => *polls,
        }
    }

    /// The object in its final state, for [`WaitError::Unreachable`].
    pub fn into_object(self) -> Option<T> {
        match self {
            Self::Unreachable { object, .. } => Some(*object),
            _ => None,
        }
    }

    /// The error of the poll that failed, for [`WaitError::Poll`].
    pub fn poll_error(&self) -> Option<&Error> {
        match self {
            Self::Poll { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = |f: &mut fmt::Formatter<'_>, last_state: &Option<String>| match last_state {
            Some(state) => write!(f, "last state {state}"),
            None => f.write_str("no poll answered"),
        };
        match self {
            Self::TimedOut {
                waiter,
                last_state,
                polls,
            } => {
                write!(
                    f,
                    "gave up waiting for {waiter} at the deadline after {polls} polls; "
                )?;
                last(f, last_state)
            }
            Self::Unreachable {
                waiter,
                state,
                polls,
                ..
            } => write!(
                f,
                "stopped waiting for {waiter} after {polls} polls: the state is {state}, from which it cannot come"
            ),
            Self::Poll {
                waiter,
                last_state,
                polls,
                ..
            } => {
                write!(f, "poll {polls} failed while waiting for {waiter}; ")?;
                last(f, last_state)
            }
        }
    }
}

impl<T> fmt::Debug for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimedOut {
                waiter,
                last_state,
                polls,
            } => f
                .debug_struct("TimedOut")
                .field("waiter", waiter)
                .field("last_state", last_state)
                .field("polls", polls)
                .finish(),
            Self::Unreachable {
                waiter,
                state,
                polls,
                ..
            } => f
                .debug_struct("Unreachable")
                .field("waiter", waiter)
                .field("state", state)
                .field("polls", polls)
                .finish_non_exhaustive(),
            Self::Poll {
                waiter,
                last_state,
                polls,
                source,
            } => f
                .debug_struct("Poll")
                .field("waiter", waiter)
                .field("last_state", last_state)
                .field("polls", polls)
                .field("source", source)
                .finish(),
        }
    }
}

impl<T> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.poll_error().map(|error| error as _)
    }
}

/// The waiters of a version's client: `use flexport::waiters::Waiters;`,
/// then `client.wait_until_order_shipped(&order.id).await`. A method whose
/// operation the version lacks does not compile for it.
pub trait Waiters: Sized + Sync {
    /// The acceptors of every waiter this version has.
    fn available_waiters() -> Vec<&'static Acceptors>;

    /// Waits for any [`Target`], such as your own.
    fn wait_until<T: Target<Self>>(&self, target: T, id: impl Into<String>) -> Wait<'_, Self, T> {
        Wait::new(self, target, id)
    }

    /// See [`InboundReceived`]; polls `GetInboundingShipmentV4`.
    fn wait_until_inbound_received(
        &self,
        shipment_id: impl Into<String>,
    ) -> Wait<'_, Self, InboundReceived>
    where
        InboundReceived: Target<Self>,
    {
        self.wait_until(InboundReceived, shipment_id)
    }

    /// See [`OrderShipped`]; polls `GetOrder`.
    fn wait_until_order_shipped(&self, order_id: impl Into<String>) -> Wait<'_, Self, OrderShipped>
    where
        OrderShipped: Target<Self>,
    {
        self.wait_until(OrderShipped, order_id)
    }

    /// See [`OrderDelivered`]; polls `GetOrder`.
    fn wait_until_order_delivered(
        &self,
        order_id: impl Into<String>,
    ) -> Wait<'_, Self, OrderDelivered>
    where
        OrderDelivered: Target<Self>,
    {
        self.wait_until(OrderDelivered, order_id)
    }

    /// See [`ParcelDelivered`]; polls `GetParcelTracking`.
    fn wait_until_parcel_delivered(
        &self,
        parcel_id: impl Into<String>,
    ) -> Wait<'_, Self, ParcelDelivered>
    where
        ParcelDelivered: Target<Self>,
    {
        self.wait_until(ParcelDelivered, parcel_id)
    }

    /// See [`BulkParcelJobDone`]; polls `GetBulkParcelJob` (from `2024-04`).
    fn wait_until_bulk_parcel_job_done(
        &self,
        job_id: impl Into<String>,
    ) -> Wait<'_, Self, BulkParcelJobDone>
    where
        BulkParcelJobDone: Target<Self>,
    {
        self.wait_until(BulkParcelJobDone, job_id)
    }

    /// See [`ReportReady`]; polls `GetReportStatus`.
    fn wait_until_report_ready(
        &self,
        report_reference: impl Into<String>,
    ) -> Wait<'_, Self, ReportReady>
    where
        ReportReady: Target<Self>,
    {
        self.wait_until(ReportReady, report_reference)
    }

    /// See [`ReturnProcessed`]; polls `ReturnsGetOrder`.
    fn wait_until_return_processed(
        &self,
        return_id: impl Into<String>,
    ) -> Wait<'_, Self, ReturnProcessed>
    where
        ReturnProcessed: Target<Self>,
    {
        self.wait_until(ReturnProcessed, return_id)
    }

    /// See [`FreightOrderTendered`]; polls `GetFreightOrder` (`unstable`).
    fn wait_until_freight_order_tendered(
        &self,
        order_id: impl Into<String>,
    ) -> Wait<'_, Self, FreightOrderTendered>
    where
        FreightOrderTendered: Target<Self>,
    {
        self.wait_until(FreightOrderTendered, order_id)
    }

    /// See [`FreightOrderInProgress`]; polls `GetFreightOrder` (`unstable`).
    fn wait_until_freight_order_in_progress(
        &self,
        order_id: impl Into<String>,
    ) -> Wait<'_, Self, FreightOrderInProgress>
    where
        FreightOrderInProgress: Target<Self>,
    {
        self.wait_until(FreightOrderInProgress, order_id)
    }

    /// See [`FreightOrderCompleted`]; polls `GetFreightOrder` (`unstable`).
    fn wait_until_freight_order_completed(
        &self,
        order_id: impl Into<String>,
    ) -> Wait<'_, Self, FreightOrderCompleted>
    where
        FreightOrderCompleted: Target<Self>,
    {
        self.wait_until(FreightOrderCompleted, order_id)
    }
}

/// The waiters of one version's client, written once for every version:
/// `version_waiters!(api, [extras])` in `versions.rs`'s `version!`, where
/// the extras are the groups that not every version has
/// (`bulk_parcel_jobs`, `freight`).
macro_rules! version_waiters {
    ($api:ident, [$($extra:ident),*]) => {
        impl $crate::waiters::Waiters for $api::Client {
            fn available_waiters() -> Vec<&'static $crate::waiters::Acceptors> {
                use $crate::waiters::*;
                #[allow(unused_mut)]
                let mut all = vec![
                    &InboundReceived::ACCEPTORS,
                    &OrderShipped::ACCEPTORS,
                    &OrderDelivered::ACCEPTORS,
                    &ParcelDelivered::ACCEPTORS,
                    &ReportReady::ACCEPTORS,
                    &ReturnProcessed::ACCEPTORS,
                ];
                $( all.extend_from_slice($crate::waiters::version_waiters!(@acceptors $extra)); )*
                all
            }
        }
        $crate::waiters::version_waiters!(@target $api InboundReceived => $api::types::InboundShipmentResponseV4,
            |client, id| client.get_inbounding_shipment().shipment_id(id),
            |shipment| shipment.status.to_string());
        $crate::waiters::version_waiters!(@target $api OrderShipped => $api::types::OrderModel,
            |client, id| client.get_order().order_id(id),
            |order| order.state.internal_status.to_string());
        $crate::waiters::version_waiters!(@target $api OrderDelivered => $api::types::OrderModel,
            |client, id| client.get_order().order_id(id),
            |order| order.state.internal_status.to_string());
        $crate::waiters::version_waiters!(@target $api ParcelDelivered => $api::types::ParcelTracking,
            |client, id| client.get_parcel_tracking().parcel_id(id),
            |tracking| tracking.status.clone().unwrap_or_default());
        $crate::waiters::version_waiters!(@target $api ReportReady => $api::types::Report,
            |client, id| client.get_report_status().report_reference(id),
            |report| report.status.to_string());
        $crate::waiters::version_waiters!(@target $api ReturnProcessed => $api::types::ReturnsApiOrder,
            |client, id| client.get_return().return_id(id),
            |order| order.status.to_string());
        $( $crate::waiters::version_waiters!(@impl $extra $api); )*
    };

    (@acceptors bulk_parcel_jobs) => { &[&$crate::waiters::BulkParcelJobDone::ACCEPTORS] };
    (@impl bulk_parcel_jobs $api:ident) => {
        $crate::waiters::version_waiters!(@target $api BulkParcelJobDone => $api::types::BulkParcelJobResponse,
            |client, id| client.get_bulk_parcel_job().id(id),
            |job| job.status.clone());
    };

    (@acceptors freight) => {
        &[
            &$crate::waiters::FreightOrderTendered::ACCEPTORS,
            &$crate::waiters::FreightOrderInProgress::ACCEPTORS,
            &$crate::waiters::FreightOrderCompleted::ACCEPTORS,
        ]
    };
    (@impl freight $api:ident) => {
        $crate::waiters::version_waiters!(@freight $api FreightOrderTendered);
        $crate::waiters::version_waiters!(@freight $api FreightOrderInProgress);
        $crate::waiters::version_waiters!(@freight $api FreightOrderCompleted);
    };
    (@freight $api:ident $marker:ident) => {
        $crate::waiters::version_waiters!(@target $api $marker => $api::types::OrderResponse,
            |client, id| client.get_freight_order().order_id(id),
            |order| match order {
                $api::types::OrderResponse::DrayageOrderResponse(order) => order.status.to_string(),
                $api::types::OrderResponse::FtlOrderResponse(order) => order.status.to_string(),
                $api::types::OrderResponse::LtlOrderResponse(order) => order.status.to_string(),
            });
    };

    (@target $api:ident $marker:ident => $output:ty,
        |$client:ident, $id:ident| $request:expr,
        |$object:ident| $state:expr) => {
        impl $crate::waiters::Target<$api::Client> for $crate::waiters::$marker {
            type Output = $output;

            fn acceptors(&self) -> &'static $crate::waiters::Acceptors {
                &Self::ACCEPTORS
            }

            fn poll<'a>(
                &'a self,
                $client: &'a $api::Client,
                $id: &'a str,
            ) -> $crate::waiters::BoxFuture<'a, Result<Self::Output, $crate::Error>> {
                use $api::prelude::*;
                Box::pin(async move { Ok($request.send().await?.into_inner()) })
            }

            fn state(&self, $object: &Self::Output) -> String {
                $state
            }
        }
    };
}

pub(crate) use version_waiters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_one_verdict_and_unknown_ones_are_pending() {
        for acceptors in ALL {
            let mut named: Vec<&str> =
                [acceptors.success, acceptors.failure, acceptors.pending].concat();
            let count = named.len();
            named.sort_unstable();
            named.dedup();
            assert_eq!(named.len(), count, "{} names a state twice", acceptors.name);
            assert!(!acceptors.success.is_empty(), "{}", acceptors.name);
            assert_eq!(
                acceptors.verdict("A_STATE_FROM_A_NEWER_VERSION"),
                Verdict::Pending
            );
        }
    }

    #[test]
    fn delays_stay_within_min_and_max_and_vary() {
        struct Never;
        impl Target<()> for Never {
            type Output = ();
            fn acceptors(&self) -> &'static Acceptors {
                &OrderShipped::ACCEPTORS
            }
            fn poll<'a>(&'a self, _: &'a (), _: &'a str) -> BoxFuture<'a, Result<(), Error>> {
                Box::pin(async { Ok(()) })
            }
            fn state(&self, _: &()) -> String {
                String::new()
            }
        }
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(3);
        let wait = Wait::new(&(), Never, "1").min_delay(min).max_delay(max);
        let mut delays = Vec::new();
        for poll in 1..=40 {
            let delay = wait.delay(poll);
            assert!(min <= delay && delay <= max, "poll {poll}: {delay:?}");
            delays.push(delay);
        }
        // The first sleeps grow: poll 1 is within 100..=200 ms, poll 3 within 400..=800 ms.
        assert!(wait.delay(1) <= Duration::from_millis(200));
        assert!(wait.delay(3) >= Duration::from_millis(400));
        // Jittered: 40 draws at the cap are not all the same.
        let capped: Vec<_> = (30..70).map(|poll| wait.delay(poll)).collect();
        assert!(capped.iter().any(|delay| *delay != capped[0]));
        assert!(capped.iter().all(|delay| *delay >= max / 2));
        // A min above max is pulled down to it, and max never below min.
        let wait = Wait::new(&(), Never, "1").max_delay(min).min_delay(max);
        assert_eq!(wait.delay(1), max);
    }
}
