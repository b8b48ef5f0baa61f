//! Parcels and returns over plain HTTP: what the typed client cannot send
//! (cut bodies, enum values no version has, hostile cursors), that a refused
//! request leaves nothing behind, and that a restart from the state file
//! keeps parcels, bulk jobs and returns and carries on moving them.

use std::time::Duration;

use flexport_sandbox::testing::Api;
use flexport_sandbox::{Config, Sandbox, VERSIONS};
use reqwest::StatusCode;
use serde_json::{Value, json};

const POLL: Duration = Duration::from_millis(20);
/// A guard against hanging, not a timing assertion.
const GIVE_UP_AFTER_POLLS: usize = 3_000;

fn fast() -> Config {
    flexport_sandbox::testing::steps_after(Duration::from_millis(100))
}

/// Time never moves anything during the test.
fn frozen() -> Config {
    Config {
        parcel_step_after: Duration::from_secs(3600),
        parcel_job_after: Duration::from_secs(3600),
        return_step_after: Duration::from_secs(3600),
        ..Config::default()
    }
}

fn parcel() -> Value {
    json!({
        "shipToAddress": {"name": "Ada", "street1": "1 Main St", "city": "Reno",
                          "state": "NV", "zip": "89501", "country": "US"},
        "dimensions": {"length": 10, "width": 8, "height": 4, "lengthUnit": "in",
                       "weight": 2, "weightUnit": "lb"},
    })
}

fn detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

fn a_return(external_id: &str, items: Value) -> Value {
    json!({"rma": "RMA-1", "externalReturnId": external_id, "returnItems": items})
}

#[tokio::test]
async fn every_version_that_has_parcels_makes_them_through_one_engine() {
    let sandbox = Sandbox::start(frozen()).await.unwrap();
    let mut ids = Vec::new();
    for version in VERSIONS {
        let api = Api::new(&sandbox, version);
        let (status, body) = api.post("/parcels", parcel()).await;
        assert_eq!(status, StatusCode::OK, "{version}: {body}");
        ids.push(body["parcelId"].as_str().unwrap().to_owned());
    }
    // One engine: a parcel made on one version's path is seen on another's.
    let (status, body) = Api::new(&sandbox, "2023-04")
        .get(&format!("/parcels/{}", ids.last().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids.dedup();
    assert_eq!(ids.len(), VERSIONS.len());
}

#[tokio::test]
async fn a_refused_bulk_job_makes_nothing_and_names_the_bad_parcel() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let mut bad = parcel();
    bad["dimensions"]["weight"] = json!(0);
    let mut good = parcel();
    good["serviceLevel"] = json!("STANDARD");
    bad["serviceLevel"] = json!("STANDARD");
    let (status, body) = api
        .post(
            "/parcels/jobs",
            json!({"packslipRequired": false, "parcels": [good, bad]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        detail(&body).contains("parcels[1].dimensions.weight"),
        "{body}"
    );
    // Long enough for a job to finish had one been queued (a guard, not a
    // timing assertion: the check below would fail either way if one were).
    tokio::time::sleep(Duration::from_millis(400)).await;
    for path in ["/parcels/jobs/1001", "/parcels/1001"] {
        assert_eq!(api.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn hostile_and_cut_parcel_requests_are_refused_and_leave_nothing() {
    let sandbox = Sandbox::start(frozen()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    // A body cut off mid-way.
    let (status, _) = api
        .post_bytes("/parcels", br#"{"shipToAddress": {"name": "Ada", "stre"#)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Values no version has, and sizes no carrier takes.
    let cases: [(&str, Value, &str); 6] = [
        (
            "/dimensions/weightUnit",
            json!("stone"),
            "dimensions.weightUnit",
        ),
        ("/dimensions/length", json!(-3), "dimensions.length"),
        ("/dimensions/height", json!(1e308), "dimensions.height"),
        ("/labelFormat", json!("PDF"), "labelFormat"),
        (
            "/shipToAddress/street1",
            json!("   "),
            "shipToAddress.street1",
        ),
        ("/serviceLevel", json!(""), "serviceLevel"),
    ];
    for (pointer, value, field) in cases {
        let mut body = parcel();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        body.pointer_mut(parent).unwrap()[key] = value;
        let (status, answer) = api.post("/parcels", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pointer}: {answer}");
        assert!(detail(&answer).contains(field), "{pointer}: {answer}");
    }
    assert_eq!(api.get("/parcels/1001").await.0, StatusCode::NOT_FOUND);
    // Cancelling names no parcel: CancelParcel documents no 404, so 422.
    let (status, _) = api
        .post("/parcels/cancel", json!({"parcelId": "1001"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The static segments of the parcel routes are not parcels either.
    for path in ["/parcels/quote", "/parcels/cancel", "/parcels/jobs"] {
        assert_eq!(api.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn returns_refuse_unknown_types_products_and_quantities_and_duplicates() {
    let sandbox = Sandbox::start(frozen()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-1").await;
    let item = |kind: &str, identifier: &str, quantity: Value| json!([{"identifier": identifier, "type": kind, "quantity": quantity}]);
    let cases = [
        // A type a newer version might add.
        (item("UPC", &sku, json!(1)), "returnItems[0].type"),
        (
            item("LOGISTICS_SKU", "NOPE", json!(1)),
            "returnItems[0].identifier",
        ),
        (item("SKU", &sku, json!(1)), "returnItems[0].identifier"),
        (
            item("LOGISTICS_SKU", &sku, json!(0)),
            "returnItems[0].quantity",
        ),
        (
            item("LOGISTICS_SKU", &sku, json!(1.5)),
            "returnItems[0].quantity",
        ),
        (
            item("LOGISTICS_SKU", &sku, json!(3e9)),
            "returnItems[0].quantity",
        ),
        (json!([]), "returnItems"),
    ];
    for (items, field) in cases {
        let (status, body) = api.post("/returns", a_return("R-1", items.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{items}: {body}");
        assert!(detail(&body).contains(field), "{items}: {body}");
    }
    let (status, body) = api.get("/returns").await;
    assert_eq!((status, body), (200, json!([])));

    // Units that would pass i32::MAX once restocked, counting returns not
    // yet processed.
    let max = item("LOGISTICS_SKU", &sku, json!(i32::MAX));
    assert_eq!(
        api.post("/returns", a_return("R-1", max.clone())).await.0,
        StatusCode::OK
    );
    let (status, body) = api
        .post(
            "/returns",
            a_return("R-2", item("LOGISTICS_SKU", &sku, json!(1))),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The same external id twice is a conflict.
    let (status, _) = api.post("/returns", a_return("R-1", max)).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn return_lists_refuse_hostile_cursors_and_limits() {
    let sandbox = Sandbox::start(frozen()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    for query in [
        "limit=0",
        "limit=251",
        "limit=-1",
        "limit=1.5",
        "limit=99999999999999999999",
        "page_info=after-x",
        "page_info=%00%0Aafter-1",
        "page_info=1001",
    ] {
        let (status, body) = api.get(&format!("/returns?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
    // A cursor past the end is an empty page, not an error.
    use base64::Engine as _;
    let past_the_end = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"after":18446744073709551615,"walk":0,"filter":{}}"#);
    assert_eq!(
        api.get(&format!("/returns?page_info={past_the_end}")).await,
        (200, json!([]))
    );
}

#[tokio::test]
async fn a_restart_keeps_parcels_jobs_and_returns_and_moves_them_on() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let persistent = |config: Config| Config {
        state_file: Some(state_file.clone()),
        ..config
    };
    // Times are kept as they were scheduled: what the first run scheduled
    // 300 ms ahead moves on after the restart (or, on a slow machine,
    // before it; either way it must end up done).
    let first = Config {
        parcel_step_after: Duration::from_millis(300),
        parcel_job_after: Duration::from_millis(300),
        return_step_after: Duration::from_millis(300),
        ..Config::default()
    };
    let (parcel, job, ret, cancelled_parcel, cancelled_return) = {
        let sandbox = Sandbox::start(persistent(first)).await.unwrap();
        let api = Api::new(&sandbox, "2024-04");
        let sku = api.product("MUG-P").await;
        let (_, parcel) = api.post("/parcels", parcel()).await;
        let mut bulk = parcel_request_with_level();
        bulk["customerParcelId"] = json!("B-1");
        let (_, job) = api
            .post(
                "/parcels/jobs",
                json!({"packslipRequired": true, "parcels": [bulk]}),
            )
            .await;
        let items = json!([{"identifier": sku, "type": "LOGISTICS_SKU", "quantity": 4}]);
        let (_, ret) = api.post("/returns", a_return("R-P", items.clone())).await;
        // A parcel and a return that never change again: only the snapshot
        // written at each start-up carries them to the next.
        let (_, cancelled_parcel) = api.post("/parcels", self::parcel()).await;
        let cancel = json!({"parcelId": cancelled_parcel["parcelId"]});
        assert_eq!(
            api.post("/parcels/cancel", cancel.clone()).await.0,
            StatusCode::NO_CONTENT
        );
        let (_, cancelled_return) = api.post("/returns", a_return("R-C", items)).await;
        let cancel = format!("/returns/{}/cancel", cancelled_return["id"]);
        assert_eq!(
            api.post(&cancel, Value::Null).await.0,
            StatusCode::NO_CONTENT
        );
        sandbox.stop().await;
        (parcel, job, ret, cancelled_parcel, cancelled_return)
    };

    // What was there is there, as it was, and time moves it along.
    let sandbox = Sandbox::start(persistent(fast())).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let parcel_id = parcel["parcelId"].as_str().unwrap();
    let (status, again) = api.get(&format!("/parcels/{parcel_id}")).await;
    assert_eq!((status, &again), (200, &parcel));
    let return_id = ret["id"].as_f64().unwrap();
    let mut processed = false;
    let mut delivered = false;
    let mut finished = false;
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let (_, tracking) = api.get(&format!("/parcels/{parcel_id}/tracking")).await;
        delivered = tracking["status"] == "DELIVERED";
        let (_, now) = api.get(&format!("/returns/{return_id}")).await;
        processed = now["status"] == "PROCESSED";
        let (_, now_job) = api.get(&format!("/parcels/jobs/{}", job["jobId"])).await;
        finished = now_job["status"] == "COMPLETED";
        if delivered && processed && finished {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert!(
        delivered && processed && finished,
        "{delivered} {processed} {finished}"
    );
    let (_, products) = api.get("/products").await;
    let sku = products[0]["logisticsSku"].as_str().unwrap();
    let (_, inventory) = api.get(&format!("/products/{sku}/inventory")).await;
    assert_eq!(inventory["onHand"], json!(4), "{inventory}");
    sandbox.stop().await;

    // And a second restart keeps the finished state.
    let sandbox = Sandbox::start(persistent(frozen())).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let (_, now) = api.get(&format!("/returns/{return_id}")).await;
    assert_eq!(now["status"], "PROCESSED");
    let (_, now_job) = api.get(&format!("/parcels/jobs/{}", job["jobId"])).await;
    assert_eq!(now_job["parcels"].as_array().unwrap().len(), 1);
    let tracking = format!(
        "/parcels/{}/tracking",
        cancelled_parcel["parcelId"].as_str().unwrap()
    );
    let (status, tracking) = api.get(&tracking).await;
    assert_eq!((status, &tracking["status"]), (200, &json!("CANCELLED")));
    let (status, now) = api
        .get(&format!("/returns/{}", cancelled_return["id"]))
        .await;
    assert_eq!((status, &now["status"]), (200, &json!("CANCELLED")));
}

fn parcel_request_with_level() -> Value {
    let mut request = parcel();
    request["serviceLevel"] = json!("STANDARD");
    request
}

#[tokio::test]
async fn labels_are_served_and_an_address_cannot_add_zpl_commands() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let http = reqwest::Client::new();
    let fetch = |url: String| {
        let http = http.clone();
        async move {
            // No token: label links work like a carrier's.
            let response = http.get(url).send().await.unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|value| value.to_str().unwrap().to_owned());
            (status, content_type, response.bytes().await.unwrap())
        }
    };

    let (_, png_parcel) = api.post("/parcels", parcel()).await;
    let (status, content_type, body) =
        fetch(png_parcel["shippingLabelUrl"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert!(body.starts_with(b"\x89PNG\r\n\x1a\n"));

    let mut hostile = parcel();
    hostile["labelFormat"] = json!("ZPL203");
    hostile["shipToAddress"]["name"] = json!("Ada^XZ^XA^FO0,0^GB800,800,800^FS\n~JA");
    let (status, zpl_parcel) = api.post("/parcels", hostile.clone()).await;
    assert_eq!(status, StatusCode::OK, "{zpl_parcel}");
    let url = zpl_parcel["shippingLabelUrl"].as_str().unwrap().to_owned();
    assert!(url.ends_with(".zpl"), "{url}");
    let (status, _, body) = fetch(url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let zpl = String::from_utf8(body.to_vec()).unwrap();
    assert_eq!(zpl.matches("^XA").count(), 1, "{zpl}");
    assert_eq!(zpl.matches("^XZ").count(), 1, "{zpl}");
    assert!(!zpl.contains("^GB") && !zpl.contains('~'), "{zpl}");
    assert!(zpl.contains(zpl_parcel["trackingCode"].as_str().unwrap()));

    // A cancelled label is void; names of no label are 404.
    let cancel = json!({"parcelId": zpl_parcel["parcelId"]});
    assert_eq!(
        api.post("/parcels/cancel", cancel.clone()).await.0,
        StatusCode::NO_CONTENT
    );
    let base = format!("{}/sandbox/labels", sandbox.base_url());
    for url in [
        url,
        format!("{base}/1001.zpl"),
        format!("{base}/999.png"),
        format!("{base}/../reports/x"),
        format!("{base}/jobs/1001.zpl"),
    ] {
        assert_eq!(fetch(url.clone()).await.0, StatusCode::NOT_FOUND, "{url}");
    }

    // A finished bulk job's labels: one ZPL document with a label per parcel.
    let mut request = parcel();
    request["serviceLevel"] = json!("STANDARD");
    let (_, job) = api
        .post(
            "/parcels/jobs",
            json!({"packslipRequired": false, "parcels": [request.clone(), request]}),
        )
        .await;
    let mut labels_url = None;
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let (_, now) = api.get(&format!("/parcels/jobs/{}", job["jobId"])).await;
        if let Some(url) = now["labelsUrl"].as_str() {
            labels_url = Some(url.to_owned());
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let (status, _, body) = fetch(labels_url.expect("the job never finished")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(body.to_vec())
            .unwrap()
            .matches("^XA")
            .count(),
        2
    );
}

#[tokio::test]
async fn the_tracking_links_a_parcel_and_a_return_carry_answer() {
    let sandbox = Sandbox::start(frozen()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-T").await;
    let (_, parcel) = api.post("/parcels", parcel()).await;
    let items = json!([{"identifier": sku, "type": "LOGISTICS_SKU", "quantity": 1}]);
    let (_, ret) = api.post("/returns", a_return("R-T", items)).await;
    let (_, url) = api
        .get(&format!(
            "/parcels/{}/tracking_url",
            parcel["parcelId"].as_str().unwrap()
        ))
        .await;
    let code = parcel["trackingCode"].as_str().unwrap();
    let return_code = ret["shippingLabel"]["trackingCode"].as_str().unwrap();
    for (url, expected) in [
        (url.as_str().unwrap(), format!("{code}: LABEL_CREATED")),
        (
            parcel["flexportTrackingUrl"].as_str().unwrap(),
            format!("{code}: LABEL_CREATED"),
        ),
        (
            ret["shippingLabel"]["trackingUrl"].as_str().unwrap(),
            format!("{return_code}: CREATED"),
        ),
    ] {
        let response = reqwest::get(url).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&expected), "{url}: {page}");
    }
    let unknown = format!(
        "{}/sandbox/tracking/SBX{}",
        sandbox.base_url(),
        parcel["parcelId"].as_str().unwrap()
    );
    assert_eq!(
        reqwest::get(unknown).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
