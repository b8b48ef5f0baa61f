//! Parcels and returns on the local sandbox, through the facade as a user
//! writes it: typed builders, `flexport::ClientBuilder`, polling until time
//! moves them along, and the webhook events they send on the way.
//!
//! `labelFormat` is "one of these known values, or any string" in the
//! documents (`anyOf: [ShippingLabelFormat, string]`). The `known-strings`
//! normalization pass makes it an open string enum: a known value travels as
//! its string, `UnknownValue(s)` as the plain string `s`, in requests too.

#![cfg(feature = "v2024-04")]

use std::time::Duration;

use flexport::pagination::StreamAll;
use flexport::v2024_04::types::{
    self, LengthUnit, ReturnItemType, ReturnOrderStatus, ShippingLabelFormatParcel, WeightUnit,
};
use flexport::v2024_04::{Client, prelude::*, webhooks::Event};
use flexport::{Error, ErrorKind};
use flexport_sandbox::testing::Receiver;
use flexport_sandbox::{Config, Sandbox};
use futures::TryStreamExt;
use serde_json::json;

mod support;
use support::api_error;
use support::v2024_04::address;

const POLL: Duration = Duration::from_millis(20);
/// A guard against a test hanging forever, not a timing assertion: the
/// sandbox's steps take 100 ms; a slow shared machine may take far longer.
const GIVE_UP_AFTER_POLLS: usize = 3_000;

fn fast() -> Config {
    flexport_sandbox::testing::steps_after(Duration::from_millis(100))
}

/// A client that tries each call once.
fn client(sandbox: &Sandbox) -> Client {
    support::sandbox_builder(sandbox, 1).build().unwrap()
}

fn dimensions(length_unit: LengthUnit) -> types::builder::ParcelDimensions {
    types::ParcelDimensions::builder()
        .length(10.0)
        .width(8.0)
        .height(4.0)
        .length_unit(length_unit)
        .weight(2.0)
        .weight_unit(WeightUnit::Lb)
}

async fn create_parcel(client: &Client) -> Result<types::Parcel, Error> {
    Ok(client
        .create_parcel()
        .body_map(|parcel| {
            parcel
                .ship_to_address(address())
                .dimensions(dimensions(LengthUnit::In))
                .customer_parcel_id(Some("MY-PARCEL-1".to_owned()))
        })
        .send()
        .await?
        .into_inner())
}

/// A webhook receiver on 127.0.0.1, subscribed to every event type.
async fn subscribe(client: &Client) -> Receiver {
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    client
        .create_webhook()
        .body_map(|webhook| {
            webhook
                .type_("*")
                .url(url)
                .method(types::WebhookRequestMethod::Post)
        })
        .send()
        .await
        .unwrap();
    receiver
}

/// Polls `received` until `done` holds of the events parsed so far; every
/// body must parse into the version's typed events.
async fn events_until(received: &Receiver, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let events: Vec<Event> = received
            .bodies()
            .iter()
            .map(|body| flexport::webhooks::parse(body).unwrap())
            .collect();
        if done(&events) {
            return events;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("the events did not arrive");
}

#[tokio::test]
async fn a_parcel_goes_from_label_to_delivered_and_tells_its_webhook() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let received = subscribe(&client).await;

    let parcel = create_parcel(&client).await.unwrap();
    assert_eq!(parcel.status, types::ParcelApiStatus::Ok);
    assert!(!parcel.tracking_code.is_empty() && !parcel.carrier_code.is_empty());
    assert!(parcel.shipping_label_url.ends_with(".png"));
    assert_eq!(parcel.customer_reference_id.as_deref(), Some("MY-PARCEL-1"));
    let fetched = client
        .get_parcel()
        .parcel_id(&parcel.parcel_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched.tracking_code, parcel.tracking_code);
    let url = client
        .get_tracking_url()
        .parcel_id(&parcel.parcel_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(url, parcel.package_tracking_url);

    // Poll tracking until delivered; every status seen is one of the stages,
    // in order.
    let stages = [
        "LABEL_CREATED",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ];
    let mut seen: Vec<String> = Vec::new();
    let mut delivered = None;
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let tracking = client
            .get_parcel_tracking()
            .parcel_id(&parcel.parcel_id)
            .send()
            .await
            .unwrap()
            .into_inner();
        let status = tracking.status.clone().unwrap();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "DELIVERED" {
            delivered = Some(tracking);
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let delivered = delivered.expect("the parcel was never delivered");
    let positions: Vec<usize> = seen
        .iter()
        .map(|status| stages.iter().position(|stage| stage == status).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{seen:?}"
    );
    let times = delivered.event_timestamps.unwrap();
    assert!(times.label_time.unwrap() <= times.delivery_time.unwrap());
    let by_code = client
        .get_parcel_tracking_by_tracking_code()
        .tracking_code(&parcel.tracking_code)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_code.status.as_deref(), Some("DELIVERED"));
    assert_eq!(
        by_code.parcel_id.as_deref(),
        Some(parcel.parcel_id.as_str())
    );

    // Every stage was announced, in order, as a typed ParcelTrackingUpdated.
    let events = events_until(&received, |events| {
        events.iter().any(|event| {
            matches!(event, Event::ParcelTrackingUpdated(update) if update.status == "DELIVERED")
        })
    })
    .await;
    let announced: Vec<&str> = events
        .iter()
        .filter_map(|event| match event {
            Event::ParcelTrackingUpdated(update)
                if update.tracking_code == parcel.tracking_code =>
            {
                Some(update.status.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(announced, stages);

    // Delivered parcels cannot be cancelled: 409, and the parcel stays delivered.
    let error = api_error(
        client
            .cancel_parcel()
            .body_map(|cancel| cancel.parcel_id(&parcel.parcel_id))
            .send()
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Conflict);
    let after = client
        .get_parcel_tracking()
        .parcel_id(&parcel.parcel_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.status.as_deref(), Some("DELIVERED"));
}

#[tokio::test]
async fn a_parcel_not_yet_shipped_can_be_cancelled_and_then_never_moves() {
    let sandbox = Sandbox::start(Config {
        parcel_step_after: Duration::from_secs(3600),
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let parcel = create_parcel(&client).await.unwrap();
    for _ in 0..2 {
        // Cancelling twice is not an error.
        client
            .cancel_parcel()
            .body_map(|cancel| cancel.parcel_id(&parcel.parcel_id))
            .send()
            .await
            .unwrap();
    }
    let tracking = client
        .get_parcel_tracking()
        .parcel_id(&parcel.parcel_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tracking.status.as_deref(), Some("CANCELLED"));
}

#[tokio::test]
async fn tracking_an_unknown_code_or_parcel_is_404() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let parcel = create_parcel(&client).await.unwrap();
    // A code that differs from a real one in its last digit, one of another
    // shape, and one with characters a path must escape.
    let mut near = parcel.tracking_code.clone();
    let last = near.pop().unwrap();
    near.push(if last == '9' { '0' } else { '9' });
    // The parcel's id after `SBX` without its zeros names the same parcel
    // to a careless parser, but is not its code.
    let unpadded = format!("SBX{}", parcel.parcel_id);
    for code in [
        near.as_str(),
        unpadded.as_str(),
        "1Z999AA10123456784",
        "SBX../../x?y#z",
    ] {
        let error = api_error(
            client
                .get_parcel_tracking_by_tracking_code()
                .tracking_code(code)
                .send()
                .await,
        );
        assert_eq!(error.kind, ErrorKind::NotFound, "{code}");
    }
    for id in ["999999", "-1", "1e3"] {
        let error = api_error(client.get_parcel_tracking().parcel_id(id).send().await);
        assert_eq!(error.kind, ErrorKind::NotFound, "{id}");
    }
}

#[tokio::test]
async fn one_idempotency_key_resent_makes_one_parcel() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let (first, second) = flexport::with_idempotency_key("parcel-once-1", async {
        (create_parcel(&client).await, create_parcel(&client).await)
    })
    .await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.parcel_id, second.parcel_id);
    assert_eq!(first.tracking_code, second.tracking_code);
    // Ids are handed out in order: a second parcel would have the next one.
    let next: u64 = first.parcel_id.parse::<u64>().unwrap() + 1;
    let error = api_error(client.get_parcel().parcel_id(next.to_string()).send().await);
    assert_eq!(error.kind, ErrorKind::NotFound);
    // Without the key, a resend is a new parcel.
    let third = create_parcel(&client).await.unwrap();
    assert_eq!(third.parcel_id, next.to_string());
}

#[tokio::test]
async fn a_unit_from_a_newer_version_is_refused_naming_the_field() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let error = api_error(
        client
            .create_parcel()
            .body_map(|parcel| {
                parcel
                    .ship_to_address(address())
                    .dimensions(dimensions(LengthUnit::UnknownValue("ft".to_owned())))
            })
            .send()
            .await,
    );
    assert_eq!(error.kind, ErrorKind::BadRequest);
    let detail = error.problem.unwrap().detail.unwrap();
    assert!(detail.contains("dimensions.lengthUnit"), "{detail}");
    // Nothing was made.
    let error = api_error(client.get_parcel().parcel_id("1001").send().await);
    assert_eq!(error.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn a_quote_and_a_bulk_job_that_finishes_with_its_parcels() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let quote = client
        .get_parcel_quote()
        .body_map(|quote| {
            quote
                .service_level("STANDARD")
                .ship_to_address(address())
                .dimensions(dimensions(LengthUnit::In))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(quote.price > 0.0 && quote.billed_weight_lbs >= 2.0);

    let request = |id: &str| {
        types::BulkParcelRequest::builder()
            .service_level("STANDARD")
            .ship_to_address(address())
            .dimensions(dimensions(LengthUnit::Cm))
            .customer_parcel_id(Some(id.to_owned()))
    };
    let parcels: Vec<types::BulkParcelRequest> = ["B-1", "B-2", "B-3"]
        .into_iter()
        .map(|id| request(id).try_into().unwrap())
        .collect();
    let job = client
        .create_bulk_parcel_job()
        .body_map(|job| job.packslip_required(false).parcels(parcels))
        .send()
        .await
        .unwrap()
        .into_inner();
    let mut finished = None;
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let now = client
            .get_bulk_parcel_job()
            .id(job.job_id.to_string())
            .send()
            .await
            .unwrap()
            .into_inner();
        if now.status == "COMPLETED" {
            finished = Some(now);
            break;
        }
        assert!(now.parcels.is_empty());
        tokio::time::sleep(POLL).await;
    }
    let finished = finished.expect("the job never finished");
    assert_eq!(finished.parcels.len(), 3);
    for made in &finished.parcels {
        assert_eq!(made.parcel_status, "OK");
        let parcel = client
            .get_parcel()
            .parcel_id(&made.integration_channel_parcel_id)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(parcel.tracking_code, made.tracking_number);
    }
}

async fn create_product(client: &Client, merchant_sku: &str) -> String {
    client
        .create_product()
        .body_map(|product| product.name("Mug").merchant_sku(merchant_sku))
        .send()
        .await
        .unwrap()
        .into_inner()
        .logistics_sku
}

async fn units_on_hand(client: &Client, sku: &str) -> (i64, i64) {
    let inventory = client
        .get_inventory()
        .logistics_sku(sku)
        .send()
        .await
        .unwrap()
        .into_inner();
    (inventory.on_hand as i64, inventory.available as i64)
}

fn return_item(
    kind: ReturnItemType,
    identifier: &str,
    quantity: u64,
) -> types::RequestedReturnItem {
    types::RequestedReturnItem::builder()
        .identifier(identifier)
        .type_(kind)
        .quantity(quantity)
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn a_return_goes_from_created_to_processed_and_restocks_its_units() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let received = subscribe(&client).await;
    let sku = create_product(&client, "MUG-R").await;
    assert_eq!(units_on_hand(&client, &sku).await, (0, 0));

    let created = client
        .create_return()
        .body_map(|order| {
            order
                .rma("RMA-1")
                .external_return_id("RET-1")
                .source_address(Some(address().try_into().unwrap()))
                .return_items(vec![
                    return_item(ReturnItemType::LogisticsSku, &sku, 2),
                    // The same product by its merchant SKU.
                    return_item(ReturnItemType::Sku, "MUG-R", 1),
                ])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.status, ReturnOrderStatus::Created);
    assert!(!created.shipping_label.tracking_code.is_empty());

    let order = [
        ReturnOrderStatus::Created,
        ReturnOrderStatus::Shipped,
        ReturnOrderStatus::ReceivedForProcessing,
        ReturnOrderStatus::Processed,
    ];
    let mut last = 0;
    let mut processed = None;
    for _ in 0..GIVE_UP_AFTER_POLLS {
        let now = client
            .get_return()
            .return_id(created.id.to_string())
            .send()
            .await
            .unwrap()
            .into_inner();
        let position = order
            .iter()
            .position(|status| *status == now.status)
            .unwrap();
        assert!(position >= last, "went back to {}", now.status);
        last = position;
        if now.status == ReturnOrderStatus::Processed {
            processed = Some(now);
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let processed = processed.expect("the return was never processed");
    assert!(processed.shipped_at.is_some() && processed.received_at.is_some());
    assert!(processed.inspected_at.is_some());
    assert!(
        processed
            .return_items
            .iter()
            .all(|item| !item.inspected_items.is_empty())
    );
    assert_eq!(units_on_hand(&client, &sku).await, (3, 3));

    let events = events_until(&received, |events| {
        events
            .iter()
            .any(|event| matches!(event, Event::ReturnInspected(_)))
            && events
                .iter()
                .any(|event| matches!(event, Event::ReturnReceived(_)))
    })
    .await;
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::ReturnShipped(_)))
    );
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::ReturnShipmentReceived(_)))
    );
    assert!(events.iter().any(|event| matches!(event,
        Event::ReturnReceived(restocked) if restocked.logistics_sku == sku && restocked.amount == 3)));
    assert!(events.iter().any(|event| matches!(event,
        Event::ReturnUpdated(update) if update.status == ReturnOrderStatus::Processed)));

    // A processed return cannot be cancelled.
    let error = api_error(
        client
            .cancel_return()
            .return_id(created.id.to_string())
            .send()
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn returns_are_listed_a_page_at_a_time_and_cancelled_before_shipping() {
    let sandbox = Sandbox::start(Config {
        return_step_after: Duration::from_secs(3600),
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-L").await;
    for n in 0..5 {
        client
            .create_return()
            .body_map(|order| {
                order
                    .rma(format!("RMA-{}", n % 2))
                    .external_return_id(format!("RET-{n}"))
                    .return_items(vec![return_item(ReturnItemType::LogisticsSku, &sku, 1)])
            })
            .send()
            .await
            .unwrap();
    }
    // Pages of two, following the `Link: <?…page_info=…>; rel="next"` header.
    let all: Vec<types::ReturnsApiOrder> = client
        .get_returns()
        .stream_all(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.external_return_id.as_str()).collect();
    assert_eq!(ids, ["RET-0", "RET-1", "RET-2", "RET-3", "RET-4"]);
    let by_rma = client
        .get_returns()
        .rma("RMA-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_rma.len(), 2);

    client
        .cancel_return()
        .return_id(all[0].id.to_string())
        .send()
        .await
        .unwrap();
    let cancelled = client
        .get_returns()
        .status("CANCELLED")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].external_return_id, "RET-0");
    // Unknown returns are 404.
    let error = api_error(client.get_return().return_id("424242").send().await);
    assert_eq!(error.kind, ErrorKind::NotFound);
}

#[test]
fn known_values_and_any_string_round_trip_as_plain_strings() {
    let cases = [
        (ShippingLabelFormatParcel::Zpl203, json!("ZPL203")),
        (ShippingLabelFormatParcel::Png, json!("PNG")),
        (
            ShippingLabelFormatParcel::UnknownValue("PDF_4X6_NEW".to_owned()),
            json!("PDF_4X6_NEW"),
        ),
        // A value from a newer API version that differs from a known one only in case.
        (
            ShippingLabelFormatParcel::UnknownValue("zpl203".to_owned()),
            json!("zpl203"),
        ),
    ];
    for (value, wire) in cases {
        assert_eq!(serde_json::to_value(&value).unwrap(), wire);
        assert_eq!(
            serde_json::from_value::<ShippingLabelFormatParcel>(wire.clone()).unwrap(),
            value
        );
        assert_eq!(value.to_string(), wire.as_str().unwrap());
    }
    // Not a string at all is still refused.
    assert!(serde_json::from_value::<ShippingLabelFormatParcel>(json!(5)).is_err());
    // In a request body the field is the plain string.
    let request = types::CreateParcelRequest::builder()
        .ship_to_address(address())
        .dimensions(dimensions(LengthUnit::In))
        .label_format(Some(ShippingLabelFormatParcel::Zpl203));
    let request: types::CreateParcelRequest = request.try_into().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap()["labelFormat"],
        "ZPL203"
    );
}

async fn create_with_label(
    client: &Client,
    format: ShippingLabelFormatParcel,
) -> Result<types::Parcel, Error> {
    Ok(client
        .create_parcel()
        .body_map(|parcel| {
            parcel
                .ship_to_address(address())
                .dimensions(dimensions(LengthUnit::In))
                .label_format(Some(format))
        })
        .send()
        .await?
        .into_inner())
}

#[tokio::test]
async fn a_label_format_set_through_the_typed_builder_reaches_the_sandbox() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = client(&sandbox);

    let zpl = create_with_label(&client, ShippingLabelFormatParcel::Zpl203)
        .await
        .unwrap();
    assert!(
        zpl.shipping_label_url.ends_with(".zpl"),
        "{}",
        zpl.shipping_label_url
    );
    let label = reqwest::get(&zpl.shipping_label_url).await.unwrap();
    assert!(label.status().is_success());
    assert!(label.text().await.unwrap().starts_with("^XA"));

    let png = create_with_label(&client, ShippingLabelFormatParcel::Png)
        .await
        .unwrap();
    assert!(
        png.shipping_label_url.ends_with(".png"),
        "{}",
        png.shipping_label_url
    );

    // Any string goes out as it is; the sandbox reads formats case-insensitively.
    let any = create_with_label(
        &client,
        ShippingLabelFormatParcel::UnknownValue("zpl203".into()),
    )
    .await
    .unwrap();
    assert!(any.shipping_label_url.ends_with(".zpl"));

    // A format the sandbox does not make is refused naming the field.
    let error = api_error(
        create_with_label(
            &client,
            ShippingLabelFormatParcel::UnknownValue("PDF_4X6_NEW".into()),
        )
        .await,
    );
    assert_eq!(error.status.as_u16(), 400);
    let body = String::from_utf8_lossy(&error.body).into_owned();
    assert!(
        body.contains("labelFormat") && body.contains("PDF_4X6_NEW"),
        "{body}"
    );
}
