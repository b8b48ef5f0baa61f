//! Environment proxies never see the token of a plain-http (loopback)
//! request. Alone in its own test binary: it sets process environment
//! variables before any other thread exists.

#![cfg(feature = "v2024-04")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flexport::ClientBuilder;
use flexport::v2024_04::{Client, prelude::*};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Counts connections, answering each with a product.
async fn listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buffer = vec![0; 8192];
            let _ = stream.read(&mut buffer).await;
            let body = r#"{"logisticsSku":"S","merchantSku":"M","name":"Mug","barcodes":[],"dimsLocked":false}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (format!("http://{address}"), count)
}

#[test]
fn a_proxy_from_the_environment_never_sees_a_plain_http_request() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (proxy, proxied) = listener().await;
        let (api, served) = listener().await;
        for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            // SAFETY: the runtime is single-threaded and no other thread of
            // this test binary reads the environment.
            unsafe { std::env::set_var(name, &proxy) };
        }
        for name in ["NO_PROXY", "no_proxy"] {
            unsafe { std::env::remove_var(name) };
        }
        let client: Client = ClientBuilder::new()
            .token("secret-token")
            .base_url(&api)
            .build()
            .unwrap();
        client
            .get_product()
            .logistics_sku("S")
            .send()
            .await
            .unwrap();
        assert_eq!(
            proxied.load(Ordering::SeqCst),
            0,
            "the proxy got the request"
        );
        assert_eq!(served.load(Ordering::SeqCst), 1);
    });
}
