//! A cvp-interleave server stays responsive while it offloads computation
//! to a cvp-decompose pool with `Pool::spawn_future`.
//!
//! One runtime thread serves TCP requests on 127.0.0.1 (each asks for the
//! number of primes below `n`) and runs a ticker that should wake every
//! 5 ms. A client thread sends a fixed number of requests, one at a time.
//! The same server runs twice:
//!
//! * `inline`: the handler computes on the runtime thread, so while it
//!   computes nothing else on that thread runs: the ticker is late by a
//!   whole computation;
//! * `offload`: the handler awaits `pool.spawn_future(...)`, the pool
//!   counts in parallel, and the runtime thread stays free: the ticker
//!   keeps time.
//!
//! Every answer is checked against a sequential count. Run with
//! `cargo run --release -p cvp-decompose --example responsive_server`.

use std::cell::Cell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cvp_decompose::prelude::*;
use cvp_decompose::Pool;
use cvp_interleave::{sleep, spawn, Runtime, TcpListener};
use futures::{AsyncReadExt, AsyncWriteExt};

const REQUESTS: usize = 6;
const TICK: Duration = Duration::from_millis(5);
const PRIMES_BELOW: u64 = 400_000;

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

fn count_sequential(n: u64) -> u64 {
    (0..n).filter(|&k| is_prime(k)).count() as u64
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Inline,
    Offload,
}

struct Outcome {
    answers_ok: bool,
    ticks: usize,
    late_p50: Duration,
    late_max: Duration,
    wall: Duration,
}

fn serve(mode: Mode, pool: &Arc<Pool>, want: u64) -> Outcome {
    let rt = Runtime::new();
    let pool = Arc::clone(pool);
    let started = Instant::now();
    let (answers_ok, mut lateness) = rt
        .block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let addr = listener.local_addr().expect("local address");
            let done = Rc::new(Cell::new(false));

            // The ticker: how late is each 5 ms wake-up?
            let ticker = spawn({
                let done = Rc::clone(&done);
                async move {
                    let mut lateness = Vec::new();
                    while !done.get() {
                        let before = Instant::now();
                        sleep(TICK).await;
                        lateness.push(before.elapsed().saturating_sub(TICK));
                    }
                    lateness
                }
            });

            // The client: a plain thread, one request at a time, bounded.
            let client = std::thread::spawn(move || {
                let mut answers = Vec::new();
                for _ in 0..REQUESTS {
                    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
                    stream.write_all(&PRIMES_BELOW.to_le_bytes()).expect("send");
                    let mut reply = [0u8; 8];
                    stream.read_exact(&mut reply).expect("reply");
                    answers.push(u64::from_le_bytes(reply));
                }
                answers
            });

            for _ in 0..REQUESTS {
                let (mut stream, _) = listener.accept().await.expect("accept");
                let mut request = [0u8; 8];
                stream.read_exact(&mut request).await.expect("request");
                let n = u64::from_le_bytes(request);
                let count = match mode {
                    Mode::Inline => count_sequential(n),
                    Mode::Offload => {
                        pool.spawn_future(move || {
                            (0..n).into_par_iter().filter(|&k| is_prime(k)).count() as u64
                        })
                        .await
                    }
                };
                stream.write_all(&count.to_le_bytes()).await.expect("reply");
            }
            done.set(true);
            let answers = client.join().expect("client thread");
            let lateness = ticker.await.expect("ticker");
            (answers.iter().all(|&a| a == want), lateness)
        })
        .expect("the server runs to the end");
    let wall = started.elapsed();
    lateness.sort();
    Outcome {
        answers_ok,
        ticks: lateness.len(),
        late_p50: lateness
            .get(lateness.len() / 2)
            .copied()
            .unwrap_or_default(),
        late_max: lateness.last().copied().unwrap_or_default(),
        wall,
    }
}

fn main() {
    let pool = Arc::new(Pool::builder().build().expect("a pool"));
    let want = count_sequential(PRIMES_BELOW);
    println!(
        "{REQUESTS} requests (primes below {PRIMES_BELOW}), a {} ms ticker, pool of {} threads",
        TICK.as_millis(),
        pool.num_threads()
    );
    let mut all_ok = true;
    for (name, mode) in [("inline", Mode::Inline), ("offload", Mode::Offload)] {
        let out = serve(mode, &pool, want);
        all_ok &= out.answers_ok;
        println!(
            "{name:<8} answers {}, wall {:>7.1} ms, {:>3} ticks, lateness p50 {:>6.2} ms, max {:>6.2} ms",
            if out.answers_ok { "correct" } else { "WRONG" },
            out.wall.as_secs_f64() * 1e3,
            out.ticks,
            out.late_p50.as_secs_f64() * 1e3,
            out.late_max.as_secs_f64() * 1e3,
        );
    }
    if !all_ok {
        eprintln!("error: a reply did not match the sequential count");
        std::process::exit(1);
    }
}
