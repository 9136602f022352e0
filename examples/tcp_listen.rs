//! A one-connection TCP listener for the firewall tests (no Python needed): binds PORT on every
//! address, creates READY once it listens, accepts one connection within 8 s and prints the
//! peer's address (after SNAT, the address the listener saw).
//!   tcp_listen PORT READY

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(port), Some(ready)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: tcp_listen PORT READY");
        std::process::exit(2);
    };
    let l = TcpListener::bind(format!("0.0.0.0:{port}")).expect("bind");
    std::fs::write(ready, "").expect("write the ready file");
    l.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + Duration::from_secs(8);
    while Instant::now() < deadline {
        match l.accept() {
            Ok((_, peer)) => {
                println!("{}", peer.ip());
                return;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => {
                eprintln!("accept: {e}");
                std::process::exit(1);
            }
        }
    }
    eprintln!("no connection within 8 s");
    std::process::exit(1);
}
