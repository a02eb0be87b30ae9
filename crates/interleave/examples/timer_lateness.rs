//! How late a short timer fires while the runtime parks in its poller (a
//! socket is open, as in any server), against an OS thread's
//! `std::thread::sleep` of the same length:
//!
//! ```text
//! cargo run --release -p cvp-interleave --example timer_lateness -- [MICROS] [COUNT]
//! ```
//!
//! MICROS: the sleep (default 300 µs); COUNT: sleeps per side (default
//! 1,000). Prints the median and p99 of the time past each deadline.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let micros: u64 = parse(args.next(), 300, "MICROS");
    let count: usize = parse(args.next(), 1000, "COUNT").max(1);
    let nap = Duration::from_micros(micros);

    let rt = cvp_interleave::Runtime::new();
    let mut late = rt
        .block_on(async move {
            let _listener = cvp_interleave::TcpListener::bind("127.0.0.1:0")
                .expect("timer_lateness: cannot bind a socket on 127.0.0.1");
            let mut late = Vec::with_capacity(count);
            for _ in 0..count {
                let t = Instant::now();
                cvp_interleave::sleep(nap).await;
                late.push(t.elapsed().saturating_sub(nap));
            }
            late
        })
        .expect("timer_lateness: the runtime failed");
    report("cvp-interleave sleep", &mut late);

    let mut late: Vec<Duration> = (0..count)
        .map(|_| {
            let t = Instant::now();
            std::thread::sleep(nap);
            t.elapsed().saturating_sub(nap)
        })
        .collect();
    report("std::thread::sleep", &mut late);
}

fn report(name: &str, late: &mut [Duration]) {
    late.sort();
    let at = |q: f64| late[((late.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: late by {:?} (median), {:?} (p99) over {} sleeps",
        at(0.5),
        at(0.99),
        late.len()
    );
}

fn parse<T: std::str::FromStr>(arg: Option<String>, default: T, what: &str) -> T {
    match arg {
        None => default,
        Some(a) => a.parse().unwrap_or_else(|_| {
            eprintln!("timer_lateness: {what} must be a whole number, not {a:?}");
            std::process::exit(2);
        }),
    }
}
