//! cvp-interleave (in progress).
