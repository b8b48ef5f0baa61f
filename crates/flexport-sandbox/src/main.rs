//! `cargo run -p flexport-sandbox -- --port 8080`: serves the sandbox until
//! interrupted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use flexport_sandbox::{Config, DEFAULT_TOKEN, MAX_DURATION, Sandbox, VERSIONS};

#[derive(Parser)]
#[command(about = "A local Flexport Logistics API sandbox")]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind (127.0.0.1 unless you mean to expose it).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Accepted bearer token; repeat for several.
    #[arg(long = "token", default_value = DEFAULT_TOKEN)]
    tokens: Vec<String>,
    /// Seconds until an inbound shipment is received.
    #[arg(long, default_value_t = 2.0)]
    receive_after: f64,
    /// Seconds until an order ships.
    #[arg(long, default_value_t = 2.0)]
    ship_after: f64,
    /// Seconds until a report is ready.
    #[arg(long, default_value_t = 1.0)]
    report_after: f64,
    /// Requests per second per token; above it, 429 with Retry-After.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Journal file that keeps state across restarts (memory only without it).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds a stored answer is replayed for a repeated idempotency-key.
    #[arg(long, default_value_t = 86_400.0)]
    idempotency_ttl: f64,
    /// Bytes past which the state file is compacted into a snapshot.
    #[arg(long, default_value_t = 64 << 20)]
    compact_after: u64,
    /// Seconds an inbound quote process or a channel's product sync takes.
    #[arg(long, default_value_t = 1.0)]
    quote_after: f64,
    /// Seconds each step of a freight order's tracking takes.
    #[arg(long, default_value_t = 2.0)]
    freight_step_after: f64,
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
        tokens: args.tokens,
        rate_limit: args.rate_limit,
        state_file: args.state,
        idempotency_ttl: seconds(args.idempotency_ttl, "idempotency-ttl"),
        compact_after: args.compact_after,
        quote_after: seconds(args.quote_after, "quote-after"),
        freight_step_after: seconds(args.freight_step_after, "freight-step-after"),
    };
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
    tokio::select! {
        () = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
