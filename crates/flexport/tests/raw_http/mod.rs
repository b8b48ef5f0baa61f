//! HTTP/1.1 read and written by hand on a TCP stream, for test servers that
//! break answers in ways no HTTP library would: cut bodies, stalls, resets.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The request line and headers, up to and including the blank line.
pub async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

/// The value of header `name` in a head read by [`read_head`].
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (found, value) = line.split_once(':')?;
        found
            .trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// The body announced by the head's `Content-Length` (none without one).
pub async fn read_body(stream: &mut TcpStream, head: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(head);
    let length: usize = header(&text, "content-length").map_or(Some(0), |v| v.parse().ok())?;
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(body)
}

/// The head of a response with `headers`, a `Content-Length` of
/// `body_length` and `connection: close`.
pub fn response_head(status: &str, headers: &[(&str, &str)], body_length: usize) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {body_length}\r\nconnection: close\r\n\r\n"
    ));
    head.into_bytes()
}
