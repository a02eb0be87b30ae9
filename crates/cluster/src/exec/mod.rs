//! [`Exec`] on timely: every worker runs the job's program; `map_reduce`
//! splits its range among all workers and gathers the partial results.
//!
//! # How a job runs on P x W workers
//!
//! Every worker of every process runs the same job program on its own copy
//! of the input (inputs are seeded functions of the size, so each process
//! makes its own; nothing of the input crosses a process). The program calls
//! the capability in the same order on every worker, so the k-th
//! `map_reduce` is the same call everywhere: round k of one timely dataflow.
//!
//! In round k the chunks of `0..len` are grouped into contiguous blocks,
//! dealt to the workers in turn (block b to worker b mod N, so the heavy
//! middle of a Mandelbrot or the heavy end of a prime range is shared out),
//! and each worker folds the leaves of its blocks. Each block's result is
//! encoded (see [`wire`](crate::wire)) and sent to every other worker through
//! a timely exchange at timestamp k; once timely's progress tracking says
//! round k is complete, every worker holds every block and folds them in
//! order with `combine` (neighbours first, level by level, so a merge-like
//! combine touches each item log2(blocks) times), so every worker has the
//! answer and can go on.
//! Only encoded partial results cross a process: their bytes are the
//! payload that the run reports.
//!
//! A catalogue job runs as a `dyn` program, whose reduces reach the
//! executor through [`Exec::map_reduce_slots`]: its leaves return indices
//! into a store of the calling frame, which mean nothing in another process.
//! The same rounds then send the values behind the indices, encoded by the
//! store's value type through [`Slots`], and put each received value into a
//! new slot of the store.
//!
//! `join` runs both closures on the calling worker, one after the other:
//! its closures may capture borrowed, mutable state (merge sort's halves
//! within a part), and the capability offers no way to carry a closure's
//! effects to another address space; a job spreads its work through
//! `map_reduce`, whose leaves return what they made. A `map_reduce` inside a `join` branch is still spread,
//! since every worker runs both branches in the same order. A `map_reduce`
//! called from inside a leaf runs locally, on the worker that owns the leaf.

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;
use std::thread::ThreadId;
use std::time::Duration;

use cvp_workloads::{chunks, Exec, Sequential, Slots};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::core::Probe;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::probe::Handle as ProbeHandle;
use timely::dataflow::operators::Input;
use timely::dataflow::InputHandle;
use timely::worker::Worker;

use crate::wire;

/// Blocks a worker gets in one round, at most. More blocks balance uneven
/// leaves better (a worker that drew a heavy block is not left alone with
/// it); fewer blocks mean fewer messages. 16 keeps the n-queens split within
/// a few percent of dynamic scheduling at two workers.
const BLOCKS_PER_WORKER: usize = 16;

/// How long a waiting worker parks before it looks at its inputs again.
/// Arriving messages wake it earlier; this only bounds a missed wake-up.
const PARK: Duration = Duration::from_millis(10);

/// One encoded block result: (round, destination worker, block, bytes).
type Packet = (u64, u32, u32, Vec<u8>);

type PacketInput = InputHandle<u64, CapacityContainerBuilder<Vec<Packet>>>;

/// A worker's end of the exchange.
struct Comm {
    worker: Worker,
    input: PacketInput,
    probe: ProbeHandle<u64>,
    mailbox: Rc<RefCell<Vec<Packet>>>,
    /// Workers in each process.
    per_process: usize,
    /// Payload bytes this worker sent to workers of other processes.
    remote_bytes: u64,
    /// Reduces run whole on every worker, by result type.
    replicated: Vec<&'static str>,
    /// Rounds run (map_reduce calls spread, plus barriers).
    rounds: u64,
}

thread_local! {
    static COMM: RefCell<Option<Comm>> = const { RefCell::new(None) };
    /// Depth of leaf and combine calls on this thread: a capability call
    /// made there is local.
    static NESTED: Cell<u32> = const { Cell::new(0) };
}

/// What a worker measured about its exchanges.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExchangeStats {
    pub(crate) rounds: u64,
    pub(crate) replicated: Vec<&'static str>,
}

/// The cluster's [`Exec`]: one per timely worker, used on that worker's
/// thread only (a call from another thread panics, naming the misuse).
pub(crate) struct ClusterExec {
    owner: ThreadId,
    index: usize,
    peers: usize,
}

impl ClusterExec {
    /// Builds the exchange dataflow on `worker` and makes this thread's exec.
    pub(crate) fn install(worker: &mut Worker, per_process: usize) -> ClusterExec {
        let mailbox = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&mailbox);
        let (input, probe) = worker.dataflow::<u64, _, _>(move |scope| {
            let (input, stream) = scope.new_input::<Vec<Packet>>();
            let (probe, _) = stream
                .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                    Exchange::new(|p: &Packet| u64::from(p.1)),
                    "Mailbox",
                    move |_cap, _info| {
                        move |input, _output| {
                            input.for_each(|_time, data| sink.borrow_mut().append(data));
                        }
                    },
                )
                .probe();
            (input, probe)
        });
        let exec = ClusterExec {
            owner: std::thread::current().id(),
            index: worker.index(),
            peers: worker.peers(),
        };
        COMM.with(|c| {
            *c.borrow_mut() = Some(Comm {
                worker: worker.clone(),
                input,
                probe,
                mailbox,
                per_process,
                remote_bytes: 0,
                replicated: Vec::new(),
                rounds: 0,
            })
        });
        exec
    }

    /// Tears down this thread's exchange (closing its input, so the
    /// dataflow can finish) and returns what it measured.
    pub(crate) fn uninstall(self) -> ExchangeStats {
        self.check_thread();
        COMM.with(|c| c.borrow_mut().take())
            .map(|comm| ExchangeStats {
                rounds: comm.rounds,
                replicated: comm.replicated,
            })
            .unwrap_or_default()
    }

    /// This worker's index among all workers.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Waits until every worker has reached the same barrier.
    pub(crate) fn barrier(&self) {
        self.check_thread();
        with_comm(|comm| {
            comm.finish_round();
        });
    }

    /// Payload bytes sent to other processes so far.
    pub(crate) fn remote_bytes(&self) -> u64 {
        with_comm(|comm| comm.remote_bytes)
    }

    fn check_thread(&self) {
        assert!(
            std::thread::current().id() == self.owner,
            "a cluster worker's Exec was used from another thread"
        );
    }
}

fn with_comm<R>(f: impl FnOnce(&mut Comm) -> R) -> R {
    COMM.with(|c| {
        f(c.borrow_mut()
            .as_mut()
            .expect("no cluster exchange on this thread"))
    })
}

/// Runs `f` as leaf or combine work: capability calls inside it are local.
fn nested<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            NESTED.with(|n| n.set(n.get() - 1));
        }
    }
    NESTED.with(|n| n.set(n.get() + 1));
    let _leave = Leave;
    f()
}

impl Comm {
    /// Closes the current round and waits until every worker's packets of
    /// it have arrived here; returns the round's number.
    fn finish_round(&mut self) -> u64 {
        let round = *self.input.time();
        self.input.advance_to(round + 1);
        while self.probe.less_than(&(round + 1)) {
            self.worker.step_or_park(Some(PARK));
        }
        self.rounds += 1;
        round
    }

    /// Takes this round's packets out of the mailbox (later rounds' stay).
    fn take_round(&mut self, round: u64) -> Vec<Packet> {
        let mut mailbox = self.mailbox.borrow_mut();
        let (mine, later): (Vec<_>, Vec<_>) = mailbox.drain(..).partition(|p| p.0 == round);
        *mailbox = later;
        mine
    }
}

/// How one reduce's values cross a process: `encode` appends a value's
/// bytes, `decode` makes a value of them, `name` names them in a panic.
struct Carrier<E, D> {
    encode: E,
    decode: D,
    name: &'static str,
}

impl ClusterExec {
    /// Whether a reduce runs on this worker alone: inside a leaf or a
    /// combine, with no other worker, or over nothing.
    fn local(&self, len: usize) -> bool {
        NESTED.with(Cell::get) > 0 || self.peers == 1 || len == 0
    }

    /// One round of a spread reduce over values `V`: this worker folds the
    /// leaves of its blocks, sends each block's value with `encode`, and
    /// folds every block in order once the round is complete, taking the
    /// other workers' blocks with `decode`; `name` names the values in a
    /// panic.
    fn spread<V>(
        &self,
        len: usize,
        grain: usize,
        leaf: impl Fn(Range<usize>) -> V,
        combine: impl Fn(V, V) -> V,
        Carrier {
            encode,
            decode,
            name,
        }: Carrier<
            impl Fn(&V, &mut Vec<u8>) -> Result<(), String>,
            impl Fn(&[u8]) -> Result<V, String>,
        >,
    ) -> V {
        let all: Vec<Range<usize>> = chunks(len, grain).collect();
        let blocks = all.len().min(self.peers * BLOCKS_PER_WORKER);
        let block_chunks = |b: usize| &all[b * all.len() / blocks..(b + 1) * all.len() / blocks];

        // Fold the leaves of this worker's blocks, and send each block's
        // encoding to every other worker.
        let mut slots: Vec<Option<V>> = (0..blocks).map(|_| None).collect();
        let round = with_comm(|comm| *comm.input.time());
        for b in (self.index..blocks).step_by(self.peers) {
            let value = nested(|| {
                let mut ranges = block_chunks(b).iter().cloned();
                let first = ranges.next().expect("a block holds at least one chunk");
                ranges.fold(leaf(first), |acc, r| combine(acc, leaf(r)))
            });
            let mut bytes = Vec::new();
            if let Err(e) = encode(&value, &mut bytes) {
                panic!("cannot encode a {name}: {e}");
            }
            with_comm(|comm| {
                for dest in (0..self.peers).filter(|&d| d != self.index) {
                    if dest / comm.per_process != self.index / comm.per_process {
                        comm.remote_bytes += bytes.len() as u64;
                    }
                    comm.input
                        .send((round, dest as u32, b as u32, bytes.clone()));
                }
            });
            slots[b] = Some(value);
        }

        // Wait for the round to complete, then fold every block in order.
        let packets = with_comm(|comm| {
            let done = comm.finish_round();
            debug_assert_eq!(done, round);
            comm.take_round(round)
        });
        for (_, _, b, bytes) in packets {
            let value = decode(&bytes).unwrap_or_else(|e| panic!("cannot decode a {name}: {e}"));
            let slot = &mut slots[b as usize];
            assert!(slot.is_none(), "block {b} of round {round} arrived twice");
            *slot = Some(value);
        }
        let values: Vec<V> = slots
            .into_iter()
            .enumerate()
            .map(|(b, v)| v.unwrap_or_else(|| panic!("block {b} of round {round} never arrived")))
            .collect();
        nested(|| fold_pairs(values, &combine))
    }
}

/// Folds `values` in order by combining neighbours, level by level: the
/// same result as a left fold for an associative `combine`, and a combine
/// whose cost grows with its operands (a merge) touches each item
/// `log2(len)` times, not `len` times.
fn fold_pairs<V>(mut values: Vec<V>, combine: &impl Fn(V, V) -> V) -> V {
    assert!(!values.is_empty(), "at least one block");
    while values.len() > 1 {
        let mut next = Vec::with_capacity(values.len().div_ceil(2));
        let mut it = values.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => combine(a, b),
                None => a,
            });
        }
        values = next;
    }
    values.pop().expect("one value left")
}

impl Exec for ClusterExec {
    fn parallelism(&self) -> usize {
        self.peers
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        self.check_thread();
        if self.local(len) {
            return nested(|| Sequential.map_reduce(len, grain, leaf, combine));
        }
        let Some(codec) = wire::codec_of::<T>() else {
            with_comm(|comm| comm.replicated.push(wire::name_of::<T>()));
            return nested(|| Sequential.map_reduce(len, grain, leaf, combine));
        };
        self.spread(
            len,
            grain,
            leaf,
            combine,
            Carrier {
                encode: |v: &T, out: &mut Vec<u8>| codec.encode_with(v, out),
                decode: |bytes: &[u8]| codec.decode_with::<T>(bytes),
                name: codec.name,
            },
        )
    }

    /// The rounds of [`map_reduce`](Exec::map_reduce), on the values behind
    /// an erased job's indices: an index means nothing in another process,
    /// so each block's value is encoded through `slots`, and a received one
    /// is decoded into a new slot whose index is then combined.
    fn map_reduce_slots(
        &self,
        len: usize,
        grain: usize,
        leaf: &(dyn Fn(Range<usize>) -> usize + Sync),
        combine: &(dyn Fn(usize, usize) -> usize + Sync),
        slots: &dyn Slots,
    ) -> usize {
        self.check_thread();
        if self.local(len) {
            return nested(|| Sequential.map_reduce(len, grain, leaf, combine));
        }
        // A match of the lifetime-erased identity proves the values' type:
        // registered types are owned and have no lifetime parameters, so a
        // type with a codec's identity is that codec's type exactly.
        let Some(codec) = wire::codec_by_id(slots.value_type()) else {
            with_comm(|comm| comm.replicated.push(slots.type_name()));
            return nested(|| Sequential.map_reduce(len, grain, leaf, combine));
        };
        let encode = |&i: &usize, out: &mut Vec<u8>| {
            let mut done = Err("the slot was not read".to_string());
            slots.with_value(i, &mut |p| {
                // SAFETY: `with_value` passes a pointer to a live value of
                // the slots' type (`Slots`' contract), which is the codec's
                // type (the identity matched, see above).
                done = unsafe { codec.encode_raw(p, out) };
            });
            done
        };
        let decode = |bytes: &[u8]| {
            // SAFETY: `put_with` passes a pointer valid for writes of an
            // aligned value of the slots' type, the codec's type (as above),
            // which is what `decode_raw` needs; on Ok `decode_raw` has written
            // one whole value of it, which is what `put_with` needs.
            unsafe { slots.put_with(&mut |p| codec.decode_raw(bytes, p)) }
        };
        self.spread(
            len,
            grain,
            leaf,
            combine,
            Carrier {
                encode,
                decode,
                name: codec.name,
            },
        )
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.check_thread();
        let ra = a();
        (ra, b())
    }
}

// Timely's worker threads are too slow to run under Miri; the unsafe code
// (the wire registry) is tested there.
#[cfg(all(test, not(miri)))]
mod test;
