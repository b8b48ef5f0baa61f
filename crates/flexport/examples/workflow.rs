//! The sample workflow: create a product with dimensions, send it to a
//! warehouse in an inbound shipment, wait until the shipment is received,
//! place an order, wait until it ships. Each step prints its ids and time.
//!
//! `cargo run -p flexport --example workflow` runs it against a sandbox it
//! starts on 127.0.0.1; with `FLEXPORT_API_TOKEN` set (and optionally
//! `FLEXPORT_BASE_URL`) it runs the same steps against that account instead.
//! Flexport's own sandbox takes up to an hour to receive and to ship; the
//! waits use the facade's waiters (`flexport::waiters`), which poll with
//! backoff until the state comes, a state from which it cannot come is seen
//! (an order cancelled or in error), or their deadline passes.

use std::future::Future;
use std::time::{Duration, Instant};

use flexport::v2024_04::types;
use flexport::v2024_04::{Client, prelude::*};
use flexport::waiters::{Target, Verdict, Wait, Waiters};
use flexport::{ClientBuilder, ResponseMetadata};

/// How this run waits: how often it polls and for how long at most.
#[derive(Clone, Copy)]
pub struct Patience {
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub deadline: Duration,
}

impl Patience {
    fn apply<'c, T: Target<Client>>(self, wait: Wait<'c, Client, T>) -> Wait<'c, Client, T> {
        wait.min_delay(self.min_delay)
            .max_delay(self.max_delay)
            .deadline(self.deadline)
            .on_progress(|seen| {
                if seen.verdict == Verdict::Pending && seen.poll % 10 == 0 {
                    println!("  ... still {} after {} polls", seen.state, seen.poll);
                }
            })
    }
}

/// A local sandbox's pace: polls between `poll` and four times it apart,
/// for at most a minute.
impl From<Duration> for Patience {
    fn from(poll: Duration) -> Self {
        Self {
            min_delay: poll,
            max_delay: poll * 4,
            deadline: Duration::from_secs(60),
        }
    }
}

/// Any failure of the workflow: a call's `flexport::Error`, or a wait's
/// `flexport::waiters::WaitError` (which names the last state it saw).
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let started = Instant::now();
    let (client, sandbox, patience) = match ClientBuilder::from_env() {
        Ok(builder) => {
            println!("running against {} (FLEXPORT_API_TOKEN is set)", base_url());
            let patience = Patience {
                min_delay: Duration::from_secs(30),
                max_delay: Duration::from_secs(5 * 60),
                deadline: Duration::from_secs(2 * 60 * 60),
            };
            (builder.build()?, None, patience)
        }
        Err(_) => {
            let config = flexport_sandbox::Config {
                receive_after: Duration::from_secs(1),
                ship_after: Duration::from_secs(1),
                ..Default::default()
            };
            let sandbox = flexport_sandbox::Sandbox::start(config).await?;
            println!(
                "started a sandbox at {} (set FLEXPORT_API_TOKEN to run against Flexport)",
                sandbox.base_url()
            );
            let client = ClientBuilder::new()
                .token(sandbox.token())
                .base_url(sandbox.base_url())
                .build()?;
            (
                client,
                Some(sandbox),
                Patience::from(Duration::from_millis(50)),
            )
        }
    };
    let order = run(&client, patience).await?;
    println!(
        "done in {:.2?}: order {} shipped",
        started.elapsed(),
        order.id
    );
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}

fn base_url() -> String {
    std::env::var("FLEXPORT_BASE_URL").unwrap_or_else(|_| flexport::DEFAULT_BASE_URL.to_owned())
}

/// The workflow itself, against any client; returns the shipped order.
pub async fn run(
    client: &Client,
    patience: impl Into<Patience>,
) -> Result<types::OrderModel, Failure> {
    run_with(client, patience, async |_| {}).await
}

/// [`run`], calling `before_wait` with what is awaited (`"received"`,
/// `"shipped"`) before each wait: a test moves a manual-clock sandbox's
/// time there (`crates/flexport/tests/sandbox_manual_clock.rs`).
pub async fn run_with(
    client: &Client,
    patience: impl Into<Patience>,
    mut before_wait: impl AsyncFnMut(&'static str),
) -> Result<types::OrderModel, Failure> {
    let patience = patience.into();
    let run_id = &uuid_suffix();
    let product = step("create a product", async {
        let dimensions = types::Dimension::builder()
            .length(4.5)
            .width(3.5)
            .height(4.0)
            .length_unit(types::LengthUnit::In)
            .weight(0.9)
            .weight_unit(types::WeightUnit::Lb);
        let response = client
            .create_product()
            .body_map(|product| {
                product
                    .name("Ceramic mug")
                    .merchant_sku(format!("MUG-{run_id}"))
                    .dimensions(dimensions)
            })
            .send()
            .await?;
        let correlation = response.correlation_id().unwrap_or("-").to_owned();
        let product = response.into_inner();
        Ok((
            format!(
                "logisticsSku {} (correlation id {correlation})",
                product.logistics_sku
            ),
            product,
        ))
    })
    .await?;

    let inbound = step("create an inbound shipment of 24 units", async {
        let from = types::InboundAddress::builder()
            .name(Some(types::InboundAddressName::try_from("Mug Co.")?))
            .address1("100 Harbor Blvd")
            .city("Long Beach")
            .province_code("CA")
            .zip("90802")
            .country_code(types::CountryCode::Us);
        let item = types::ItemData::builder()
            .logistics_sku(&product.logistics_sku)
            .quantity(24);
        let shipment = client
            .create_inbounding_shipment()
            .body_map(|shipment| {
                shipment
                    .from(from)
                    .prep(types::PrepRequestData::builder().box_content_labels(false))
                    .shipping_plan_name(Some(format!("Workflow {run_id}")))
                    .items(vec![item])
            })
            .send()
            .await?
            .into_inner();
        Ok((
            format!("shipment {} ({})", shipment.id, shipment.status),
            shipment,
        ))
    })
    .await?;

    before_wait("received").await;
    step("wait until the shipment is received", async {
        let shipment = patience
            .apply(client.wait_until_inbound_received(&inbound.id))
            .await?;
        let inventory = client
            .get_inventory()
            .logistics_sku(&product.logistics_sku)
            .send()
            .await?
            .into_inner();
        Ok((
            format!(
                "shipment {} {}; {} units available",
                shipment.id, shipment.status, inventory.available
            ),
            (),
        ))
    })
    .await?;

    let order = step("place an order for 2 units", async {
        let address = types::AddressInput::builder()
            .name(Some("Ada Lovelace".to_owned()))
            .address1("1 Main St")
            .city("Reno")
            .province_code(Some("NV".to_owned()))
            .zip(Some("89501".to_owned()))
            .country_code("US");
        let line_item = types::OrderLineItemInput::builder()
            .logistics_sku(&product.logistics_sku)
            .quantity(2);
        let order = client
            .create_order()
            .body_map(|order| {
                order
                    .external_order_id(format!("WORKFLOW-{run_id}"))
                    .address(address)
                    .line_items(vec![line_item])
            })
            .send()
            .await?
            .into_inner();
        Ok((
            format!("order {} ({})", order.id, order.state.internal_status),
            order,
        ))
    })
    .await?;

    before_wait("shipped").await;
    step("wait until the order ships", async {
        let order = patience
            .apply(client.wait_until_order_shipped(&order.id))
            .await?;
        let shipment = order
            .shipments
            .first()
            .map_or("-", |shipment| shipment.id.as_str());
        Ok((
            format!("order {} shipped in shipment {shipment}", order.id),
            order,
        ))
    })
    .await
}

/// Runs one step, printing its name, what it reports and how long it took.
async fn step<T>(
    name: &str,
    work: impl Future<Output = Result<(String, T), Failure>>,
) -> Result<T, Failure> {
    let started = Instant::now();
    let (report, value) = work.await?;
    println!("{name:<40} {:>8.2?}  {report}", started.elapsed());
    Ok(value)
}

/// Eight characters that make this run's merchant SKU and order id unique.
fn uuid_suffix() -> String {
    format!("{:08x}", fastrand::u32(..))
}
