//! Migration notes as Markdown.

use std::fmt::Write;

use super::Diff;
use super::rules::{self, Severity};
use super::rust::RustChange;

const SEVERITIES: [Severity; 3] = [
    Severity::Breaking,
    Severity::PossiblyBreaking,
    Severity::NonBreaking,
];

/// One line of counts: `3 breaking, 1 possibly breaking, 12 non-breaking`.
pub fn counts(diff: &Diff) -> String {
    format!(
        "{} breaking, {} possibly breaking, {} non-breaking",
        diff.count(Severity::Breaking),
        diff.count(Severity::PossiblyBreaking),
        diff.count(Severity::NonBreaking)
    )
}

/// The line a page gives one change of the generated crate:
/// `Rust: <what changes>. <whether older code still compiles>`.
pub fn rust_line(change: &RustChange) -> String {
    let verdict = if change.breaks_rust {
        format!("**Breaks code that compiled**: {}.", change.advice)
    } else if change.advice.is_empty() {
        "Code that compiled still compiles.".to_owned()
    } else {
        format!("Code that compiled still compiles; {}.", change.advice)
    };
    format!("Rust: {}. {verdict}", change.describe())
}

/// What a page says for a document change the generated code does not show.
pub const NO_RUST_CHANGE: &str = "Rust: no change to the crate's public items (types, fields, variants, methods, setters and their types).";

/// The migration notes of one diff, with `extra` (release-note facts) after
/// the counts.
pub fn markdown_with(diff: &Diff, extra: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Migrating from `{}` to `{}`\n", diff.from, diff.to);
    let _ = writeln!(
        out,
        "API: {}. Rust: {} of the changes below break code that compiled against the `{}` crate.\n",
        counts(diff),
        diff.count_breaking_rust(),
        diff.from
    );
    let _ = writeln!(
        out,
        "Generated from the OpenAPI documents by `cargo xtask diff`; do not edit. Each change names the rule \
         that classified it for the API (listed at the end); its `Rust:` lines are read from the two crates \
         `flexport-codegen` generates and say whether code that compiled against the older crate still \
         compiles (see [README.md](README.md) for both classifications)."
    );
    out.push_str(extra);
    if diff.changes.is_empty() && diff.other_rust.is_empty() {
        let _ = writeln!(out, "\nNo changes.");
    }
    for severity in SEVERITIES {
        let changes: Vec<_> = diff
            .changes
            .iter()
            .filter(|c| c.severity == severity)
            .collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {}", severity.title());
        let mut subject = "";
        for change in changes {
            if change.subject != subject {
                subject = &change.subject;
                let _ = writeln!(out, "\n### `{subject}`\n");
            }
            let location = if change.location.is_empty() {
                String::new()
            } else {
                format!(" ({})", change.location)
            };
            let _ = writeln!(out, "- `{}`{location}: {}.", change.rule, change.detail);
            if change.rust.is_empty() {
                let _ = writeln!(out, "  - {NO_RUST_CHANGE}");
            }
            for rust in &change.rust {
                let _ = writeln!(out, "  - {}", rust_line(rust));
            }
        }
    }
    if !diff.other_rust.is_empty() {
        let _ = writeln!(
            out,
            "\n## Other changes in the generated code\n\n\
             Changes between the two crates that no single document change above explains.\n"
        );
        for rust in &diff.other_rust {
            let _ = writeln!(out, "- {}", rust_line(rust));
        }
    }
    let used: Vec<_> = rules::ALL
        .iter()
        .filter(|rule| diff.changes.iter().any(|c| c.rule == rule.id))
        .collect();
    if !used.is_empty() {
        let _ = writeln!(out, "\n## Rules\n");
        for rule in used {
            let _ = writeln!(
                out,
                "- `{}` ({:?}): {}.",
                rule.id, rule.severity, rule.summary
            );
        }
    }
    out
}

/// The migration notes of one diff.
pub fn markdown(diff: &Diff) -> String {
    markdown_with(diff, "")
}
