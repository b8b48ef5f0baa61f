//! A freight quote, an order booked from it and its tracking to delivery,
//! through `flexport::unstable::Client` and the generated typed builders.

#![cfg(feature = "unstable")]

use std::time::Duration;

use flexport::Error;
use flexport::unstable::{Client, prelude::*, types};
use flexport_sandbox::{Config, Sandbox};

mod support;

#[tokio::test]
async fn a_pallets_quote_becomes_an_order_tracked_to_delivery() {
    let sandbox = Sandbox::start(Config {
        freight_step_after: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let client: Client = support::sandbox_builder(&sandbox, 1).build().unwrap();

    let quote = support::freight::pallets_quote(&client).await;
    assert_eq!(quote.status, types::QuoteStatus::Created);
    let order = support::freight::pallets_order(&client, &quote)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.status, types::OrderStatus::Booked);
    assert_eq!(order.ltl_order_item.cost, quote.ltl_quote_item.total_cost);

    // The quote is booked now: a second order from it is a 409.
    let again = support::freight::pallets_order(&client, &quote).await;
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
