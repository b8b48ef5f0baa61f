//! The migration notes: what Flexport's release notes say must be in them,
//! that every `Rust:` line is true of the two generated crates (for every
//! pair of committed versions and for a pair of documents with the official
//! documents' quirks), and that the committed notes are what the documents
//! produce today.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use flexport_tests::workspace_root;
use serde_json::{Value, json};
use xtask::diff::render::{NO_RUST_CHANGE, rust_line};
use xtask::diff::rust::{RustApi, RustChange, RustChangeKind as K, show};
use xtask::diff::{Diff, diff_documents, diff_with_crates, load_document};
use xtask::migration_notes::{load_release_notes, pairs, render_all};

/// Every committed version's normalized document and generated surface,
/// generated once for the whole test binary.
fn versions() -> &'static BTreeMap<String, (Value, RustApi)> {
    static VERSIONS: OnceLock<BTreeMap<String, (Value, RustApi)>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        xtask::VERSIONS
            .iter()
            .map(|version| {
                let document =
                    load_document(&workspace_root().join(format!("specs/{version}.json"))).unwrap();
                let api = xtask::diff::rust::generate(&document).unwrap();
                (version.to_string(), (document, api))
            })
            .collect()
    })
}

/// The pages `cargo xtask migration-notes` writes, rendered once.
fn pages() -> &'static BTreeMap<String, String> {
    static PAGES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    PAGES.get_or_init(|| {
        render_all(&workspace_root().join("specs"))
            .unwrap()
            .into_iter()
            .collect()
    })
}

fn diff(from: &str, to: &str) -> Diff {
    let (old, old_api) = &versions()[from];
    let (new, new_api) = &versions()[to];
    diff_with_crates(from, old, old_api, to, new, new_api)
}

/// Asserts `diff` has a change by `rule` whose subject, location and detail
/// together mention every one of `words`, and returns it.
#[track_caller]
fn assert_change<'d>(diff: &'d Diff, rule: &str, words: &[&str]) -> &'d xtask::diff::ApiChange {
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

fn kinds(change: &xtask::diff::ApiChange) -> Vec<K> {
    change.rust.iter().map(|rust| rust.kind).collect()
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
        assert_eq!(kinds(change), [K::MethodAdded], "{change:?}");
        assert!(!change.breaks_rust());
    }
    assert_change(
        &diff,
        "operation-added",
        &["GET /parcels/tracking/{trackingCode}"],
    );
    assert_eq!(diff.count(xtask::diff::rules::Severity::Breaking), 0);
}

#[test]
fn notes_2023_07_to_2023_10_list_the_new_properties_as_breaking_struct_literals() {
    let diff = diff("2023-07", "2023-10");
    for property in [
        "customsInformation",
        "customLabelFooterFields",
        "shippingPlanName",
        "shippingPlanExternalId",
    ] {
        let change = assert_change(&diff, "request-property-added-optional", &[property]);
        // Non-breaking for the API, breaking for Rust struct literals, and
        // the note names the builder.
        assert_eq!(change.severity, xtask::diff::rules::Severity::NonBreaking);
        assert_eq!(kinds(change), [K::FieldAdded], "{change:?}");
        assert!(change.breaks_rust(), "{change:?}");
        assert!(change.rust[0].advice.contains("::builder()"), "{change:?}");
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
    assert_eq!(kinds(damaged), [K::VariantAdded], "{damaged:?}");
    assert_eq!(damaged.rust[0].member.as_deref(), Some("Damaged"));
    assert!(damaged.rust[0].advice.contains("wildcard arm"));
}

#[test]
fn notes_2024_01_to_2024_04_list_bulk_parcels_barcodes_tracking_urls_and_tiktok() {
    let diff = diff("2024-01", "2024-04");
    assert_change(&diff, "operation-added", &["CreateBulkParcelJob"]);
    assert_change(&diff, "operation-added", &["GetBulkParcelJob"]);
    for schema in ["schema Parcel", "schema ParcelTracking"] {
        let barcode = assert_change(
            &diff,
            "response-property-added",
            &[schema, "carrierBarcode"],
        );
        assert!(barcode.breaks_rust(), "{barcode:?}");
    }
    let format = assert_change(
        &diff,
        "response-format-changed",
        &["flexportTrackingUrl", "uri"],
    );
    assert_eq!(
        format.rust,
        Vec::new(),
        "the generated field keeps its type"
    );
    let tiktok = assert_change(&diff, "response-enum-value-added", &["TIKTOK"]);
    assert_eq!(tiktok.rust[0].owner, "types::SourceId");
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

// ---------------------------------------------------------------------------
// The impact-truth check: an independent reading of the generated code.

/// The public surface of a generated file, read here without the xtask
/// model: `type types::X`, `field types::X::f` (with its type), `variant
/// types::X::V`, `method Trait::m`, `setter Trait::m.s`.
#[derive(Default)]
struct Surface {
    items: BTreeMap<String, String>,
}

fn generated_surface(document: &[u8]) -> Surface {
    let code = flexport_codegen::generate(document).unwrap().code;
    let file = syn::parse_file(&code).unwrap();
    let mut surface = Surface::default();
    let module = |name: &str| -> Vec<syn::Item> {
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|c| c.1.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let public = |vis: &syn::Visibility| matches!(vis, syn::Visibility::Public(_));
    for module_name in ["types", "webhooks"] {
        for item in module(module_name) {
            match item {
                syn::Item::Struct(s) if public(&s.vis) => {
                    let path = format!("{module_name}::{}", s.ident);
                    surface.items.insert(format!("type {path}"), String::new());
                    if let syn::Fields::Named(fields) = &s.fields {
                        for field in fields.named.iter().filter(|f| public(&f.vis)) {
                            surface.items.insert(
                                format!("field {path}::{}", field.ident.as_ref().unwrap()),
                                show(&field.ty),
                            );
                        }
                    }
                }
                syn::Item::Enum(e) if public(&e.vis) => {
                    let path = format!("{module_name}::{}", e.ident);
                    surface.items.insert(format!("type {path}"), String::new());
                    for variant in &e.variants {
                        surface
                            .items
                            .insert(format!("variant {path}::{}", variant.ident), String::new());
                    }
                }
                _ => {}
            }
        }
    }
    let builders = module("builder");
    let mut add_method = |owner: &str, sig: &syn::Signature| {
        let syn::ReturnType::Type(_, ty) = &sig.output else {
            return;
        };
        let syn::Type::Path(path) = ty.as_ref() else {
            return;
        };
        if path
            .path
            .segments
            .first()
            .is_none_or(|s| s.ident != "builder")
        {
            return;
        }
        let builder = path.path.segments.last().unwrap().ident.to_string();
        let method = format!("{owner}::{}", sig.ident);
        surface
            .items
            .insert(format!("method {method}"), String::new());
        for item in &builders {
            if let syn::Item::Impl(imp) = item
                && let syn::Type::Path(self_ty) = imp.self_ty.as_ref()
                && self_ty.path.segments.last().unwrap().ident == builder
            {
                for f in &imp.items {
                    if let syn::ImplItem::Fn(f) = f
                        && public(&f.vis)
                        && !["new", "send"].contains(&f.sig.ident.to_string().as_str())
                    {
                        surface
                            .items
                            .insert(format!("setter {method}.{}", f.sig.ident), String::new());
                    }
                }
            }
        }
    };
    for item in &file.items {
        match item {
            syn::Item::Trait(t) => {
                for f in &t.items {
                    if let syn::TraitItem::Fn(f) = f {
                        add_method(&t.ident.to_string(), &f.sig);
                    }
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                for f in &imp.items {
                    if let syn::ImplItem::Fn(f) = f
                        && public(&f.vis)
                    {
                        add_method("Client", &f.sig);
                    }
                }
            }
            _ => {}
        }
    }
    surface
}

/// The surface key a change is about.
fn key(change: &RustChange) -> String {
    let member = change.member.as_deref().unwrap_or_default();
    match change.kind {
        K::TypeAdded | K::TypeRemoved | K::TypeChanged => format!("type {}", change.owner),
        K::FieldAdded | K::FieldRemoved | K::FieldTypeChanged => {
            format!("field {}::{member}", change.owner)
        }
        K::VariantAdded | K::VariantRemoved | K::VariantPayloadChanged => {
            format!("variant {}::{member}", change.owner)
        }
        K::MethodAdded | K::MethodRemoved | K::MethodRequestChanged | K::MethodReturnChanged => {
            format!("method {}", change.owner)
        }
        _ => format!("setter {}.{member}", change.owner),
    }
}

/// Every `Rust:` claim of `diff` holds of the two surfaces, every
/// difference between the surfaces is claimed, the page prints exactly
/// these claims, and a document change said to leave the crate alone leaves
/// the field it names alone.
fn assert_rust_lines_are_true(diff: &Diff, old: &Surface, new: &Surface, page: &str) {
    let pair = format!("{} -> {}", diff.from, diff.to);
    let claims: Vec<&RustChange> = diff
        .changes
        .iter()
        .flat_map(|c| &c.rust)
        .chain(&diff.other_rust)
        .collect();
    for claim in &claims {
        let key = key(claim);
        let (before, after) = (old.items.get(&key), new.items.get(&key));
        let holds = match claim.kind {
            K::TypeAdded | K::FieldAdded | K::VariantAdded | K::MethodAdded | K::SetterAdded => {
                before.is_none()
                    && after.is_some()
                    && (claim.kind != K::FieldAdded || after == claim.after.as_ref())
            }
            K::TypeRemoved
            | K::FieldRemoved
            | K::VariantRemoved
            | K::MethodRemoved
            | K::SetterRemoved => before.is_some() && after.is_none(),
            K::FieldTypeChanged => {
                before == claim.before.as_ref() && after == claim.after.as_ref() && before != after
            }
            _ => before.is_some() && after.is_some(),
        };
        assert!(
            holds,
            "{pair}: `{}` is not true of the generated crates ({key}: {before:?} -> {after:?})",
            claim.describe()
        );
        assert!(
            page.contains(&rust_line(claim)),
            "{pair}: the page lacks `{}`",
            rust_line(claim)
        );
    }
    // Completeness: a key present in one crate only, or a field whose type
    // differs, is claimed (directly, or by its whole type being added or
    // removed).
    let claimed: BTreeSet<String> = claims.iter().map(|c| key(c)).collect();
    let keys: BTreeSet<&String> = old.items.keys().chain(new.items.keys()).collect();
    for key in keys {
        if old.items.get(key) == new.items.get(key) {
            continue;
        }
        let owner_type = key
            .split_once(' ')
            .map(|(_, path)| path.rsplit_once("::").map_or(path, |(owner, _)| owner))
            .unwrap_or_default();
        let owner_method = key
            .strip_prefix("setter ")
            .and_then(|rest| rest.split_once('.'))
            .map(|(method, _)| format!("method {method}"));
        assert!(
            claimed.contains(key)
                || claimed.contains(&format!("type {owner_type}"))
                || owner_method.is_some_and(|m| claimed.contains(&m)),
            "{pair}: `{key}` differs between the crates but no Rust line says so"
        );
    }
    // The page prints no other Rust line.
    let allowed: BTreeSet<String> = claims
        .iter()
        .map(|c| rust_line(c))
        .chain([NO_RUST_CHANGE.to_owned()])
        .collect();
    for line in page.lines() {
        let line = line.trim_start().trim_start_matches("- ");
        if line.starts_with("Rust: ") {
            assert!(allowed.contains(line), "{pair}: unverified line `{line}`");
        }
    }
    // "No change" for a property: the field with that JSON name keeps its
    // type (the claim the old notes got wrong for flexportTrackingUrl).
    for change in diff.changes.iter().filter(|c| c.rust.is_empty()) {
        let Some(schema) = change.subject.strip_prefix("schema ") else {
            continue;
        };
        let property = change.location.rsplit('.').next().unwrap_or_default();
        let field = format!(
            "field types::{}::{}",
            schema,
            heck_snake(property.trim_end_matches("[]"))
        );
        if let (Some(a), Some(b)) = (old.items.get(&field), new.items.get(&field)) {
            assert_eq!(
                a, b,
                "{pair}: {field} changes type, but the note says no change"
            );
        }
    }
}

/// camelCase to snake_case, enough for the documents' property names.
fn heck_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_rust_line_is_true_of_the_generated_crates_for_every_pair() {
    let pages = pages();
    let surfaces: BTreeMap<&str, Surface> = xtask::VERSIONS
        .iter()
        .map(|version| {
            let bytes =
                std::fs::read(workspace_root().join(format!("specs/{version}.json"))).unwrap();
            (*version, generated_surface(&bytes))
        })
        .collect();
    for (from, to) in pairs() {
        let diff = diff(from, to);
        let page = &pages[&format!("{from}-to-{to}.md")];
        assert_rust_lines_are_true(&diff, &surfaces[from], &surfaces[to], page);
    }
}

/// A pair of documents with the official documents' quirks: TypeScript
/// alias names (`Maybe_Scalars-at-String_`, `InputMaybe_Scalars-at-String_`)
/// referenced with `$ref`, and in the newer one the nullable alias replaced
/// by `{type: string, format: uri}`, as 2024-04 did to `flexportTrackingUrl`.
fn quirk_document(version: &str, newer: bool) -> Value {
    let maybe = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let tracking_url = if newer {
        json!({"type": "string", "format": "uri"})
    } else {
        maybe("Maybe_Scalars-at-String_")
    };
    let mut parcel = json!({
        "type": "object",
        "properties": {"id": {"type": "string"}, "flexportTrackingUrl": tracking_url},
        "required": ["id"],
    });
    let mut input = json!({
        "type": "object",
        "properties": {"sku": {"type": "string"}, "note": maybe("InputMaybe_Scalars-at-String_")},
        "required": ["sku"],
    });
    if newer {
        parcel["properties"]["carrierBarcode"] = json!({"type": "string"});
        input["properties"]["packingSlipUrl"] = maybe("InputMaybe_Scalars-at-String_");
    }
    let body = |name: &str| json!({"content": {"application/json": {"schema": maybe(name)}}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "quirks", "version": version},
        "paths": {
            format!("/logistics/api/{version}/parcels"): {"post": {
                "operationId": "CreateParcel",
                "tags": ["Parcels"],
                "requestBody": body("Pick_ParcelInput.Exclude_keyofParcelInput.id__"),
                "responses": {"200": {"description": "ok", "content": body("Parcel")["content"].clone()}},
            }},
        },
        "components": {"schemas": {
            "Maybe_Scalars-at-String_": {"type": "string", "nullable": true},
            "InputMaybe_Scalars-at-String_": {"type": "string", "nullable": true},
            "Pick_ParcelInput.Exclude_keyofParcelInput.id__": input,
            "Parcel": parcel,
        }},
    })
}

#[test]
fn quirk_pair_with_official_names_and_nullable_aliases_claims_no_type_change() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, document: &Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
        path
    };
    let old_path = write("old.json", &quirk_document("2024-01", false));
    let new_path = write("new.json", &quirk_document("2024-04", true));
    let load = |path: &Path| load_document(path).unwrap();
    let diff = diff_documents("2024-01", &load(&old_path), "2024-04", &load(&new_path)).unwrap();
    let page = xtask::diff::render::markdown(&diff);

    // The API sees the alias go and a format come; Rust sees nothing change.
    let tracking: Vec<_> = diff
        .changes
        .iter()
        .filter(|c| c.location.contains("flexportTrackingUrl"))
        .collect();
    assert!(!tracking.is_empty(), "{:#?}", diff.changes);
    for change in &tracking {
        assert_eq!(change.rust, Vec::new(), "{change:#?}");
    }
    assert!(
        !page.contains("flexport_tracking_url` changes"),
        "a type change is claimed:\n{page}"
    );
    // The new optional request property breaks struct literals, and the
    // note says to use the builder.
    let packing = assert_change(
        &diff,
        "request-property-added-optional",
        &["packingSlipUrl"],
    );
    assert_eq!(kinds(packing), [K::FieldAdded]);
    assert_eq!(packing.rust[0].after.as_deref(), Some("Option<String>"));
    assert!(packing.breaks_rust() && packing.rust[0].advice.contains("::builder()"));

    let surface = |path: &Path| generated_surface(&std::fs::read(path).unwrap());
    let (old, new) = (surface(&old_path), surface(&new_path));
    assert_eq!(
        old.items.get("field types::Parcel::flexport_tracking_url"),
        Some(&"Option<String>".to_owned())
    );
    assert_eq!(
        new.items.get("field types::Parcel::flexport_tracking_url"),
        Some(&"Option<String>".to_owned())
    );
    assert_rust_lines_are_true(&diff, &old, &new, &page);
}

// ---------------------------------------------------------------------------
// Release notes.

#[test]
fn every_page_carries_its_release_notes_and_2024_01_says_what_documents_cannot() {
    let notes_dir = workspace_root().join("docs/migrations");
    let pages = pages();
    for (from, to) in pairs() {
        let page = &pages[&format!("{from}-to-{to}.md")];
        let notes = load_release_notes(&notes_dir, to).unwrap();
        assert!(
            page.contains(&format!("## From the `{to}` release notes")),
            "{from}-to-{to}.md"
        );
        for fact in notes.facts.iter().chain(&notes.absent_operations) {
            assert!(page.contains(&fact.text), "{to}: {}", fact.topic);
        }
    }
    let page = &pages["2023-10-to-2024-01.md"];
    for topic in [
        "API Sandbox",
        "Partner OAuth",
        "bundle SKUs",
        "Portal",
        "Fast Tags",
        "Shipment.Shipped",
        "Order.Shipped",
    ] {
        assert!(page.contains(topic), "2024-01 page lacks {topic}");
    }
    let absent = page
        .split("### Operations absent from the committed documents")
        .nth(1)
        .expect("the 2024-01 page has the absent-operations section");
    for operation in [
        "GetProductAliases",
        "GetProductsByMerchantSku",
        "CreateProductBarcode",
        "Reserve-storage Outbounds",
    ] {
        assert!(absent.contains(operation), "{operation}");
    }
}

#[test]
fn operations_said_absent_are_absent_from_every_committed_document() {
    // When a synced document gains them, this fails: the note must change.
    let notes = load_release_notes(&workspace_root().join("docs/migrations"), "2024-01").unwrap();
    for (version, (document, _)) in versions() {
        let operations = flexport_codegen::operations::operations(document);
        for fact in &notes.absent_operations {
            let declared = if fact.topic.contains("Outbounds") {
                operations.iter().any(|op| op.path.contains("outbound"))
            } else {
                operations
                    .iter()
                    .any(|op| op.operation_id.as_deref() == Some(fact.topic.as_str()))
            };
            assert!(!declared, "{version} declares {}", fact.topic);
        }
    }
}

#[test]
fn release_notes_files_are_checked_when_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("release-notes")).unwrap();
    let write =
        |text: &str| std::fs::write(dir.path().join("release-notes/2024-01.json"), text).unwrap();
    assert!(
        load_release_notes(dir.path(), "2024-01").is_err(),
        "a missing file"
    );
    write(r#"{"version": "2023-10", "source": "s"}"#);
    assert!(
        load_release_notes(dir.path(), "2024-01")
            .unwrap_err()
            .to_string()
            .contains("2023-10")
    );
    write(
        r#"{"version": "2024-01", "source": "s", "facts": [{"topic": "t", "text": "x", "source": " "}]}"#,
    );
    assert!(
        load_release_notes(dir.path(), "2024-01")
            .unwrap_err()
            .to_string()
            .contains("source")
    );
    write(r#"{"version": "2024-01", "source": "s", "fact": []}"#);
    assert!(
        load_release_notes(dir.path(), "2024-01").is_err(),
        "an unknown key"
    );
}

#[test]
fn committed_notes_match_the_documents() {
    let notes_dir = workspace_root().join("docs/migrations");
    let fresh = pages();
    let mut committed: Vec<String> = std::fs::read_dir(&notes_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let mut expected: Vec<String> = fresh
        .keys()
        .cloned()
        .chain([
            "deliverr-v1.md".to_owned(),
            "facade.md".to_owned(),
            "release-notes".to_owned(),
        ])
        .collect();
    expected.sort();
    assert_eq!(
        committed, expected,
        "docs/migrations/ holds other files than the notes, the Deliverr guide, the facade's notes and release-notes/"
    );
    for (name, content) in fresh {
        let on_disk = std::fs::read_to_string(notes_dir.join(name)).unwrap();
        assert!(
            on_disk == *content,
            "docs/migrations/{name} is stale: run `cargo xtask migration-notes`"
        );
    }
}
