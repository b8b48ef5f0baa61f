//! The state file under real faults: writes refused by a file-size limit,
//! lines torn at any byte (also inside a multi-byte character), a complete
//! line that does not parse, compaction, key expiry; and stock arithmetic
//! that must not overflow.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use flexport_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

mod binary;

const TOKEN: &str = "durability-token";

/// Starts the binary through `sh` with a file-size limit of `blocks`
/// (`ulimit -f`) and SIGXFSZ ignored, so that a write past the limit fails
/// with EFBIG instead of killing the process; no limit with `None`.
fn start_binary(
    state_file: &Path,
    blocks: Option<u32>,
    extra: &[&str],
) -> (binary::Running, String) {
    let limit = blocks.map_or(String::new(), |blocks| format!("ulimit -f {blocks}; "));
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("trap '' XFSZ; {limit}exec \"$0\" \"$@\""))
        .arg(binary::command().get_program())
        .args(["--port", "0", "--token", TOKEN, "--ship-after", "3600"])
        .args(extra)
        .arg("--state")
        .arg(state_file);
    let (running, url) = binary::start(command);
    (running, format!("{url}/logistics/api/2024-04"))
}

async fn create_product(
    http: &reqwest::Client,
    api: &str,
    key: &str,
    merchant_sku: &str,
) -> reqwest::Response {
    http.post(format!("{api}/products"))
        .bearer_auth(TOKEN)
        .header("idempotency-key", key)
        .json(&json!({"name": "Mug", "merchantSku": merchant_sku}))
        .send()
        .await
        .unwrap()
}

async fn merchant_skus(http: &reqwest::Client, api: &str) -> Vec<String> {
    let products: Vec<Value> = http
        .get(format!("{api}/products?limit=100000"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut skus: Vec<String> = products
        .iter()
        .map(|product| product["merchantSku"].as_str().unwrap().to_owned())
        .collect();
    skus.sort();
    skus
}

async fn create_named(
    http: &reqwest::Client,
    api: &str,
    key: &str,
    name: &str,
    merchant_sku: &str,
) -> reqwest::Response {
    http.post(format!("{api}/products"))
        .bearer_auth(TOKEN)
        .header("idempotency-key", key)
        .json(&json!({"name": name, "merchantSku": merchant_sku}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_file_size_limit_no_unwritten_change_is_confirmed_or_replayed() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let http = reqwest::Client::new();
    // 64 blocks: 32 KiB (dash counts 512-byte blocks) or 64 KiB (bash).
    let (limited, api) = start_binary(&state_file, Some(64), &[]);
    // Every fourth product has a name too long for the file ever to take,
    // so writes fail and succeed in turn until the small ones fill it up.
    let huge = "x".repeat(70_000);

    let mut confirmed = Vec::new();
    let mut refused = Vec::new();
    let mut resumed = false;
    for n in 0..200 {
        let (key, sku) = (format!("key-{n}"), format!("M-{n:03}"));
        let name = if n % 4 == 3 { huge.as_str() } else { "Mug" };
        let response = create_named(&http, &api, &key, name, &sku).await;
        match response.status().as_u16() {
            200 => {
                resumed |= !refused.is_empty();
                confirmed.push((key, sku));
            }
            503 => {
                let content_type = response.headers()["content-type"].clone();
                assert_eq!(content_type, "application/problem+json");
                refused.push((key, sku, name));
            }
            status => panic!("{sku}: unexpected {status}"),
        }
    }
    assert!(
        confirmed.len() > 10 && refused.len() > 100,
        "{} confirmed, {} refused",
        confirmed.len(),
        refused.len()
    );
    assert!(resumed, "no write succeeded after a failed one");
    // Retries of refused writes, with their keys, are refused again, never
    // replayed as successes.
    for (key, sku, name) in refused.iter().take(20) {
        let retry = create_named(&http, &api, key, name, sku).await;
        assert_eq!(retry.status(), 503, "{sku} replayed or made");
        assert!(!retry.headers().contains_key("idempotent-replayed"));
    }
    // Memory holds exactly the confirmed products.
    let mut expected: Vec<String> = confirmed.iter().map(|(_, sku)| sku.clone()).collect();
    expected.sort();
    assert_eq!(merchant_skus(&http, &api).await, expected);
    drop(limited);

    let (_restarted, api) = start_binary(&state_file, None, &[]);
    assert_eq!(
        merchant_skus(&http, &api).await,
        expected,
        "after a restart"
    );
    for (key, sku, name) in refused.iter().take(2) {
        let made = create_named(&http, &api, key, name, sku).await;
        assert_eq!(made.status(), 200);
        assert!(
            !made.headers().contains_key("idempotent-replayed"),
            "a ghost"
        );
    }
    let (key, sku) = &confirmed[0];
    let replayed = create_product(&http, &api, key, sku).await;
    assert_eq!(replayed.status(), 200);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
}

fn config(state_file: &Path) -> Config {
    Config {
        state_file: Some(state_file.to_owned()),
        tokens: vec![TOKEN.to_owned()],
        ship_after: Duration::from_secs(3600),
        ..Config::default()
    }
}

fn api(sandbox: &Sandbox) -> String {
    format!("{}/logistics/api/2024-04", sandbox.base_url())
}

/// A state file of `count` lines, each one product named with multi-byte
/// characters; returns its bytes.
async fn journal_of_products(count: usize) -> Vec<u8> {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let sandbox = Sandbox::start(config(&state_file)).await.unwrap();
    let http = reqwest::Client::new();
    for n in 0..count {
        let response = http
            .post(format!("{}/products", api(&sandbox)))
            .bearer_auth(TOKEN)
            .json(&json!({"name": format!("Café ☕ {n}"), "merchantSku": format!("M-{n:03}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    sandbox.stop().await;
    std::fs::read(&state_file).unwrap()
}

#[tokio::test]
async fn a_line_torn_at_any_byte_even_inside_a_character_is_cut_and_the_rest_kept() {
    let journal = journal_of_products(6).await;
    assert_eq!(
        journal.iter().filter(|&&b| b == b'\n').count(),
        6,
        "one line per request"
    );
    let text = String::from_utf8(journal.clone()).unwrap();
    // Every offset inside a multi-byte character, and random others.
    let mut offsets: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| c.len_utf8() > 1)
        .flat_map(|(at, c)| (at + 1..at + c.len_utf8()).collect::<Vec<_>>())
        .collect();
    let mut random = fastrand::Rng::with_seed(14);
    offsets.extend((0..20).map(|_| random.usize(0..=journal.len())));
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let http = reqwest::Client::new();
    for offset in offsets {
        std::fs::write(&state_file, &journal[..offset]).unwrap();
        let sandbox = Sandbox::start(config(&state_file))
            .await
            .unwrap_or_else(|error| panic!("torn at {offset}: {error}"));
        let whole_lines = journal[..offset].iter().filter(|&&b| b == b'\n').count();
        let expected: Vec<String> = (0..whole_lines).map(|n| format!("M-{n:03}")).collect();
        let products: Vec<Value> = http
            .get(format!("{}/products", api(&sandbox)))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kept: Vec<&str> = products
            .iter()
            .map(|product| product["merchantSku"].as_str().unwrap())
            .collect();
        assert_eq!(kept, expected, "torn at {offset}");
        if let Some(first) = products.first() {
            assert_eq!(first["name"], "Café ☕ 0");
        }
        sandbox.stop().await;
    }
}

#[tokio::test]
async fn a_complete_line_that_does_not_parse_stops_the_start_naming_it_and_the_file_is_kept() {
    let journal = journal_of_products(3).await;
    let lines: Vec<&[u8]> = journal.split_inclusive(|&b| b == b'\n').collect();
    let mut damaged = Vec::new();
    damaged.extend_from_slice(lines[0]);
    damaged.extend_from_slice(b"[{\"kind\":\"product\",\"value\":{\"name\":\"Caf\xc3\n");
    damaged.extend_from_slice(lines[2]);
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    std::fs::write(&state_file, &damaged).unwrap();

    let error = Sandbox::start(config(&state_file)).await.err().unwrap();
    assert!(error.to_string().contains("line 2"), "{error}");
    assert_eq!(
        std::fs::read(&state_file).unwrap(),
        damaged,
        "the file was changed"
    );
}

#[tokio::test]
async fn compaction_keeps_the_file_bounded_and_every_change() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let compacting = Config {
        compact_after: 8 << 10,
        ..config(&state_file)
    };
    let sandbox = Sandbox::start(compacting.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let api = api(&sandbox);
    for n in 0..3 {
        let response = http
            .post(format!("{api}/products"))
            .bearer_auth(TOKEN)
            .header("idempotency-key", format!("k-{n}"))
            .json(&json!({"name": "Mug", "merchantSku": format!("M-{n:03}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // 400 lines that cancel out: about 60 KB of journal for a tiny state.
    let mut largest = 0;
    for _ in 0..200 {
        let webhook: Value = http
            .post(format!("{api}/webhooks"))
            .bearer_auth(TOKEN)
            .json(&json!({"type": "*", "url": "http://127.0.0.1:9/hook", "method": "POST"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let deleted = http
            .delete(format!(
                "{api}/webhooks/{}",
                webhook["id"].as_f64().unwrap() as u64
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 204);
        largest = largest.max(std::fs::metadata(&state_file).unwrap().len());
    }
    sandbox.stop().await;
    assert!(largest < 12 << 10, "the file reached {largest} bytes");

    let sandbox = Sandbox::start(compacting).await.unwrap();
    let api = format!("{}/logistics/api/2024-04", sandbox.base_url());
    let products: Vec<Value> = http
        .get(format!("{api}/products"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(products.len(), 3);
    let replay = http
        .post(format!("{api}/products"))
        .bearer_auth(TOKEN)
        .header("idempotency-key", "k-0")
        .json(&json!({"name": "Mug", "merchantSku": "M-000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn an_expired_idempotency_key_is_forgotten() {
    let sandbox = Sandbox::start(Config {
        tokens: vec![TOKEN.to_owned()],
        idempotency_ttl: Duration::from_millis(50),
        ..Config::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let create = || {
        http.post(format!("{}/products", api(&sandbox)))
            .bearer_auth(TOKEN)
            .header("idempotency-key", "once")
            .json(&json!({"name": "Mug", "merchantSku": "M-1"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Not replayed: the product exists, so acting again is a conflict.
    assert_eq!(create().await.unwrap().status(), 409);
}

#[tokio::test]
async fn a_client_slow_to_send_its_body_holds_up_no_other_write() {
    use tokio::io::AsyncWriteExt;
    let sandbox = Sandbox::start(Config {
        tokens: vec![TOKEN.to_owned()],
        ..Config::default()
    })
    .await
    .unwrap();
    let mut slow = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    let head = format!(
        "POST /logistics/api/2024-04/products HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"name\":"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.flush().await.unwrap();
    // Give the server every chance to take the slow request first.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let http = reqwest::Client::new();
    let other = tokio::time::timeout(
        Duration::from_secs(60),
        create_product(&http, &api(&sandbox), "k", "M-1"),
    )
    .await
    .expect("a write waited for another request's body");
    assert_eq!(other.status(), 200);
    drop(slow);
}

/// Counts the HTTP requests made to it (webhook deliveries), answering 200.
fn webhook_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0; 8192];
            if stream.read(&mut request).unwrap_or(0) > 0 {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_whose_write_fails_changes_nothing_and_sends_no_webhook() {
    use std::sync::atomic::Ordering;
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let http = reqwest::Client::new();
    let (hook, deliveries) = webhook_receiver();
    let receive_after = Duration::from_secs(8);
    let seconds = receive_after.as_secs().to_string();
    let (limited, api) = start_binary(
        &state_file,
        Some(64),
        &["--receive-after", seconds.as_str()],
    );
    let post = |path: &str, body: Value| {
        http.post(format!("{api}{path}"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    let webhook = post(
        "/webhooks",
        json!({"type": "*", "url": hook, "method": "POST"}),
    );
    assert_eq!(webhook.await.unwrap().status(), 200);
    let product: Value = post("/products", json!({"name": "Mug", "merchantSku": "MUG"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sku = product["logisticsSku"].as_str().unwrap().to_owned();
    let inbound = post(
        "/inbounds/shipments",
        json!({
            "from": {"address1": "1 A St", "city": "LA", "provinceCode": "CA", "zip": "90001", "countryCode": "US"},
            "prep": {"boxContentLabels": false},
            "items": [{"logisticsSku": sku, "quantity": 5}],
        }),
    );
    let inbound_created = std::time::Instant::now();
    let inbound: Value = inbound.await.unwrap().json().await.unwrap();
    // Fill the file until the smallest write no longer fits; the tick's
    // line (a whole shipment) is larger.
    let mut refused_in_a_row = 0;
    for n in 0.. {
        let response = create_product(&http, &api, &format!("fill-{n}"), &format!("F-{n}")).await;
        refused_in_a_row = if response.status() == 503 {
            refused_in_a_row + 1
        } else {
            0
        };
        if refused_in_a_row == 3 {
            break;
        }
    }
    let shipment_url = format!(
        "{api}/inbounds/shipments/{}",
        inbound["id"].as_str().unwrap()
    );
    let status = |http: reqwest::Client, url: String| async move {
        let shipment: Value = http
            .get(url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        shipment["status"].as_str().unwrap().to_owned()
    };
    assert_ne!(
        status(http.clone(), shipment_url.clone()).await,
        "COMPLETED",
        "this machine filled the file too slowly for the test"
    );
    // Let the receiving time pass, and the ticker try (and fail) a while.
    tokio::time::sleep(
        (receive_after + Duration::from_secs(2)).saturating_sub(inbound_created.elapsed()),
    )
    .await;
    assert_ne!(
        status(http.clone(), shipment_url.clone()).await,
        "COMPLETED"
    );
    assert_eq!(
        deliveries.load(Ordering::SeqCst),
        0,
        "a webhook for an unwritten change"
    );
    drop(limited);

    // Without the limit, the tick goes through, and only then its webhooks.
    let (_restarted, api) = start_binary(&state_file, None, &[]);
    let shipment_url = format!(
        "{api}/inbounds/shipments/{}",
        inbound["id"].as_str().unwrap()
    );
    while status(http.clone(), shipment_url.clone()).await != "COMPLETED" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while deliveries.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// parcels and returns

/// The `customerParcelId` of every parcel, by id from 1001 up to the first
/// that is missing (ids are handed out in order, and a refused parcel's id
/// is handed out again).
async fn parcel_references(http: &reqwest::Client, api: &str) -> Vec<String> {
    let mut references = Vec::new();
    for id in 1001.. {
        let response = http
            .get(format!("{api}/parcels/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        if response.status() == 404 {
            break;
        }
        let parcel: Value = response.json().await.unwrap();
        references.push(parcel["customerReferenceId"].as_str().unwrap().to_owned());
    }
    references.sort();
    references
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_file_size_limit_only_confirmed_parcels_exist_then_and_after_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let http = reqwest::Client::new();
    let (limited, api) = start_binary(&state_file, Some(64), &[]);
    // Every fourth parcel carries a field too long for the file ever to take.
    let huge = "x".repeat(70_000);
    let mut confirmed = Vec::new();
    let mut refused = 0;
    for n in 0..120 {
        let reference = format!("P-{n:03}");
        let custom = if n % 4 == 3 { huge.as_str() } else { "small" };
        let response = http
            .post(format!("{api}/parcels"))
            .bearer_auth(TOKEN)
            .header("idempotency-key", format!("parcel-{n}"))
            .json(&json!({
                "customerParcelId": reference,
                "customerCustomField": custom,
                "shipToAddress": {"name": "Ada", "street1": "1 Main St", "city": "Reno",
                                  "state": "NV", "zip": "89501", "country": "US"},
                "dimensions": {"length": 1, "width": 1, "height": 1, "lengthUnit": "in",
                               "weight": 1, "weightUnit": "lb"},
            }))
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => confirmed.push(reference),
            503 => refused += 1,
            status => panic!("{reference}: unexpected {status}"),
        }
    }
    assert!(
        confirmed.len() > 5 && refused > 30,
        "{} confirmed, {refused} refused",
        confirmed.len()
    );
    confirmed.sort();
    assert_eq!(parcel_references(&http, &api).await, confirmed);
    drop(limited);
    let (_restarted, api) = start_binary(&state_file, None, &[]);
    assert_eq!(
        parcel_references(&http, &api).await,
        confirmed,
        "after a restart"
    );
}
