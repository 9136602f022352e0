//! Native ICMP echo ("ping") from inside a network namespace.
//!
//! Uses a raw `AF_INET/SOCK_RAW/IPPROTO_ICMP` socket created on the
//! namespace thread: unprivileged datagram ICMP sockets are disabled in new
//! namespaces (`net.ipv4.ping_group_range = 1 0`). Needs CAP_NET_RAW.
//! A raw socket sees every ICMP packet of the namespace, so replies are
//! matched on source, type, our identifier and a sequence number we sent.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    recv, sendto, socket, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType, SockaddrIn,
};

use super::readable::readable;
use crate::plan::probe::Echo;
use crate::sys::enter::in_netns;

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const PAYLOAD_LEN: usize = 56; // same size as ping(8)'s default

/// Distinguishes concurrent pings from this process (same namespace, same
/// raw-socket traffic).
static NEXT_ID: AtomicU16 = AtomicU16::new(0);

/// An ICMP identifier no other ping of this process uses: the one a capture of the probe
/// matches (see `ping_as`).
pub(crate) fn fresh_id() -> u16 {
    (process::id() as u16).wrapping_add(NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// Ping `dst` from namespace `ns` (`None`: the caller's namespace), with echo requests
/// carrying identifier `id` (from `fresh_id`).
///
/// Sends an echo request every `interval` (at least 1 ms) until the first matching reply
/// (`Echo::Reply`) or until `total` has elapsed; the call returns within about `total` plus a
/// few ms. What it saw otherwise: a send refused (`ENETUNREACH`: no route, `EHOSTUNREACH`:
/// host unreachable) returns at once; an ICMP unreachable quoting one of its echoes, or
/// silence, at the end. IPv6: ICMPv6 echo (`ping6`), without the unreachable reports.
pub(crate) fn ping_echo_as(
    ns: Option<&Path>,
    dst: IpAddr,
    total: Duration,
    interval: Duration,
    id: u16,
) -> io::Result<Echo> {
    let deadline = Instant::now() + total;
    let dst = match dst {
        IpAddr::V4(d) => d,
        IpAddr::V6(d) => {
            let every = interval.max(Duration::from_millis(1));
            return in_netns(ns, move || super::ping6::ping6(d, id, deadline, every))?;
        }
    };
    in_netns(ns, move || {
        ping4(dst, id, deadline, interval.max(Duration::from_millis(1)))
    })?
}

fn ping4(dst: Ipv4Addr, id: u16, deadline: Instant, interval: Duration) -> io::Result<Echo> {
    let sock = icmp_socket()?;
    let addr = SockaddrIn::from(SocketAddrV4::new(dst, 0));
    let mut sent: u32 = 0; // sequence numbers 0..sent are ours
    let mut next_send = Instant::now();
    let mut buf = [0u8; 1500];
    // The last unreachable report seen: the echoes go on (the path may still be settling),
    // and it is the answer if no reply comes.
    let mut seen = Echo::NoReply;

    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ok(seen);
        }
        if now >= next_send {
            let pkt = echo_request(id, sent as u16);
            match sendto(sock.as_raw_fd(), &pkt, &addr, MsgFlags::empty()) {
                Ok(_) => {}
                Err(e @ (Errno::ENETUNREACH | Errno::EHOSTUNREACH)) => return Ok(refused(e)),
                // Full socket buffer: just try again at the next interval.
                Err(Errno::EAGAIN | Errno::ENOBUFS) => {}
                Err(e) => return Err(crate::sys::errno::context(e, format_args!("sendto {dst}"))),
            }
            // Cap keeps "seq < sent" meaningful after u16 wrap-around.
            sent = (sent + 1).min(1 << 16);
            next_send += interval;
        }

        if !readable(&sock, next_send.min(deadline))? {
            continue;
        }

        // Drain everything queued; the socket is non-blocking.
        loop {
            match recv(sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) => {
                    if is_our_reply(&buf[..n], dst, id, sent) {
                        return Ok(Echo::Reply);
                    }
                    if let Some(e) = unreachable_for(&buf[..n], dst, id) {
                        seen = e;
                    }
                }
                Err(Errno::EAGAIN | Errno::EINTR) => break,
                // Asynchronous unreachable report: no answer will come.
                Err(e @ (Errno::ENETUNREACH | Errno::EHOSTUNREACH)) => return Ok(refused(e)),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A send (or a socket) refused with ENETUNREACH or EHOSTUNREACH.
fn refused(e: Errno) -> Echo {
    match e {
        Errno::ENETUNREACH => Echo::NoRoute,
        _ => Echo::HostUnreachable,
    }
}

/// An ICMP destination-unreachable (type 3) that quotes one of our echoes to `dst`: who sent
/// it, and its code.
pub(super) fn unreachable_for(pkt: &[u8], dst: Ipv4Addr, id: u16) -> Option<Echo> {
    const ICMP_DEST_UNREACH: u8 = 3;
    if pkt.len() < 20 || pkt[0] >> 4 != 4 || pkt[9] != 1 {
        return None;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let icmp = pkt.get(ihl..)?;
    if icmp.len() < 8 || icmp[0] != ICMP_DEST_UNREACH {
        return None;
    }
    // The quoted packet: its IP header, then the first 8 bytes of our echo.
    let inner = &icmp[8..];
    let inner_ihl = usize::from(*inner.first()? & 0x0f) * 4;
    let echo = inner.get(inner_ihl..inner_ihl + 8)?;
    let to = inner.get(16..20)?;
    let ours = echo[0] == ICMP_ECHO_REQUEST
        && u16::from_be_bytes([echo[4], echo[5]]) == id
        && Ipv4Addr::new(to[0], to[1], to[2], to[3]) == dst;
    ours.then(|| Echo::Unreachable {
        from: Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]),
        code: icmp[1],
    })
}

/// Ping every address of `dsts` from namespace `ns` at once (a sweep's row): one socket, an
/// echo to each address not yet answered every `interval`, until all have answered or `total`
/// has elapsed. Which answered, in the order of `dsts`. An address with no route is `false`
/// at once.
pub(crate) fn ping_many(
    ns: Option<&Path>,
    dsts: &[Ipv4Addr],
    total: Duration,
    interval: Duration,
) -> io::Result<Vec<bool>> {
    let deadline = Instant::now() + total;
    let id = (process::id() as u16).wrapping_add(NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let dsts = dsts.to_vec();
    in_netns(ns, move || {
        ping4_many(&dsts, id, deadline, interval.max(Duration::from_millis(1)))
    })?
}

/// Each address's state in a row: still asked, answered, or given up (no route).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Row {
    Asked,
    Answered,
    NoRoute,
}

fn ping4_many(
    dsts: &[Ipv4Addr],
    id: u16,
    deadline: Instant,
    interval: Duration,
) -> io::Result<Vec<bool>> {
    let sock = icmp_socket()?;
    let mut state = vec![Row::Asked; dsts.len()];
    let mut sent: u32 = 0;
    let mut next_send = Instant::now();
    let mut buf = [0u8; 1500];
    while state.contains(&Row::Asked) && Instant::now() < deadline {
        if Instant::now() >= next_send {
            for (i, dst) in dsts.iter().enumerate() {
                if state[i] != Row::Asked {
                    continue;
                }
                let addr = SockaddrIn::from(SocketAddrV4::new(*dst, 0));
                let pkt = echo_request(id, sent as u16);
                // A full buffer, or any other refusal: asked again at the next round.
                if let Err(Errno::ENETUNREACH | Errno::EHOSTUNREACH) =
                    sendto(sock.as_raw_fd(), &pkt, &addr, MsgFlags::empty())
                {
                    state[i] = Row::NoRoute;
                }
            }
            sent = (sent + 1).min(1 << 16);
            next_send += interval;
        }
        if !readable(&sock, next_send.min(deadline))? {
            continue;
        }
        loop {
            match recv(sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) => {
                    let pkt = &buf[..n];
                    let from = pkt
                        .get(12..16)
                        .map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]));
                    let i = from.and_then(|f| dsts.iter().position(|d| *d == f));
                    if let Some(i) = i.filter(|i| is_our_reply(pkt, dsts[*i], id, sent)) {
                        state[i] = Row::Answered;
                    }
                }
                // An unreachable report names no one socket-wide: the rounds go on.
                Err(Errno::EAGAIN | Errno::EINTR) => break,
                Err(Errno::ENETUNREACH | Errno::EHOSTUNREACH | Errno::EHOSTDOWN) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(state.into_iter().map(|s| s == Row::Answered).collect())
}

/// RFC 1071 Internet checksum (one's complement of the one's complement sum
/// of 16-bit big-endian words; an odd last byte is padded with zero).
pub(super) fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A raw ICMP socket in the calling thread's namespace, non-blocking.
pub(super) fn icmp_socket() -> io::Result<std::os::fd::OwnedFd> {
    Ok(socket(
        AddressFamily::Inet,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        SockProtocol::Icmp,
    )?)
}

/// ICMP echo request with ping's payload.
fn echo_request(id: u16, seq: u16) -> Vec<u8> {
    echo_of(id, seq, PAYLOAD_LEN)
}

/// ICMP echo request: type, code, checksum, identifier, sequence, `payload` bytes.
pub(super) fn echo_of(id: u16, seq: u16, payload: usize) -> Vec<u8> {
    let mut p = vec![0u8; 8 + payload];
    p[0] = ICMP_ECHO_REQUEST;
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[8..].iter_mut().enumerate() {
        *b = i as u8;
    }
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// Whether `pkt` (IPv4 header + ICMP, as a raw socket delivers it) is an
/// echo reply from `dst` to one of our requests (`seq < sent`).
pub(super) fn is_our_reply(pkt: &[u8], dst: Ipv4Addr, id: u16, sent: u32) -> bool {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 || pkt[9] != 1 {
        return false;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    if ihl < 20 || pkt.len() < ihl + 8 {
        return false;
    }
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let icmp = &pkt[ihl..];
    src == dst
        && icmp[0] == ICMP_ECHO_REPLY
        && icmp[1] == 0
        && u16::from_be_bytes([icmp[4], icmp[5]]) == id
        && u32::from(u16::from_be_bytes([icmp[6], icmp[7]])) < sent
        // Raw sockets get packets before the kernel's ICMP checksum check.
        && checksum(icmp) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_rfc1071_example() {
        // RFC 1071 section 3: the sum of these words is 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
        assert_eq!(checksum(&[]), 0xffff);
        // Odd length: last byte is the high byte of a zero-padded word.
        assert_eq!(checksum(&[0x12]), !0x1200);
        assert_eq!(checksum(&[0xff, 0xff, 0x00, 0x01]), !0x0001); // end-around carry
    }

    #[test]
    fn echo_request_checksums_to_zero() {
        for seq in [0, 1, 0xffff] {
            let p = echo_request(0xbeef, seq);
            assert_eq!(p.len(), 64);
            assert_eq!(p[0], ICMP_ECHO_REQUEST);
            assert_eq!(checksum(&p), 0);
        }
    }

    fn reply_from(src: Ipv4Addr, id: u16, seq: u16, ihl_words: u8) -> Vec<u8> {
        let mut ip = vec![0u8; usize::from(ihl_words) * 4];
        ip[0] = 0x40 | ihl_words;
        ip[9] = 1;
        ip[12..16].copy_from_slice(&src.octets());
        let mut icmp = echo_request(id, seq);
        icmp[0] = ICMP_ECHO_REPLY;
        icmp[2..4].fill(0);
        let c = checksum(&icmp);
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
        ip.extend(icmp);
        ip
    }

    #[test]
    fn reply_matching() {
        let dst = Ipv4Addr::new(10, 1, 1, 3);
        assert!(is_our_reply(&reply_from(dst, 7, 0, 5), dst, 7, 1));
        // IP options present: must skip IHL*4 bytes, not a fixed 20.
        assert!(is_our_reply(&reply_from(dst, 7, 2, 6), dst, 7, 3));
        assert!(!is_our_reply(&reply_from(dst, 7, 3, 5), dst, 7, 3)); // not sent yet
        assert!(!is_our_reply(&reply_from(dst, 8, 0, 5), dst, 7, 1)); // other id
        let other = Ipv4Addr::new(10, 1, 1, 4);
        assert!(!is_our_reply(&reply_from(other, 7, 0, 5), dst, 7, 1));
        let mut req = reply_from(dst, 7, 0, 5);
        req[20] = ICMP_ECHO_REQUEST; // our own request looped back
        assert!(!is_our_reply(&req, dst, 7, 1));
        let mut bad = reply_from(dst, 7, 0, 5);
        bad[30] ^= 1; // corrupted payload
        assert!(!is_our_reply(&bad, dst, 7, 1));
        assert!(!is_our_reply(&bad[..25], dst, 7, 1)); // truncated
    }

    #[test]
    fn an_unreachable_quoting_our_echo_names_its_sender_and_code() {
        let dst = Ipv4Addr::new(172, 31, 131, 150);
        let router = Ipv4Addr::new(10, 1, 1, 1);
        // The echo as it left: IP header to dst, then the ICMP echo request.
        let mut quoted = vec![0u8; 20];
        quoted[0] = 0x45;
        quoted[9] = 1;
        quoted[16..20].copy_from_slice(&dst.octets());
        quoted.extend(&echo_request(7, 0)[..8]);
        let mut pkt = vec![0u8; 20];
        pkt[0] = 0x45;
        pkt[9] = 1;
        pkt[12..16].copy_from_slice(&router.octets());
        pkt.extend([3, 1, 0, 0, 0, 0, 0, 0]);
        pkt.extend(&quoted);
        let got = unreachable_for(&pkt, dst, 7);
        assert_eq!(
            got,
            Some(Echo::Unreachable {
                from: router,
                code: 1
            })
        );
        assert_eq!(
            got.unwrap().words(),
            "host unreachable (ICMP from 10.1.1.1)"
        );
        assert_eq!(unreachable_for(&pkt, dst, 8), None, "another ping's echo");
        assert_eq!(unreachable_for(&pkt[..40], dst, 7), None, "truncated");
    }
}
