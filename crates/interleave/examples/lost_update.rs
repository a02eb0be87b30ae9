//! The deterministic test harness finding an ordering bug that FIFO
//! scheduling never exposes: a lost update between two tasks.
//!
//! `cargo run -p cvp-interleave --example lost_update`

use std::cell::Cell;
use std::rc::Rc;

use cvp_interleave::check::{self, Check};
use cvp_interleave::{spawn, yield_now, Policy};

/// `a` reads, yields once, writes back read + 1; `b` yields twice, then adds
/// 1 in one step. FIFO runs `a`'s write before `b`'s add: never lost.
async fn lost_update() {
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    let a = spawn(async move {
        let read = c.get();
        yield_now().await;
        c.set(read + 1);
    });
    let c = counter.clone();
    let b = spawn(async move {
        yield_now().await;
        yield_now().await;
        c.set(c.get() + 1);
    });
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(counter.get(), 2, "lost update");
}

fn main() {
    match check::replay(Policy::Fifo, lost_update) {
        Ok(()) => println!("FIFO: passes (the bug stays hidden)"),
        Err(e) => println!("FIFO: fails: {e}"),
    }
    match Check::new().run(lost_update) {
        Ok(()) => println!("no failing schedule in the default budget"),
        Err(f) => {
            println!("found in run {} of the default budget: {f}", f.run);
            let again = check::replay(f.policy, lost_update);
            println!("replayed: {again:?}");
        }
    }
}
