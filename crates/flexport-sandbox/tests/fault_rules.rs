//! Chosen answers (`POST /sandbox/faults`, `Sandbox::add_fault`,
//! `Config::fault_rules`) and the request log (`GET /sandbox/requests`,
//! `Sandbox::requests`): a rule answers exactly the requests it names (by
//! operationId or method name, path id, skip and times) and no others; an
//! "after acting" answer keeps what the request did, so a retry with its key
//! is replayed; rules come before the random faults; the log records each
//! request with its operation, status, key, replay and correlation id, is
//! bounded and can be cleared.

use flexport_sandbox::testing::Api;
use flexport_sandbox::{Config, FaultRule, Faults, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};

async fn add(api: &Api, rule: Value) -> (u16, Value) {
    api.control(Method::POST, "/sandbox/faults", Some(rule))
        .await
}

#[tokio::test]
async fn a_rule_answers_the_next_create_order_409_once_and_the_log_shows_it() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-1").await;
    let (status, registered) = add(
        &api,
        json!({"operation": "CreateOrder", "status": 409, "code": 407001, "retryAfter": 3, "times": 1}),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let rule_id = registered["ruleId"].as_u64().unwrap();

    let order = json!({
        "externalOrderId": "ORDER-1",
        "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
        "lineItems": [{"logisticsSku": sku, "quantity": 1}],
    });
    let response = api
        .http
        .post(format!("{}/orders", api.base))
        .bearer_auth(&api.token)
        .header("idempotency-key", "key-1")
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["retry-after"], "3");
    let correlation_id = response.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], 407001);
    // Answered before acting: the order was not made, and the next create is.
    assert_eq!(api.get("/orders/external_id/ORDER-1").await.0, 404);
    let (status, made) = api.post("/orders", order).await;
    assert_eq!(status, 200, "{made}");

    let (_, rules) = api.control(Method::GET, "/sandbox/faults", None).await;
    assert_eq!(rules[0]["ruleId"], rule_id);
    assert_eq!(
        (&rules[0]["matched"], &rules[0]["applied"]),
        (&json!(2), &json!(1))
    );

    let log = sandbox.requests();
    let creates: Vec<_> = log
        .iter()
        .filter(|request| request.operation_id.as_deref() == Some("CreateOrder202307"))
        .collect();
    assert_eq!(creates.len(), 2, "{log:#?}");
    assert_eq!(creates[0].status, Some(409));
    assert_eq!(creates[0].fault, Some(rule_id));
    assert_eq!(creates[0].idempotency_key.as_deref(), Some("key-1"));
    assert_eq!(
        creates[0].correlation_id.as_deref(),
        Some(correlation_id.as_str())
    );
    assert_eq!((creates[1].status, creates[1].fault), (Some(200), None));
    assert!(
        log.windows(2).all(|pair| pair[0].seq < pair[1].seq),
        "oldest first"
    );
    assert!(
        log.iter()
            .all(|request| !request.path.starts_with("/sandbox/")),
        "control requests are not logged: {log:#?}"
    );
}

#[tokio::test]
async fn a_drop_after_acting_keeps_the_create_and_its_retry_is_replayed() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    // By method name, from the library.
    let rule_id = sandbox
        .add_fault(FaultRule::drop("create_product").after_acting().times(1))
        .unwrap();
    let create = || {
        api.http
            .post(format!("{}/products", api.base))
            .bearer_auth(&api.token)
            .header("idempotency-key", "key-2")
            .json(&json!({"name": "Mug", "merchantSku": "MUG-2"}))
            .send()
    };
    assert!(
        create().await.is_err(),
        "the connection is closed unanswered"
    );
    let products = api.ok("/products").await;
    assert_eq!(
        products.as_array().unwrap().len(),
        1,
        "it acted: {products}"
    );
    let retry = create().await.unwrap();
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");

    let log = sandbox.requests();
    assert_eq!(log.len(), 3, "{log:#?}");
    assert_eq!((log[0].status, log[0].fault), (None, Some(rule_id)));
    assert_eq!(log[1].operation_id.as_deref(), Some("GetProducts"));
    assert_eq!((log[2].status, log[2].replayed), (Some(200), true));
    assert!(!log[0].replayed);
}

#[tokio::test]
async fn skip_and_a_path_id_pick_exactly_the_requests_named() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let first = api.product("MUG-A").await;
    let second = api.product("MUG-B").await;
    // The third GetProduct of `first` answers 503; `second` is never touched.
    let (status, rule) = add(
        &api,
        json!({"operation": "GetProduct", "id": first, "status": 503, "skip": 2, "times": 1}),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api.get(&format!("/products/{first}")).await.0);
        statuses.push(api.get(&format!("/products/{second}")).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 503, 200, 200, 200]);
    let (_, rules) = api.control(Method::GET, "/sandbox/faults", None).await;
    assert_eq!(
        (&rules[0]["matched"], &rules[0]["applied"]),
        (&json!(4), &json!(1))
    );

    // A delay alone answers as usual.
    sandbox
        .add_fault(FaultRule::delay("GetProducts", std::time::Duration::from_millis(10)).times(1))
        .unwrap();
    assert_eq!(api.get("/products").await.0, 200);
    assert_eq!(sandbox.faults()[1].applied, 1);
}

#[tokio::test]
async fn rules_are_checked_listed_and_cleared() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    for (rule, names) in [
        (
            json!({"operation": "NoSuchThing", "status": 500}),
            "NoSuchThing",
        ),
        (
            json!({"operation": "GetOrder", "status": 500, "drop": true}),
            "not both",
        ),
        (json!({"operation": "GetOrder"}), "needs an answer"),
        (json!({"operation": "GetOrder", "status": 99}), "99"),
        (
            json!({"operation": "GetOrder", "status": 500, "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, problem) = add(&api, rule.clone()).await;
        assert_eq!(status, 400, "{rule}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(names),
            "{problem}"
        );
    }
    // By documented operationId and by method name alike.
    for operation in ["CreateOrder202307", "create_order", "GetOrder"] {
        assert_eq!(
            add(&api, json!({"operation": operation, "status": 500}))
                .await
                .0,
            201
        );
    }
    let (_, rules) = api.control(Method::GET, "/sandbox/faults", None).await;
    assert_eq!(rules.as_array().unwrap().len(), 3);
    let second = rules[1]["ruleId"].as_u64().unwrap();
    let one = format!("/sandbox/faults/{second}");
    assert_eq!(api.control(Method::DELETE, &one, None).await.0, 204);
    assert_eq!(api.control(Method::DELETE, &one, None).await.0, 404);
    assert_eq!(sandbox.faults().len(), 2);
    assert_eq!(
        api.control(Method::DELETE, "/sandbox/faults", None).await.0,
        204
    );
    assert!(sandbox.faults().is_empty());
    assert_eq!(api.get("/orders/1").await.0, 404, "no rule left");
}

#[tokio::test]
async fn rules_from_the_config_come_before_the_random_faults() {
    let sandbox = Sandbox::start(Config {
        faults: Faults {
            error_before: 1.0,
            ..Faults::default()
        },
        fault_rules: vec![FaultRule::status("GetProducts", 418)],
        ..Config::default()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-04");
    assert_eq!(api.get("/products").await.0, 418);
    assert_eq!(api.get("/orders/1").await.0, 503);
    let log = sandbox.requests();
    assert_eq!(log[0].fault, Some(sandbox.faults()[0].rule_id));
    assert_eq!(log[1].fault, Some(0), "a random fault");

    let refused = Sandbox::start(Config {
        fault_rules: vec![FaultRule::status("NoSuchThing", 500)],
        ..Config::default()
    })
    .await;
    let error = refused.err().unwrap();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("NoSuchThing"), "{error}");
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_requests_and_can_be_cleared() {
    let sandbox = Sandbox::start(Config {
        request_log_limit: 3,
        ..Config::default()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-04");
    for _ in 0..5 {
        api.get("/products").await;
    }
    let (status, log) = api.control(Method::GET, "/sandbox/requests", None).await;
    assert_eq!(status, 200);
    let seqs: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5]);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/logistics/api/2024-04/products");
    assert_eq!(log[0]["operationId"], "GetProducts");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["replayed"], false);
    assert!(log[0]["correlationId"].is_string());
    assert_eq!(
        api.control(Method::DELETE, "/sandbox/requests", None)
            .await
            .0,
        204
    );
    assert!(sandbox.requests().is_empty());
    api.get("/nowhere").await;
    assert_eq!(
        sandbox.requests()[0].operation_id,
        None,
        "no operation there"
    );
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}
