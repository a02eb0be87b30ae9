//! N-body, Benchmarks Game rules: the Jovian planets, `dt = 0.01`. Every
//! step needs the previous one, so the whole simulation is one sequential
//! piece of work: Amdahl's case, where no model can help.

// The initial conditions are the game's constants, digit for digit, and vector
// components read best as indices 0..3 into several arrays at once.
#![allow(clippy::excessive_precision, clippy::needless_range_loop)]

use std::f64::consts::PI;

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;
const DT: f64 = 0.01;

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

fn bodies() -> [Body; 5] {
    let b = |pos: [f64; 3], vel: [f64; 3], mass: f64| Body {
        pos,
        vel: vel.map(|v| v * DAYS_PER_YEAR),
        mass: mass * SOLAR_MASS,
    };
    [
        b([0.0; 3], [0.0; 3], 1.0),
        b(
            [
                4.841_431_442_464_720_9e0,
                -1.160_320_044_027_428_4e0,
                -1.036_220_444_711_231_1e-1,
            ],
            [
                1.660_076_642_744_036_9e-3,
                7.699_011_184_197_404_3e-3,
                -6.904_600_169_720_630_2e-5,
            ],
            9.547_919_384_243_266_1e-4,
        ),
        b(
            [
                8.343_366_718_244_579_9e0,
                4.124_798_564_124_304_8e0,
                -4.035_234_171_143_213_8e-1,
            ],
            [
                -2.767_425_107_268_624_1e-3,
                4.998_528_012_349_172_4e-3,
                2.304_172_975_737_639_3e-5,
            ],
            2.858_859_806_661_308_1e-4,
        ),
        b(
            [
                1.289_436_956_213_913_1e1,
                -1.511_115_140_169_863_1e1,
                -2.233_075_788_926_557_3e-1,
            ],
            [
                2.964_601_375_647_616_2e-3,
                2.378_471_739_594_809_5e-3,
                -2.965_895_685_402_375_6e-5,
            ],
            4.366_244_043_351_563e-5,
        ),
        b(
            [
                1.537_969_711_485_091_7e1,
                -2.591_931_460_998_796_4e1,
                1.792_587_729_503_711_8e-1,
            ],
            [
                2.680_677_724_903_893_2e-3,
                1.628_241_700_382_423e-3,
                -9.515_922_545_197_158_7e-5,
            ],
            5.151_389_020_466_114_5e-5,
        ),
    ]
}

fn offset_momentum(bodies: &mut [Body; 5]) {
    let mut p = [0.0; 3];
    for b in bodies.iter() {
        for k in 0..3 {
            p[k] += b.vel[k] * b.mass;
        }
    }
    for k in 0..3 {
        bodies[0].vel[k] = -p[k] / SOLAR_MASS;
    }
}

fn energy(bodies: &[Body; 5]) -> f64 {
    let mut e = 0.0;
    for (i, b) in bodies.iter().enumerate() {
        e += 0.5 * b.mass * b.vel.iter().map(|v| v * v).sum::<f64>();
        for b2 in &bodies[i + 1..] {
            let d2: f64 = (0..3).map(|k| (b.pos[k] - b2.pos[k]).powi(2)).sum();
            e -= b.mass * b2.mass / d2.sqrt();
        }
    }
    e
}

fn advance(bodies: &mut [Body; 5]) {
    for i in 0..5 {
        let (head, tail) = bodies.split_at_mut(i + 1);
        let b = &mut head[i];
        for b2 in tail {
            let d = [
                b.pos[0] - b2.pos[0],
                b.pos[1] - b2.pos[1],
                b.pos[2] - b2.pos[2],
            ];
            let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let mag = DT / (d2 * d2.sqrt());
            for k in 0..3 {
                b.vel[k] -= d[k] * b2.mass * mag;
                b2.vel[k] += d[k] * b.mass * mag;
            }
        }
    }
    for b in bodies.iter_mut() {
        for k in 0..3 {
            b.pos[k] += DT * b.vel[k];
        }
    }
}

pub(crate) fn run<E: Exec>(exec: &E, steps: usize) -> String {
    // The whole orbit is a single indivisible piece: one leaf, on one core.
    exec.map_reduce(
        1,
        1,
        |_| {
            let mut bodies = bodies();
            offset_momentum(&mut bodies);
            let before = energy(&bodies);
            for _ in 0..steps {
                advance(&mut bodies);
            }
            format!("{before:.9}\n{:.9}", energy(&bodies))
        },
        |a, _| a,
    )
}

struct NBody;

impl Program for NBody {
    fn known_answer(&self, size: usize) -> Option<String> {
        (size == 1000).then(|| "-0.169075164\n-0.169087605".to_owned())
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "n-body".into(),
        class: Class::Cpu,
        description: "Five-body orbit simulation (Benchmarks Game rules): every step needs the last one, so it is inherently sequential: Amdahl's case, no model speeds it up.".into(),
        unit: "time steps".into(),
        shape: Shape::Job(Job::new(NBody)),
        presets: [1_000, 1_000_000, 10_000_000],
        max: 1_000_000_000,
        why_max: "beyond a billion steps a run takes minutes".into(),
        serial: true,
        origin: Origin::BuiltIn,
    }
}
