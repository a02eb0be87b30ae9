//! The Benchmarks Game's published outputs, at their published sizes, and
//! every job's answer at the `test` preset, on the sequential reference.

use cvp_workloads::{find, Sequential, Shape};

/// Runs a built-in job by name on the sequential reference, bypassing the
/// published answers that `reference` would return.
fn run(name: &str, size: usize) -> String {
    let Shape::Job(job) = find(name).unwrap().shape() else {
        panic!("{name} is not a job")
    };
    let mut input = job.prepare(size);
    job.run(&Sequential, &mut input)
}

#[test]
fn n_queens_8_has_92_solutions() {
    assert_eq!(run("n-queens", 8), "92");
}

#[test]
fn spectral_norm_100() {
    assert_eq!(run("spectral-norm", 100), "1.274219991");
}

#[test]
fn fannkuch_redux_7() {
    assert_eq!(run("fannkuch-redux", 7), "228\nPfannkuchen(7) = 16");
}

#[test]
fn n_body_1000() {
    assert_eq!(run("n-body", 1000), "-0.169075164\n-0.169087605");
}

#[test]
fn mandelbrot_200() {
    assert_eq!(run("mandelbrot", 200), "cc65e64bd553ed18896de1dfe7fae3e5");
}

/// Sizes that are not multiples of 8 pad each row, as the game's C program
/// does (MD5s of its output for these sizes).
#[test]
fn mandelbrot_padding() {
    for (n, md5) in [
        (1, "9e57bc0ba0df306523434b58a99c70e2"),
        (7, "659a6e4e5c99c978fa0d749433483061"),
        (13, "6d391f779a3662f7c28fa199e7bad56e"),
    ] {
        assert_eq!(run("mandelbrot", n), md5, "n = {n}");
    }
}

#[test]
fn the_reference_is_the_published_output_where_there_is_one() {
    assert_eq!(
        find("spectral-norm").unwrap().reference(100).unwrap(),
        "1.274219991"
    );
    assert_eq!(find("n-queens").unwrap().reference(10).unwrap(), "724");
}

#[test]
fn merge_sort_sorts_and_checksums() {
    let answer = run("merge-sort", 100_000);
    assert!(
        answer.starts_with("100000 items sorted, checksum "),
        "{answer}"
    );
}

#[test]
fn sum_is_the_wrapping_sum() {
    let expected = (0..1000u64).fold(0u64, |a, i| {
        a.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16)
    });
    assert_eq!(run("sum", 1000), expected.to_string());
}
