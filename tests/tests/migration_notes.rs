//! The migration notes: what Flexport's release notes say must be in them,
//! and the committed notes must be what the documents produce today.

use flexport_tests::workspace_root;
use xtask::diff::{Diff, diff_documents, load_document};
use xtask::migration_notes::render_all;

fn diff(from: &str, to: &str) -> Diff {
    let load = |version: &str| {
        load_document(&workspace_root().join(format!("specs/{version}.json"))).unwrap()
    };
    diff_documents(from, &load(from), to, &load(to))
}

/// Asserts `diff` has a change by `rule` whose subject, location and detail
/// together mention every one of `words`, and returns it.
#[track_caller]
fn assert_change<'d>(diff: &'d Diff, rule: &str, words: &[&str]) -> &'d xtask::diff::Change {
    diff.changes
        .iter()
        .find(|change| {
            let text = format!("{} {} {}", change.subject, change.location, change.detail);
            change.rule == rule && words.iter().all(|word| text.contains(word))
        })
        .unwrap_or_else(|| {
            panic!(
                "{} -> {}: no `{rule}` change mentioning {words:?}",
                diff.from, diff.to
            )
        })
}

#[test]
fn notes_2023_04_to_2023_07_list_the_new_operations() {
    let diff = diff("2023-04", "2023-07");
    for operation in [
        "GetAllInventory",
        "GetProducts",
        "GetParcelTrackingByTrackingCode",
        "CancelParcel",
    ] {
        let change = assert_change(&diff, "operation-added", &[operation]);
        assert!(change.rust.contains("new method"), "{change:?}");
    }
    assert_change(
        &diff,
        "operation-added",
        &["GET /parcels/tracking/{trackingCode}"],
    );
    assert_eq!(diff.count(xtask::diff::rules::Severity::Breaking), 0);
}

#[test]
fn notes_2023_07_to_2023_10_list_the_new_properties() {
    let diff = diff("2023-07", "2023-10");
    for property in [
        "customsInformation",
        "customLabelFooterFields",
        "shippingPlanName",
        "shippingPlanExternalId",
    ] {
        let change = assert_change(&diff, "request-property-added-optional", &[property]);
        assert!(change.rust.contains("gains field"), "{change:?}");
    }
    for schema in ["schema Parcel", "schema ParcelTracking"] {
        assert_change(
            &diff,
            "response-property-added",
            &[schema, "flexportTrackingUrl"],
        );
    }
}

#[test]
fn notes_2023_10_to_2024_01_list_packing_slips_and_damaged_stock() {
    let diff = diff("2023-10", "2024-01");
    assert_change(
        &diff,
        "request-property-added-optional",
        &["packingSlipUrl"],
    );
    let damaged = assert_change(
        &diff,
        "response-enum-value-added",
        &["InboundReceivedEvent", "DAMAGED"],
    );
    assert_eq!(
        damaged.severity,
        xtask::diff::rules::Severity::PossiblyBreaking
    );
    assert!(
        damaged.rust.contains("gains variant `Damaged`"),
        "{damaged:?}"
    );
}

#[test]
fn notes_2024_01_to_2024_04_list_bulk_parcels_barcodes_tracking_urls_and_tiktok() {
    let diff = diff("2024-01", "2024-04");
    assert_change(&diff, "operation-added", &["CreateBulkParcelJob"]);
    assert_change(&diff, "operation-added", &["GetBulkParcelJob"]);
    assert_change(
        &diff,
        "response-property-added",
        &["schema Parcel", "carrierBarcode"],
    );
    assert_change(
        &diff,
        "response-property-added",
        &["schema ParcelTracking", "carrierBarcode"],
    );
    let format = assert_change(
        &diff,
        "response-format-changed",
        &["flexportTrackingUrl", "uri"],
    );
    assert!(
        format.rust.contains("no change to the generated type"),
        "{format:?}"
    );
    assert_change(&diff, "response-enum-value-added", &["TIKTOK"]);
}

#[test]
fn stable_to_unstable_lists_the_unstable_only_areas() {
    let diff = diff("2024-04", "unstable");
    for path in [
        "/freight/",
        "/accounts/",
        "/channels/",
        "/events",
        "/uploads",
    ] {
        assert!(
            diff.changes
                .iter()
                .any(|c| c.rule == "operation-added" && c.subject.contains(path)),
            "no new operation under {path}"
        );
    }
}

#[test]
fn committed_notes_match_the_documents() {
    let notes_dir = workspace_root().join("docs/migrations");
    let fresh = render_all(&workspace_root().join("specs")).unwrap();
    let mut committed: Vec<String> = std::fs::read_dir(&notes_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let mut expected: Vec<String> = fresh.iter().map(|(name, _)| name.clone()).collect();
    expected.sort();
    assert_eq!(
        committed, expected,
        "docs/migrations/ holds other files than the notes"
    );
    for (name, content) in &fresh {
        let on_disk = std::fs::read_to_string(notes_dir.join(name)).unwrap();
        assert!(
            on_disk == *content,
            "docs/migrations/{name} is stale: run `cargo xtask migration-notes`"
        );
    }
}
