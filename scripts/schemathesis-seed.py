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


def parcels():
    parcel = call("POST", "2024-04", "/parcels", {
        "shipTo": ADDRESS,
        "shipFrom": ADDRESS,
        "serviceLevel": "STANDARD",
        "dimensions": {"length": 10, "width": 8, "height": 4, "weight": 2, "dimensionUnit": "in", "weightUnit": "lb"},
    })
    values["parcelId"] = [str(parcel["parcelId"])]
    values["trackingCode"] = [parcel["trackingCode"]]


def returns():
    created = call("POST", "2024-04", "/returns", {
        "orderId": values["orderId"][0],
        "items": [{"logisticsSku": values["logisticsSku"][0], "quantity": 1}],
    })
    values["returnId"] = [str(created["id"])]


for kind, create in [
    ("products", products),
    ("inbound shipments", inbounds),
    ("orders", orders),
    ("bundles", bundles),
    ("webhooks", webhooks),
    ("reports", reports),
    ("parcels", parcels),
    ("returns", returns),
]:
    seed(kind, create)


def toml_list(items):
    # Documents type some ids as numbers and some as strings: a numeric id
    # is given both ways, and schemathesis uses the one the schema allows.
    entries = []
    for item in items:
        entries.append(json.dumps(str(item)))
        if str(item).isdigit():
            entries.append(str(item))
    return "[" + ", ".join(entries) + "]"


print("# Written by scripts/schemathesis-seed.py for one sandbox run.")
for name, ids in sorted(values.items()):
    print(f"\n[dictionaries.{name}]\nvalues = {toml_list(ids)}")
print("\n[parameters]")
for name in sorted(values):
    print(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.9 }}')
