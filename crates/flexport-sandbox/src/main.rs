//! `cargo run -p flexport-sandbox -- --port 8080`: serves the sandbox until
//! interrupted.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;

use clap::Parser;
use flexport_sandbox::{
    Config, DEFAULT_TOKEN, FaultRule, Faults, MAX_DURATION, PageFaults, PartnerApp, Sandbox,
    ScopedToken, VERSIONS,
};

/// The one home of the sandbox's defaults, which the flags below show and
/// take: the library's [`Config::default`] (the port excepted: the library
/// picks a free one, the command line 8080).
static DEFAULT: LazyLock<Config> = LazyLock::new(Config::default);

fn seconds_of(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

#[derive(Parser)]
#[command(about = "A local Flexport Logistics API sandbox")]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind (127.0.0.1 unless you mean to expose it).
    #[arg(long, default_value_t = DEFAULT.address.ip())]
    host: IpAddr,
    /// Accepted bearer token; repeat for several.
    #[arg(long = "token", default_value = DEFAULT_TOKEN)]
    tokens: Vec<String>,
    /// Seconds until an inbound shipment is received.
    #[arg(long, default_value_t = seconds_of(DEFAULT.receive_after))]
    receive_after: f64,
    /// Seconds until an order ships.
    #[arg(long, default_value_t = seconds_of(DEFAULT.ship_after))]
    ship_after: f64,
    /// Seconds until a report is ready.
    #[arg(long, default_value_t = seconds_of(DEFAULT.report_after))]
    report_after: f64,
    /// Seconds a parcel stays at each tracking stage before the next.
    #[arg(long, default_value_t = seconds_of(DEFAULT.parcel_step_after))]
    parcel_step_after: f64,
    /// Seconds until a bulk parcel job makes its parcels.
    #[arg(long, default_value_t = seconds_of(DEFAULT.parcel_job_after))]
    parcel_job_after: f64,
    /// Seconds a return stays at each status before the next.
    #[arg(long, default_value_t = seconds_of(DEFAULT.return_step_after))]
    return_step_after: f64,
    /// Requests per second per token (a token bucket); above it, 429 with
    /// Retry-After.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// How many requests the rate limit's bucket holds (default: the rate).
    #[arg(long, requires = "rate_limit")]
    rate_burst: Option<u32>,
    /// Journal file that keeps state across restarts (memory only without it).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds a stored answer is replayed for a repeated idempotency-key.
    #[arg(long, default_value_t = seconds_of(DEFAULT.idempotency_ttl))]
    idempotency_ttl: f64,
    /// Bytes past which the state file is compacted into a snapshot.
    #[arg(long, default_value_t = DEFAULT.compact_after)]
    compact_after: u64,
    /// A token with only some scopes, as TOKEN=SCOPE[,SCOPE...] (Flexport's
    /// scope names, read_logistics_AREA and write_logistics_AREA, such as
    /// read_logistics_orders; commas or spaces between); repeat for several.
    #[arg(long = "scoped-token", value_name = "TOKEN=SCOPES", value_parser = scoped_token)]
    scoped_tokens: Vec<ScopedToken>,
    /// A token whose account is locked: every API call with it answers 423;
    /// repeat for several.
    #[arg(long = "locked-token", value_name = "TOKEN")]
    locked_tokens: Vec<String>,
    /// The OAuth partner app's client id.
    #[arg(long, default_value_t = DEFAULT.oauth_apps[0].client_id.clone())]
    oauth_client_id: String,
    /// The OAuth partner app's client secret.
    #[arg(long, default_value_t = DEFAULT.oauth_apps[0].client_secret.clone())]
    oauth_client_secret: String,
    /// A redirect URI registered for the app (a path starting with / is on
    /// the sandbox itself); repeat for several.
    #[arg(long = "oauth-redirect-uri", default_values_t = DEFAULT.oauth_apps[0].redirect_uris.clone())]
    oauth_redirect_uris: Vec<String>,
    /// A scope the app may request; repeat for several (default: all).
    #[arg(long = "oauth-scope")]
    oauth_scopes: Vec<String>,
    /// Seconds an authorization code can be exchanged.
    #[arg(long, default_value_t = seconds_of(DEFAULT.oauth_code_ttl))]
    oauth_code_ttl: f64,
    /// Share (0-1) of requests answered 503 without being handled.
    #[arg(long, default_value_t = DEFAULT.faults.error_before)]
    fault_error_before: f64,
    /// Share of requests handled (changes kept), then answered 500.
    #[arg(long, default_value_t = DEFAULT.faults.error_after)]
    fault_error_after: f64,
    /// Share of requests whose connection is closed unanswered, unhandled.
    #[arg(long, default_value_t = DEFAULT.faults.drop_before)]
    fault_drop_before: f64,
    /// Share of requests handled (changes kept), then closed unanswered.
    #[arg(long, default_value_t = DEFAULT.faults.drop_after)]
    fault_drop_after: f64,
    /// Share of requests delayed by --fault-slow-delay before being handled.
    #[arg(long, default_value_t = DEFAULT.faults.slow)]
    fault_slow: f64,
    /// Seconds a slow request waits.
    #[arg(long, default_value_t = seconds_of(DEFAULT.faults.slow_delay))]
    fault_slow_delay: f64,
    /// Seed of the generator that picks faults.
    #[arg(long, default_value_t = DEFAULT.faults.seed)]
    fault_seed: u64,
    /// Seconds an inbound quote process or a channel's product sync takes.
    #[arg(long, default_value_t = seconds_of(DEFAULT.quote_after))]
    quote_after: f64,
    /// Seconds each step of a freight order's tracking takes.
    #[arg(long, default_value_t = seconds_of(DEFAULT.freight_step_after))]
    freight_step_after: f64,
    /// Time moves only by POST /sandbox/clock/advance {"seconds": N}, from
    /// the wall-clock time at start-up.
    #[arg(long)]
    manual_clock: bool,
    /// Seconds an OAuth access token works (default: tokens do not expire).
    #[arg(long)]
    oauth_token_ttl: Option<f64>,
    /// A chosen answer as JSON, as POST /sandbox/faults takes it, such as
    /// '{"operation": "CreateOrder", "status": 409, "times": 1}'; repeat
    /// for several.
    #[arg(long = "fault-rule", value_name = "JSON", value_parser = fault_rule)]
    fault_rules: Vec<FaultRule>,
    /// How many requests GET /sandbox/requests keeps.
    #[arg(long, default_value_t = DEFAULT.request_log_limit)]
    request_log_limit: usize,
    /// List pages of more than N items answer API Gateway's 504
    /// (`{"message": "Endpoint request timed out"}`), every time.
    #[arg(long, value_name = "N")]
    gateway_timeout_above: Option<usize>,
    /// List pages hold at most N items, whatever their limit (short pages).
    #[arg(long, value_name = "N")]
    page_cap: Option<usize>,
    /// The cursor of the N-th page handed out (from 1) answers 500 for good.
    #[arg(long, value_name = "N")]
    failing_cursor: Option<usize>,
}

fn fault_rule(text: &str) -> Result<FaultRule, String> {
    serde_json::from_str(text).map_err(|error| format!("not a fault rule: {error}"))
}

fn scoped_token(text: &str) -> Result<ScopedToken, String> {
    let (token, scopes) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not TOKEN=SCOPE[,SCOPE...]"))?;
    Ok(ScopedToken {
        token: token.to_owned(),
        scopes: scopes
            .split([',', ' '])
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let seconds = |value: f64, name: &str| {
        Duration::try_from_secs_f64(value)
            .ok()
            .filter(|duration| *duration <= MAX_DURATION)
            .unwrap_or_else(|| {
                eprintln!(
                    "error: --{name} takes a number of seconds from 0 to {}, not {value}",
                    MAX_DURATION.as_secs()
                );
                std::process::exit(2)
            })
    };
    let config = Config {
        address: SocketAddr::new(args.host, args.port),
        receive_after: seconds(args.receive_after, "receive-after"),
        ship_after: seconds(args.ship_after, "ship-after"),
        report_after: seconds(args.report_after, "report-after"),
        parcel_step_after: seconds(args.parcel_step_after, "parcel-step-after"),
        parcel_job_after: seconds(args.parcel_job_after, "parcel-job-after"),
        return_step_after: seconds(args.return_step_after, "return-step-after"),
        tokens: args.tokens,
        rate_limit: args.rate_limit,
        rate_burst: args.rate_burst,
        state_file: args.state,
        idempotency_ttl: seconds(args.idempotency_ttl, "idempotency-ttl"),
        compact_after: args.compact_after,
        scoped_tokens: args.scoped_tokens,
        locked_tokens: args.locked_tokens,
        oauth_apps: vec![PartnerApp {
            client_id: args.oauth_client_id,
            client_secret: args.oauth_client_secret,
            redirect_uris: args.oauth_redirect_uris,
            scopes: if args.oauth_scopes.is_empty() {
                DEFAULT.oauth_apps[0].scopes.clone()
            } else {
                args.oauth_scopes
            },
        }],
        oauth_code_ttl: seconds(args.oauth_code_ttl, "oauth-code-ttl"),
        faults: Faults {
            error_before: args.fault_error_before,
            error_after: args.fault_error_after,
            drop_before: args.fault_drop_before,
            drop_after: args.fault_drop_after,
            slow: args.fault_slow,
            slow_delay: seconds(args.fault_slow_delay, "fault-slow-delay"),
            seed: args.fault_seed,
        },
        quote_after: seconds(args.quote_after, "quote-after"),
        freight_step_after: seconds(args.freight_step_after, "freight-step-after"),
        manual_clock: args.manual_clock,
        oauth_token_ttl: args
            .oauth_token_ttl
            .map(|ttl| seconds(ttl, "oauth-token-ttl")),
        fault_rules: args.fault_rules,
        request_log_limit: args.request_log_limit,
        page_faults: PageFaults {
            gateway_timeout_above: args.gateway_timeout_above,
            page_cap: args.page_cap,
            failing_cursor: args.failing_cursor,
        },
    };
    let config_client_id = config.oauth_apps[0].client_id.clone();
    let manual_clock = config.manual_clock;
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", sandbox.base_url());
    println!("token: {}", sandbox.token());
    println!("versions: {}", VERSIONS.join(", "));
    println!("oauth client id: {}", config_client_id);
    if manual_clock {
        println!("clock: manual (POST /sandbox/clock/advance {{\"seconds\": N}} moves it)");
    }
    tokio::select! {
        () = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
