//! Bad input and faults: a typed one-line error, no process left behind.
