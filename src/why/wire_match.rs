//! The matches that read the packet beyond its addresses (`Wire`): `-m mac`, `-m owner`,
//! `-m ttl`, `-m pkttype`, `-m length`, `-m iprange`, and conntrack's `--ctdir` and
//! `--ctorigsrc`. What the analysis cannot tell stays `None` (not understood).

use super::wire::{Sock, Wire};
use std::net::IpAddr;

/// Modules judged here (besides conntrack's options).
pub(crate) const MODULES: [&str; 7] = [
    "mac", "owner", "ttl", "pkttype", "length", "iprange", "realm",
];

/// Whether option `opt` of module `module` is judged here.
pub(crate) fn owns(module: &str, opt: &str) -> bool {
    matches!(
        (module, opt),
        ("mac", "--mac-source")
            | (
                "owner",
                "--uid-owner" | "--gid-owner" | "--socket-exists" | "--suppl-groups"
            )
            | ("ttl", "--ttl-eq" | "--ttl-lt" | "--ttl-gt")
            | ("pkttype", "--pkt-type")
            | ("length", "--length")
            | ("iprange", "--src-range" | "--dst-range")
            | ("realm", "--realm")
            | ("conntrack", "--ctdir" | "--ctorigsrc")
    )
}

/// Whether `opt` (its words `args`) holds for the packet from `src` to `dst` (the request
/// when `request`, else its reply) carrying `w`. Only called when `owns` says so.
pub(crate) fn hold(
    w: &Wire,
    (src, dst, request): (IpAddr, IpAddr, bool),
    opt: &str,
    args: &[&str],
) -> Option<bool> {
    let arg = args.first().copied().unwrap_or("");
    match opt {
        "--mac-source" => w.mac.as_ref().map(|m| m.eq_ignore_ascii_case(arg)),
        "--uid-owner" => owner_id(&w.sock, arg, |(u, _)| u),
        // Another gid than the probe's may still be one of its supplementary groups (with
        // `--suppl-groups`, which comes after): those are not read.
        "--gid-owner" => owner_id(&w.sock, arg, |(_, g)| g).filter(|h| *h || !owned(&w.sock)),
        "--socket-exists" => match w.sock {
            Sock::Of(..) => Some(true),
            Sock::Forwarded => Some(false),
            Sock::Kernel | Sock::Unknown => None,
        },
        // Supplementary groups of the probe's process are not read.
        "--suppl-groups" => None,
        "--ttl-eq" => ttl(w, arg, |t, n| t == n),
        "--ttl-lt" => ttl(w, arg, |t, n| t < n),
        "--ttl-gt" => ttl(w, arg, |t, n| t > n),
        // The probe is unicast wherever it is judged (a frame to another host is dropped
        // before PREROUTING; br_netfilter passes a bridged one on as PACKET_HOST).
        "--pkt-type" => match arg.to_ascii_lowercase().as_str() {
            "unicast" | "host" => Some(true),
            "broadcast" | "multicast" | "otherhost" | "outgoing" | "loopback" => Some(false),
            _ => None,
        },
        "--length" => w.len.and_then(|l| range(arg, ':', u32::from(l))),
        "--src-range" => in_range(arg, src),
        "--realm" => w.realm.and_then(|r| realm(arg, r)),
        "--dst-range" => in_range(arg, dst),
        "--ctdir" => match arg {
            "ORIGINAL" => Some(request),
            "REPLY" => Some(!request),
            _ => None,
        },
        // The request's source is its connection's original one (SNAT only changes the reply
        // tuple); the reply's would need the NAT undone: not judged.
        "--ctorigsrc" if request => net_of(arg).map(|n| n.contains(&src)),
        _ => None,
    }
}

/// `--uid-owner 1000` or `1000-2000` against the socket's id that `pick` takes.
fn owner_id(sock: &Sock, arg: &str, pick: fn((u32, u32)) -> u32) -> Option<bool> {
    match sock {
        Sock::Of(u, g) => range(arg, '-', pick((*u, *g))),
        // No process owns it: the kernel's own socket has no file, a forwarded packet none.
        Sock::Forwarded | Sock::Kernel => Some(false),
        Sock::Unknown => None,
    }
}

fn owned(sock: &Sock) -> bool {
    matches!(sock, Sock::Of(..))
}

fn ttl(w: &Wire, arg: &str, cmp: fn(u8, u8) -> bool) -> Option<bool> {
    Some(cmp(w.ttl?, arg.parse().ok()?))
}

/// `N` or `A<sep>B` holding `v`; `None` when not a number.
fn range(arg: &str, sep: char, v: u32) -> Option<bool> {
    let (a, b) = arg.split_once(sep).unwrap_or((arg, arg));
    Some(a.parse::<u32>().ok()? <= v && v <= b.parse::<u32>().ok()?)
}

/// `--realm 0x7` or `0x7/0xff` (as iptables prints it; decimal too) holding the route's
/// realms `r`, as xt_realm compares: `(r & mask) == id`. A realm's name is not read.
fn realm(arg: &str, r: u32) -> Option<bool> {
    let num = |s: &str| match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    };
    let (id, mask) = match arg.split_once('/') {
        Some((i, m)) => (num(i)?, num(m)?),
        None => (num(arg)?, u32::MAX),
    };
    Some(r & mask == id)
}

/// `A-B` (or one address) holding `ip`.
fn in_range(arg: &str, ip: IpAddr) -> Option<bool> {
    let (a, b) = arg.split_once('-').unwrap_or((arg, arg));
    let (a, b): (IpAddr, IpAddr) = (a.parse().ok()?, b.parse().ok()?);
    Some(a <= ip && ip <= b)
}

fn net_of(arg: &str) -> Option<ipnet::IpNet> {
    arg.parse()
        .ok()
        .or_else(|| arg.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}
