//! Watching a probe go by: one AF_PACKET socket (ETH_P_ALL) per namespace, opened on a thread
//! inside it (a socket belongs to the namespace of the thread that makes it), with a classic BPF
//! filter that lets only ICMP over IPv4 into its queue; userspace then keeps the echo requests
//! and replies carrying the probe's identifier, bare or inside VXLAN (an underlay router sees
//! only the outer UDP packet, over IPv4 or IPv6). The queue fills while the probe runs, so it is
//! read once afterwards, non-blocking: nothing here waits longer than its caller's bound.

use crate::sys::enter::in_netns;
use nix::errno::Errno;
use nix::libc;
use nix::sys::socket::{
    recvfrom, socket, AddressFamily, LinkAddr, SockFlag, SockProtocol, SockType,
};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
/// `sll_pkttype` of a packet this host sends, and of one addressed to another host's MAC.
pub(crate) const PACKET_OUTGOING: u8 = 4;
pub(crate) const PACKET_OTHERHOST: u8 = 3;
/// How many packets one socket's queue is read for, at most (a probe sends ~15 echoes).
const MAX_READ: usize = 4096;

/// One ICMP echo of the probe seen on a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) ifindex: u32,
    /// `PACKET_HOST`, `PACKET_OUTGOING`, `PACKET_OTHERHOST`, ...
    pub(crate) pkttype: u8,
    /// The frame's destination MAC, on an Ethernet link.
    pub(crate) mac: Option<[u8; 6]>,
    /// The frame's source MAC, on an Ethernet link.
    pub(crate) src_mac: Option<[u8; 6]>,
    pub(crate) src: Ipv4Addr,
    pub(crate) dst: Ipv4Addr,
    pub(crate) reply: bool,
    pub(crate) seq: u16,
    /// Seen inside VXLAN: the outer packet's VNI and addresses.
    pub(crate) outer: Option<Outer>,
}

/// The outer packet a VXLAN tunnel wraps the probe's echo in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outer {
    pub(crate) vni: u32,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
}

/// A packet socket that sees every link of the namespace it was opened in (`None`: the
/// caller's), with the ICMP filter attached.
pub(crate) fn open(ns: Option<&Path>) -> io::Result<OwnedFd> {
    open_proto(ns, 1)
}

/// `open`, letting in IPv4 packets of IP protocol `proto` (1: ICMP, 6: TCP).
pub(crate) fn open_proto(ns: Option<&Path>, proto: u8) -> io::Result<OwnedFd> {
    in_netns(ns, move || -> io::Result<OwnedFd> {
        let fd = socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            SockProtocol::EthAll,
        )?;
        attach_filter(&fd, proto)?;
        Ok(fd)
    })?
}

/// `ip and icmp` (or another IP protocol), as the kernel's classic BPF: the protocol from the
/// skb (whatever the link layer), the IP protocol byte from the network header. For ICMP, UDP
/// over IPv4 or IPv6 too: a VXLAN underlay carries the echoes in it.
fn attach_filter(fd: &OwnedFd, proto: u8) -> io::Result<()> {
    const SKF_AD_PROTOCOL: u32 = 0xffff_f000;
    const SKF_NET_OFF: u32 = 0xfff0_0000;
    let udp: u32 = if proto == 1 { 17 } else { proto.into() };
    let op = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let prog = [
        op(0x28, 0, 0, SKF_AD_PROTOCOL), // 0: ldh proto
        op(0x15, 0, 3, 0x0800),          // 1: jeq IPv4, else 5
        op(0x30, 0, 0, SKF_NET_OFF + 9), // 2: ldb ip[9]
        op(0x15, 4, 0, proto.into()),    // 3: jeq ICMP (or proto): 8
        op(0x15, 3, 4, udp),             // 4: jeq UDP: 8, else 9
        op(0x15, 0, 3, 0x86dd),          // 5: jeq IPv6, else 9
        op(0x30, 0, 0, SKF_NET_OFF + 6), // 6: ldb ip6[6] (next header)
        op(0x15, 0, 1, udp),             // 7: jeq UDP, else 9
        op(0x06, 0, 0, 0x0004_0000),     // 8: ret whole packet
        op(0x06, 0, 0, 0),               // 9: ret drop
    ];
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points at `prog`, alive for the call; the kernel copies the program.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            std::ptr::addr_of!(fprog).cast(),
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Everything queued on `fd` that is an echo request or reply with identifier `id`, in the
/// order the kernel queued it. Never waits.
pub(crate) fn drain(fd: &OwnedFd, id: u16) -> Vec<Seen> {
    drain_by(fd, |pkt| echo(pkt, id))
}

/// Everything queued on `fd` that `keep` reads from its IPv4 packet. Never waits.
pub(crate) fn drain_by(fd: &OwnedFd, keep: impl Fn(&[u8]) -> Option<Seen>) -> Vec<Seen> {
    let mut out = vec![];
    let mut buf = [0u8; 2048];
    for _ in 0..MAX_READ {
        match recvfrom::<LinkAddr>(fd.as_raw_fd(), &mut buf) {
            Ok((n, Some(a))) => out.extend(parse(&buf[..n.min(buf.len())], &a, &keep)),
            Ok((_, None)) | Err(Errno::EINTR) => {}
            Err(_) => break,
        }
    }
    out
}

fn parse(frame: &[u8], a: &LinkAddr, keep: impl Fn(&[u8]) -> Option<Seen>) -> Option<Seen> {
    // Ethernet (and loopback, which has the same header) carries 14 bytes before IP.
    let eth = matches!(a.hatype(), 1 | 772);
    let (mac, src_mac, pkt) = if eth {
        let m: [u8; 6] = frame.get(..6)?.try_into().ok()?;
        let from: [u8; 6] = frame.get(6..12)?.try_into().ok()?;
        (Some(m), Some(from), frame.get(14..)?)
    } else {
        (None, None, frame)
    };
    let echo = keep(pkt).or_else(|| {
        let (outer, inner) = vxlan(pkt)?;
        let e = keep(inner)?;
        Some(Seen {
            outer: Some(outer),
            ..e
        })
    })?;
    Some(Seen {
        ifindex: a.ifindex() as u32,
        pkttype: a.pkttype(),
        mac,
        src_mac,
        ..echo
    })
}

/// The VXLAN packet's outer header and the IPv4 packet inside its inner Ethernet frame (any
/// UDP port: a lab's VTEPs may use any; the probe's identifier makes the match).
fn vxlan(pkt: &[u8]) -> Option<(Outer, &[u8])> {
    let (src, dst, udp): (IpAddr, IpAddr, usize) = match pkt.first()? >> 4 {
        4 if pkt.len() >= 20 && pkt[9] == 17 => {
            let a = |o: usize| Ipv4Addr::new(pkt[o], pkt[o + 1], pkt[o + 2], pkt[o + 3]);
            (a(12).into(), a(16).into(), usize::from(pkt[0] & 0x0f) * 4)
        }
        6 if pkt.len() >= 40 && pkt[6] == 17 => {
            let a = |o: usize| -> Option<Ipv6Addr> {
                let b: [u8; 16] = pkt.get(o..o + 16)?.try_into().ok()?;
                Some(b.into())
            };
            (a(8)?.into(), a(24)?.into(), 40)
        }
        _ => return None,
    };
    // UDP (8 bytes), then VXLAN's 8: the I flag, and the VNI in bytes 4..7.
    let vx = pkt.get(udp + 8..udp + 16)?;
    if vx[0] & 0x08 == 0 {
        return None;
    }
    let vni = u32::from_be_bytes([0, vx[4], vx[5], vx[6]]);
    let mut eth = udp + 16;
    // The inner frame's type, past one 802.1Q tag if it has one.
    let mut ty = pkt.get(eth + 12..eth + 14)?;
    if ty == [0x81, 0x00] {
        eth += 4;
        ty = pkt.get(eth + 12..eth + 14)?;
    }
    if ty != [0x08, 0x00] {
        return None;
    }
    Some((Outer { vni, src, dst }, pkt.get(eth + 14..)?))
}

/// The probe's echo in an IPv4 packet: addresses, request or reply, sequence.
pub(crate) fn echo(pkt: &[u8], id: u16) -> Option<Seen> {
    probe_packet(pkt, 1, 8, |icmp| {
        let reply = match icmp[0] {
            ICMP_ECHO_REQUEST => false,
            ICMP_ECHO_REPLY => true,
            _ => return None,
        };
        let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
        (u16::from_be_bytes([icmp[4], icmp[5]]) == id).then_some((reply, seq))
    })
}

/// A segment of the TCP probe's connection (its client port `port`): the SYN and what follows
/// it from the client (a request), or the server's answer, SYN-ACK or RST (a reply).
pub(crate) fn segment(pkt: &[u8], port: u16) -> Option<Seen> {
    probe_packet(pkt, 6, 14, |tcp| {
        let (sport, dport) = (
            u16::from_be_bytes([tcp[0], tcp[1]]),
            u16::from_be_bytes([tcp[2], tcp[3]]),
        );
        let reply = match (sport == port, dport == port) {
            (true, _) => false,
            (_, true) => true,
            _ => return None,
        };
        // The TCP flags: which segment of the handshake it was.
        Some((reply, tcp[13].into()))
    })
}

/// An IPv4 packet of IP protocol `proto` that `mine` reads as the probe's from its transport
/// header's first `len` bytes: a request or a reply (`true`), and its sequence word.
fn probe_packet(
    pkt: &[u8],
    proto: u8,
    len: usize,
    mine: impl Fn(&[u8]) -> Option<(bool, u16)>,
) -> Option<Seen> {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 || pkt[9] != proto {
        return None;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let (reply, seq) = mine(pkt.get(ihl..ihl + len)?)?;
    let ip = |o: usize| Ipv4Addr::new(pkt[o], pkt[o + 1], pkt[o + 2], pkt[o + 3]);
    Some(Seen {
        ifindex: 0,
        pkttype: 0,
        mac: None,
        src_mac: None,
        src: ip(12),
        dst: ip(16),
        reply,
        seq,
        outer: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(ty: u8, id: u16, seq: u16) -> Vec<u8> {
        let mut p = vec![0u8; 28];
        p[0] = 0x45;
        p[9] = 1;
        p[12..16].copy_from_slice(&[10, 0, 0, 1]);
        p[16..20].copy_from_slice(&[10, 0, 3, 2]);
        p[20] = ty;
        p[24..26].copy_from_slice(&id.to_be_bytes());
        p[26..28].copy_from_slice(&seq.to_be_bytes());
        p
    }

    #[test]
    fn only_the_probes_echoes_are_kept() {
        let req = echo(&packet(8, 7, 3), 7).unwrap();
        assert_eq!((req.reply, req.seq), (false, 3));
        assert_eq!(req.src, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(req.dst, Ipv4Addr::new(10, 0, 3, 2));
        assert!(echo(&packet(0, 7, 3), 7).unwrap().reply);
        assert_eq!(echo(&packet(8, 8, 3), 7), None); // someone else's ping
        assert_eq!(echo(&packet(3, 7, 3), 7), None); // unreachable, not an echo
        assert_eq!(echo(&packet(8, 7, 3)[..24], 7), None); // truncated
    }

    #[test]
    fn echoes_inside_vxlan_are_kept_with_the_outer_header() {
        let inner = packet(0, 7, 3);
        let mut p = vec![0u8; 20 + 8 + 8 + 14];
        p[0] = 0x45;
        p[9] = 17;
        p[12..16].copy_from_slice(&[198, 51, 100, 2]);
        p[16..20].copy_from_slice(&[192, 0, 2, 1]);
        p[22..24].copy_from_slice(&4789u16.to_be_bytes());
        p[28] = 0x08;
        p[32..35].copy_from_slice(&[0, 0, 42]);
        p[48..50].copy_from_slice(&[0x08, 0x00]);
        p.extend(&inner);
        let (o, pkt) = vxlan(&p).unwrap();
        assert_eq!(o.vni, 42);
        assert_eq!(o.src, IpAddr::from([198, 51, 100, 2]));
        assert_eq!(o.dst, IpAddr::from([192, 0, 2, 1]));
        assert!(echo(pkt, 7).unwrap().reply);
        p[28] = 0; // no VNI flag: not VXLAN
        assert_eq!(vxlan(&p), None);
    }

    #[test]
    fn only_the_probes_segments_are_kept() {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = 6;
        p[20..22].copy_from_slice(&40000u16.to_be_bytes());
        p[22..24].copy_from_slice(&80u16.to_be_bytes());
        p[33] = 0x02; // SYN
        let syn = segment(&p, 40000).unwrap();
        assert_eq!((syn.reply, syn.seq), (false, 2));
        p[20..24].copy_from_slice(&[0, 80, 0x9c, 0x40]);
        assert!(segment(&p, 40000).unwrap().reply);
        assert_eq!(segment(&p, 40001), None); // another connection
        p[9] = 1;
        assert_eq!(segment(&p, 40000), None); // not TCP
    }
}
