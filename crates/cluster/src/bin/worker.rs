//! A cluster process: `cvp-cluster-worker --process I --processes P
//! --workers W --job NAME --size N (--hosts FILE | --listen ADDR
//! --peers-from-stdin)`. Usually started by `Cluster::run`; started by hand
//! on the other machines of a host-file cluster.

use std::process::ExitCode;

fn main() -> ExitCode {
    cvp_cluster::worker_main(std::env::args().skip(1))
}
