// Included by build.rs and by src/wait.rs: each `flexport wait` subcommand,
// the `flexport::waiters` target it runs, and the documented operationId that
// target polls. build.rs gives a version the subcommands whose operation its
// document has; a test checks this list against `flexport::waiters::ALL`.
#[allow(dead_code, reason = "read by build.rs and by a test")]
/// (subcommand, target type in `flexport::waiters`, operationId polled)
pub const WAITERS: &[(&str, &str, &str)] = &[
    ("inbound-received", "InboundReceived", "GetInboundingShipmentV4"),
    ("order-shipped", "OrderShipped", "GetOrder"),
    ("order-delivered", "OrderDelivered", "GetOrder"),
    ("parcel-delivered", "ParcelDelivered", "GetParcelTracking"),
    ("bulk-parcel-job-done", "BulkParcelJobDone", "GetBulkParcelJob"),
    ("report-ready", "ReportReady", "GetReportStatus"),
    ("return-processed", "ReturnProcessed", "ReturnsGetOrder"),
    ("freight-order-tendered", "FreightOrderTendered", "GetFreightOrder"),
    ("freight-order-in-progress", "FreightOrderInProgress", "GetFreightOrder"),
    ("freight-order-completed", "FreightOrderCompleted", "GetFreightOrder"),
];
