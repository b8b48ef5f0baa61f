//! `cargo run -p flexport-sandbox -- --port 8080`: serves the sandbox until
//! interrupted.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;

use clap::{Arg, ArgMatches, CommandFactory, FromArgMatches, value_parser};
use flexport_sandbox::{
    Config, DEFAULT_TOKEN, DURATIONS, FaultRule, Faults, MAX_DURATION, PageFaults, PartnerApp,
    Sandbox, ScopedToken, VERSIONS,
};

/// The one home of the sandbox's defaults, which the flags below show and
/// take: the library's [`Config::default`] (the port excepted: the library
/// picks a free one, the command line 8080).
static DEFAULT: LazyLock<Config> = LazyLock::new(Config::default);

fn seconds_of(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// The flags below, and one per [`DURATIONS`] (`--receive-after SECONDS`,
/// ...), added by [`command`].
#[derive(clap::Parser)]
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

/// [`Args`] with a flag in seconds for each of [`DURATIONS`], defaulting
/// to [`Config::default`]'s.
fn command() -> clap::Command {
    DURATIONS.iter().fold(Args::command(), |command, setting| {
        let default = seconds_of((setting.get)(&DEFAULT)).to_string();
        command.arg(
            Arg::new(setting.name)
                .long(flag(setting.name))
                .value_name("SECONDS")
                .help(setting.help)
                .value_parser(value_parser!(f64))
                .default_value(default),
        )
    })
}

/// `receive_after` → `receive-after`.
fn flag(name: &str) -> String {
    name.replace('_', "-")
}

/// The configuration the command line's flags give; exits, naming the
/// flag, on a duration out of range.
fn config(matches: &ArgMatches) -> Config {
    let args = Args::from_arg_matches(matches).unwrap_or_else(|error| error.exit());
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
    let mut config = Config {
        address: SocketAddr::new(args.host, args.port),
        tokens: args.tokens,
        rate_limit: args.rate_limit,
        rate_burst: args.rate_burst,
        state_file: args.state,
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
        faults: Faults {
            error_before: args.fault_error_before,
            error_after: args.fault_error_after,
            drop_before: args.fault_drop_before,
            drop_after: args.fault_drop_after,
            slow: args.fault_slow,
            slow_delay: seconds(args.fault_slow_delay, "fault-slow-delay"),
            seed: args.fault_seed,
        },
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
        // The durations of `DURATIONS`, set from their flags below.
        ..DEFAULT.clone()
    };
    for setting in DURATIONS {
        let value = matches
            .get_one::<f64>(setting.name)
            .copied()
            .expect("every duration flag has a default");
        (setting.set)(&mut config, seconds(value, &flag(setting.name)));
    }
    config
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = config(&command().get_matches());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when a duration of `DURATIONS` has no flag, or its flag does
    /// not default to the library's default or does not set its field.
    #[test]
    fn every_duration_is_a_flag_in_seconds_with_the_library_default() {
        command().debug_assert();
        let defaults = config(&command().get_matches_from(["flexport-sandbox"]));
        let mut line = vec!["flexport-sandbox".to_owned()];
        for (n, setting) in DURATIONS.iter().enumerate() {
            assert_eq!(
                (setting.get)(&defaults),
                (setting.get)(&DEFAULT),
                "{}",
                setting.name
            );
            line.push(format!("--{}", flag(setting.name)));
            line.push(format!("{}.5", n + 1));
        }
        let set = config(&command().get_matches_from(line));
        for (n, setting) in DURATIONS.iter().enumerate() {
            let expected = Duration::from_millis(1000 * (n as u64 + 1) + 500);
            assert_eq!((setting.get)(&set), expected, "--{}", flag(setting.name));
        }
    }
}
