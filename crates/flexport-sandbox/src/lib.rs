//! A local stand-in for the Flexport Logistics API, for workflows that must
//! run offline and in seconds: every operation of every version's document,
//! including products, inventory, inbound shipments that are received after
//! a delay, orders that ship after a delay, parcels whose tracking advances
//! to delivered, returns that are processed and restocked, bundles, webhooks
//! (delivered to their URLs), reports, and the `unstable` operations.
//!
//! It serves `/logistics/api/{version}/...` for every version the SDK knows,
//! one engine behind each version's own document (embedded at build time,
//! see [`contract`]): an operation the version lacks is a 404 (405 for a
//! wrong method), a JSON request body that does not fit the version's
//! schema is a 400 naming the field, and a JSON answer carries only the
//! fields the version declares. It behaves like the real service where a
//! client can tell: bearer tokens, `idempotency-key` replays, `x-correlation-id` on
//! every response, problem+json errors with the documented statuses, 429 with
//! `Retry-After` above a request rate. Tokens may carry scopes (403 naming
//! the one missing; the scope names are the sandbox's convention, see
//! [`auth`]) or belong to a locked account (423); partner apps get codes
//! and tokens through the OAuth flow (`/oauth/authorize`, `/oauth/token`,
//! with Flexport's errors 405001 to 405005); and [`Faults`] injects 5xx
//! answers, slow answers and dropped connections.
//!
//! State lives in memory, or in a journal file ([`Config::state_file`]): a
//! change is written and `fdatasync`ed before it becomes visible or its
//! request is answered, so a change the sandbox confirmed survives a crash,
//! and a write that fails is answered 503 and leaves nothing behind.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let sandbox = flexport_sandbox::Sandbox::start(flexport_sandbox::Config::default()).await?;
//! println!("{} (token {})", sandbox.base_url(), sandbox.token());
//! # Ok(())
//! # }
//! ```

mod api;
pub mod auth;
mod clock;
pub mod contract;
mod control;
mod engine;
mod error_answer;
pub mod faults;
mod journal;
mod layers;
pub mod requests;
pub mod schema;
mod state;
mod store;
pub mod testing;
mod ticker;
mod transaction;
mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::{from_fn, from_fn_with_state};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use api::page_faults::PageFaults;
pub use auth::{PartnerApp, ScopedToken};
pub use clock::AdvanceError;
pub use error_answer::ErrorAnswer;
pub use faults::{FaultRule, Faults, RegisteredFault};
pub use requests::LoggedRequest;

/// The API versions the sandbox serves, as they appear in paths.
pub use flexport_runtime::API_VERSIONS as VERSIONS;

/// The token accepted when [`Config::tokens`] is left empty.
pub const DEFAULT_TOKEN: &str = "sandbox-token";

/// How the sandbox behaves; [`Config::default`] suits tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub address: SocketAddr,
    /// Bearer tokens accepted, with every scope; empty means [`DEFAULT_TOKEN`].
    pub tokens: Vec<String>,
    /// How long after creation an inbound shipment is received.
    pub receive_after: Duration,
    /// How long after creation (or a successful retry) an order ships.
    pub ship_after: Duration,
    /// How long a report takes to generate.
    pub report_after: Duration,
    /// Requests per second allowed per token, as a token bucket that refills
    /// at this rate; a request that finds it empty gets 429 with a
    /// `Retry-After` of the seconds until the next permit (rounded up).
    pub rate_limit: Option<u32>,
    /// How many requests the bucket of [`Self::rate_limit`] holds, the most
    /// that can come at once after a pause (default: one second's worth).
    pub rate_burst: Option<u32>,
    /// Journal file that keeps state across restarts; `None` keeps it in memory.
    pub state_file: Option<PathBuf>,
    /// How long a stored answer is replayed for a repeated `idempotency-key`;
    /// after it, the key is forgotten (within about a second).
    pub idempotency_ttl: Duration,
    /// Size in bytes past which the state file is compacted into a snapshot
    /// (once it is also twice the size of its last snapshot).
    pub compact_after: u64,
    // parcels and returns
    /// How long a parcel stays at each tracking stage: label created, in
    /// transit, out for delivery; it is delivered three of these after its
    /// creation (or after its bulk job finishes). Like the other durations,
    /// a step is taken at the first tick of the sandbox's clock after it is
    /// due (ticks are at most 250 ms apart on an idle machine).
    pub parcel_step_after: Duration,
    /// How long a bulk parcel job takes before it makes its parcels.
    pub parcel_job_after: Duration,
    /// How long a return stays at each status: created, shipped, received
    /// for processing; it is processed (and its units restocked) three of
    /// these after its creation.
    pub return_step_after: Duration,
    // auth
    /// Tokens accepted with only the scopes they list (see [`auth`] for the
    /// scope names); [`Config::tokens`] have every scope.
    pub scoped_tokens: Vec<ScopedToken>,
    /// Tokens of a locked account: accepted (not 401), but every API call
    /// with one answers 423 problem+json.
    pub locked_tokens: Vec<String>,
    /// Partner apps that may use the OAuth flow (`/oauth/authorize`,
    /// `/oauth/token`); by default one, [`PartnerApp::default`].
    pub oauth_apps: Vec<PartnerApp>,
    /// How long an authorization code can be exchanged after it is issued.
    pub oauth_code_ttl: Duration,
    /// Injected faults (5xx, slow answers, dropped connections); none by
    /// default.
    pub faults: Faults,
    /// How long an inbound shipment's quote process and a channel's product
    /// sync take to complete.
    pub quote_after: Duration,
    /// How long each step of a freight order's tracking takes (tendered,
    /// picked up, delivered).
    pub freight_step_after: Duration,
    /// Time moves only when [`Sandbox::advance`] (or `POST
    /// /sandbox/clock/advance`) moves it, from the wall-clock time at
    /// start-up: every duration above, the idempotency and OAuth expiries
    /// and every timestamp the sandbox writes follow that clock. The rate
    /// limit and [`Faults::slow_delay`] stay on the wall clock.
    pub manual_clock: bool,
    /// How long an OAuth access token works after it is issued; after it,
    /// the token is answered 401 like an unknown one. `None` (the default):
    /// tokens do not expire, as Flexport documents.
    pub oauth_token_ttl: Option<Duration>,
    /// Chosen answers, registered at start-up in this order (see
    /// [`FaultRule`]; more with [`Sandbox::add_fault`]).
    pub fault_rules: Vec<FaultRule>,
    /// How many requests the request log keeps ([`Sandbox::requests`]);
    /// 0 keeps none.
    pub request_log_limit: usize,
    /// Opt-in faults of list pages: API Gateway's 504 over a page size,
    /// short pages, a cursor that fails for good; none by default.
    pub page_faults: PageFaults,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            tokens: Vec::new(),
            receive_after: Duration::from_secs(2),
            ship_after: Duration::from_secs(2),
            report_after: Duration::from_secs(1),
            rate_limit: None,
            rate_burst: None,
            state_file: None,
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            compact_after: 64 << 20,
            // parcels and returns
            parcel_step_after: Duration::from_secs(2),
            parcel_job_after: Duration::from_secs(1),
            return_step_after: Duration::from_secs(2),
            scoped_tokens: Vec::new(),
            locked_tokens: Vec::new(),
            oauth_apps: vec![PartnerApp::default()],
            oauth_code_ttl: Duration::from_secs(60),
            faults: Faults::default(),
            quote_after: Duration::from_secs(1),
            freight_step_after: Duration::from_secs(2),
            manual_clock: false,
            oauth_token_ttl: None,
            fault_rules: Vec::new(),
            request_log_limit: 10_000,
            page_faults: PageFaults::default(),
        }
    }
}

/// One of [`Config`]'s durations, as [`DURATIONS`] lists it.
#[derive(Debug, Clone, Copy)]
pub struct DurationSetting {
    /// The field's name (`receive_after`); the command line's flag is it
    /// in kebab case (`--receive-after`), in seconds.
    pub name: &'static str,
    /// The flag's help.
    pub help: &'static str,
    pub get: fn(&Config) -> Duration,
    pub set: fn(&mut Config, Duration),
}

/// `DURATIONS` from `field: "help"` lines.
macro_rules! durations {
    ($($field:ident: $help:literal,)*) => {
        /// The durations of [`Config`] that are plain `Duration` fields:
        /// [`Config::validate`] checks each, and the command line offers
        /// each as a flag in seconds, with [`Config::default`]'s value as
        /// its default. A timed step a new resource brings is a field of
        /// `Config`, its default, and a line here.
        pub const DURATIONS: &[DurationSetting] = &[$(DurationSetting {
            name: stringify!($field),
            help: $help,
            get: |config| config.$field,
            set: |config, duration| config.$field = duration,
        },)*];
    };
}

durations! {
    receive_after: "Seconds until an inbound shipment is received",
    ship_after: "Seconds until an order ships",
    report_after: "Seconds until a report is ready",
    parcel_step_after: "Seconds a parcel stays at each tracking stage before the next",
    parcel_job_after: "Seconds until a bulk parcel job makes its parcels",
    return_step_after: "Seconds a return stays at each status before the next",
    idempotency_ttl: "Seconds a stored answer is replayed for a repeated idempotency-key",
    oauth_code_ttl: "Seconds an OAuth authorization code can be exchanged",
    quote_after: "Seconds until an inbound quote process or a channel's product sync completes",
    freight_step_after: "Seconds each step of a freight order's tracking takes",
}

/// The longest duration [`Config`] accepts: 100 years.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

impl Config {
    /// Checks that every duration is at most [`MAX_DURATION`], so that the
    /// times computed from them exist, that every scope named is one of
    /// [`auth::all_scopes`], and that the fault shares are shares
    /// ([`Faults::validate`]).
    pub fn validate(&self) -> std::io::Result<()> {
        auth::validate(self)?;
        self.faults.validate()?;
        let rules = faults::FaultState::new(Faults::default());
        for rule in &self.fault_rules {
            rules.add(rule.clone()).map_err(|why| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("fault rule for `{}`: {why}", rule.operation),
                )
            })?;
        }
        let plain = DURATIONS
            .iter()
            .map(|setting| (setting.name, (setting.get)(self)));
        let others = [
            ("faults.slow_delay", self.faults.slow_delay),
            (
                "oauth_token_ttl",
                self.oauth_token_ttl.unwrap_or(Duration::ZERO),
            ),
        ];
        for (name, duration) in plain.chain(others) {
            if duration > MAX_DURATION {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "{name} is {} s; at most {} s (100 years) is allowed",
                        duration.as_secs(),
                        MAX_DURATION.as_secs()
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn accepted_tokens(&self) -> Vec<String> {
        if self.tokens.is_empty() {
            vec![DEFAULT_TOKEN.to_owned()]
        } else {
            self.tokens.clone()
        }
    }
}

/// A running sandbox; dropping it stops the server.
pub struct Sandbox {
    address: SocketAddr,
    token: String,
    store: Arc<store::Store>,
    faults: Arc<faults::FaultState>,
    log: Arc<requests::RequestLog>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    ticker: JoinHandle<()>,
}

impl Sandbox {
    /// Checks `config` ([`Config::validate`]), loads the state (recovering
    /// and compacting the journal, if any), binds [`Config::address`] and
    /// starts serving.
    ///
    /// Fails without changing the state file when it has a complete line
    /// that does not parse.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        config.validate()?;
        let listener = TcpListener::bind(config.address).await?;
        let address = listener.local_addr()?;
        let token = config.accepted_tokens()[0].clone();
        let base_url = format!("http://{address}");
        let store = tokio::task::spawn_blocking(move || store::Store::open(config, base_url))
            .await
            .map_err(std::io::Error::other)??;
        let store = Arc::new(store);
        let ticker = tokio::spawn(ticker::run(store.clone()));
        let faults = Arc::new(faults::FaultState::new(store.config.faults.clone()));
        for rule in &store.config.fault_rules {
            faults.add(rule.clone()).map_err(std::io::Error::other)?;
        }
        let log = Arc::new(requests::RequestLog::new(store.config.request_log_limit));
        let app = api::router(store.clone())
            .layer(from_fn_with_state(faults.clone(), faults::inject))
            .layer(from_fn(layers::correlation_id))
            .merge(control::routes(control::Control {
                store: store.clone(),
                faults: faults.clone(),
                log: log.clone(),
            }))
            .layer(from_fn_with_state(log.clone(), requests::record));
        let (stop, stopped) = oneshot::channel();
        // Not `axum::serve`: its services cannot fail, and a dropped
        // connection fault (see [`Faults`]) needs one that can.
        let server = tokio::spawn(faults::serve(listener, app, async {
            let _ = stopped.await;
        }));
        Ok(Self {
            address,
            token,
            store,
            faults,
            log,
            stop: Some(stop),
            server,
            ticker,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The first accepted token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The sandbox's time: the wall clock's, or the manual clock's.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.store.clock.now()
    }

    /// Moves the manual clock ([`Config::manual_clock`]) forward by `by`, as
    /// `POST /sandbox/clock/advance` does, and returns the new time once
    /// everything due by then has happened: receipts, shipments, parcel
    /// tracking, returns, reports, quotes, syncs, freight tracking, bulk
    /// jobs, expiries, each committed, and its webhooks delivered (or given
    /// up on after three attempts). It moves in steps of the shortest
    /// configured duration (at most 1,000 steps; a longer advance takes
    /// longer steps, so changes due within one step of each other happen
    /// together), and each step's changes see that step's time, so chains
    /// (a parcel's tracking stages) move as far as the time allows.
    ///
    /// Fails on the wall clock ([`AdvanceError::NotManual`]), and when a
    /// step's changes cannot be written to the state file (the clock then
    /// stays at the step that failed, its changes not made).
    pub async fn advance(
        &self,
        by: Duration,
    ) -> Result<chrono::DateTime<chrono::Utc>, AdvanceError> {
        ticker::advance(&self.store, by).await
    }

    /// Registers a chosen answer after the rules already registered and
    /// returns its id; fails naming what is wrong (an unknown operation,
    /// no answer, a status with a drop).
    pub fn add_fault(&self, rule: FaultRule) -> Result<u64, String> {
        self.faults.add(rule)
    }

    /// The registered rules, in the order they apply, with what each did.
    pub fn faults(&self) -> Vec<RegisteredFault> {
        self.faults.list()
    }

    /// Removes every fault rule (the random [`Faults`] stay).
    pub fn clear_faults(&self) {
        self.faults.clear(None);
    }

    /// The request log, oldest first (see [`LoggedRequest`]): the last
    /// [`Config::request_log_limit`] requests answered, except the
    /// sandbox's control paths. A request whose client went away before
    /// its answer was made is not in it.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.list()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.log.clear();
    }

    /// Stops accepting connections and waits for requests in flight.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
        self.ticker.abort();
    }

    /// Waits until the server ends (for the binary).
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
        self.ticker.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when `Config` gains a `Duration` field that `DURATIONS` does
    /// not list (so the command line would have no flag for it, and
    /// `validate` would not check it). Reads the field names from
    /// `Config`'s `Debug`, at its top level: a `Duration` prints as
    /// digits and a unit (`2s`, `1.5ms`).
    #[test]
    fn durations_lists_every_duration_of_config() {
        let text = format!("{:?}", Config::default());
        let body = text.strip_prefix("Config { ").unwrap();
        let mut depth = 0;
        let mut fields = vec![String::new()];
        for c in body.chars() {
            match c {
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    fields.push(String::new());
                    continue;
                }
                _ => {}
            }
            fields.last_mut().unwrap().push(c);
        }
        let durations: Vec<String> = fields
            .iter()
            .filter_map(|field| {
                let (name, value) = field.trim().split_once(": ")?;
                let unit = value.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                let is_duration = unit != value && ["s", "ms", "µs", "ns"].contains(&unit);
                is_duration.then(|| name.to_owned())
            })
            .collect();
        let listed: Vec<&str> = DURATIONS.iter().map(|setting| setting.name).collect();
        assert!(durations.len() >= 10, "{durations:?} from {text}");
        for name in &durations {
            assert!(
                listed.contains(&name.as_str()),
                "{name} is not in DURATIONS"
            );
        }
    }
}
