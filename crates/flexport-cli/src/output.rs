//! stdout (the answer: JSON, or a table or CSV for lists) and the progress
//! shown on stderr when it is a terminal.

use std::io::{IsTerminal as _, Write as _};

use flexport::ResponseMetadata as _;
use futures::{Stream, StreamExt as _};
use indicatif::{ProgressBar, ProgressStyle};
use progenitor_client::{ByteStream, ResponseValue};
use serde::Serialize;
use serde_json::Value;

use crate::Failure;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty JSON (every command).
    Json,
    /// A table with a column per top-level field (lists; a single object is one row).
    Table,
    /// CSV with a header row, same columns as `table`.
    Csv,
}

/// Where a command's results go.
pub struct Output {
    format: Format,
    /// Whether stderr is a terminal: then lists and waits show progress.
    progress: bool,
    stdout: Box<dyn std::io::Write>,
}

impl Output {
    pub fn new(format: Format) -> Self {
        Self {
            format,
            progress: std::io::stderr().is_terminal(),
            stdout: Box::new(std::io::stdout()),
        }
    }

    /// A bar (or spinner) on stderr when it is a terminal; hidden otherwise.
    pub fn progress_bar(&self, message: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    /// One answer; notes on stderr when it was replayed for its idempotency key.
    pub fn answer<T: Serialize>(&mut self, response: ResponseValue<T>) -> Result<(), Failure> {
        if response.idempotent_replayed() {
            eprintln!(
                "note: idempotent-replayed: this is the stored answer of the first request with this idempotency key; nothing was done again"
            );
        }
        let value = serde_json::to_value(response.into_inner())
            .map_err(|e| Failure::Other(format!("cannot show the answer: {e}")))?;
        self.value(&value)
    }

    /// A download (a label, a report): its bytes, as they come.
    #[allow(dead_code, reason = "only versions with a download operation call it")]
    pub async fn download(&mut self, response: ResponseValue<ByteStream>) -> Result<(), Failure> {
        let mut stream = response.into_inner().into_inner();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| Failure::Other(format!("the download broke off: {e}")))?;
            self.stdout
                .write_all(&chunk)
                .map_err(|e| Failure::Other(format!("cannot write stdout: {e}")))?;
        }
        self.flush()
    }

    /// Every item of a paged list, counted on the progress bar.
    pub async fn stream<T, P, S>(&mut self, items: S) -> Result<(), Failure>
    where
        T: Serialize,
        S: Stream<Item = Result<T, flexport::pagination::StreamError<P>>>,
    {
        let bar = self.progress_bar("items");
        let mut items = std::pin::pin!(items);
        let mut all = Vec::new();
        let result = loop {
            match items.next().await {
                None => break Ok(()),
                Some(Ok(item)) => {
                    bar.inc(1);
                    match serde_json::to_value(item) {
                        Ok(value) => all.push(value),
                        Err(e) => break Err(Failure::Other(format!("cannot show an item: {e}"))),
                    }
                }
                Some(Err(error)) => break Err(Failure::from(error)),
            }
        };
        bar.finish_and_clear();
        result?;
        self.value(&Value::Array(all))
    }

    /// A value in the chosen format.
    pub fn value(&mut self, value: &Value) -> Result<(), Failure> {
        let text = match self.format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(value).expect("a Value serializes");
                text.push('\n');
                text
            }
            Format::Table => table(value),
            Format::Csv => csv_text(value)?,
        };
        self.stdout
            .write_all(text.as_bytes())
            .map_err(|e| Failure::Other(format!("cannot write stdout: {e}")))?;
        self.flush()
    }

    fn flush(&mut self) -> Result<(), Failure> {
        self.stdout
            .flush()
            .map_err(|e| Failure::Other(format!("cannot write stdout: {e}")))
    }
}

/// The rows of a value: a list's items, or the one object.
fn rows(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Top-level fields, in order of first appearance.
fn columns(rows: &[&Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(object) = row {
            for key in object.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    if columns.is_empty() {
        columns.push("value".to_owned());
    }
    columns
}

fn cell(row: &Value, column: &str) -> String {
    let value = match row {
        Value::Object(object) => object.get(column).unwrap_or(&Value::Null),
        other if column == "value" => other,
        _ => &Value::Null,
    };
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn table(value: &Value) -> String {
    let rows = rows(value);
    let columns = columns(&rows);
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(columns.clone());
    for row in &rows {
        table.add_row(
            columns
                .iter()
                .map(|column| cell(row, column))
                .collect::<Vec<_>>(),
        );
    }
    format!("{table}\n")
}

fn csv_text(value: &Value) -> Result<String, Failure> {
    let rows = rows(value);
    let columns = columns(&rows);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Failure::Other(format!("cannot write CSV: {e}"));
    writer.write_record(&columns).map_err(fail)?;
    for row in &rows {
        writer
            .write_record(columns.iter().map(|column| cell(row, column)))
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Failure::Other(format!("cannot write CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_column_per_top_level_field_and_quotes_what_needs_it() {
        let value = serde_json::json!([{"id": "1", "name": "a, b"}, {"id": "2", "tags": ["x"]}]);
        assert_eq!(
            csv_text(&value).unwrap(),
            "id,name,tags\n1,\"a, b\",\n2,,\"[\"\"x\"\"]\"\n"
        );
    }
}
