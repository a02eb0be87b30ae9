//! Per-worker stats and the chunk trace.

use cvp_decompose::{Builder, Pool, Strategy};

#[test]
fn stats_have_one_entry_per_worker() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.stats().workers.len(), 2);
}

#[test]
fn chunks_are_counted() {
    let pool = Pool::new(2).unwrap();
    let plan = Strategy::Dynamic { grain: 10 }.plan(1000, 2);
    pool.map_reduce(
        1000,
        Strategy::Dynamic { grain: 10 },
        |r| r.len(),
        |a, b| a + b,
    );
    assert_eq!(pool.stats().total().chunks, plan.len() as u64);
    pool.reset_stats();
    assert_eq!(pool.stats().total().chunks, 0);
}

#[test]
fn trace_records_every_chunk() {
    let pool = Pool::new(2).unwrap();
    assert!(pool.take_trace().events.is_empty(), "off by default");
    pool.start_trace();
    let strategy = Strategy::Guided { min: 8 };
    pool.map_reduce(500, strategy, |r| r.len(), |a, b| a + b);
    let trace = pool.take_trace();
    assert_eq!(trace.threads, 2);
    let mut ranges: Vec<_> = trace.events.iter().map(|e| e.range.clone()).collect();
    ranges.sort_by_key(|r| r.start);
    assert_eq!(ranges, strategy.plan(500, 2));
    assert!(trace
        .events
        .iter()
        .all(|e| e.start <= e.end && e.worker.is_some_and(|w| w < 2)));
    assert!(trace.events.windows(2).all(|w| w[0].start <= w[1].start));
    let json = trace.to_chrome_json();
    assert!(json.starts_with('[') && json.ends_with(']') && json.contains("\"ph\":\"X\""));
    // Taking the trace turned it off.
    pool.map_reduce(500, strategy, |r| r.len(), |a, b| a + b);
    assert!(pool.take_trace().events.is_empty());
}

#[test]
fn builder_can_start_with_the_trace_on() {
    let pool = Builder::new().num_threads(1).trace(true).build().unwrap();
    pool.for_each_chunk_mut(&mut [0u8; 10], 5, |_, _| {});
    let trace = pool.take_trace();
    let covered: usize = trace.events.iter().map(|e| e.range.len()).sum();
    assert_eq!(covered, 10);
}

#[test]
fn stolen_work_shows_up_as_steals() {
    let pool = Pool::new(2).unwrap();
    let n = if cfg!(miri) { 20 } else { 2000 };
    pool.map_reduce(
        n,
        Strategy::Dynamic { grain: 1 },
        |r| {
            std::thread::sleep(std::time::Duration::from_micros(50));
            r.len()
        },
        |a, b| a + b,
    );
    let stats = pool.stats();
    // Scheduling decides how much is stolen; only the shape is checked.
    assert_eq!(stats.total().chunks, n as u64);
    assert!(stats
        .workers
        .iter()
        .all(|w| w.steals <= stats.total().jobs + 1));
}

/// A long adaptive job of cheap items: the probe on the caller is one short
/// step, and every long piece starts at a multiple of 64 items from the
/// start, so each keeps the cache-line offset of the slice's first item.
#[test]
#[cfg_attr(miri, ignore = "ten million items")]
fn a_long_job_is_split_after_a_short_probe_at_aligned_cuts() {
    const LEN: usize = 10_000_000;
    let pool = Pool::new(2).unwrap();
    for _ in 0..3 {
        pool.start_trace();
        let total = pool.map_reduce(LEN, Strategy::ADAPTIVE, |r| r.len(), |a, b| a + b);
        assert_eq!(total, LEN);
        let mut ranges: Vec<_> = pool
            .take_trace()
            .events
            .into_iter()
            .map(|e| e.range)
            .collect();
        ranges.sort_by_key(|r| r.start);
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(ranges.last().unwrap().end, LEN);
        // The first probe step (1,024 of the 10^7 units) predicts more
        // than a hand-off costs as soon as it takes over 2 ns, which the
        // two clock reads around it already do: a slow or preempted step
        // only predicts more.
        assert!(ranges[0].len() <= 1024, "{:?}", &ranges[..3]);
        // Cuts of pieces of 4,096 units or more are aligned; a shorter
        // piece is halved exactly. Thieves split every piece they take
        // again, and with items this cheap the two workers can steal the
        // tail from each other down to single units, so only pieces longer
        // than 2,048 units (whose parent was necessarily long) are held to
        // the alignment.
        assert!(
            ranges
                .iter()
                .filter(|r| r.len() > 2048)
                .all(|r| r.start % 64 == 0),
            "{:?}",
            ranges.iter().map(|r| r.start).collect::<Vec<_>>()
        );
    }
}
