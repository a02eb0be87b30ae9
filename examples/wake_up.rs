//! How long an idle pool takes to put every worker to work: cvp-decompose
//! against rayon, side by side in the same run.
//!
//! Each round lets the pool fall asleep, then hands it one piece per worker
//! (each piece sleeps 3 ms, so the pieces do not compete for cores) and
//! records when the last piece started. Medians of 30 rounds.
//!
//! ```text
//! cargo run --release --example wake_up            # 4, 8 and 16 workers
//! cargo run --release --example wake_up -- 2 32    # other sizes
//! ```

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;

const ROUNDS: usize = 30;

/// When the last of `threads` pieces started, after `run` handed them out.
fn last_start(threads: usize, run: impl FnOnce(&(dyn Fn() + Sync))) -> Duration {
    std::thread::sleep(Duration::from_millis(5)); // every worker asleep
    let starts = Mutex::new(Vec::with_capacity(threads));
    let t0 = Instant::now();
    run(&|| {
        starts.lock().unwrap().push(t0.elapsed());
        std::thread::sleep(Duration::from_millis(3));
    });
    let starts = starts.into_inner().unwrap();
    assert_eq!(starts.len(), threads);
    starts.into_iter().max().unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| match a.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("wake_up: `{a}` is not a positive thread count");
                std::process::exit(2);
            }
        })
        .collect();
    let sizes = if sizes.is_empty() {
        vec![4, 8, 16]
    } else {
        sizes
    };
    for threads in sizes {
        let pool = cvp_decompose::Pool::new(threads).expect("a pool");
        let rayon = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            ours.push(last_start(threads, |piece| {
                pool.map_reduce(
                    0..threads,
                    cvp_decompose::Strategy::Dynamic { grain: 1 },
                    |_| piece(),
                    |(), ()| (),
                );
            }));
            theirs.push(last_start(threads, |piece| {
                rayon.install(|| {
                    (0..threads)
                        .into_par_iter()
                        .with_max_len(1)
                        .for_each(|_| piece())
                });
            }));
        }
        let (ours, theirs) = (median(ours), median(theirs));
        println!(
            "{threads:>3} workers: the last piece started after {:>6.0} µs (cvp-decompose), {:>6.0} µs (rayon): {:.2}x",
            ours.as_secs_f64() * 1e6,
            theirs.as_secs_f64() * 1e6,
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
}
