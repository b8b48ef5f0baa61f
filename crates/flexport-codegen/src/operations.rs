//! The operations a document declares, as the completeness checks count them.

use serde_json::Value;

/// One operation: an HTTP method on a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    /// Upper case, as in `GET`.
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

/// Every operation in the document's `paths`, sorted by path and method.
pub fn operations(document: &Value) -> Vec<Operation> {
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut found: Vec<Operation> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            methods.iter().filter_map(move |method| {
                let operation = item.get(*method)?;
                Some(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    operation_id: operation
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
            })
        })
        .collect();
    found.sort();
    found
}

/// The longest `/`-terminated prefix shared by all of the document's paths,
/// such as `/logistics/api/2024-04/`: what differs between API versions and
/// says nothing about the operation.
pub fn path_prefix(document: &Value) -> String {
    let paths: Vec<&String> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys())
        .collect();
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut prefix = first.as_str();
    for path in &paths {
        while !path.starts_with(prefix) {
            prefix = &prefix[..prefix.len() - 1];
        }
    }
    prefix[..prefix.rfind('/').map_or(0, |i| i + 1)].to_owned()
}
