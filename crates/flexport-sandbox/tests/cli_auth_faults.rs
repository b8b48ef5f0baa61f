//! The command line's flags for scoped tokens, locked accounts, the OAuth
//! app and faults, through the binary.

mod binary;

fn start(args: &[&str]) -> (binary::Running, String) {
    let mut command = binary::command();
    command.args(["--port", "0"]).args(args);
    binary::start(command)
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn scoped_and_locked_tokens_and_the_oauth_app_come_from_flags() {
    let (_running, url) = start(&[
        "--token",
        "full",
        "--scoped-token",
        "reader=read_logistics_products,read_logistics_orders",
        "--locked-token",
        "locked",
        "--oauth-client-id",
        "cli-app",
        "--oauth-redirect-uri",
        "https://partner.example/cb",
        "--oauth-scope",
        "read_logistics_orders",
    ]);
    let api = format!("{url}/logistics/api/2024-04");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let products = format!("{api}/products");
    assert_eq!(status(http.get(&products).bearer_auth("full")).await, 200);
    assert_eq!(status(http.get(&products).bearer_auth("reader")).await, 200);
    let create = http
        .post(&products)
        .bearer_auth("reader")
        .json(&serde_json::json!({"name": "Mug", "merchantSku": "M-1"}));
    assert_eq!(status(create).await, 403);
    assert_eq!(status(http.get(&products).bearer_auth("locked")).await, 423);

    let authorize = |scope: &str| {
        http.get(format!(
            "{api}/oauth/authorize?response_type=code&client_id=cli-app&scope={scope}"
        ))
    };
    let granted = authorize("read_logistics_orders").send().await.unwrap();
    assert_eq!(granted.status(), 301);
    let location = granted.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://partner.example/cb?code="),
        "{location}"
    );
    let beyond = authorize("write_logistics_orders").send().await.unwrap();
    assert!(
        beyond.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=405004")
    );
}

#[tokio::test]
async fn a_fault_flag_takes_effect_and_an_impossible_share_stops_the_start() {
    let (_running, url) = start(&["--token", "t", "--fault-error-before", "1"]);
    let response = reqwest::Client::new()
        .get(format!("{url}/logistics/api/2024-04/products"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);

    for flags in [
        &["--fault-slow", "1.5"][..],
        &["--fault-error-after", "0.7", "--fault-drop-after", "0.7"][..],
        &["--scoped-token", "t=admin_logistics_orders"][..],
        &["--scoped-token", "no-equals-sign"][..],
    ] {
        let output = binary::command()
            .args(["--port", "0"])
            .args(flags)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{flags:?}");
        assert!(!output.stderr.is_empty(), "{flags:?}");
    }
}

#[tokio::test]
async fn the_manual_clock_and_fault_rules_come_from_flags() {
    let (_running, url) = start(&[
        "--manual-clock",
        "--fault-rule",
        r#"{"operation": "GetProducts", "status": 409, "times": 1}"#,
    ]);
    let http = reqwest::Client::new();
    let products = format!("{url}/logistics/api/2024-04/products");
    let get = || http.get(&products).bearer_auth("sandbox-token");
    assert_eq!(status(get()).await, 409);
    assert_eq!(status(get()).await, 200);
    let clock: serde_json::Value = http
        .get(format!("{url}/sandbox/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["manual"], true);
    let advanced = http
        .post(format!("{url}/sandbox/clock/advance"))
        .json(&serde_json::json!({"seconds": 60}));
    assert_eq!(status(advanced).await, 200);

    let output = binary::command()
        .args([
            "--port",
            "0",
            "--fault-rule",
            r#"{"operation": "NoSuchThing", "status": 500}"#,
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("NoSuchThing"));
}
