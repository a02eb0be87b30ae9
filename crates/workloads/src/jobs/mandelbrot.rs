//! Mandelbrot, Benchmarks Game rules: 50 iterations, escape at |z|^2 > 4,
//! the plane [-1.5-i, 0.5+i], a P4 PBM bitmap. Rows are independent; rows
//! through the set cost 50 iterations a pixel, rows outside it a few.

use md5::{Digest, Md5};

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

/// MD5 of the game's PBM output for n = 200, as written by its reference C
/// program (mandelbrot.gcc, the plain scalar version).
pub(crate) const PUBLISHED_200_MD5: &str = "cc65e64bd553ed18896de1dfe7fae3e5";

const ITER: u32 = 50;
const LIMIT_SQ: f64 = 4.0;

/// One bitmap row: `(n + 7) / 8` bytes, most significant bit first, 1 for a
/// point that stays bounded.
fn row(n: usize, y: usize, out: &mut Vec<u8>) {
    let ci = 2.0 * y as f64 / n as f64 - 1.0;
    let mut byte = 0u8;
    for x in 0..n {
        let cr = 2.0 * x as f64 / n as f64 - 1.5;
        let (mut zr, mut zi, mut tr, mut ti) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let mut i = 0;
        while i < ITER && tr + ti <= LIMIT_SQ {
            zi = 2.0 * zr * zi + ci;
            zr = tr - ti + cr;
            tr = zr * zr;
            ti = zi * zi;
            i += 1;
        }
        byte = (byte << 1) | u8::from(tr + ti <= LIMIT_SQ);
        if x % 8 == 7 {
            out.push(byte);
            byte = 0;
        }
    }
    if n % 8 != 0 {
        out.push(byte << (8 - n % 8));
    }
}

/// The PBM bytes for size `n`, rows computed as a map-reduce over row ranges.
pub(crate) fn pbm<E: Exec>(exec: &E, n: usize) -> Vec<u8> {
    let mut out = format!("P4\n{n} {n}\n").into_bytes();
    let rows = exec.map_reduce(
        n,
        1,
        |ys| {
            let mut bytes = Vec::with_capacity(ys.len() * n.div_ceil(8));
            ys.for_each(|y| row(n, y, &mut bytes));
            bytes
        },
        |mut a, b| {
            a.extend_from_slice(&b);
            a
        },
    );
    out.extend_from_slice(&rows);
    out
}

pub(crate) fn run<E: Exec>(exec: &E, n: usize) -> String {
    let digest = Md5::digest(pbm(exec, n));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct Mandelbrot;

impl Program for Mandelbrot {
    fn known_answer(&self, size: usize) -> Option<String> {
        (size == 200).then(|| PUBLISHED_200_MD5.to_owned())
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "mandelbrot".into(),
        class: Class::Cpu,
        description: "Mandelbrot set bitmap (Benchmarks Game rules): rows are independent but unevenly costly, so it scales with cores and gains nothing from interleaving.".into(),
        unit: "pixels per side".into(),
        shape: Shape::Job(Job::new(Mandelbrot)),
        presets: [200, 1_000, 4_000],
        max: 65_536,
        why_max: "the bitmap of n*n bits must stay within 512 MiB".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}
