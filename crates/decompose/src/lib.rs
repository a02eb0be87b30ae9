//! cvp-decompose (in progress).
