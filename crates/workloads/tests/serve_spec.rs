//! Serve specs: a `[serve]` table compiles to a handler mix (the same thing
//! as a built-in mix), its random draws are seeded per request id, its rate
//! is given or a fraction of what one core could serve, and every kind of
//! bad input is one line naming the file, the line and the key.

use std::path::Path;
use std::time::Duration;

use cvp_workloads::{parse_spec, Class, Mix, Preset, Serve, Shape, Step, IDS, RANDOM_IDS};

fn parse(text: &str) -> Result<cvp_workloads::Workload, String> {
    parse_spec(Path::new("my.toml"), text).map_err(|e| e.to_string())
}

fn serve_of(w: &cvp_workloads::Workload) -> &Serve {
    match w.shape() {
        Shape::Serve(s) => s,
        other => panic!("not a serve shape: {other:?}"),
    }
}

#[test]
fn a_serve_spec_compiles_to_a_mix_of_its_steps() {
    let w = parse(
        "name = \"api\"\n[serve]\nsteps = [\n  { wait_ms = 1 },\n  { repeat = 2, compute_units = 100 },\n  \
         { request = { bytes = 64, delay_ms = 2 } },\n]\nconnections = 8\nrate = 300\nduration_ms = 1500\n",
    )
    .unwrap();
    assert_eq!(
        (w.name(), w.class(), w.unit()),
        ("api", Class::Mixed, "requests/s offered")
    );
    assert_eq!(
        [Preset::Test, Preset::Quick, Preset::Default].map(|p| w.size(p)),
        [12, 60, 300]
    );
    let s = serve_of(&w);
    assert_eq!((s.millis, s.connections), (1500, 8));
    let mix = &s.mix;
    assert_eq!((mix.name(), mix.ids()), ("api", IDS));
    let ms = Duration::from_millis;
    for id in 0..mix.ids() {
        assert_eq!(
            mix.script(id).unwrap().steps,
            [
                Step::Wait(ms(1)),
                Step::Compute { units: 100 },
                Step::Compute { units: 100 },
                Step::Request {
                    bytes: 64,
                    delay: ms(2)
                },
            ]
        );
    }
    assert!(mix.script(IDS).is_none());
    assert!(mix.needs_backend() && mix.computes());
    assert_eq!((mix.compute_ms(), mix.wait_ms()), (0.2, 3.0));
    // 300 a second for 1.5 s: 450 due, the reference of the cell.
    assert_eq!(s.due(300), 450);
    assert_eq!(
        w.reference(300).unwrap(),
        "450 of 450 requests answered right"
    );
    assert!(mix.describe().contains("0.20 ms of computing"), "{mix:?}");
}

#[test]
fn a_spec_restating_a_built_in_mix_has_its_scripts_and_answers() {
    for (steps, built_in) in [
        ("[{ compute_units = 2000 }]", Mix::computing()),
        ("[{ wait_ms = 1 }]", Mix::waiting()),
        (
            "[{ request = { bytes = 64, delay_ms = 1 } }, { compute_ms = 0.5 }]",
            Mix::mixed(),
        ),
    ] {
        let w = parse(&format!("[serve]\nsteps = {steps}\nrate = 100")).unwrap();
        let mix = &serve_of(&w).mix;
        assert_eq!(mix.ids(), built_in.ids());
        for id in 0..mix.ids() {
            assert_eq!(mix.script(id), built_in.script(id), "{built_in} /{id}");
        }
        assert_eq!(mix.answers(), built_in.answers(), "{built_in}");
        assert_eq!(mix.needs_backend(), built_in.needs_backend());
        assert_eq!(mix.computes(), built_in.computes());
    }
}

#[test]
fn random_draws_are_seeded_per_request_id() {
    let spec = |seed: u64| {
        parse(&format!(
            "seed = {seed}\n[serve]\nsteps = [{{ wait_ms = {{ exponential = 2 }} }}, \
             {{ compute_units = {{ uniform = [50, 150] }} }}]\nrate = 100"
        ))
        .unwrap()
    };
    let (a, again, other) = (spec(3), spec(3), spec(4));
    let (a, again, other) = (
        &serve_of(&a).mix,
        &serve_of(&again).mix,
        &serve_of(&other).mix,
    );
    assert_eq!(a.ids(), RANDOM_IDS);
    let scripts = |m: &Mix| {
        (0..m.ids())
            .map(|id| m.script(id).unwrap().clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scripts(a),
        scripts(again),
        "the same seed draws the same requests"
    );
    assert_eq!(a.answers(), again.answers());
    assert_ne!(scripts(a), scripts(other), "another seed draws others");
    assert_ne!(a.answers(), other.answers(), "the costs enter the answers");
    assert_ne!(a.script(0), a.script(1), "each id draws its own");
    // 256 draws average near the distributions' means.
    assert!((a.wait_ms() / 2.0 - 1.0).abs() < 0.2, "{}", a.wait_ms());
    assert!(
        (a.compute_ms() / 0.1 - 1.0).abs() < 0.1,
        "{}",
        a.compute_ms()
    );
}

#[test]
fn capacity_fraction_offers_a_fraction_of_what_one_core_could_serve() {
    let rate = |steps: &str, rest: &str| {
        parse(&format!("[serve]\nsteps = {steps}\n{rest}"))
            .unwrap()
            .size(Preset::Default)
    };
    // 2 ms of computing: one core serves 500 a second.
    assert_eq!(rate("[{ compute_ms = 2 }]", "capacity_fraction = 0.5"), 250);
    // 1 ms of waiting over 10 connections: 10,000 a second.
    assert_eq!(
        rate(
            "[{ wait_ms = 1 }]",
            "capacity_fraction = 0.5\nconnections = 10"
        ),
        5000
    );
    assert_eq!(rate("[{ compute_ms = 2 }]", "capacity_fraction = 1.4"), 700);
}

/// Each bad input: (spec text, the one line expected).
#[test]
fn bad_serve_specs_name_the_file_the_line_and_the_key() {
    let ok = "steps = [{ wait_ms = 1 }]";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("[serve]\n{ok}\nrate = 10\nconections = 4"),
            "my.toml:4: `conections`: unknown field `conections`, expected one of `steps`",
        ),
        (
            "[serve]\nsteps = [{ wiat_ms = 1 }]\nrate = 10".into(),
            "my.toml:2: `wiat_ms`: unknown field `wiat_ms`",
        ),
        (
            "[serve]\nrate = 10".into(),
            "my.toml:1: `steps`: missing field `steps`",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\nduration_ms = 0"),
            "my.toml:4: `duration_ms`: must be at least 1",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\nduration_ms = -500"),
            "my.toml:4: `duration_ms`: must be at least 1",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\nduration_ms = 3600000"),
            "my.toml:4: `duration_ms`: 3600000 exceeds the limit 600000",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\nconnections = 0"),
            "my.toml:4: `connections`: must be at least 1",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\nconnections = 1000000"),
            "my.toml:4: `connections`: 1000000 exceeds the limit 100000",
        ),
        (
            format!("[serve]\n{ok}\nrate = 0"),
            "my.toml:3: `rate`: must be at least 1",
        ),
        (
            format!("[serve]\n{ok}\nrate = 5000000"),
            "my.toml:3: `rate`: 5000000 exceeds the limit 1000000",
        ),
        (
            format!("[serve]\n{ok}\nrate = \"fast\""),
            "my.toml:3: `rate`: invalid type: string \"fast\"",
        ),
        (
            format!("[serve]\n{ok}\nrate = 10\ncapacity_fraction = 0.5"),
            "my.toml:3: `rate`: give `rate` or `capacity_fraction`, not both",
        ),
        (
            format!("seed = 1\n\n[serve]\n{ok}"),
            "my.toml:3: `rate`: a server needs `rate` (requests/s offered) or `capacity_fraction`",
        ),
        (
            format!("[serve]\n{ok}\ncapacity_fraction = 0"),
            "my.toml:3: `capacity_fraction`: must be above 0 and at most 10, not 0",
        ),
        (
            format!("[serve]\n{ok}\ncapacity_fraction = 50"),
            "my.toml:3: `capacity_fraction`: must be above 0 and at most 10, not 50",
        ),
        (
            "[serve]\nsteps = [{ wait_ms = { exponential = 1 } }]\nrate = 10".into(),
            "my.toml:2: `wait_ms`: draws at random: add a top-level `seed = N`",
        ),
        (
            "[serve]\nsteps = [\n  { request = { bytes = 64, delay_ms = { uniform = [1, 2] } } },\n]\nrate = 10"
                .into(),
            "my.toml:3: `delay_ms`: draws at random: add a top-level `seed = N`",
        ),
        (
            "[serve]\nsteps = [{ request = { bytes = 100000000, delay_ms = 1 } }]\nrate = 10".into(),
            "my.toml:2: `bytes`: 100000000 exceeds the limit 1048576",
        ),
        (
            "[serve]\nsteps = [{ wait_ms = 0 }]\nrate = 10".into(),
            "my.toml:2: `wait_ms`: the value must be a positive number, not 0",
        ),
        (
            "[serve]\nsteps = [{ compute_ms = -1 }]\nrate = 10".into(),
            "my.toml:2: `compute_ms`: the value must be a positive number, not -1",
        ),
        (
            "[serve]\nsteps = []\nrate = 10".into(),
            "my.toml:2: `steps`: a request needs at least one step",
        ),
        (
            "[serve]\nsteps = [{ repeat = 2000, wait_ms = 0.1 }]\nrate = 10".into(),
            "my.toml:2: `steps`: 2000 steps a request once repeated; the limit is 1000",
        ),
        (
            "[serve]\nsteps = [{ wait_ms = 5000 }]\nrate = 10".into(),
            "my.toml:2: `steps`: a request takes about 5000 ms on average; the limit is 1000 ms",
        ),
        (
            "seed = 1\n[serve]\nsteps = [{ compute_units = { uniform = [100000, 200000] } }]\nrate = 1"
                .into(),
            "my.toml:3: `steps`: the reference answers of its 256 distinct requests compute about 38.4 s; the limit is 2 s",
        ),
        (
            "[serve]\nsteps = [{ compute_ms = 100 }]\nrate = 10000".into(),
            "my.toml:3: `rate`: 10000 requests/s for 1 s compute about 1000 s in all; the limit is 600 s",
        ),
        (
            format!("name = \"waiting\"\n[serve]\n{ok}\nrate = 10"),
            "my.toml:1: `name`: `waiting` is a built-in mix",
        ),
        (
            format!("name = \"serve\"\n[serve]\n{ok}\nrate = 10"),
            "my.toml:1: `name`: `serve` is a built-in workload",
        ),
        (
            format!("[tasks]\ncount = 5\n{ok}\n[serve]\n{ok}\nrate = 10"),
            "my.toml:4: `serve`: a spec has one of `[tasks]`, `[job]` and `[serve]`, not more",
        ),
    ];
    for (text, expected) in &cases {
        let got = parse(text).map(|w| w.name().to_owned()).unwrap_err();
        assert!(
            got.starts_with(expected),
            "for\n{text}\nexpected a line starting with\n{expected}\ngot\n{got}"
        );
        assert!(!got.contains('\n'), "not one line: {got}");
    }
}

#[test]
fn the_built_in_serve_workload_offers_its_rate_for_a_second() {
    let w = cvp_workloads::find("serve").unwrap();
    let s = serve_of(w);
    assert_eq!(s.mix, Mix::waiting());
    for p in [Preset::Test, Preset::Quick, Preset::Default] {
        let rate = w.size(p);
        assert_eq!(s.due(rate), rate as u64, "{p}");
        assert_eq!(
            w.reference(rate).unwrap(),
            format!("{rate} of {rate} requests answered right")
        );
    }
}
