//! The TCP sockets listening in a namespace, as `ss -ltn` shows them: read from
//! `/proc/thread-self/net/tcp{,6}` on a thread inside it (`/proc/net` follows the process's
//! main thread, which never moves).

use crate::sys::enter::in_netns;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// (address, port) of each listening socket; an unspecified address listens on all.
pub(crate) fn tcp(ns: Option<&Path>) -> std::io::Result<Vec<(IpAddr, u16)>> {
    in_netns(ns, || {
        let mut v = vec![];
        for f in ["tcp", "tcp6"] {
            if let Ok(text) = std::fs::read_to_string(format!("/proc/thread-self/net/{f}")) {
                v.extend(text.lines().skip(1).filter_map(listening));
            }
        }
        v
    })
}

/// The NFQUEUE queues a program reads (binds) in the namespace: the first column of
/// `/proc/net/netfilter/nfnetlink_queue`. The file is absent until a queue is bound once: no
/// queue is read then.
pub(crate) fn nfqueues(ns: Option<&Path>) -> std::io::Result<Vec<u16>> {
    in_netns(ns, || {
        let f = "/proc/thread-self/net/netfilter/nfnetlink_queue";
        let text = std::fs::read_to_string(f).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect()
    })
}

/// One line of /proc/net/tcp: `sl local rem st …`, LISTEN is state 0A.
fn listening(line: &str) -> Option<(IpAddr, u16)> {
    let mut w = line.split_whitespace();
    let local = w.nth(1)?;
    let state = w.nth(1)?;
    if state != "0A" {
        return None;
    }
    let (addr, port) = local.split_once(':')?;
    Some((addr_of(addr)?, u16::from_str_radix(port, 16).ok()?))
}

/// The kernel prints each 32-bit word of the address in host order.
fn addr_of(hex: &str) -> Option<IpAddr> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok())
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        16 => {
            let a: [u8; 16] = bytes.try_into().ok()?;
            let v6 = Ipv6Addr::from(a);
            // A dual-stack socket on [::] or a v4-mapped address serves IPv4 too.
            Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_proc_net_tcp() {
        let l = "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
        assert_eq!(listening(l), Some(("127.0.0.1".parse().unwrap(), 80)));
        let est = "   1: 0100007F:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
        assert_eq!(listening(est), None);
        let any6 = "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
        assert_eq!(listening(any6), Some(("::".parse().unwrap(), 8080)));
    }

    #[test]
    fn a_listener_made_here_is_read_back() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let got = tcp(None).unwrap();
        assert!(
            got.contains(&("127.0.0.1".parse().unwrap(), port)),
            "{got:?}"
        );
    }
}
