//! Migration notes as Markdown.

use std::fmt::Write;

use super::Diff;
use super::rules::{self, Severity};

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

/// The migration notes of one diff.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Migrating from `{}` to `{}`\n", diff.from, diff.to);
    let _ = writeln!(out, "{}.\n", counts(diff));
    let _ = writeln!(
        out,
        "Generated from the OpenAPI documents by `cargo xtask diff`; do not edit. Each change names the rule \
         that classified it (listed at the end) and what it changes in the generated crate."
    );
    if diff.changes.is_empty() {
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
            let _ = writeln!(
                out,
                "- `{}`{location}: {}. Rust: {}.",
                change.rule, change.detail, change.rust
            );
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
