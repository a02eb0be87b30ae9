//! The blocking interpreter against a small std-only echo server.

use std::net::TcpListener;
use std::time::Duration;

use cvp_workloads::{echo, find, Error, Preset, Script, Shape, Step};

/// Serves connections on threads until the test ends.
fn server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            std::thread::spawn(move || echo::serve_blocking(stream));
        }
    });
    addr
}

#[test]
fn sequential_echo_gives_the_reference_answer() {
    let w = find("echo").unwrap();
    let size = w.size(Preset::Test);
    let Shape::Tasks(t) = w.shape() else { panic!() };
    let set = t.task_set(size);
    let outcomes = set.run_sequential(Some(server())).unwrap();
    w.verify(&w.reference(size).unwrap(), &set.answer(&outcomes))
        .unwrap();
}

#[test]
fn without_a_server_it_is_an_error() {
    let script = Script {
        id: 0,
        steps: vec![Step::Request {
            bytes: 4,
            delay: Duration::ZERO,
        }],
    };
    let set = cvp_workloads::TaskSet {
        scripts: vec![script],
    };
    assert_eq!(set.run_sequential(None), Err(Error::NoServer));
}

#[test]
fn a_server_that_closes_is_an_io_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || drop(listener.accept()));
    let script = Script {
        id: 0,
        steps: vec![Step::Request {
            bytes: 64,
            delay: Duration::ZERO,
        }],
    };
    let set = cvp_workloads::TaskSet {
        scripts: vec![script],
    };
    assert!(matches!(set.run_sequential(Some(addr)), Err(Error::Io(_))));
}

#[test]
fn a_corrupt_reply_is_caught() {
    let reply = echo::reply_for(&echo::encode_request(3, 8, Duration::ZERO)[echo::HEADER_LEN..]);
    assert!(echo::check_reply(3, 8, &reply).is_ok());
    let mut bad = reply.clone();
    bad[5] ^= 1;
    assert!(matches!(
        echo::check_reply(3, 8, &bad),
        Err(Error::BadReply(_))
    ));
    assert!(matches!(
        echo::check_reply(3, 8, &reply[..7]),
        Err(Error::BadReply(_))
    ));
    assert!(echo::parse_header(&[0; echo::HEADER_LEN]).is_err());
}
