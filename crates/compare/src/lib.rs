//! cvp-compare (in progress).
