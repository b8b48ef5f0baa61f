//! Scoped tokens, locked accounts, the OAuth flow and injected faults, with
//! a raw HTTP client (the facade's view is in `crates/flexport/tests`).

use std::path::Path;
use std::time::Duration;

use flexport_sandbox::auth::{
    AREAS, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SANDBOX_CALLBACK, UNSCOPED_AREAS,
    required_scope,
};
use flexport_sandbox::{Config, Faults, PartnerApp, Sandbox, ScopedToken};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "full-token";

fn config() -> Config {
    Config {
        tokens: vec![TOKEN.to_owned()],
        scoped_tokens: vec![ScopedToken {
            token: "products-reader".to_owned(),
            scopes: vec!["read_logistics_products".to_owned()],
        }],
        locked_tokens: vec!["locked-token".to_owned()],
        ..Config::default()
    }
}

fn api(sandbox: &Sandbox) -> String {
    format!("{}/logistics/api/2024-04", sandbox.base_url())
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "a problem for {status}"
    );
    response.json().await.unwrap()
}

async fn create_product(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    sku: &str,
) -> reqwest::Response {
    http.post(format!("{api}/products"))
        .bearer_auth(token)
        .header("idempotency-key", format!("key-{sku}"))
        .json(&json!({"name": "Mug", "merchantSku": sku}))
        .send()
        .await
        .unwrap()
}

async fn product_count(http: &reqwest::Client, api: &str) -> usize {
    let products: Vec<Value> = http
        .get(format!("{api}/products"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    products.len()
}

#[test]
fn the_scope_rule_names_every_tag_of_every_document_by_its_first_path_segment() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut checked = 0;
    for version in flexport_sandbox::VERSIONS {
        let text = std::fs::read_to_string(specs.join(format!("{version}.json"))).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let tag = operation["tags"][0].as_str().unwrap().to_lowercase();
                let method: axum::http::Method = method.to_uppercase().parse().unwrap();
                let scope = required_scope(&method, path);
                if tag == "oauth" || UNSCOPED_AREAS.contains(&tag.as_str()) {
                    assert_eq!(scope, None, "{path}");
                    continue;
                }
                let access = if method == "GET" { "read" } else { "write" };
                assert_eq!(
                    scope,
                    Some(format!("{access}_logistics_{tag}")),
                    "{method} {path}"
                );
                assert!(AREAS.contains(&tag.as_str()));
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_naming_it_and_changes_nothing() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let (http, api) = (reqwest::Client::new(), api(&sandbox));
    let read = http
        .get(format!("{api}/products"))
        .bearer_auth("products-reader")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let body = problem(
        create_product(&http, &api, "products-reader", "M-1").await,
        403,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("`write_logistics_products`"),
        "{body}"
    );
    let other_area = http
        .get(format!("{api}/orders/1"))
        .bearer_auth("products-reader")
        .send()
        .await
        .unwrap();
    let body = problem(other_area, 403).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("`read_logistics_orders`"),
        "{body}"
    );
    assert_eq!(
        product_count(&http, &api).await,
        0,
        "the refused create left nothing"
    );
    // The tokens of `Config::tokens` keep every scope.
    assert_eq!(
        create_product(&http, &api, TOKEN, "M-1").await.status(),
        200
    );
    let unknown = http
        .get(format!("{api}/products"))
        .bearer_auth("products-readers")
        .send()
        .await
        .unwrap();
    problem(unknown, 401).await;
}

#[tokio::test]
async fn a_locked_account_gets_423_on_reads_and_writes_and_nothing_is_created() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let (http, api) = (reqwest::Client::new(), api(&sandbox));
    let read = http
        .get(format!("{api}/products"))
        .bearer_auth("locked-token")
        .send()
        .await
        .unwrap();
    problem(read, 423).await;
    problem(
        create_product(&http, &api, "locked-token", "M-1").await,
        423,
    )
    .await;
    assert_eq!(product_count(&http, &api).await, 0);
}

#[tokio::test]
async fn an_unknown_scope_in_the_config_is_refused_at_start() {
    let error = Sandbox::start(Config {
        scoped_tokens: vec![ScopedToken {
            token: "t".to_owned(),
            scopes: vec!["admin_logistics_orders".to_owned()],
        }],
        ..Config::default()
    })
    .await
    .err()
    .unwrap();
    assert!(
        error.to_string().contains("admin_logistics_orders"),
        "{error}"
    );
}

/// Asks `authorize` and gives the answer, not following a redirect.
async fn authorize(sandbox: &Sandbox, pairs: &[(&str, &str)]) -> reqwest::Response {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", api(sandbox))).unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    no_redirects().get(url).send().await.unwrap()
}

fn callback_url(sandbox: &Sandbox) -> String {
    format!("{}{SANDBOX_CALLBACK}", sandbox.base_url())
}

/// The query pairs of a redirect's `Location`, checking that it goes to `to`.
fn redirect_pairs(response: &reqwest::Response, to: &str) -> Vec<(String, String)> {
    assert_eq!(response.status(), 301);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(to), "{location}");
    location.query_pairs().into_owned().collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

async fn code_for(sandbox: &Sandbox, scope: &str) -> String {
    let response = authorize(
        sandbox,
        &[
            ("response_type", "code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("scope", scope),
        ],
    )
    .await;
    value(&redirect_pairs(&response, &callback_url(sandbox)), "code")
        .unwrap()
        .to_owned()
}

async fn exchange(
    sandbox: &Sandbox,
    secret: &str,
    code: &str,
    redirect_uri: &str,
) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .finish();
    reqwest::Client::new()
        .post(format!("{}/oauth/token", api(sandbox)))
        .basic_auth(DEFAULT_CLIENT_ID, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn authorize_refuses_an_unknown_client_or_redirect_uri_without_redirecting() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let unknown_client = authorize(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", "other-app"),
            ("scope", "read_logistics_orders"),
        ],
    )
    .await;
    assert!(unknown_client.headers().get("location").is_none());
    assert_eq!(problem(unknown_client, 400).await["code"], 405002);
    let foreign_redirect = authorize(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("scope", "read_logistics_orders"),
            ("redirect_uri", "https://attacker.example/steal"),
        ],
    )
    .await;
    assert!(foreign_redirect.headers().get("location").is_none());
    assert_eq!(problem(foreign_redirect, 400).await["code"], 405001);
}

#[tokio::test]
async fn authorize_redirects_missing_and_invalid_scopes_with_their_codes_and_the_state() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let callback = callback_url(&sandbox);
    for (scope, code) in [
        (None, "405003"),
        (Some("  "), "405003"),
        (
            Some("read_logistics_orders admin_logistics_orders"),
            "405004",
        ),
    ] {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("state", "s t&a=te"),
        ];
        pairs.extend(scope.map(|scope| ("scope", scope)));
        let response = authorize(&sandbox, &pairs).await;
        let redirect = redirect_pairs(&response, &callback);
        assert_eq!(value(&redirect, "error"), Some(code), "{scope:?}");
        assert_eq!(value(&redirect, "state"), Some("s t&a=te"));
        assert_eq!(value(&redirect, "code"), None);
    }
    // The sandbox's own callback answers what the documents allow.
    let landing = reqwest::get(&callback).await.unwrap();
    assert_eq!(landing.status(), 204);
}

#[tokio::test]
async fn a_code_works_once_for_a_token_with_exactly_its_scopes() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let (http, api) = (reqwest::Client::new(), api(&sandbox));
    let callback = callback_url(&sandbox);
    let code = code_for(&sandbox, "read_logistics_products write_logistics_products").await;

    let wrong_secret = exchange(&sandbox, "not-the-secret", &code, &callback).await;
    problem(wrong_secret, 401).await;
    let wrong_redirect =
        exchange(&sandbox, DEFAULT_CLIENT_SECRET, &code, "http://127.0.0.1/x").await;
    assert_eq!(problem(wrong_redirect, 400).await["code"], 405001);

    let response = exchange(&sandbox, DEFAULT_CLIENT_SECRET, &code, &callback).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token: Value = response.json().await.unwrap();
    let access_token = token["access_token"].as_str().unwrap();
    assert_eq!(token["logisticsAccountId"], "sandbox-account");

    let reused = exchange(&sandbox, DEFAULT_CLIENT_SECRET, &code, &callback).await;
    assert_eq!(problem(reused, 400).await["code"], 405005);
    let invented = exchange(&sandbox, DEFAULT_CLIENT_SECRET, "code_guess", &callback).await;
    assert_eq!(problem(invented, 400).await["code"], 405005);

    assert_eq!(
        create_product(&http, &api, access_token, "M-1")
            .await
            .status(),
        200
    );
    let orders = http
        .get(format!("{api}/orders/1"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let body = problem(orders, 403).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("`read_logistics_orders`")
    );
}

#[tokio::test]
async fn an_expired_code_gives_405005() {
    let sandbox = Sandbox::start(Config {
        oauth_code_ttl: Duration::ZERO,
        ..config()
    })
    .await
    .unwrap();
    let code = code_for(&sandbox, "read_logistics_orders").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let expired = exchange(
        &sandbox,
        DEFAULT_CLIENT_SECRET,
        &code,
        &callback_url(&sandbox),
    )
    .await;
    assert_eq!(problem(expired, 400).await["code"], 405005);
}

#[tokio::test]
async fn an_app_may_not_ask_for_scopes_beyond_its_own_and_its_codes_are_its_own() {
    let sandbox = Sandbox::start(Config {
        oauth_apps: vec![
            PartnerApp::default(),
            PartnerApp {
                client_id: "narrow".to_owned(),
                client_secret: "narrow-secret".to_owned(),
                redirect_uris: vec!["https://partner.example/cb".to_owned()],
                scopes: vec!["read_logistics_orders".to_owned()],
            },
        ],
        ..config()
    })
    .await
    .unwrap();
    let response = authorize(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", "narrow"),
            ("scope", "write_logistics_orders"),
        ],
    )
    .await;
    let redirect = redirect_pairs(&response, "https://partner.example/cb");
    assert_eq!(value(&redirect, "error"), Some("405004"));
    let response = authorize(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", "narrow"),
            ("scope", "read_logistics_orders"),
        ],
    )
    .await;
    let redirect = redirect_pairs(&response, "https://partner.example/cb");
    let narrow_code = value(&redirect, "code").unwrap();
    // The default app cannot redeem another app's code.
    let stolen = exchange(
        &sandbox,
        DEFAULT_CLIENT_SECRET,
        narrow_code,
        "https://partner.example/cb",
    )
    .await;
    assert_eq!(problem(stolen, 400).await["code"], 405005);
}

#[tokio::test]
async fn issued_tokens_and_used_codes_survive_a_restart_and_the_journal_holds_neither_secret() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let with_state = || Config {
        state_file: Some(state_file.clone()),
        address: "127.0.0.1:0".parse().unwrap(),
        ..config()
    };
    let sandbox = Sandbox::start(with_state()).await.unwrap();
    let code = code_for(&sandbox, "read_logistics_products").await;
    let callback = callback_url(&sandbox);
    let token: Value = exchange(&sandbox, DEFAULT_CLIENT_SECRET, &code, &callback)
        .await
        .json()
        .await
        .unwrap();
    let access_token = token["access_token"].as_str().unwrap().to_owned();
    sandbox.stop().await;
    let journal = std::fs::read_to_string(&state_file).unwrap();
    assert!(!journal.contains(&access_token) && !journal.contains(&code));

    let sandbox = Sandbox::start(with_state()).await.unwrap();
    let read = reqwest::Client::new()
        .get(format!("{}/products", api(&sandbox)))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "the token outlived the restart");
    // The port changed, and with it the callback; the code is refused for
    // being used, whatever the redirect URI.
    let reused = exchange(&sandbox, DEFAULT_CLIENT_SECRET, &code, &callback).await;
    assert_eq!(problem(reused, 400).await["code"], 405005);
}

fn faulty(faults: Faults, state_file: &Path) -> Config {
    Config {
        faults,
        state_file: Some(state_file.to_owned()),
        ..config()
    }
}

/// Sends one raw HTTP/1.1 request and reads until the server closes.
async fn raw_exchange(sandbox: &Sandbox, request: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = tokio::net::TcpStream::connect(sandbox.address()).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(answer)
}

#[tokio::test]
async fn each_fault_acts_or_not_as_documented_and_drops_close_without_a_byte() {
    let body = r#"{"name":"Mug","merchantSku":"M-1"}"#;
    let request = format!(
        "POST /logistics/api/2024-04/products HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer {TOKEN}\r\n\
         idempotency-key: k-1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    for (name, faults, acted) in [
        (
            "error before",
            Faults {
                error_before: 1.0,
                ..Faults::default()
            },
            false,
        ),
        (
            "error after",
            Faults {
                error_after: 1.0,
                ..Faults::default()
            },
            true,
        ),
        (
            "drop before",
            Faults {
                drop_before: 1.0,
                ..Faults::default()
            },
            false,
        ),
        (
            "drop after",
            Faults {
                drop_after: 1.0,
                ..Faults::default()
            },
            true,
        ),
    ] {
        let directory = tempfile::tempdir().unwrap();
        let state_file = directory.path().join("state.jsonl");
        let dropping = faults.drop_before + faults.drop_after > 0.0;
        let sandbox = Sandbox::start(faulty(faults, &state_file)).await.unwrap();
        match raw_exchange(&sandbox, &request).await {
            Ok(answer) if dropping => {
                assert!(
                    answer.is_empty(),
                    "{name}: {}",
                    String::from_utf8_lossy(&answer)
                )
            }
            Ok(answer) => {
                let text = String::from_utf8_lossy(&answer);
                let status = if name == "error before" { "503" } else { "500" };
                assert!(
                    text.starts_with(&format!("HTTP/1.1 {status}")),
                    "{name}: {text}"
                );
                assert!(text.contains("application/problem+json"), "{name}: {text}");
            }
            // A reset is a close without an answer too.
            Err(error) => assert!(dropping, "{name}: {error}"),
        }
        sandbox.stop().await;
        // The state file tells what was committed.
        let sandbox = Sandbox::start(Config {
            state_file: Some(state_file.clone()),
            ..config()
        })
        .await
        .unwrap();
        let http = reqwest::Client::new();
        let count = product_count(&http, &api(&sandbox)).await;
        assert_eq!(count, usize::from(acted), "{name}");
        if acted {
            // A retry with the same key gets the first answer, not a second product.
            let retried = http
                .post(format!("{}/products", api(&sandbox)))
                .bearer_auth(TOKEN)
                .header("idempotency-key", "k-1")
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(retried.status(), 200, "{name}");
            assert_eq!(retried.headers()["idempotent-replayed"], "true", "{name}");
            assert_eq!(product_count(&http, &api(&sandbox)).await, 1, "{name}");
        }
        sandbox.stop().await;
    }
}

/// The statuses of 40 GETs, one at a time, under `seed`.
async fn statuses(seed: u64) -> Vec<u16> {
    let sandbox = Sandbox::start(Config {
        faults: Faults {
            error_before: 0.5,
            seed,
            ..Faults::default()
        },
        ..config()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let response = http
            .get(format!("{}/products", api(&sandbox)))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let first = statuses(7).await;
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    assert_eq!(statuses(7).await, first);
    assert_ne!(statuses(8).await, first);
}

#[tokio::test]
async fn fault_shares_outside_0_to_1_or_adding_up_past_1_are_refused_at_start() {
    for faults in [
        Faults {
            slow: 1.5,
            ..Faults::default()
        },
        Faults {
            error_before: -0.1,
            ..Faults::default()
        },
        Faults {
            error_before: 0.6,
            drop_after: 0.6,
            ..Faults::default()
        },
        Faults {
            error_after: f64::NAN,
            ..Faults::default()
        },
    ] {
        let result = Sandbox::start(Config {
            faults: faults.clone(),
            ..Config::default()
        })
        .await;
        assert!(result.is_err(), "{faults:?}");
    }
}

#[tokio::test]
async fn a_slow_write_the_client_gave_up_on_is_not_carried_out() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let slow = Faults {
        slow: 1.0,
        slow_delay: Duration::from_secs(5),
        ..Faults::default()
    };
    let sandbox = Sandbox::start(faulty(slow, &state_file)).await.unwrap();
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = impatient
        .post(format!("{}/products", api(&sandbox)))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "Mug", "merchantSku": "M-1"}))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    // Stopping waits for the requests in flight: had the abandoned one gone
    // on after its delay, it would be in the state file now.
    sandbox.stop().await;
    let sandbox = Sandbox::start(Config {
        state_file: Some(state_file),
        ..config()
    })
    .await
    .unwrap();
    assert_eq!(
        product_count(&reqwest::Client::new(), &api(&sandbox)).await,
        0
    );
}

#[tokio::test]
async fn hostile_credentials_and_parameters_are_refused_or_carried_safely() {
    let sandbox = Sandbox::start(config()).await.unwrap();
    let token_url = format!("{}/oauth/token", api(&sandbox));
    let form = "grant_type=authorization_code&code=c&redirect_uri=x";
    for authorization in [
        &b"Basic !!!not-base64"[..],
        b"Basic c2FuZGJveC1hcHA=", // "sandbox-app", no colon
        b"Basic c2FuZGJveC1hcHA6", // "sandbox-app:", empty secret
        b"Basic \xff\xfe",
        b"Bearer full-token",
        b"basic",
    ] {
        let response = reqwest::Client::new()
            .post(&token_url)
            .header(
                "authorization",
                reqwest::header::HeaderValue::from_bytes(authorization).unwrap(),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        problem(response, 401).await;
    }
    // A repeated form field is ambiguous and refused, not guessed at.
    let repeated = reqwest::Client::new()
        .post(&token_url)
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .body("grant_type=authorization_code&code=a&code=b&redirect_uri=x")
        .send()
        .await
        .unwrap();
    problem(repeated, 400).await;
    // A state carrying a header injection comes back percent-encoded, intact.
    let hostile_state = "s\r\nSet-Cookie: session=stolen";
    let response = authorize(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("scope", "read_logistics_orders"),
            ("state", hostile_state),
        ],
    )
    .await;
    assert!(response.headers().get("set-cookie").is_none());
    let redirect = redirect_pairs(&response, &callback_url(&sandbox));
    assert_eq!(value(&redirect, "state"), Some(hostile_state));
}
