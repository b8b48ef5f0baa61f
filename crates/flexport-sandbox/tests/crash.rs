//! The sandbox binary killed (SIGKILL) while orders are being created: after
//! a restart on the same state file, every order it confirmed is there.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

mod binary;

const TOKEN: &str = "crash-test-token";

/// Starts the binary on a free port; returns it and its base URL.
fn start(state_file: &Path) -> (binary::Running, String) {
    let mut command = binary::command();
    command
        .args([
            "--port",
            "0",
            "--token",
            TOKEN,
            "--ship-after",
            "3600",
            "--state",
        ])
        .arg(state_file);
    binary::start(command)
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> reqwest::Result<Value> {
    http.post(url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confirmed_order_survives_a_kill_in_the_middle_of_writes() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let (mut sandbox, base) = start(&state_file);
    let api = format!("{base}/logistics/api/2024-04");
    let http = reqwest::Client::new();
    let product = post(
        &http,
        format!("{api}/products"),
        json!({"name": "Mug", "merchantSku": "MUG-1"}),
    )
    .await
    .unwrap();
    let sku = product["logisticsSku"].as_str().unwrap().to_owned();

    let confirmed = Arc::new(std::sync::Mutex::new(Vec::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (http, api, sku) = (http.clone(), api.clone(), sku.clone());
            let (confirmed, answered) = (confirmed.clone(), answered.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let body = json!({
                        "externalOrderId": format!("W{writer}-{n}"),
                        "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
                        "lineItems": [{"logisticsSku": sku, "quantity": 1}],
                    });
                    match post(&http, format!("{api}/orders"), body).await {
                        Ok(order) => {
                            confirmed
                                .lock()
                                .unwrap()
                                .push(order["id"].as_str().unwrap().to_owned());
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    sandbox.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(confirmed.len() >= 200);

    let (_restarted, base) = start(&state_file);
    let api = format!("{base}/logistics/api/2024-04");
    for id in &confirmed {
        let response = http
            .get(format!("{api}/orders/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "confirmed order {id} was lost");
    }
}
