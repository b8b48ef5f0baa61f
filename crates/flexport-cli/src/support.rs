//! What the generated subcommands (`flexport_codegen::cli`) call: the clap
//! arguments they share, and the turning of flag text into typed values and
//! JSON bodies.

use std::io::Read as _;

use clap::{Arg, ArgAction, ArgMatches};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Failure;

/// The page size `--all` streams with unless `--page-size` says otherwise.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// A path, query or header parameter's flag.
pub fn flag_arg(
    flag: &'static str,
    value_name: &'static str,
    required: bool,
    help: Option<&'static str>,
) -> Arg {
    let arg = Arg::new(flag)
        .long(flag)
        .value_name(value_name)
        .required(required)
        .action(ArgAction::Set);
    match help {
        Some(help) => arg.help(first_line(help)).long_help(help),
        None => arg,
    }
}

/// A flag for one top-level field of the JSON body; required unless
/// `--json-body` is given.
pub fn body_arg(
    flag: &'static str,
    field: &'static str,
    required: bool,
    help: Option<&'static str>,
) -> Arg {
    let arg = Arg::new(flag)
        .long(flag)
        .value_name("VALUE")
        .action(ArgAction::Set)
        .help_heading("Body fields (merged over --json-body)");
    let arg = if required {
        arg.required_unless_present("json-body")
    } else {
        arg
    };
    let help = match help {
        Some(help) => format!("`{field}`: {help}"),
        None => format!("`{field}`"),
    };
    arg.help(first_line(&help).to_owned()).long_help(help)
}

/// `--json-body FILE|-`.
pub fn json_body_arg(required: bool) -> Arg {
    Arg::new("json-body")
        .long("json-body")
        .value_name("FILE|-")
        .required(required)
        .action(ArgAction::Set)
        .help("The JSON body, from a file or `-` for stdin; field flags override its fields")
}

/// `--all` and `--page-size` of a paged list.
pub fn list_args() -> [Arg; 2] {
    [
        Arg::new("all")
            .long("all")
            .action(ArgAction::SetTrue)
            .help("Every page, streamed through the SDK's stream_all (a progress bar on a terminal's stderr)"),
        Arg::new("page-size")
            .long("page-size")
            .value_name("N")
            .value_parser(clap::value_parser!(u64).range(1..))
            .requires("all")
            .help(format!("Items per page with --all [default: {DEFAULT_PAGE_SIZE}]")),
    ]
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// `Some(page size)` when `--all` was given.
pub fn all(matches: &ArgMatches) -> Option<u64> {
    matches.get_flag("all").then(|| {
        matches
            .get_one::<u64>("page-size")
            .copied()
            .unwrap_or(DEFAULT_PAGE_SIZE)
    })
}

/// The value of flag `flag` as the setter's type `T`: the text read as JSON
/// (`5`, `true`), else as a JSON string (`MAIN`, an id), else, with commas,
/// as a list of either (`1,2,3`).
pub fn flag<T: DeserializeOwned>(matches: &ArgMatches, flag: &str) -> Result<Option<T>, Failure> {
    let Some(raw) = matches.get_one::<String>(flag) else {
        return Ok(None);
    };
    let candidates = || {
        let json = serde_json::from_str::<Value>(raw).ok();
        let list = raw.contains(',').then(|| {
            Value::Array(
                raw.split(',')
                    .map(|part| part.trim())
                    .map(|part| {
                        serde_json::from_str(part)
                            .unwrap_or_else(|_| Value::String(part.to_owned()))
                    })
                    .collect(),
            )
        });
        json.into_iter()
            .chain([Value::String(raw.clone())])
            .chain(list)
    };
    let mut last = None;
    for candidate in candidates() {
        match serde_json::from_value::<T>(candidate) {
            Ok(value) => return Ok(Some(value)),
            Err(error) => last = Some(error),
        }
    }
    Err(Failure::Usage(format!(
        "--{flag} {raw:?}: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// The JSON type a body flag's text becomes.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code, reason = "a version's bodies may lack a kind")]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
}

/// The body: `--json-body` (a file, or `-` for stdin; `{}` without it), with
/// each given field flag (flag, JSON field, kind) set over it, read as `T`.
pub fn body<T: DeserializeOwned>(
    matches: &ArgMatches,
    fields: &[(&str, &str, Kind)],
) -> Result<T, Failure> {
    let mut body = match matches.get_one::<String>("json-body") {
        Some(source) => read_json(source)?,
        None => Value::Object(Map::new()),
    };
    for (flag, field, kind) in fields {
        let Some(raw) = matches.get_one::<String>(flag) else {
            continue;
        };
        let value = match kind {
            Kind::Text => Value::String(raw.clone()),
            Kind::Integer => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|e| Failure::Usage(format!("--{flag} {raw:?}: {e}")))?,
            Kind::Number => raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| Failure::Usage(format!("--{flag} {raw:?}: not a number")))?,
            Kind::Boolean => raw
                .parse::<bool>()
                .map(Value::Bool)
                .map_err(|e| Failure::Usage(format!("--{flag} {raw:?}: {e}")))?,
        };
        match &mut body {
            Value::Object(object) => {
                object.insert((*field).to_owned(), value);
            }
            _ => {
                return Err(Failure::Usage(format!(
                    "--{flag}: the --json-body is not a JSON object"
                )));
            }
        }
    }
    serde_path_to_error::deserialize(body).map_err(|error| {
        let path = error.path().to_string();
        Failure::Usage(format!(
            "the body does not fit the API document at `{path}`: {}",
            error.inner()
        ))
    })
}

fn read_json(source: &str) -> Result<Value, Failure> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("--json-body -: cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| Failure::Usage(format!("--json-body {source}: {e}")))?
    };
    serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("--json-body {source}: not JSON: {e}")))
}
