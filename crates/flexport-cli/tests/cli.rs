//! The built `flexport` binary against the local sandbox (in this process,
//! on a free 127.0.0.1 port): every test runs the binary as a user would.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use flexport_sandbox::{Config, Sandbox};
use serde_json::Value;

/// A token no output may contain.
const TOKEN: &str = "cli-test-token-7f3a9c1e";

struct Env {
    sandbox: Sandbox,
    config_dir: tempfile::TempDir,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

fn start(config: Config) -> Env {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(Config {
            tokens: vec![TOKEN.to_owned()],
            ..config
        }))
        .unwrap();
    Env {
        sandbox,
        config_dir: tempfile::tempdir().unwrap(),
        runtime: Some(runtime),
    }
}

fn fast() -> Config {
    Config {
        report_after: Duration::from_millis(300),
        ..Config::default()
    }
}

impl Env {
    /// The binary with the sandbox's URL and token in its environment, and a
    /// config directory of its own.
    fn command(&self) -> Command {
        self.program(env!("CARGO_BIN_EXE_flexport"))
    }

    /// `program` with the environment of [`Self::command`].
    fn program(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("FLEXPORT_BASE_URL", self.sandbox.base_url())
            .env("FLEXPORT_API_TOKEN", TOKEN)
            .env("FLEXPORT_CONFIG_DIR", self.config_dir.path())
            .env_remove("FLEXPORT_PROFILE")
            .env_remove("RUST_LOG");
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(), args, None)
    }

    fn run_with(&self, mut command: Command, args: &[&str], stdin: Option<&str>) -> Run {
        command
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the flexport binary runs");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code().expect("exited"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    fn create_product(&self, sku: &str) -> Value {
        let run = self.run(&["create-product", "--name", "Mug", "--merchant-sku", sku]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

#[test]
fn create_get_and_list_every_page() {
    let env = start(fast());
    let mut skus = Vec::new();
    for n in 0..5 {
        let product = env.create_product(&format!("MUG-{n}"));
        assert_eq!(product["merchantSku"], format!("MUG-{n}"));
        skus.push(product["logisticsSku"].as_str().unwrap().to_owned());
    }
    let got = env.run(&["get-product", "--logistics-sku", &skus[2]]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_eq!(got.json()["merchantSku"], "MUG-2");

    // Two items a page: three pages and the empty one that ends the list.
    let all = env.run(&["get-products", "--all", "--page-size", "2"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let listed: Vec<String> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["logisticsSku"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    for sku in &skus {
        assert!(listed.contains(sku), "{sku} missing from {listed:?}");
    }
    // Without --all: the one page asked for.
    let one = env.run(&["get-products", "--limit", "2"]);
    assert_eq!(one.json().as_array().unwrap().len(), 2);

    let csv = env.run(&["--output", "csv", "get-products", "--all"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut lines = csv.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .split(',')
            .any(|c| c == "logisticsSku")
    );
    assert_eq!(lines.count(), 5);
}

#[test]
fn not_found_and_conflict_have_their_exit_codes_and_say_what_to_do() {
    let env = start(fast());
    let missing = env.run(&["get-product", "--logistics-sku", "NO-SUCH-SKU"]);
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    assert!(missing.stdout.is_empty());
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("correlation id:"),
        "{}",
        missing.stderr
    );
    assert!(missing.stderr.contains("remedy:"), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("safe to resend: yes"),
        "{}",
        missing.stderr
    );

    let sku = env.create_product("MUG-ORDERED")["logisticsSku"]
        .as_str()
        .unwrap()
        .to_owned();
    let order =
        r#"{"externalOrderId": "ORDER-1", "address": {"name": "Ada", "address1": "1 Main St",
        "city": "Reno", "provinceCode": "NV", "zip": "89501", "countryCode": "US"},
        "lineItems": [{"logisticsSku": "SKU", "quantity": 1}]}"#
            .replace("SKU", &sku);
    let file = env.config_dir.path().join("order.json");
    std::fs::write(&file, order).unwrap();
    let first = env.run(&["create-order", "--json-body", file.to_str().unwrap()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = env.run(&["create-order", "--json-body", file.to_str().unwrap()]);
    assert_eq!(again.code, 5, "{}", again.stderr);
    assert!(again.stderr.contains("409"), "{}", again.stderr);
    assert!(
        again.stderr.contains("idempotency key:"),
        "{}",
        again.stderr
    );

    let usage = env.run(&["get-product"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

#[test]
fn a_read_answered_503_is_safe_to_resend_and_a_create_names_its_key() {
    let rule = |operation: &str| -> flexport_sandbox::FaultRule {
        serde_json::from_value(serde_json::json!({"operation": operation, "status": 503})).unwrap()
    };
    let env = start(Config {
        fault_rules: vec![rule("get_product"), rule("create_product")],
        ..fast()
    });
    let read = env.run(&[
        "--max-attempts",
        "1",
        "get-product",
        "--logistics-sku",
        "ANY",
    ]);
    assert_eq!(read.code, 8, "{}", read.stderr);
    assert!(
        read.stderr
            .contains("safe to resend: yes, a read carries nothing out"),
        "{}",
        read.stderr
    );
    let create = env.run(&[
        "--max-attempts",
        "1",
        "create-product",
        "--name",
        "Mug",
        "--merchant-sku",
        "MUG-503",
    ]);
    assert_eq!(create.code, 8, "{}", create.stderr);
    assert!(
        create.stderr.contains("idempotency key: ")
            && !create.stderr.contains("a read carries nothing out"),
        "{}",
        create.stderr
    );
}

#[test]
fn a_create_resent_with_its_idempotency_key_is_replayed_not_made_twice() {
    let env = start(fast());
    let args = [
        "--idempotency-key",
        "cli-create-mug-1",
        "create-product",
        "--name",
        "Mug",
        "--merchant-sku",
        "MUG-KEYED",
    ];
    let first = env.run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = env.run(&args);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("idempotent-replayed"),
        "{}",
        second.stderr
    );
    assert_eq!(first.json()["logisticsSku"], second.json()["logisticsSku"]);
    let all = env.run(&["get-products", "--all"]);
    assert_eq!(all.json().as_array().unwrap().len(), 1, "{}", all.stdout);
}

#[test]
fn the_body_comes_from_stdin_and_flags_override_its_fields() {
    let env = start(fast());
    let body = r#"{"name": "Stdin mug", "merchantSku": "FROM-STDIN"}"#;
    let run = env.run_with(
        env.command(),
        &["create-product", "--json-body", "-"],
        Some(body),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["name"], "Stdin mug");
    let run = env.run_with(
        env.command(),
        &[
            "create-product",
            "--json-body",
            "-",
            "--merchant-sku",
            "OVERRIDDEN",
        ],
        Some(r#"{"name": "Stdin mug", "merchantSku": "FROM-STDIN"}"#),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["merchantSku"], "OVERRIDDEN");
    let bad = env.run_with(
        env.command(),
        &["create-product", "--json-body", "-"],
        Some(r#"{"name": 5}"#),
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn the_token_appears_in_no_output_even_when_verbose() {
    let env = start(fast());
    let mut runs = vec![
        env.run(&[
            "-vv",
            "create-product",
            "--name",
            "Mug",
            "--merchant-sku",
            "MUG-V",
        ]),
        env.run(&["-vv", "get-product", "--logistics-sku", "NO-SUCH-SKU"]),
        env.run(&["-vv", "auth", "status"]),
    ];
    // Stored as a profile and read back from it.
    let mut login = env.command();
    login.env_remove("FLEXPORT_API_TOKEN");
    runs.push(env.run_with(
        login,
        &["-vv", "auth", "login"],
        Some(&format!("{TOKEN}\n")),
    ));
    let mut from_profile = env.command();
    from_profile.env_remove("FLEXPORT_API_TOKEN");
    let listed = env.run_with(from_profile, &["-vv", "get-products", "--all"], None);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    runs.push(listed);
    // A token Flexport refuses is not shown either.
    let mut wrong = env.command();
    wrong.env("FLEXPORT_API_TOKEN", "wrong-token-5b2e8d");
    let refused = env.run_with(wrong, &["-vv", "get-products"], None);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        !refused.stderr.contains("wrong-token-5b2e8d"),
        "{}",
        refused.stderr
    );
    runs.push(refused);

    assert!(
        runs[0].stderr.contains("flexport.request"),
        "verbose logging is on: {}",
        runs[0].stderr
    );
    for run in &runs {
        assert!(!run.stdout.contains(TOKEN), "stdout: {}", run.stdout);
        assert!(!run.stderr.contains(TOKEN), "stderr: {}", run.stderr);
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let file = env.config_dir.path().join("credentials.json");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_wait_ends_when_the_report_is_ready() {
    let env = start(fast());
    let created = env.run(&["generate-report", "--report-type", "Orders-All_Orders"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let reference = created.json()["reportReference"]
        .as_str()
        .unwrap()
        .to_owned();
    let waited = env.run(&[
        "wait",
        "report-ready",
        &reference,
        "--poll-interval",
        "0.1",
        "--timeout",
        "30",
    ]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert_eq!(waited.json()["status"], "SUCCESS");

    let missing = env.run(&[
        "wait",
        "report-ready",
        "NO-SUCH-REPORT",
        "--poll-interval",
        "0.1",
    ]);
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("report ready"),
        "{}",
        missing.stderr
    );
}

/// On a terminal (a pseudo-terminal made by `script`) `--all` shows its
/// progress on stderr; piped, stdout is clean JSON and stderr has no
/// escape codes.
#[test]
fn the_progress_bar_is_drawn_on_a_terminal_only() {
    let env = start(fast());
    for n in 0..6 {
        env.create_product(&format!("PTY-{n}"));
    }
    let binary = env!("CARGO_BIN_EXE_flexport");
    let line = format!("{binary} get-products --all --page-size 1");
    let on_terminal = env.run_with(env.program("script"), &["-qec", &line, "/dev/null"], None);
    assert_eq!(on_terminal.code, 0, "{}", on_terminal.stderr);
    assert!(
        on_terminal.stdout.contains("items"),
        "{:?}",
        on_terminal.stdout
    );
    assert!(
        on_terminal.stdout.contains('\u{1b}'),
        "{:?}",
        on_terminal.stdout
    );

    let piped = env.run(&["get-products", "--all", "--page-size", "1"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!piped.stdout.contains('\u{1b}') && !piped.stderr.contains('\u{1b}'));
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);
    assert_eq!(piped.json().as_array().unwrap().len(), 6);
}
