//! A server's Content-Length is a claim, not a size to allocate.

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Announces a terabyte, sends two small chunks, then hangs up. Reading
/// that body must end in a body error, not in an attempt to reserve a
/// terabyte (which aborts the process).
#[tokio::test]
async fn a_terabyte_content_length_reserves_nothing_like_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    content-length: 1099511627776\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(b"{\"a\":").await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        stream.write_all(b"1}").await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    });
    let response = reqwest::get(format!("http://{address}/")).await.unwrap();
    assert_eq!(response.content_length(), Some(1 << 40));
    let outcome = flexport_runtime::decode::<serde_json::Value, ()>(response).await;
    assert!(
        matches!(outcome, Err(progenitor_client::Error::ResponseBodyError(_))),
        "{outcome:?}"
    );
}
