//! Native ICMPv6 echo from inside a network namespace: a raw `AF_INET6/SOCK_RAW/IPPROTO_ICMPV6`
//! socket (the kernel fills in the ICMPv6 checksum and delivers no IPv6 header). Replies are
//! matched on their source, type 129, our identifier and a sequence number we sent.

use std::io;
use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    recvfrom, sendto, socket, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType,
    SockaddrIn6,
};

use super::readable::readable;
use crate::plan::probe::Echo;

const ECHO_REQUEST: u8 = 128;
const ECHO_REPLY: u8 = 129;
const PAYLOAD_LEN: usize = 56;

/// An ICMPv6 echo request; the checksum is left 0 for the kernel to fill in.
fn echo_request(id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![0u8; 8 + PAYLOAD_LEN];
    p[0] = ECHO_REQUEST;
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[8..].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

/// Whether `pkt` (ICMPv6 from `from`) is the echo reply of `dst` to one of our requests.
fn is_our_reply(pkt: &[u8], from: Ipv6Addr, dst: Ipv6Addr, id: u16, sent: u32) -> bool {
    pkt.len() >= 8
        && from == dst
        && pkt[0] == ECHO_REPLY
        && pkt[1] == 0
        && u16::from_be_bytes([pkt[4], pkt[5]]) == id
        && u32::from(u16::from_be_bytes([pkt[6], pkt[7]])) < sent
}

/// Ping `dst` until the first reply or `deadline`, in the calling thread's namespace.
pub(super) fn ping6(
    dst: Ipv6Addr,
    id: u16,
    deadline: Instant,
    interval: Duration,
) -> io::Result<Echo> {
    let sock = socket(
        AddressFamily::Inet6,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        SockProtocol::IcmpV6,
    )?;
    let addr = SockaddrIn6::from(SocketAddrV6::new(dst, 0, 0, 0));
    let mut sent: u32 = 0;
    let mut next_send = Instant::now();
    let mut buf = [0u8; 1500];
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ok(Echo::NoReply);
        }
        if now >= next_send {
            match sendto(
                sock.as_raw_fd(),
                &echo_request(id, sent as u16),
                &addr,
                MsgFlags::empty(),
            ) {
                Ok(_) => {}
                Err(Errno::ENETUNREACH) => return Ok(Echo::NoRoute),
                Err(Errno::EHOSTUNREACH) => return Ok(Echo::HostUnreachable),
                // A full buffer, or a neighbour not yet resolved: tried again at the next interval.
                Err(Errno::EAGAIN | Errno::ENOBUFS | Errno::EINVAL) => {}
                Err(e) => return Err(crate::sys::errno::context(e, format_args!("sendto {dst}"))),
            }
            sent = (sent + 1).min(1 << 16);
            next_send += interval;
        }
        if !readable(&sock, next_send.min(deadline))? {
            continue;
        }
        loop {
            match recvfrom::<SockaddrIn6>(sock.as_raw_fd(), &mut buf) {
                Ok((n, Some(from))) => {
                    if is_our_reply(&buf[..n], from.ip(), dst, id, sent) {
                        return Ok(Echo::Reply);
                    }
                }
                Ok(_) => {}
                Err(Errno::EAGAIN | Errno::EINTR) => break,
                Err(Errno::ENETUNREACH) => return Ok(Echo::NoRoute),
                Err(Errno::EHOSTUNREACH) => return Ok(Echo::HostUnreachable),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_matched_on_source_id_and_seq() {
        let dst: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut p = echo_request(7, 0);
        p[0] = ECHO_REPLY;
        assert!(is_our_reply(&p, dst, dst, 7, 1));
        assert!(!is_our_reply(&p, dst, dst, 8, 1), "another ping's");
        assert!(
            !is_our_reply(&p, Ipv6Addr::LOCALHOST, dst, 7, 1),
            "another host"
        );
        assert!(
            !is_our_reply(&echo_request(7, 0), dst, dst, 7, 1),
            "a request"
        );
    }
}
