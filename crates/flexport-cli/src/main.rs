//! `flexport`: every operation of the Flexport Logistics API from the
//! terminal, through the `flexport` crate's pipeline (token, idempotency
//! keys, retries, rate limiting, typed errors).

mod auth;
mod diff;
mod failure;
mod oauth;
mod output;
mod support;
mod wait;
mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};

pub use failure::Failure;
use failure::exit;
use output::{Format, Output};

/// The API version used unless `--api-version` says otherwise.
pub const DEFAULT_API_VERSION: &str = "2024-04";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let version = match api_version(&args) {
        Ok(version) => version,
        Err(failure) => {
            eprint!("{}", failure.report());
            return failure.exit_code();
        }
    };
    let matches = match command(&version).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    init_logging(matches.get_count("verbose"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&version, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprint!("{}", failure.report());
            failure.exit_code()
        }
    }
}

/// `--api-version` is read before the rest, since it decides the subcommands.
fn api_version(args: &[OsString]) -> Result<String, Failure> {
    // The global flags that take a value as the next word.
    let value_flags: Vec<String> = global_args()
        .iter()
        .filter(|arg| arg.get_action().takes_values())
        .flat_map(|arg| {
            let long = arg.get_long().map(|long| format!("--{long}"));
            let short = arg.get_short().map(|short| format!("-{short}"));
            long.into_iter().chain(short)
        })
        .collect();
    let mut version = None;
    let mut words = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        if let Some(value) = word.strip_prefix("--api-version=") {
            version = Some(value.to_owned());
        } else if word == "--api-version" {
            version = words.next();
        } else if value_flags.contains(&word) {
            words.next();
        } else if !word.starts_with('-') {
            break; // the subcommand: its own flags follow
        }
    }
    let version = version.unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
    if versions::COMPILED.contains(&version.as_str()) {
        Ok(version)
    } else {
        Err(Failure::Usage(format!(
            "API version {version} is not compiled into this binary (it has {}; build it with the feature of that version)",
            versions::COMPILED.join(", ")
        )))
    }
}

fn command(version: &str) -> Command {
    let (operations, waits) =
        versions::for_version!(version, { (cli::commands(), cli::WAIT_COMMANDS) });
    let mut codes = String::from("Exit codes:\n");
    for (code, meaning) in exit::TABLE {
        codes.push_str(&format!("  {code:>2}  {meaning}\n"));
    }
    Command::new("flexport")
        .version(env!("CARGO_PKG_VERSION"))
        .about(format!(
            "The Flexport Logistics API from the terminal (API version {version}; one subcommand per operation)"
        ))
        .after_help(codes)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args())
        .subcommand_help_heading("Operations and tools")
        .subcommands(operations)
        .subcommand(wait_command(waits))
        .subcommand(auth_command())
        .subcommand(
            Command::new("sandbox")
                .about("Starts the local sandbox (the `flexport-sandbox` binary) with its flags")
                .disable_help_flag(true)
                .arg(
                    Arg::new("args")
                        .num_args(0..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true)
                        .help("The sandbox's flags (`flexport sandbox --help` lists them)"),
                ),
        )
        .subcommand(
            Command::new("diff")
                .about("Prints the migration notes from API version A to B")
                .arg(Arg::new("from").value_name("A").required(true))
                .arg(Arg::new("to").value_name("B").required(true)),
        )
        .subcommand(
            Command::new("completions")
                .about("Prints shell completions")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
}

fn global_args() -> Vec<Arg> {
    vec![
        Arg::new("base-url")
            .long("base-url")
            .env("FLEXPORT_BASE_URL")
            .value_name("URL")
            .help("Where the API is [default: the profile's, else https://logistics-api.flexport.com]"),
        Arg::new("api-version")
            .long("api-version")
            .value_name("VERSION")
            .default_value(DEFAULT_API_VERSION)
            .value_parser(clap::builder::PossibleValuesParser::new(versions::COMPILED.iter().copied()))
            .help("The API version (the ones compiled in)"),
        Arg::new("token-file")
            .long("token-file")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Read the token from FILE [default: $FLEXPORT_API_TOKEN, else the profile]"),
        Arg::new("profile")
            .long("profile")
            .env("FLEXPORT_PROFILE")
            .value_name("NAME")
            .default_value("default")
            .help("The stored profile (`flexport auth login`)"),
        Arg::new("idempotency-key")
            .long("idempotency-key")
            .value_name("KEY")
            .help("The idempotency key of a POST or PATCH: resend a create with the key its error named, and Flexport replays the first answer"),
        Arg::new("max-attempts")
            .long("max-attempts")
            .value_name("N")
            .value_parser(clap::value_parser!(u32).range(1..))
            .help("Attempts per call, the first included [default: 4]"),
        Arg::new("timeout")
            .long("timeout")
            .value_name("SECONDS")
            .value_parser(seconds)
            .help("Overall time budget of each call across its retries [default: 120]"),
        Arg::new("output")
            .long("output")
            .short('o')
            .value_name("FORMAT")
            .value_parser(clap::value_parser!(Format))
            .default_value("json")
            .help("How answers are printed on stdout"),
        Arg::new("verbose")
            .long("verbose")
            .short('v')
            .action(ArgAction::Count)
            .help("Log the SDK's calls on stderr (-vv for more); tokens are never logged"),
    ]
}

fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text.parse().map_err(|e| format!("{e}"))?;
    Duration::try_from_secs_f64(value).map_err(|e| e.to_string())
}

fn wait_command(waits: &[&'static str]) -> Command {
    let mut command = Command::new("wait")
        .about("Waits until an asynchronous state is reached, through the SDK's waiters")
        .subcommand_required(true);
    for name in waits {
        command = command.subcommand(
            Command::new(*name)
                .about(format!("Waits until {}", name.replace('-', " ")))
                .arg(Arg::new("id").value_name("ID").required(true))
                .arg(
                    Arg::new("timeout")
                        .long("timeout")
                        .value_name("SECONDS")
                        .value_parser(seconds)
                        .default_value("3600")
                        .help("How long to wait"),
                )
                .arg(
                    Arg::new("poll-interval")
                        .long("poll-interval")
                        .value_name("SECONDS")
                        .value_parser(seconds)
                        .default_value("2")
                        .help("The shortest sleep between polls (backing off up to 60 s)"),
                ),
        );
    }
    command
}

fn auth_command() -> Command {
    Command::new("auth")
        .about("Stores and shows credentials (profiles in the config directory, 0600)")
        .subcommand_required(true)
        .subcommand(
            Command::new("login")
                .about("Stores a token as the profile (prompted without echo, or read from stdin)"),
        )
        .subcommand(Command::new("logout").about("Removes the profile"))
        .subcommand(
            Command::new("status").about("Says where the token would come from (never the token)"),
        )
        .subcommand(
            Command::new("oauth")
                .about("Runs a partner app's OAuth flow (callback on 127.0.0.1) and stores the token as the profile")
                .arg(Arg::new("client-id").long("client-id").required(true).value_name("ID"))
                .arg(
                    Arg::new("client-secret")
                        .long("client-secret-env")
                        .value_name("VARIABLE")
                        .default_value("FLEXPORT_CLIENT_SECRET")
                        .help("The environment variable holding the app's client secret"),
                )
                .arg(
                    Arg::new("scope")
                        .long("scope")
                        .value_name("SCOPE")
                        .action(ArgAction::Append)
                        .required(true)
                        .help("A scope to ask for; repeat for several"),
                )
                .arg(
                    Arg::new("port")
                        .long("port")
                        .value_name("PORT")
                        .value_parser(clap::value_parser!(u16))
                        .default_value("0")
                        .help("The callback's port on 127.0.0.1 (0: a free one)"),
                )
                .arg(
                    Arg::new("wait")
                        .long("wait")
                        .value_name("SECONDS")
                        .value_parser(seconds)
                        .default_value("300")
                        .help("How long to wait for the callback"),
                ),
        )
}

fn init_logging(verbosity: u8) {
    if verbosity == 0 {
        return;
    }
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let level = if verbosity > 1 {
        tracing::Level::TRACE
    } else {
        tracing::Level::DEBUG
    };
    // The SDK's own targets only: the HTTP crates below it are left out.
    let targets = tracing_subscriber::filter::Targets::new()
        .with_target("flexport", level)
        .with_target("flexport_runtime", level)
        .with_target("flexport_cli", level);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                // A line per finished call, with the span's fields.
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE),
        )
        .with(targets)
        .try_init();
}

async fn run(version: &str, matches: &ArgMatches) -> Result<(), Failure> {
    let format = *matches.get_one::<Format>("output").expect("a default");
    let mut output = Output::new(format);
    let profile = matches
        .get_one::<String>("profile")
        .expect("a default")
        .clone();
    let token_file = matches.get_one::<PathBuf>("token-file").cloned();
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    match name {
        "auth" => return auth(version, matches, sub, &profile, token_file, &mut output).await,
        "sandbox" => return sandbox(sub).await,
        "diff" => {
            let from = sub.get_one::<String>("from").expect("required");
            let to = sub.get_one::<String>("to").expect("required");
            let pages = diff::pages(from, to)?;
            print!("{}", pages.join("\n"));
            return Ok(());
        }
        "completions" => {
            let shell = *sub
                .get_one::<clap_complete::Shell>("shell")
                .expect("required");
            clap_complete::generate(
                shell,
                &mut command(version),
                "flexport",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        _ => {}
    }
    let token = auth::resolve(token_file.as_deref(), &profile)?;
    let Some(token) = token else {
        return Err(Failure::NoToken(format!(
            "no token: set {}, pass --token-file, or run `flexport auth login` (profile {profile})",
            auth::TOKEN_ENV
        )));
    };
    tracing::debug!(source = %token.source, "token");
    let base_url = matches
        .get_one::<String>("base-url")
        .cloned()
        .or(token.base_url.clone())
        .unwrap_or_else(|| flexport::DEFAULT_BASE_URL.to_owned());
    let mut builder = flexport::ClientBuilder::new()
        .base_url(base_url)
        .token(token.secret)
        .user_agent(concat!("flexport-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(attempts) = matches.get_one::<u32>("max-attempts") {
        builder = builder.max_attempts(*attempts);
    }
    if let Some(timeout) = matches.get_one::<Duration>("timeout") {
        builder = builder.deadline(*timeout);
    }
    let key = matches.get_one::<String>("idempotency-key").cloned();
    if name == "wait" {
        let (waiter, wait) = sub.subcommand().expect("a waiter is required");
        let id = wait.get_one::<String>("id").expect("required");
        let options = wait::Options {
            deadline: *wait.get_one::<Duration>("timeout").expect("a default"),
            min_delay: *wait
                .get_one::<Duration>("poll-interval")
                .expect("a default"),
        };
        return versions::for_version!(version, {
            let client: api::Client = builder.build()?;
            cli::wait(&client, waiter, id, &options, &mut output).await
        });
    }
    versions::for_version!(version, {
        let operation = api::OPERATIONS
            .iter()
            .find(|operation| operation.method_name == name.replace('-', "_"));
        let needs_token = operation.is_none_or(|operation| operation.bearer_token);
        let read = operation.is_some_and(|operation| operation.method == "GET");
        if !needs_token {
            return Err(Failure::Usage(format!(
                "`{name}` is a step of the OAuth flow that sends no API token: run `flexport auth oauth`"
            )));
        }
        let client: api::Client = builder.build()?;
        let call = cli::run(&client, name, sub, &mut output);
        let outcome = match key {
            Some(key) => flexport::with_idempotency_key(key, call).await,
            None => call.await,
        };
        outcome.map_err(|failure| if read { failure.of_read() } else { failure })
    })
}

async fn auth(
    version: &str,
    matches: &ArgMatches,
    sub: &ArgMatches,
    profile: &str,
    token_file: Option<PathBuf>,
    output: &mut Output,
) -> Result<(), Failure> {
    let base_url = matches.get_one::<String>("base-url").cloned();
    match sub.subcommand().expect("required") {
        ("login", _) => auth::login(profile, base_url),
        ("logout", _) => auth::logout(profile),
        ("status", _) => output.value(&auth::status(token_file.as_deref(), profile)?),
        ("oauth", oauth) => {
            let variable = oauth.get_one::<String>("client-secret").expect("a default");
            let secret = std::env::var(variable).map_err(|_| {
                Failure::Usage(format!("set {variable} to the app's client secret"))
            })?;
            let options = oauth::Options {
                client_id: oauth
                    .get_one::<String>("client-id")
                    .expect("required")
                    .clone(),
                client_secret: secret.into(),
                scopes: oauth
                    .get_many::<String>("scope")
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
                port: *oauth.get_one::<u16>("port").expect("a default"),
                base_url: base_url
                    .clone()
                    .unwrap_or_else(|| flexport::DEFAULT_BASE_URL.to_owned()),
                timeout: *oauth.get_one::<Duration>("wait").expect("a default"),
            };
            let token =
                versions::for_version!(version, { oauth::run::<api::Client>(options).await })?;
            let path = auth::save(
                profile,
                &token.token,
                base_url,
                Some(token.logistics_account_id.clone()),
            )?;
            eprintln!(
                "saved the token of account {} as profile {profile} in {}",
                token.logistics_account_id,
                path.display()
            );
            Ok(())
        }
        (other, _) => Err(Failure::Usage(format!("unknown auth command {other}"))),
    }
}

/// Runs `flexport-sandbox` (beside this binary, else on `PATH`) with `args`.
async fn sandbox(sub: &ArgMatches) -> Result<(), Failure> {
    let args: Vec<String> = sub
        .get_many::<String>("args")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let name = format!("flexport-sandbox{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .filter(|path| path.is_file());
    let program = beside.unwrap_or_else(|| PathBuf::from(&name));
    let status = tokio::process::Command::new(&program)
        .args(&args)
        .status()
        .await
        .map_err(|e| {
            Failure::Other(format!(
                "cannot run {} ({e}): install the sandbox with `cargo install --path crates/flexport-sandbox` from the repository",
                program.display()
            ))
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::Other(format!("the sandbox exited with {status}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_document_has_a_feature() {
        let manifest = include_str!("../Cargo.toml");
        let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        for entry in std::fs::read_dir(specs).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(version) = name.strip_suffix(".json") else {
                continue;
            };
            let feature = if version.starts_with(|c: char| c.is_ascii_digit()) {
                format!("v{version}")
            } else {
                version.to_owned()
            };
            let line = format!("{feature} = [\"flexport/{feature}\"]");
            assert!(manifest.contains(&line), "Cargo.toml lacks `{line}`");
            assert!(
                manifest.contains(&format!("\"{feature}\"")),
                "`full` lacks {feature}"
            );
        }
    }

    #[test]
    fn the_api_version_is_read_past_the_global_flags_that_take_values() {
        let args = |words: &[&str]| -> Vec<std::ffi::OsString> {
            std::iter::once("flexport")
                .chain(words.iter().copied())
                .map(Into::into)
                .collect()
        };
        let version = super::api_version(&args(&[
            "--base-url",
            "http://x",
            "--api-version",
            "2024-04",
            "get-products",
        ]));
        assert_eq!(version.unwrap(), "2024-04");
        // After the subcommand, a flag of that name is the operation's.
        assert!(super::api_version(&args(&["--api-version=1999-01", "get-products"])).is_err());
        assert_eq!(
            super::api_version(&args(&["get-products", "--api-version", "1999-01"])).unwrap(),
            super::DEFAULT_API_VERSION
        );
    }
}
