//! Prints how long validation, normalization and generation take for each
//! committed document: `cargo bench -p flexport-codegen`.

use std::time::{Duration, Instant};

const ROUNDS: u32 = 5;

fn main() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut paths: Vec<_> = std::fs::read_dir(&specs)
        .expect("specs/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    println!(
        "{:<10} {:>9} {:>12} {:>10} {:>10}",
        "version", "KiB", "lines", "best ms", "mean ms"
    );
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let mut times = Vec::new();
        let mut lines = 0;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let generated =
                flexport_codegen::generate(&bytes).expect("committed documents generate");
            times.push(started.elapsed());
            lines = generated.code.lines().count();
        }
        let best = times.iter().min().unwrap();
        let mean = times.iter().sum::<Duration>() / ROUNDS;
        println!(
            "{:<10} {:>9} {:>12} {:>10.1} {:>10.1}",
            path.file_stem().unwrap().to_string_lossy(),
            bytes.len() / 1024,
            lines,
            best.as_secs_f64() * 1e3,
            mean.as_secs_f64() * 1e3,
        );
    }
}
