//! A freight quote, an order booked from it and its tracking to delivery,
//! through `flexport::unstable::Client` and the generated typed builders.

#![cfg(feature = "unstable")]

use std::time::Duration;

use flexport::unstable::{Client, prelude::*, types};
use flexport::{ClientBuilder, Error, RetryPolicy};
use flexport_sandbox::{Config, Sandbox};

#[tokio::test]
async fn a_pallets_quote_becomes_an_order_tracked_to_delivery() {
    let sandbox = Sandbox::start(Config {
        freight_step_after: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let client: Client = ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();

    let quote = client
        .create_pallets_quote()
        .body_map(|quote| {
            quote
                .pallet_count(2)
                .pickup_details(types::QuoteLocationDetails::builder().zip("94607"))
                .delivery_details(types::QuoteLocationDetails::builder().zip("89501"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(quote.status, types::QuoteStatus::Created);

    let address = |street: &str, zip: &str| {
        types::FreightAddress::builder()
            .street1(street)
            .city("Reno")
            .zip(zip)
            .state("NV")
            .country("US")
    };
    let contact = || {
        types::Contact::builder()
            .first_name("Ada")
            .last_name("Lane")
            .phone("555-0100")
            .email("ada@example.com")
    };
    let pallet: types::PackageDetails = types::PackageDetails::builder()
        .pallet_count(2)
        .length(48.0)
        .width(40.0)
        .height(50.0)
        .weight(400.0)
        .try_into()
        .unwrap();
    let order = client
        .create_pallets_order()
        .body_map(|order| {
            order
                // a request sends the id as the number the document declares
                .quote_id(quote.id.parse::<u64>().unwrap())
                .pallets(vec![pallet.clone()])
                .delivery_details(
                    types::OrderDeliveryDetails::builder()
                        .address(address("1 Dock Rd", "89501"))
                        .contact(contact()),
                )
                .pickup_details(
                    types::OrderPickupDetails::builder()
                        .cargo_ready_date(chrono::Utc::now())
                        .address(address("2 Mill St", "94607"))
                        .contact(contact()),
                )
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.status, types::OrderStatus::Booked);
    assert_eq!(order.ltl_order_item.cost, quote.ltl_quote_item.total_cost);

    // The quote is booked now: a second order from it is a 409.
    let again = client
        .create_pallets_order()
        .body_map(|order| {
            order
                // a request sends the id as the number the document declares
                .quote_id(quote.id.parse::<u64>().unwrap())
                .pallets(vec![pallet.clone()])
                .delivery_details(
                    types::OrderDeliveryDetails::builder()
                        .address(address("1 Dock Rd", "89501"))
                        .contact(contact()),
                )
                .pickup_details(
                    types::OrderPickupDetails::builder()
                        .cargo_ready_date(chrono::Utc::now())
                        .address(address("2 Mill St", "94607"))
                        .contact(contact()),
                )
        })
        .send()
        .await;
    match again {
        Err(Error::Api(error)) => assert_eq!(error.status.as_u16(), 409),
        other => panic!("expected a 409, got {other:?}"),
    }

    let bol = order.ltl_order_item.customer_bol_id.clone().unwrap();
    let mut tracking = None;
    for _ in 0..1500 {
        let info = client
            .get_bol_tracking()
            .bol_id(&bol)
            .send()
            .await
            .unwrap()
            .into_inner();
        if info.bol_status == types::FreightBolStatus::Delivered {
            tracking = Some(info);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tracking = tracking.expect("the order is delivered");
    assert_eq!(tracking.events.len(), 4);
    let fetched = client
        .get_freight_order()
        .order_id(order.id.to_string())
        .send()
        .await
        .unwrap()
        .into_inner();
    match fetched {
        types::OrderResponse::LtlOrderResponse(ltl) => {
            assert_eq!(ltl.status, types::OrderStatus::Completed)
        }
        other => panic!("expected an LTL order, got {other:?}"),
    }
}
