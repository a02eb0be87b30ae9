//! A `CVP_NUM_THREADS` that is not a positive integer is reported and
//! ignored: the global pool gets one worker per core (its own test binary:
//! the global pool is built once per process).

#[test]
fn a_bad_cvp_num_threads_falls_back_to_one_thread_per_core() {
    std::env::set_var(cvp_decompose::NUM_THREADS_ENV, "lots");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(cvp_decompose::current_num_threads(), cores);
    // The pool works.
    assert_eq!(cvp_decompose::join(|| 1, || 2), (1, 2));
}
