//! Webhook receiving: the subscription's credentials, redelivered events and
//! event types a version does not know.

#![cfg(feature = "v2024-04")]

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flexport::v2024_04::webhooks::Event;
use flexport::webhooks::{
    Deduplicator, Delivery, Unauthorized, WebhookAuth, WebhookError, parse_verified,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

const TOKEN: &str = "whk-7c1e-secret";

fn event_body(id: &str) -> Vec<u8> {
    json!({
        "logisticsAccountId": "acct-1", "logisticsEventId": id,
        "logisticsEventType": "InboundReceived", "logisticsEventTime": "2024-04-01T00:00:00Z",
        "type": "SELLABLE", "amount": 12, "shipmentItemId": 7
    })
    .to_string()
    .into_bytes()
}

fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    map
}

/// The `Authorization` header a real HTTP client sends for these credentials.
fn basic_header(user: &str, password: &str) -> Vec<u8> {
    let request = reqwest::Client::new()
        .post("http://127.0.0.1/")
        .basic_auth(user, Some(password))
        .build()
        .unwrap();
    request.headers()["authorization"].as_bytes().to_vec()
}

fn check(auth: &WebhookAuth, pairs: &[(&str, &[u8])]) -> Result<(), Unauthorized> {
    auth.verify(&headers(pairs))
}

#[test]
fn token_credentials_pass_only_as_the_whole_value_of_the_one_configured_header() {
    let auth = WebhookAuth::token("X-Flexport-Token", TOKEN).unwrap();
    assert_eq!(
        check(&auth, &[("x-flexport-token", TOKEN.as_bytes())]),
        Ok(())
    );
    assert_eq!(
        check(&auth, &[("X-FLEXPORT-TOKEN", TOKEN.as_bytes())]),
        Ok(())
    );

    let long = vec![b'a'; 64 * 1024];
    for value in [
        &b""[..],
        b"whk-7c1e-secreT",
        b"whk-7c1e-secre",
        b"whk-7c1e-secret ",
        b"whk-7c1e-secret-and-more",
        b"Bearer whk-7c1e-secret",
        b"\xffwhk-7c1e-secret",
        &long,
    ] {
        assert_eq!(
            check(&auth, &[("x-flexport-token", value)]),
            Err(Unauthorized::Mismatch),
            "{:?}",
            String::from_utf8_lossy(value)
        );
    }
    assert_eq!(
        check(&auth, &[("authorization", TOKEN.as_bytes())]),
        Err(Unauthorized::Missing("token"))
    );
    // A second value (a proxy's, or an attacker's) is not guessed around.
    for pair in [
        [
            ("x-flexport-token", TOKEN.as_bytes()),
            ("x-flexport-token", b"x"),
        ],
        [
            ("x-flexport-token", b"x"),
            ("x-flexport-token", TOKEN.as_bytes()),
        ],
    ] {
        assert_eq!(check(&auth, &pair), Err(Unauthorized::Repeated("token")));
    }
    assert!(WebhookAuth::token("not a header", TOKEN).is_err());
}

#[test]
fn credentials_never_show_in_debug_output() {
    for auth in [
        WebhookAuth::token("x-flexport-token", TOKEN).unwrap(),
        WebhookAuth::basic("flexport", TOKEN),
    ] {
        let shown = format!("{auth:?}");
        assert!(!shown.contains("7c1e"), "{shown}");
    }
}

#[test]
fn basic_credentials_pass_only_as_sent_by_an_http_client_for_the_same_pair() {
    let auth = WebhookAuth::basic("flexport", "pa:ss wörd");
    let sent = basic_header("flexport", "pa:ss wörd");
    assert_eq!(check(&auth, &[("authorization", &sent)]), Ok(()));
    let lowercase = String::from_utf8(sent.clone())
        .unwrap()
        .replacen("Basic", "basic", 1);
    assert_eq!(
        check(&auth, &[("authorization", lowercase.as_bytes())]),
        Ok(())
    );

    for (user, password) in [
        ("flexport", "pa:ss wör"),
        ("flexport", "pa:ss wördx"),
        ("flexpor", "pa:ss wörd"),
        ("flexport:pa", "ss wörd"), // the same bytes split elsewhere pass: same credential
        ("", ""),
    ] {
        let expected = if format!("{user}:{password}") == "flexport:pa:ss wörd" {
            Ok(())
        } else {
            Err(Unauthorized::Mismatch)
        };
        let header = basic_header(user, password);
        assert_eq!(
            check(&auth, &[("authorization", &header)]),
            expected,
            "{user}:{password}"
        );
    }
    let malformed = Err(Unauthorized::Malformed("authorization"));
    for value in [
        &b"Basic"[..],
        b"Basic !!!not-base64!!!",
        b"Bearer ZmxleHBvcnQ6cGE6c3Mgd8O2cmQ=",
        b"Digest ZmxleHBvcnQ6cGE6c3Mgd8O2cmQ=",
        b"\xff\xfe ZmxleHBvcnQ6cGE6c3Mgd8O2cmQ=",
        b"",
    ] {
        assert_eq!(
            check(&auth, &[("authorization", value)]),
            malformed,
            "{:?}",
            String::from_utf8_lossy(value)
        );
    }
    assert_eq!(
        check(&auth, &[("x-other", &sent)]),
        Err(Unauthorized::Missing("authorization"))
    );
    assert_eq!(
        check(&auth, &[("authorization", &sent), ("authorization", &sent)]),
        Err(Unauthorized::Repeated("authorization"))
    );
}

#[test]
fn credentials_are_checked_before_the_body_is_read() {
    let auth = WebhookAuth::token("x-flexport-token", TOKEN).unwrap();
    let result = parse_verified::<Event>(&auth, &HeaderMap::new(), b"{not json");
    assert!(
        matches!(
            result,
            Err(WebhookError::Unauthorized(Unauthorized::Missing("token")))
        ),
        "{result:?}"
    );
    let good = headers(&[("x-flexport-token", TOKEN.as_bytes())]);
    let result = parse_verified::<Event>(&auth, &good, b"{not json");
    assert!(
        matches!(result, Err(WebhookError::InvalidEvent(_))),
        "{result:?}"
    );
    // NONE lets every request through to the parser.
    let delivery: Delivery<Event> =
        parse_verified(&WebhookAuth::None, &HeaderMap::new(), &event_body("evt-1")).unwrap();
    assert!(matches!(delivery.event, Event::InboundReceived(_)));
}

#[test]
fn unknown_event_types_are_delivered_with_their_id() {
    let auth = WebhookAuth::token("x-flexport-token", TOKEN).unwrap();
    let good = headers(&[("x-flexport-token", TOKEN.as_bytes())]);
    let newer =
        json!({"logisticsEventType": "PalletWeighed", "logisticsEventId": 981, "kg": 412.5});
    let delivery: Delivery<Event> =
        parse_verified(&auth, &good, newer.to_string().as_bytes()).unwrap();
    assert_eq!(delivery.event_id.as_deref(), Some("981"));
    match delivery.event {
        Event::Unknown {
            event_type,
            payload,
        } => {
            assert_eq!((event_type.as_str(), payload), ("PalletWeighed", newer))
        }
        other => panic!("{other:?}"),
    }
    let without_id = json!({"logisticsEventType": "PalletWeighed"});
    let delivery: Delivery<Event> =
        parse_verified(&auth, &good, without_id.to_string().as_bytes()).unwrap();
    assert_eq!(delivery.event_id, None);
}

#[test]
fn redelivered_events_are_seen_once_until_forgotten() {
    let seen = Deduplicator::new(NonZeroUsize::new(100).unwrap());
    assert!(seen.first_delivery("evt-1"));
    assert!(!seen.first_delivery("evt-1"));
    assert!(!seen.first_delivery("evt-1"));
    assert!(seen.first_delivery("EVT-1"), "ids are compared exactly");
    seen.forget("evt-1");
    assert!(
        seen.first_delivery("evt-1"),
        "a forgotten id is handled again"
    );
    assert_eq!(seen.len(), 2);
}

#[test]
fn the_window_keeps_the_most_recently_seen_ids_within_its_capacity() {
    let seen = Deduplicator::new(NonZeroUsize::new(3).unwrap());
    for id in ["a", "b", "c"] {
        assert!(seen.first_delivery(id));
    }
    assert!(!seen.first_delivery("a"), "a redelivery refreshes a");
    assert!(
        seen.first_delivery("d"),
        "evicts b, the least recently seen"
    );
    assert_eq!(seen.len(), 3);
    assert!(!seen.first_delivery("a"));
    assert!(!seen.first_delivery("d"));
    assert!(seen.first_delivery("b"), "b fell out of the window");
    for n in 0..10_000 {
        seen.first_delivery(&format!("flood-{n}"));
    }
    assert_eq!(seen.len(), 3, "memory stays bounded");
}

#[test]
fn of_concurrent_deliveries_of_one_event_exactly_one_is_first() {
    let seen = Arc::new(Deduplicator::new(NonZeroUsize::new(1_000).unwrap()));
    let firsts = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (seen, firsts) = (seen.clone(), firsts.clone());
            std::thread::spawn(move || {
                for n in 0..200 {
                    if seen.first_delivery(&format!("evt-{n}")) {
                        firsts.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(firsts.load(Ordering::Relaxed), 200);
}

/// The whole path over real HTTP: an axum endpoint on 127.0.0.1 that
/// verifies, de-duplicates and counts, fed by a reqwest client.
#[tokio::test]
async fn an_endpoint_handles_each_event_once_and_refuses_forged_requests() {
    struct Endpoint {
        auth: WebhookAuth,
        seen: Deduplicator,
        handled: AtomicUsize,
    }
    let endpoint = Arc::new(Endpoint {
        auth: WebhookAuth::basic("flexport", TOKEN),
        seen: Deduplicator::new(NonZeroUsize::new(16).unwrap()),
        handled: AtomicUsize::new(0),
    });
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            |axum::extract::State(endpoint): axum::extract::State<Arc<Endpoint>>,
             headers: HeaderMap,
             body: axum::body::Bytes| async move {
                use axum::http::StatusCode;
                match parse_verified::<Event>(&endpoint.auth, &headers, &body) {
                    Err(WebhookError::Unauthorized(_)) => StatusCode::UNAUTHORIZED,
                    Err(_) => StatusCode::BAD_REQUEST,
                    Ok(delivery) => {
                        let id = delivery.event_id.unwrap_or_default();
                        if endpoint.seen.first_delivery(&id) {
                            endpoint.handled.fetch_add(1, Ordering::Relaxed);
                        }
                        StatusCode::OK
                    }
                }
            },
        ),
    );
    let app = app.with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let http = reqwest::Client::new();
    let post = |user: &'static str, password: &'static str, body: Vec<u8>| {
        http.post(&url)
            .basic_auth(user, Some(password))
            .body(body)
            .send()
    };
    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(
        status(post("flexport", TOKEN, event_body("evt-1")).await.unwrap()),
        200
    );
    assert_eq!(
        status(post("flexport", TOKEN, event_body("evt-1")).await.unwrap()),
        200
    );
    assert_eq!(
        status(post("flexport", TOKEN, event_body("evt-2")).await.unwrap()),
        200
    );
    assert_eq!(
        status(
            post("flexport", "guess", event_body("evt-3"))
                .await
                .unwrap()
        ),
        401
    );
    assert_eq!(
        status(post("flexport", TOKEN, b"[]".to_vec()).await.unwrap()),
        400
    );
    assert_eq!(
        endpoint.handled.load(Ordering::Relaxed),
        2,
        "evt-1 once, evt-2 once"
    );
}

#[test]
fn the_credentials_come_from_the_body_the_subscription_was_created_with() {
    use flexport::v2024_04::types::{WebhookAuthType, WebhookCreateModel, WebhookRequestMethod};
    use flexport::webhooks::UnsupportedAuth;
    let subscription = |auth: WebhookAuthType| {
        WebhookCreateModel::builder()
            .type_("*".to_owned())
            .url("https://partner.example/hook".to_owned())
            .method(WebhookRequestMethod::Post)
            .auth_method(auth)
    };
    let token: WebhookCreateModel = subscription(WebhookAuthType::Token)
        .token_header("X-Hook-Token".to_owned())
        .token(TOKEN.to_owned())
        .try_into()
        .unwrap();
    let auth = WebhookAuth::from_subscription(&token).unwrap();
    assert_eq!(check(&auth, &[("x-hook-token", TOKEN.as_bytes())]), Ok(()));
    assert_eq!(
        check(&auth, &[("x-hook-token", b"x")]),
        Err(Unauthorized::Mismatch)
    );

    let basic: WebhookCreateModel = subscription(WebhookAuthType::BasicAuth)
        .username("flexport".to_owned())
        .password(TOKEN.to_owned())
        .try_into()
        .unwrap();
    let auth = WebhookAuth::from_subscription(&basic).unwrap();
    let sent = basic_header("flexport", TOKEN);
    assert_eq!(check(&auth, &[("authorization", &sent)]), Ok(()));

    let missing: WebhookCreateModel = subscription(WebhookAuthType::Token)
        .token(TOKEN.to_owned())
        .try_into()
        .unwrap();
    assert_eq!(
        WebhookAuth::from_subscription(&missing).unwrap_err(),
        UnsupportedAuth::Missing {
            method: "TOKEN",
            field: "tokenHeader"
        }
    );
    let none: WebhookCreateModel = subscription(WebhookAuthType::None).try_into().unwrap();
    assert!(matches!(
        WebhookAuth::from_subscription(&none),
        Ok(WebhookAuth::None)
    ));
    // A method from a newer API version is refused, not taken as NONE.
    let newer = json!({"type": "*", "url": "https://partner.example/hook", "method": "POST",
                       "authMethod": "HMAC_SHA256", "token": TOKEN});
    assert_eq!(
        WebhookAuth::from_subscription(&newer).unwrap_err(),
        UnsupportedAuth::Method("HMAC_SHA256".to_owned())
    );
    let bad_header = json!({"authMethod": "TOKEN", "token": TOKEN, "tokenHeader": "two words"});
    assert!(matches!(
        WebhookAuth::from_subscription(&bad_header),
        Err(UnsupportedAuth::InvalidHeader(_))
    ));
    assert_eq!(
        WebhookAuth::from_subscription(&["not", "an", "object"]).unwrap_err(),
        UnsupportedAuth::NotAnObject
    );
}

// ---- the typed envelope, event types, secrets --------------------------

use flexport::v2024_04::webhooks::{Envelope, EventType};

#[test]
fn the_envelope_types_the_event_type_time_and_ids() {
    let body = json!({
        "logisticsAccountId": 4417, "logisticsEventId": "evt-9",
        "logisticsEventType": "inbound.received", "logisticsEventTime": "2024-04-01T09:30:00+02:00",
        "type": "SELLABLE", "amount": 12, "shipmentItemId": 7
    })
    .to_string();
    let delivery: Delivery<Event> =
        parse_verified(&WebhookAuth::None, &HeaderMap::new(), body.as_bytes()).unwrap();
    let envelope = &delivery.envelope;
    assert_eq!(envelope.logistics_event_type, EventType::InboundReceived);
    assert_eq!(envelope.logistics_event_type.to_string(), "InboundReceived");
    assert_eq!(envelope.logistics_account_id.as_deref(), Some("4417"));
    assert_eq!(envelope.logistics_event_id.as_deref(), Some("evt-9"));
    let time = envelope.logistics_event_time.unwrap();
    assert_eq!(time.to_rfc3339(), "2024-04-01T07:30:00+00:00");
    assert_eq!(delivery.event.event_type(), EventType::InboundReceived);
    assert_eq!(Envelope::from_slice(body.as_bytes()).unwrap(), *envelope);
}

/// A type 2024-04 does not declare (Flexport adds them) still parses: the
/// envelope keeps its name as sent, and so does the event.
#[test]
fn an_unknown_event_type_parses_with_its_envelope() {
    let body = json!({
        "logisticsEventType": "Pallet.Weighed", "logisticsEventId": "evt-3",
        "logisticsEventTime": "2024-04-01T00:00:00Z", "kg": 412.5
    })
    .to_string();
    let (envelope, event) = Event::from_slice_with_envelope(body.as_bytes()).unwrap();
    assert_eq!(
        envelope.logistics_event_type,
        EventType::Unknown("Pallet.Weighed".to_owned())
    );
    assert_eq!(envelope.logistics_event_type.as_str(), "Pallet.Weighed");
    assert_eq!(envelope.logistics_event_type.schema(), None);
    assert!(
        matches!(event, Event::Unknown { ref event_type, .. } if event_type == "Pallet.Weighed")
    );
    assert_eq!(event.event_type(), "Pallet.Weighed");
}

/// A time that is not RFC 3339 (or not a string) is refused, naming the
/// field and the value, for known and unknown types alike; an absent or null
/// time is allowed (the document says `nullable`).
#[test]
fn a_bad_event_time_is_refused_naming_the_field() {
    for (event_type, time) in [
        ("InboundReceived", json!("yesterday")),
        ("InboundReceived", json!("2024-04-01 00:00")),
        ("Pallet.Weighed", json!(1711929600)),
    ] {
        let body = json!({
            "logisticsEventType": event_type, "logisticsEventId": "evt-1",
            "logisticsEventTime": time, "type": "SELLABLE", "amount": 1, "shipmentItemId": 1
        })
        .to_string();
        let error = flexport::webhooks::parse::<Event>(body.as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("`logisticsEventTime`") && message.contains(&time.to_string()),
            "{message}"
        );
        assert_eq!(error.event_type.as_deref(), Some(event_type));
        assert!(matches!(
            parse_verified::<Event>(&WebhookAuth::None, &HeaderMap::new(), body.as_bytes()),
            Err(WebhookError::InvalidEvent(_))
        ));
    }
    for body in [
        json!({"logisticsEventType": "Pallet.Weighed", "logisticsEventTime": null}),
        json!({"logisticsEventType": "Pallet.Weighed"}),
    ] {
        let envelope = Envelope::from_slice(body.to_string().as_bytes()).unwrap();
        assert_eq!(envelope.logistics_event_time, None);
    }
    let body = json!({"logisticsEventType": "Pallet.Weighed", "logisticsEventId": {"id": 1}});
    let error = Envelope::from_slice(body.to_string().as_bytes()).unwrap_err();
    assert!(error.to_string().contains("`logisticsEventId`"), "{error}");
}

/// The subscription types are the document's event schemas, each found
/// again from its own name in any spelling.
#[test]
fn the_subscription_types_are_the_event_schemas_of_the_document() {
    assert!(EventType::ALL.len() >= 10, "{:?}", EventType::ALL);
    for event_type in EventType::ALL {
        let schema = event_type.schema().unwrap();
        assert_eq!(schema, format!("{event_type}Event"));
        assert_eq!(EventType::parse(event_type.as_str()), *event_type);
        assert_eq!(EventType::parse(schema), *event_type);
        let json = serde_json::to_value(event_type).unwrap();
        assert_eq!(json, json!(event_type.as_str()));
        assert_eq!(
            serde_json::from_value::<EventType>(json).unwrap(),
            *event_type
        );
    }
    assert!(EventType::ALL.contains(&EventType::InboundReceived));
    assert_eq!(
        EventType::parse("inbound_received"),
        EventType::InboundReceived
    );
    let subscription = flexport::v2024_04::types::WebhookCreateModel::builder()
        .type_(EventType::InboundReceived)
        .url("http://127.0.0.1/hook")
        .method(flexport::v2024_04::types::WebhookRequestMethod::Post);
    let subscription =
        flexport::v2024_04::types::WebhookCreateModel::try_from(subscription).unwrap();
    assert_eq!(subscription.type_, "InboundReceived");
}

#[test]
fn generated_secrets_are_random_header_safe_and_checkable() {
    use flexport::ExposeSecret;
    let secrets: Vec<String> = (0..64)
        .map(|_| {
            flexport::webhooks::generate_secret()
                .expose_secret()
                .to_owned()
        })
        .collect();
    let distinct: std::collections::HashSet<&String> = secrets.iter().collect();
    assert_eq!(distinct.len(), secrets.len());
    for secret in &secrets {
        assert_eq!(secret.len(), 43);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{secret}"
        );
        // `flexport::http` is the `http` crate the headers come in.
        let mut headers = flexport::http::HeaderMap::new();
        headers.insert(
            "x-token",
            flexport::http::HeaderValue::from_str(secret).unwrap(),
        );
        let auth = WebhookAuth::token("x-token", secret.clone()).unwrap();
        assert_eq!(auth.verify(&headers), Ok(()));
    }
}
