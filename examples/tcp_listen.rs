//! A one-connection TCP listener for the firewall tests (no Python needed): binds PORT on every
//! address, creates READY once it listens, accepts one connection within 8 s and prints the
//! peer's address (after SNAT, the address the listener saw). With SECONDS, it serves every
//! connection for that long instead (a service `why` and then a client both reach).
//!   tcp_listen PORT READY [SECONDS]

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
    let serve: Option<u64> = args.get(3).and_then(|s| s.parse().ok());
    let deadline = Instant::now() + Duration::from_secs(serve.unwrap_or(8));
    while Instant::now() < deadline {
        match l.accept() {
            Ok((_, peer)) => {
                println!("{}", peer.ip());
                if serve.is_none() {
                    return;
                }
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
    if serve.is_none() {
        eprintln!("no connection within 8 s");
        std::process::exit(1);
    }
}
