use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::sync::{RetryPolicy, Status, SyncOptions, sync_specs};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project tasks for the Flexport Logistics API SDK"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download, validate and store the OpenAPI documents in specs/.
    SyncSpecs {
        /// An API version to sync (repeatable); all known versions by default.
        #[arg(long = "version", value_name = "VERSION")]
        versions: Vec<String>,
        /// Where to download from: https://…, http://… or file:///… (a mirror
        /// laid out like logistics/api/{version}/documentation/raw).
        #[arg(long, env = "FLEXPORT_SPECS_BASE_URL", default_value = xtask::DEFAULT_BASE_URL)]
        base_url: String,
        /// Compare the downloaded documents with specs/specs.lock and write nothing.
        #[arg(long)]
        check: bool,
        /// The directory to sync into.
        #[arg(long, value_name = "DIR")]
        specs_dir: Option<PathBuf>,
        /// Attempts per document on network errors and 5xx answers.
        #[arg(long, default_value_t = 4)]
        attempts: u32,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::SyncSpecs {
            versions,
            base_url,
            check,
            specs_dir,
            attempts,
        } => {
            let versions = if versions.is_empty() {
                xtask::VERSIONS.iter().map(|v| v.to_string()).collect()
            } else {
                versions
            };
            let options = SyncOptions {
                versions,
                base_url,
                specs_dir: specs_dir.unwrap_or_else(xtask::default_specs_dir),
                check,
                retry: RetryPolicy {
                    attempts: attempts.max(1),
                    ..RetryPolicy::default()
                },
            };
            match sync_specs(&options).await {
                Ok(report) => {
                    for (version, status) in report.documents {
                        let said = match (status, check) {
                            (Status::Unchanged, _) => "matches specs.lock",
                            (Status::Changed, _) => "written",
                        };
                        println!("{version}: {said}");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
