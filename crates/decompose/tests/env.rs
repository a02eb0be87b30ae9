//! `CVP_NUM_THREADS` sizes the global pool (its own test binary: the
//! global pool is built once per process).

#[test]
fn cvp_num_threads_sizes_the_global_pool() {
    std::env::set_var(cvp_decompose::NUM_THREADS_ENV, "3");
    assert_eq!(cvp_decompose::current_num_threads(), 3);
    assert_eq!(cvp_decompose::Pool::global().num_threads(), 3);
}
