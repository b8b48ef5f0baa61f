//! The TLS features: the client the builder makes opens a TLS handshake with
//! the key exchange groups its feature promises. A local TCP server reads the
//! ClientHello and closes; the call must fail as a transport error (not
//! panic, e.g. with reqwest's "no crypto provider"), and the hello's
//! `supported_groups` must offer exactly what the crate docs say.
//!
//! Run with each TLS feature:
//! `cargo test -p flexport --test tls` (`rustls`, aws-lc-rs) and
//! `cargo test -p flexport --no-default-features --features v2024-04,rustls-ring --test tls`.

#![cfg(all(feature = "v2024-04", any(feature = "rustls", feature = "rustls-ring")))]

use flexport::v2024_04::{Client, prelude::*};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const X25519: u16 = 0x001d;
const SECP256R1: u16 = 0x0017;
const X25519MLKEM768: u16 = 0x11ec;

/// The named groups of the ClientHello's `supported_groups` extension.
fn supported_groups(record: &[u8]) -> Vec<u16> {
    let u16_at = |at: usize| u16::from_be_bytes([record[at], record[at + 1]]);
    assert_eq!(record[0], 0x16, "a TLS handshake record");
    assert_eq!(record[5], 0x01, "a ClientHello");
    // record header 5, handshake header 4, version 2, random 32
    let mut at = 5 + 4 + 2 + 32;
    at += 1 + record[at] as usize; // session id
    at += 2 + u16_at(at) as usize; // cipher suites
    at += 1 + record[at] as usize; // compression methods
    let end = at + 2 + u16_at(at) as usize;
    at += 2;
    while at < end {
        let (kind, len) = (u16_at(at), u16_at(at + 2) as usize);
        if kind == 0x000a {
            let list = &record[at + 6..at + 4 + len];
            return list
                .chunks(2)
                .map(|g| u16::from_be_bytes([g[0], g[1]]))
                .collect();
        }
        at += 4 + len;
    }
    panic!("no supported_groups extension");
}

async fn client_hello_groups() -> Vec<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut record = vec![0u8; 5];
        stream.read_exact(&mut record).await.unwrap();
        let len = u16::from_be_bytes([record[3], record[4]]) as usize;
        record.resize(5 + len, 0);
        stream.read_exact(&mut record[5..]).await.unwrap();
        record // dropping the stream closes the connection
    });
    let client: Client = flexport::ClientBuilder::new()
        .token("token")
        .base_url(format!("https://127.0.0.1:{port}"))
        .retry_policy(flexport::RetryPolicy::never())
        .build()
        .expect("the builder makes a TLS client");
    let error = client
        .get_order()
        .order_id("1")
        .send()
        .await
        .expect_err("the server closes after the hello");
    assert!(
        matches!(error, flexport::Error::Transport { .. }),
        "{error:?}"
    );
    supported_groups(&server.await.unwrap())
}

#[cfg(feature = "rustls")]
#[tokio::test]
async fn rustls_offers_the_post_quantum_hybrid() {
    let groups = client_hello_groups().await;
    // reqwest turns off rustls's `prefer-post-quantum`: X25519 stays first
    assert_eq!(groups.first(), Some(&X25519), "{groups:x?}");
    assert!(groups.contains(&X25519MLKEM768), "{groups:x?}");
    assert!(groups.contains(&SECP256R1), "{groups:x?}");
}

#[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
#[tokio::test]
async fn rustls_ring_offers_classical_groups_only() {
    let groups = client_hello_groups().await;
    assert!(!groups.contains(&X25519MLKEM768), "{groups:x?}");
    assert_eq!(groups.first(), Some(&X25519), "{groups:x?}");
    assert!(groups.contains(&SECP256R1), "{groups:x?}");
}
