#!/usr/bin/env python3
"""Creates one object of each kind in a running sandbox and prints a
schemathesis.toml that binds every path parameter to the ids created, so
that id-taking operations are tested on objects that exist (with
probability 0.9; the rest get generated ids and so test the 404 path).

Usage: schemathesis-seed.py BASE_URL TOKEN > schemathesis.toml

A kind whose create fails is left out of the file and named on stderr, so
a sandbox without that operation still gets a run (its operations then
see only generated ids).
"""

import json
import sys
import urllib.error
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]
ADDRESS = {
    "name": "Sandbox Customer",
    "address1": "1 Main St",
    "city": "Reno",
    "provinceCode": "NV",
    "zip": "89501",
    "countryCode": "US",
}


def plain(value):
    """`1001.0` (a number-typed id) as `1001`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def call(method, version, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{BASE}/logistics/api/{version}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


values = {}  # path parameter name -> ids
operation_values = {}  # operationId -> {parameter name: ids}


def seed(kind, create):
    try:
        create()
    except (urllib.error.URLError, KeyError, TypeError, ValueError) as error:
        print(f"seed: no {kind}: {error}", file=sys.stderr)


def products():
    for n in range(2):
        product = call("POST", "2024-04", "/products", {"name": f"Seed {n}", "merchantSku": f"SEED-{n}"})
        values.setdefault("logisticsSku", []).append(product["logisticsSku"])


def inbounds():
    shipment = call("POST", "2024-04", "/inbounds/shipments", {
        "from": ADDRESS,
        "prep": {"boxContentLabels": False},
        "items": [{"logisticsSku": values["logisticsSku"][0], "quantity": 50}],
    })
    values["shipmentId"] = [shipment["id"]]
    # A quote process, so that the quote and purchase reads find one.
    call("POST", "2024-04", f"/inbounds/shipments/{shipment['id']}/quotes", {})


def orders():
    order = call("POST", "2024-04", "/orders", {
        "externalOrderId": "SEED-ORDER-1",
        "address": ADDRESS,
        "lineItems": [{"logisticsSku": values["logisticsSku"][0], "quantity": 1}],
    })
    values["orderId"] = [order["id"]]
    values["externalOrderId"] = ["SEED-ORDER-1"]


def bundles():
    bundle = call("POST", "2024-04", "/bundles", {
        "title": "Seed bundle",
        "sku": "SEED-BUNDLE",
        "externalBundleId": "SEED-BUNDLE",
        "bundleContents": [{"productId": values["logisticsSku"][0], "quantity": 2}],
    })
    values["bundleId"] = [bundle["bundleId"]]


def webhooks():
    for n in range(3):
        webhook = call("POST", "2024-04", "/webhooks", {
            "url": f"http://127.0.0.1:9/seed-{n}",
            "type": "order.shipped",
            "method": "POST",
            "authMethod": "NONE",
        })
        values.setdefault("webhookId", []).append(int(webhook["id"]))


def reports():
    report = call("POST", "2024-04", "/reports", {"reportType": "Inventory-Levels_Today"})
    values["reportReference"] = [report["reportReference"]]


PARCEL = {
    "shipToAddress": {
        "name": "Sandbox Customer",
        "street1": "1 Main St",
        "city": "Reno",
        "state": "NV",
        "zip": "89501",
        "country": "US",
    },
    "dimensions": {"length": 10, "width": 8, "height": 4, "lengthUnit": "in", "weight": 2, "weightUnit": "lb"},
}


def parcels():
    parcel = call("POST", "2024-04", "/parcels", PARCEL)
    values["parcelId"] = [parcel["parcelId"]]
    values["trackingCode"] = [parcel["trackingCode"]]


def parcel_jobs():
    job = call("POST", "2024-04", "/parcels/jobs", {
        "packslipRequired": False,
        "parcels": [dict(PARCEL, serviceLevel="STANDARD")],
    })
    values["id"] = [job["jobId"]]


def returns():
    created = call("POST", "2024-04", "/returns", {
        "rma": "SEED-RMA-1",
        "externalReturnId": "SEED-RETURN-1",
        "returnItems": [{"identifier": values["logisticsSku"][0], "type": "LOGISTICS_SKU", "quantity": 1}],
    })
    values["returnId"] = [created["id"]]


def location(zip_code):
    return {"zip": zip_code, "locationType": "COMMERCIAL", "liftGateRequired": False}


def details(street, city, zip_code, state, first):
    return {
        "cargoReadyDate": "2030-12-01T08:00:00Z",
        "address": {"street1": street, "city": city, "zip": zip_code, "state": state, "country": "US"},
        "contact": {"firstName": first, "lastName": "Seed", "phone": "555-0100", "email": "seed@example.com"},
    }


def freight():
    # unstable only; `orderId` of the freight paths names freight orders,
    # bound per operation below.
    quote = call("POST", "unstable", "/freight/quotes/pallets", {
        "palletCount": 2, "pickupDetails": location("94607"), "deliveryDetails": location("89501"),
    })
    values["quoteId"] = [quote["id"]]
    second = call("POST", "unstable", "/freight/quotes/pallets", {
        "palletCount": 2, "pickupDetails": location("94607"), "deliveryDetails": location("89501"),
    })
    order = call("POST", "unstable", "/freight/orders/pallets", {
        "quoteId": second["id"],
        "deliveryDetails": details("1 Dock Rd", "Reno", "89501", "NV", "Ada"),
        "pickupDetails": details("2 Mill St", "Oakland", "94607", "CA", "Bo"),
        "pallets": [{"palletCount": 2, "length": 48, "width": 40, "height": 50, "weight": 400}],
    })
    freight_orders.append(order["id"])
    values["bolId"] = [f"SBX-BOL-{plain(order['id'])}"]


def channels():
    call("POST", "unstable", "/channels", {
        "channelType": "SHOPIFY", "accessToken": "seed", "storeName": "seed-store", "locationId": "L1",
    })
    values["channelType"] = ["SHOPIFY"]
    values["storeName"] = ["seed-store"]


freight_orders = []

for kind, create in [
    ("products", products),
    ("inbound shipments", inbounds),
    ("orders", orders),
    ("bundles", bundles),
    ("webhooks", webhooks),
    ("reports", reports),
    ("parcels", parcels),
    ("bulk parcel jobs", parcel_jobs),
    ("returns", returns),
    ("freight quotes and orders", freight),
    ("channels", channels),
]:
    seed(kind, create)


def toml_list(items):
    # Documents type some ids as numbers and some as strings: a numeric id
    # is given both ways, and schemathesis uses the one the schema allows.
    entries = []
    for item in map(plain, items):
        entries.append(json.dumps(str(item)))
        if str(item).isdigit():
            entries.append(str(item))
    return "[" + ", ".join(entries) + "]"


print("# Written by scripts/schemathesis-seed.py for one sandbox run.")
print(f'headers = {{ Authorization = "Bearer {TOKEN}" }}')
for name, ids in sorted(values.items()):
    print(f"\n[dictionaries.{name}]\nvalues = {toml_list(ids)}")
if freight_orders:
    print(f"\n[dictionaries.freightOrderId]\nvalues = {toml_list(freight_orders)}")
print("\n[parameters]")
for name in sorted(values):
    print(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.9 }}')

# The OAuth operations authenticate the partner app, not a merchant: the
# sandbox's default app (crates/flexport-sandbox, `PartnerApp::default`).
print('''
[[operations]]
include-operation-id = "AuthorizationRedirect"
parameters = { "query.client_id" = "sandbox-app", "query.response_type" = "code" }

[[operations]]
include-operation-id = "TokenExchange"
headers = { Authorization = "Basic c2FuZGJveC1hcHA6c2FuZGJveC1hcHAtc2VjcmV0" }''')

# Freight paths' `orderId` names a freight order, not a fulfillment one.
if freight_orders:
    for operation in ["GetFreightOrder", "GetOrderDocuments", "Cancel"]:
        print(f'''
[[operations]]
include-operation-id = "{operation}"
parameters = {{ "path.orderId" = {{ dictionary = "freightOrderId", probability = 0.9 }} }}''')
