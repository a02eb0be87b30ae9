//! Where the server and the generator run: on a CPU of their own each by
//! default, the server on every CPU where a mix that computes needs it.

use cvp_compare::{Mix, Placement, Split};

#[test]
fn separate_gives_the_generator_the_last_cpu_and_the_server_the_rest() {
    let s = Split::place_on(&[0, 1, 2, 3], Placement::Separate);
    assert_eq!((s.server, s.generator), (vec![0, 1, 2], vec![3]));
    let one = Split::place_on(&[5], Placement::Separate);
    assert_eq!(
        (one.server.clone(), one.generator.clone()),
        (vec![5], vec![5])
    );
    assert!(one.shared(), "on one CPU they share it");
}

#[test]
fn shared_gives_the_server_every_cpu_and_the_generator_the_last() {
    let s = Split::place_on(&[0, 1], Placement::Shared);
    assert_eq!(
        (s.server.clone(), s.generator.clone()),
        (vec![0, 1], vec![1])
    );
    assert!(s.shared());
    let none = Split::place_on(&[], Placement::Shared);
    assert!(none.server.is_empty() && none.generator.is_empty());
}

#[test]
fn auto_shares_only_where_separate_would_leave_a_computing_server_one_cpu() {
    for mix in [Mix::computing(), Mix::mixed()] {
        assert_eq!(Placement::Auto.resolve(&mix, 2), Placement::Shared);
        assert_eq!(Placement::Auto.resolve(&mix, 3), Placement::Separate);
    }
    assert_eq!(
        Placement::Auto.resolve(&Mix::waiting(), 2),
        Placement::Separate
    );
    assert_eq!(
        Placement::Separate.resolve(&Mix::computing(), 2),
        Placement::Separate,
        "an explicit placement is kept"
    );
    assert!("both"
        .parse::<Placement>()
        .unwrap_err()
        .contains("separate"));
}
