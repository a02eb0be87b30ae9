//! HTTP/1.1 for the blocking servers: requests parsed with `httparse`
//! from a connection's buffer, responses written by hand (a status line,
//! `content-length`, the body). The async servers use hyper instead.

use std::io::{self, Read, Write};

/// Longest request head a server buffers before it answers 431.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// Headers a request may have.
const MAX_HEADERS: usize = 32;

/// What the buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A complete request head of `len` bytes asking for `id`; `close`
    /// when the client asked to close the connection after it.
    Request {
        /// The id in the path (`/17`), if the path is one.
        id: Option<u32>,
        /// Whether the connection closes after the response.
        close: bool,
        /// Bytes of the head, to drop from the buffer.
        len: usize,
    },
    /// Not a whole head yet.
    Partial,
    /// Not HTTP, or a request this server does not serve; answered with
    /// the status and the connection closed.
    Bad(u16),
}

/// Parses the first request in `buf`.
pub(crate) fn parse(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => {
            let mut close = req.version == Some(0);
            for h in req.headers.iter() {
                if h.name.eq_ignore_ascii_case("connection") {
                    close = h.value.eq_ignore_ascii_case(b"close");
                }
                // Requests carry no body here; one that says it does is
                // refused rather than misread as the next request.
                if (h.name.eq_ignore_ascii_case("content-length") && h.value != b"0")
                    || h.name.eq_ignore_ascii_case("transfer-encoding")
                {
                    return Parsed::Bad(413);
                }
            }
            Parsed::Request {
                id: req.path.and_then(id_of),
                close,
                len,
            }
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => Parsed::Bad(431),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(_) => Parsed::Bad(400),
    }
}

/// The id of a path `/N`.
pub(crate) fn id_of(path: &str) -> Option<u32> {
    path.strip_prefix('/')?.parse().ok()
}

/// A whole response: status line, length, body.
pub(crate) fn response(status: u16, body: &str, close: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Error",
    };
    let conn = if close { "connection: close\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{conn}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A connection's read buffer.
#[derive(Debug, Default)]
pub(crate) struct ReadBuf {
    buf: Vec<u8>,
}

impl ReadBuf {
    /// Reads once into the buffer; `Ok(0)` at end of stream.
    pub(crate) fn fill(&mut self, from: &mut impl Read) -> io::Result<usize> {
        let mut chunk = [0u8; 4096];
        let n = from.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The first request in the buffer.
    pub(crate) fn parse(&self) -> Parsed {
        if self.buf.is_empty() {
            return Parsed::Partial;
        }
        parse(&self.buf)
    }

    /// Drops the first `n` bytes (a parsed head).
    pub(crate) fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
    }
}

/// Writes a response, all of it.
pub(crate) fn send(to: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    to.write_all(bytes)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_keep_alive_get_parses_with_its_id() {
        let head = b"GET /17 HTTP/1.1\r\nhost: x\r\n\r\nGET /1";
        assert_eq!(
            parse(head),
            Parsed::Request {
                id: Some(17),
                close: false,
                len: 29
            }
        );
        assert_eq!(parse(b"GET /1 HTTP/1.1\r\nhost"), Parsed::Partial);
    }

    #[test]
    fn bad_requests_get_a_status() {
        assert_eq!(parse(b"\x00\x01 nonsense\r\n\r\n"), Parsed::Bad(400));
        assert_eq!(
            parse(b"POST /1 HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello"),
            Parsed::Bad(413)
        );
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(parse(long.as_bytes()), Parsed::Bad(431));
        assert!(matches!(
            parse(b"GET /1 HTTP/1.1\r\nconnection: close\r\n\r\n"),
            Parsed::Request { close: true, .. }
        ));
    }
}
