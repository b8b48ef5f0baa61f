use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
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
        #[arg(long = "version", value_name = "VERSION",
              value_parser = clap::builder::PossibleValuesParser::new(xtask::VERSIONS))]
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
        /// The largest document accepted, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = xtask::sync::DEFAULT_MAX_DOCUMENT_BYTES)]
        max_document_bytes: u64,
    },
    /// Add an API version: download and validate its document as sync-specs
    /// does, then write its crate, feature, module, list entries, README row,
    /// migration notes and pending snapshots. Changes nothing if any step fails.
    AddVersion {
        /// The new version, YYYY-MM.
        version: String,
        /// Where to download from, as for sync-specs.
        #[arg(long, env = "FLEXPORT_SPECS_BASE_URL", default_value = xtask::DEFAULT_BASE_URL)]
        base_url: String,
        /// Attempts on network errors and 5xx answers.
        #[arg(long, default_value_t = 4)]
        attempts: u32,
        /// The largest document accepted, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = xtask::sync::DEFAULT_MAX_DOCUMENT_BYTES)]
        max_document_bytes: u64,
    },
    /// Remove an API version everywhere add-version puts it (never the
    /// facade's default). Changes nothing if any step fails.
    RemoveVersion { version: String },
    /// Say what changed from one API version to another.
    Diff {
        /// A version in specs/ (such as 2024-01) or a path to a document.
        from: String,
        /// A version in specs/ or a path to a document.
        to: String,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
    /// Print the API versions, one a line (with --features, the facade's
    /// cargo feature of each), for scripts such as CI's feature loop.
    Versions {
        #[arg(long)]
        features: bool,
    },
    /// Write docs/migrations/ for every adjacent pair of versions.
    MigrationNotes {
        /// Exit non-zero if the committed notes differ from fresh ones; write nothing.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// A version name of specs/ or a file path.
fn document_path(argument: &str) -> PathBuf {
    let in_specs = xtask::default_specs_dir().join(format!("{argument}.json"));
    if !std::path::Path::new(argument).exists() && in_specs.exists() {
        in_specs
    } else {
        PathBuf::from(argument)
    }
}

fn run_diff(from: &str, to: &str, format: Format) -> Result<(), Box<dyn std::error::Error>> {
    let old = xtask::diff::load_document(&document_path(from))?;
    let new = xtask::diff::load_document(&document_path(to))?;
    let diff = xtask::diff::diff_documents(from, &old, to, &new)?;
    match format {
        Format::Markdown => print!("{}", xtask::diff::render::markdown(&diff)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&diff)?),
    }
    Ok(())
}

fn run_migration_notes(check: bool) -> Result<(), Box<dyn std::error::Error>> {
    let dir = xtask::migration_notes::default_notes_dir();
    let files = xtask::migration_notes::render_all(&xtask::default_specs_dir())?;
    let stale: Vec<&str> = files
        .iter()
        .filter(|(name, content)| {
            std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(content.as_str())
        })
        .map(|(name, _)| name.as_str())
        .collect();
    if check {
        if stale.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "docs/migrations/ is stale ({}); run cargo xtask migration-notes",
            stale.join(", ")
        )
        .into());
    }
    std::fs::create_dir_all(&dir)?;
    for (name, content) in &files {
        std::fs::write(dir.join(name), content)?;
    }
    println!(
        "wrote {} files to docs/migrations/ ({} changed)",
        files.len(),
        stale.len()
    );
    Ok(())
}

fn print_outcome(command: &str, version: &str, outcome: &xtask::versions::Outcome) {
    println!("{command} {version}: {} files changed", outcome.files.len());
    for (path, kind) in &outcome.files {
        println!("  {} {}", kind.letter(), path.display());
    }
}

fn report(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Diff { from, to, format } => report(run_diff(&from, &to, format)),
        Command::AddVersion {
            version,
            base_url,
            attempts,
            max_document_bytes,
        } => {
            let options = xtask::versions::AddOptions {
                root: xtask::workspace_root(),
                version: version.clone(),
                base_url,
                retry: RetryPolicy {
                    attempts: attempts.max(1),
                    ..RetryPolicy::default()
                },
                max_document_bytes,
            };
            match xtask::versions::add_version(&options).await {
                Ok(outcome) => {
                    print_outcome("add-version", &version, &outcome);
                    println!(
                        "{}",
                        xtask::versions::REVIEW_AFTER_ADDING.replace("{version}", &version)
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => report(Err(error.into())),
            }
        }
        Command::RemoveVersion { version } => {
            match xtask::versions::remove_version(&xtask::workspace_root(), &version) {
                Ok(outcome) => {
                    print_outcome("remove-version", &version, &outcome);
                    ExitCode::SUCCESS
                }
                Err(error) => report(Err(error.into())),
            }
        }
        Command::MigrationNotes { check } => report(run_migration_notes(check)),
        Command::Versions { features } => {
            for version in xtask::VERSIONS {
                match features {
                    true => println!("{}", flexport_runtime::version_feature(version)),
                    false => println!("{version}"),
                }
            }
            ExitCode::SUCCESS
        }
        Command::SyncSpecs {
            versions,
            base_url,
            check,
            specs_dir,
            attempts,
            max_document_bytes,
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
                max_document_bytes,
            };
            match sync_specs(&options).await {
                Ok(report) => {
                    for (version, status) in report.documents {
                        let said = match status {
                            Status::Unchanged => "matches specs.lock",
                            Status::Changed => "written",
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
