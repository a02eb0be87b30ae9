//! The echo protocol spoken over loopback TCP by the `echo` workload.
//!
//! A request is a 16-byte header (little-endian `u32`s: magic, payload
//! length, server delay in microseconds, task id) followed by the payload.
//! The server waits for the delay, then replies with the payload, each byte
//! xor-ed with [`REPLY_MASK`], so a lost, reordered or unprocessed byte is
//! caught by [`check_reply`].

use std::io::{self, Read, Write};
use std::time::Duration;

use crate::Error;

/// The first four bytes of every request.
pub const MAGIC: u32 = u32::from_le_bytes(*b"CVP1");
/// Length of the request header.
pub const HEADER_LEN: usize = 16;
/// Largest payload a server accepts (1 MiB), so a corrupt header cannot make
/// it allocate without bound.
pub const MAX_PAYLOAD: u32 = 1 << 20;
/// What the server xors into every payload byte.
pub const REPLY_MASK: u8 = 0xA5;

/// A decoded request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Payload bytes that follow the header (and the reply's length).
    pub len: u32,
    /// How long the server waits before it replies.
    pub delay: Duration,
    /// The requesting task.
    pub id: u32,
}

fn payload_byte(id: u32, i: usize) -> u8 {
    (id as usize)
        .wrapping_mul(31)
        .wrapping_add(i.wrapping_mul(7)) as u8
}

/// Encodes a whole request: header and the task's deterministic payload.
pub fn encode_request(id: u32, len: u32, delay: Duration) -> Vec<u8> {
    let delay_us = u32::try_from(delay.as_micros()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(HEADER_LEN + len as usize);
    for word in [MAGIC, len, delay_us, id] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend((0..len as usize).map(|i| payload_byte(id, i)));
    out
}

/// Decodes a request header, rejecting a wrong magic or an oversized payload.
pub fn parse_header(bytes: &[u8; HEADER_LEN]) -> Result<Header, Error> {
    let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    if word(0) != MAGIC {
        return Err(Error::BadReply(
            "request does not start with the CVP1 magic".into(),
        ));
    }
    let len = word(1);
    if len > MAX_PAYLOAD {
        return Err(Error::BadReply(format!(
            "payload of {len} bytes exceeds {MAX_PAYLOAD}"
        )));
    }
    Ok(Header {
        len,
        delay: Duration::from_micros(u64::from(word(2))),
        id: word(3),
    })
}

/// The reply a server sends for a payload.
pub fn reply_for(payload: &[u8]) -> Vec<u8> {
    payload.iter().map(|b| b ^ REPLY_MASK).collect()
}

/// Checks a reply against what task `id` sent and returns its checksum.
pub fn check_reply(id: u32, len: u32, reply: &[u8]) -> Result<u64, Error> {
    if reply.len() != len as usize {
        return Err(Error::BadReply(format!(
            "task {id}: {} bytes, expected {len}",
            reply.len()
        )));
    }
    let mut sum = 0u64;
    for (i, &b) in reply.iter().enumerate() {
        if b != payload_byte(id, i) ^ REPLY_MASK {
            return Err(Error::BadReply(format!("task {id}: byte {i} differs")));
        }
        sum = sum.wrapping_mul(131).wrapping_add(u64::from(b));
    }
    Ok(sum)
}

/// Serves one connection with blocking std I/O: reads requests until the
/// peer closes, sleeps each one's delay, and replies. For tests and simple
/// servers; the runner's server is asynchronous.
pub fn serve_blocking<S: Read + Write>(mut stream: S) -> Result<(), Error> {
    let io = |e: io::Error| Error::Io(e.to_string());
    loop {
        let mut head = [0u8; HEADER_LEN];
        match stream.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(io(e)),
        }
        let header = parse_header(&head)?;
        let mut payload = vec![0; header.len as usize];
        stream.read_exact(&mut payload).map_err(io)?;
        std::thread::sleep(header.delay);
        stream.write_all(&reply_for(&payload)).map_err(io)?;
    }
}
