//! `netsh show --serve`: the live page's server, tested without a browser. In a sandbox, chapter 4
//! is built and served; the test joins the sandbox's network namespace from a thread of its own
//! (setns) and speaks HTTP/1.1 over a TcpStream: no token → 403, the token → the page and the
//! picture with every namespace; a namespace added in the sandbox reaches the event stream and
//! the picture within a second; Ctrl-C stops the server.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// GET `path` from `addr`: the status and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map_or("", |b| b.1).to_string();
    (status, body)
}

/// Reads an event stream until a `data:` line other than `not`; its value and when it came.
fn next_event(r: &mut impl BufRead, not: Option<&str>) -> (String, Instant) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "the stream ended");
        if let Some(v) = line.trim().strip_prefix("data: ") {
            if Some(v) != not {
                return (v.to_string(), Instant::now());
            }
        }
    }
}

#[test]
#[ignore = "needs iproute2"]
fn the_page_is_served_with_its_token_and_follows_the_kernel() {
    let trigger = format!("/tmp/netsh-serve-test.{}", std::process::id());
    let _ = std::fs::remove_file(&trigger);
    let mut child = support::sandbox_child(&format!(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         echo \"pid $$\"\n\
         \"$NETSH\" show --serve &\n\
         srv=$!\n\
         for i in $(seq 200); do [ -e {trigger} ] && break; sleep 0.05; done\n\
         ip netns add extra\n\
         for i in $(seq 200); do [ -e {trigger}.2 ] && break; sleep 0.05; done\n\
         kill -INT $srv; wait $srv; echo \"stopped $?\""
    ));
    // Whatever happens below, the sandbox dies within a bound.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (watch, pgid) = (done.clone(), child.id() as i32);
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(90);
        while !watch.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(100));
        }
        if !watch.load(std::sync::atomic::Ordering::SeqCst) {
            // SAFETY: the sandbox leads its own process group; only it is signalled.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut read = |out: &mut BufReader<_>| {
        line.clear();
        out.read_line(&mut line).unwrap();
        line.trim().to_string()
    };
    let pid = read(&mut out);
    let url = read(&mut out);
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            let pid = pid.strip_prefix("pid ").expect("the sandbox's pid first");
            let ns = std::fs::File::open(format!("/proc/{pid}/ns/net")).unwrap();
            // SAFETY: a plain syscall on an open namespace fd; only this thread moves.
            assert_eq!(
                unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) },
                0
            );
            let rest = url.strip_prefix("http://").expect("a URL");
            let (addr, path) = rest.split_once('/').unwrap();
            let token = path.split_once("token=").expect("a token").1;
            assert_eq!(token.len(), 32, "128 bits");
            assert!(addr.starts_with("127.0.0.1:"), "{addr}");
            assert_eq!(get(addr, "/svg").0, 403);
            assert_eq!(get(addr, "/svg?token=0123").0, 403);
            assert_eq!(get(addr, &format!("/svg?token={}", "0".repeat(32))).0, 403);
            let (status, page) = get(addr, &format!("/?token={token}"));
            assert_eq!(status, 200);
            assert!(page.contains("EventSource") && page.contains("/pingall"));
            let mut ev = TcpStream::connect(addr).unwrap();
            ev.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            write!(ev, "GET /events?token={token} HTTP/1.1\r\n\r\n").unwrap();
            let mut ev = BufReader::new(ev);
            let (first, _) = next_event(&mut ev, None);
            let (status, svg) = get(addr, &format!("/svg?token={token}"));
            assert_eq!(status, 200);
            for id in [
                "ns-ns1",
                "ns-ns2",
                "ns-h150.ns1",
                "ns-h150.ns2",
                "machine-router",
            ] {
                assert!(svg.contains(&format!("id=\"{id}\"")), "{id}");
            }
            assert!(!svg.contains("id=\"ns-extra\""));
            let (status, obj) = get(addr, &format!("/object?token={token}&id=ns-ns1"));
            assert_eq!(status, 200);
            assert!(obj.contains("10.1.1.2/24"), "{obj}");
            std::fs::write(&trigger, "").unwrap();
            let asked = Instant::now();
            let (_, at) = next_event(&mut ev, Some(&first));
            let (_, svg) = get(addr, &format!("/svg?token={token}"));
            std::fs::write(format!("{trigger}.2"), "").unwrap();
            assert!(
                svg.contains("id=\"ns-extra\""),
                "the new namespace is drawn"
            );
            // The sandbox sees the trigger within 50 ms; the page within a second of that.
            at - asked
        })
        .join()
    });
    let stopped = read(&mut out);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    support::kill_sandbox(&mut child);
    let _ = std::fs::remove_file(&trigger);
    let _ = std::fs::remove_file(format!("{trigger}.2"));
    let took = result.expect("the client's checks");
    assert!(
        took < Duration::from_millis(1100),
        "the change came after {took:?}"
    );
    assert_eq!(stopped, "stopped 0", "Ctrl-C stops the server");
}

/// Types `text` into the REPL and returns what it printed before the next prompt.
fn repl_line(p: &mut rexpect::session::PtySession, text: &str) -> String {
    p.send_line(text).unwrap();
    match p.exp_regex(r"\n\r?netsh\[repl sandbox\]> ") {
        Ok((before, _)) => before,
        Err(e) => panic!("after typing {text:?}, no prompt: {e}"),
    }
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn the_repl_serves_its_lab_and_the_page_follows_each_line() {
    let dir = std::env::temp_dir().join(format!("netsh-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = std::process::Command::new(support::netsh_bin());
    cmd.args(["repl", "--sandbox"])
        .env("XDG_STATE_HOME", &dir)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let opts = rexpect::session::Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    let mut p = rexpect::session::spawn_with_options(cmd, opts).unwrap();
    p.exp_string("netsh[repl sandbox]> ").unwrap();
    repl_line(&mut p, "ns(\"web1\")");
    let out = repl_line(&mut p, ":web");
    let url = out
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {out:?}"))
        .to_string();
    let (addr, token) = url[7..].split_once("/?token=").unwrap();
    let (_, port) = addr.split_once(':').unwrap();
    // The page lives in the REPL's sandbox: fetch it from there, with bash's /dev/tcp.
    let fetch = |p: &mut rexpect::session::PtySession| {
        repl_line(
            p,
            &format!(
                ":sh host bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}; \
                 printf \"GET /svg?token={token} HTTP/1.0\\r\\n\\r\\n\" >&3; \
                 grep -o \"id=.ns-web[0-9]*.\" <&3 | tr -d \"\\\"\" | tr \"\\n\" \" \"; echo'"
            ),
        )
    };
    std::thread::sleep(std::time::Duration::from_millis(700));
    let first = fetch(&mut p);
    assert!(
        first.contains("id=ns-web1") && !first.contains("web2"),
        "{first}"
    );
    repl_line(&mut p, "ns(\"web2\")");
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let second = fetch(&mut p);
    assert!(second.contains("id=ns-web2"), "{second}");
    p.send_line(":quit").unwrap();
    p.exp_eof().expect("the REPL leaves with its server");
    let _ = std::fs::remove_dir_all(&dir);
}
