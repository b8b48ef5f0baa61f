//! `flexport diff A B`: the migration notes from version A to version B
//! (`docs/migrations/`, embedded at build time), one page per step.

use crate::Failure;

include!(concat!(env!("OUT_DIR"), "/notes.rs"));

/// The pages from `from` to `to`, following the `FROM-to-TO` pages.
pub fn pages(from: &str, to: &str) -> Result<Vec<&'static str>, Failure> {
    let known: Vec<&str> =
        NOTES
            .iter()
            .flat_map(|(a, b, _)| [*a, *b])
            .fold(Vec::new(), |mut all, v| {
                if !all.contains(&v) {
                    all.push(v);
                }
                all
            });
    for version in [from, to] {
        if !known.contains(&version) {
            return Err(Failure::Usage(format!(
                "no migration notes name version {version}; known: {}",
                known.join(", ")
            )));
        }
    }
    let mut at = from;
    let mut found = Vec::new();
    while at != to {
        let Some((_, next, page)) = NOTES.iter().find(|(a, _, _)| *a == at) else {
            return Err(Failure::Usage(format!(
                "no notes lead from {from} to {to}: give the older version first"
            )));
        };
        found.push(*page);
        at = next;
    }
    if found.is_empty() {
        return Err(Failure::Usage("the two versions are the same".to_owned()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_adjacent_versions_chain_their_pages() {
        let found = pages("2023-10", "2024-04").unwrap();
        assert_eq!(found.len(), 2);
        assert!(found[0].contains("2023-10") && found[1].contains("2024-04"));
        assert!(pages("2024-04", "2023-10").is_err());
    }
}
