//! Whether the packet is in an ipset, as `-m set --match-set NAME FLAGS` looks it up: each of
//! the set type's dimensions (ip, net, port, iface) read from the packet's side its flag names
//! (`src` or `dst`), the most specific matching element deciding (a `nomatch` one says no). A
//! type or element this does not know is never guessed at: the answer is "not understood".

use super::ipset_table::{IpSetEntry, IpSets};
use super::seen::Seen;
use ipnet::IpNet;
use std::net::IpAddr;

/// Where the packet was found: the set that holds it (a member of a `list:set`, or the set
/// itself) and the element.
pub(crate) type Found<'a> = (&'a str, &'a IpSetEntry);

/// The packet in set `name` looked up by `flags` (`src`, `dst,dst`, ...): `Some(Some(..))` in
/// it, `Some(None)` not, `None` not understood.
pub(crate) fn lookup<'a>(
    sets: &'a IpSets,
    name: &str,
    flags: &str,
    p: &Seen,
) -> Option<Option<Found<'a>>> {
    let set = sets.get(name)?;
    if set.kind == "list:set" {
        // Its members are sets, looked up in order with the same flags.
        for e in &set.entries {
            let hit = sets.get(&e.elem).filter(|s| s.kind != "list:set")?;
            if let Some(f) = lookup(sets, &hit.name, flags, p)? {
                return Some(Some(f));
            }
        }
        return Some(None);
    }
    let dims = dims(&set.kind)?;
    let flags: Vec<&str> = flags.split(',').collect();
    // Fewer flags than dimensions, or another family: the kernel says no.
    let v6 = set.family == "inet6";
    if flags.len() < dims.len() || v6 != p.src.is_ipv6() {
        return Some(None);
    }
    let mut best: Option<(u32, &IpSetEntry)> = None;
    for e in &set.entries {
        let parts: Vec<&str> = e.elem.split(',').collect();
        if parts.len() != dims.len() {
            return None;
        }
        let mut weight = 0;
        let mut unsure = false;
        let mut miss = false;
        for ((dim, part), flag) in dims.iter().zip(&parts).zip(&flags) {
            match dim_holds(dim, part, flag, p, set.netmask) {
                Some(Some(w)) => weight += w,
                Some(None) => miss = true,
                None => unsure = true,
            }
        }
        if miss {
            continue;
        }
        if unsure {
            return None;
        }
        if best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, e));
        }
    }
    Some(
        best.filter(|(_, e)| !e.nomatch)
            .map(|(_, e)| (set.name.as_str(), e)),
    )
}

/// The dimensions of a set type: `hash:net,port` is a net and a port.
fn dims(kind: &str) -> Option<Vec<&str>> {
    let (_, d) = kind.split_once(':')?;
    let d: Vec<&str> = d.split(',').collect();
    d.iter()
        .all(|x| matches!(*x, "ip" | "net" | "port" | "iface"))
        .then_some(d)
}

/// One dimension: `Some(Some(weight))` it matches (the longer the prefix, the heavier),
/// `Some(None)` it does not, `None` not understood.
fn dim_holds(
    dim: &str,
    part: &str,
    flag: &str,
    p: &Seen,
    netmask: Option<u8>,
) -> Option<Option<u32>> {
    let src = match flag {
        "src" => true,
        "dst" => false,
        _ => return None,
    };
    match dim {
        "ip" | "net" => {
            let a = if src { p.src } else { p.dst };
            let a = match netmask {
                Some(m) => IpNet::new(a, m).ok()?.network(),
                None => a,
            };
            let (lo, hi, len) = span(part)?;
            Some((lo <= a && a <= hi).then_some(len))
        }
        "port" => {
            let (proto, port) = side_port(p, src)?;
            let (want, range) = port_elem(part)?;
            Some((want == proto && range.0 <= port && port <= range.1).then_some(0))
        }
        _ => {
            let dev = if src { &p.in_dev } else { &p.out_dev };
            if part.contains(':') {
                return None; // `physdev:NAME`
            }
            Some((dev.as_deref() == Some(part)).then_some(0))
        }
    }
}

/// An address, a net or a range `A-B`: its lowest and highest address, and its prefix length.
fn span(s: &str) -> Option<(IpAddr, IpAddr, u32)> {
    if let Some((a, b)) = s.split_once('-') {
        return Some((a.parse().ok()?, b.parse().ok()?, 0));
    }
    let n: IpNet = s
        .parse()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))?;
    Some((n.network(), n.broadcast(), n.prefix_len() as u32))
}

/// The packet's protocol and port on one side, as ipset reads it: ICMP's is its type and code
/// (`type << 8 | code`) on either side; a TCP connection's client port is not known.
fn side_port(p: &Seen, src: bool) -> Option<(&'static str, u16)> {
    if let Some(port) = p.udp_dport {
        return (!src).then_some(("udp", port));
    }
    if let Some(port) = p.tcp_port {
        let request = p.icmp_type == 8;
        return (src != request).then_some(("tcp", port));
    }
    Some(("icmp", u16::from(p.icmp_type) << 8))
}

/// `tcp:80`, `80` (TCP), `udp:53-60`, `icmp:echo-request`, `icmp:8/0`: the protocol and the
/// port range (an ICMP type and code as one number).
fn port_elem(s: &str) -> Option<(&str, (u16, u16))> {
    let (proto, port) = s.split_once(':').unwrap_or(("tcp", s));
    if proto == "icmp" {
        let v = match port {
            "echo-request" => 8 << 8,
            "echo-reply" => 0,
            t => {
                let (ty, code) = t.split_once('/')?;
                (ty.parse::<u16>().ok()? << 8) | code.parse::<u16>().ok()?
            }
        };
        return Some((proto, (v, v)));
    }
    let range = match port.split_once('-') {
        Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
        None => (port.parse().ok()?, port.parse().ok()?),
    };
    Some((proto, range))
}

/// The element that holds the packet in a set of `kind` looked up by `flags`: what adding it
/// to a list the packet is missing from would take; `None` when a side is not known.
pub(crate) fn element(kind: &str, flags: &str, p: &Seen) -> Option<String> {
    let flags: Vec<&str> = flags.split(',').collect();
    let mut parts = vec![];
    for (dim, flag) in dims(kind)?.iter().zip(flags) {
        let src = flag == "src";
        parts.push(match *dim {
            "ip" | "net" => (if src { p.src } else { p.dst }).to_string(),
            "port" => match side_port(p, src)? {
                ("icmp", v) => format!("icmp:{}/{}", v >> 8, v & 0xff),
                (proto, v) => format!("{proto}:{v}"),
            },
            _ => (if src { &p.in_dev } else { &p.out_dev }).clone()?,
        });
    }
    (parts.len() == dims(kind)?.len()).then(|| parts.join(","))
}
