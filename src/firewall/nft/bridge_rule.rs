//! A `bridge` family rule in words, for a person to find it: as `nft list` shows it
//! (`iifname "lh" ether saddr != 02:… drop`) and, in ebtables-nft's own tables, as `ebtables
//! -L` does (`-p ARP --arp-ip-dst 10.1.1.3 -j DROP`), which `ebtables -D CHAIN …` deletes.
//! Only the matches `foreign_judge` reads are put in words; any other makes it `None`.

use super::expr::{verdict_of, Expr, NF_ACCEPT, NF_DROP};
use super::wire::cstr;
use std::net::Ipv4Addr;

/// One match of the rule; `bool`: negated.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    EtherType(u16),
    Iif(String),
    Oif(String),
    /// `ether saddr` (true) or `ether daddr`.
    Mac(bool, [u8; 6]),
    /// ebtables' `--arp-ip-src` (true) / `--arp-ip-dst`, or `arp saddr ip`: address, prefix.
    ArpIp(bool, Ipv4Addr, u32),
    /// `ip saddr` (true) / `ip daddr`, ebtables' `--ip-src` / `--ip-dst`.
    Ip(bool, Ipv4Addr, u32),
    /// `meta pkttype`, ebtables' `--pkttype-type`: PACKET_HOST 0, BROADCAST 1…
    PktType(u8),
    /// `arp operation`, ebtables' `--arp-op`: 1 request, 2 reply.
    ArpOp(u16),
}

/// What a load put in the register, for the `cmp` after it.
#[derive(Clone, Copy)]
enum Loaded {
    Meta(u32),
    Link(u32, u32),
    Net(u32, u32),
}

fn mac6(v: &[u8]) -> Option<[u8; 6]> {
    v.try_into().ok()
}

fn addr(v: &[u8]) -> Option<Ipv4Addr> {
    let b: [u8; 4] = v.try_into().ok()?;
    Some(b.into())
}

fn prefix(mask: &[u8]) -> u32 {
    mask.iter().map(|b| b.count_ones()).sum()
}

/// A `cmp` against what `l` loaded: the term, in an ARP (`arp`) or IPv4 frame.
fn term(l: Loaded, v: &[u8], arp: bool) -> Option<Term> {
    Some(match l {
        Loaded::Meta(6) => Term::Iif(cstr(v)),
        Loaded::Meta(7) => Term::Oif(cstr(v)),
        Loaded::Meta(19) => Term::PktType(*v.first()?),
        Loaded::Link(12, 2) => Term::EtherType(u16::from_be_bytes(v.try_into().ok()?)),
        Loaded::Link(6, 6) => Term::Mac(true, mac6(v)?),
        Loaded::Link(0, 6) => Term::Mac(false, mac6(v)?),
        Loaded::Net(6, 2) if arp => Term::ArpOp(u16::from_be_bytes(v.try_into().ok()?)),
        Loaded::Net(14, 4) if arp => Term::ArpIp(true, addr(v)?, 32),
        Loaded::Net(24, 4) if arp => Term::ArpIp(false, addr(v)?, 32),
        Loaded::Net(12, 4) if !arp => Term::Ip(true, addr(v)?, 32),
        Loaded::Net(16, 4) if !arp => Term::Ip(false, addr(v)?, 32),
        _ => return None,
    })
}

/// An address field of an ebtables info struct: (its bit, address offset, mask offset, source).
type Field = (u8, usize, usize, bool);

/// ebtables' `arp` and `ip` matches: their address tests and the ARP operation, and its
/// `pkttype` match (nothing else is put in words).
fn xt_terms(e: &Expr) -> Option<Vec<(Term, bool)>> {
    let (name, i) = (cstr(e.get(1)?), e.get(3)?);
    // struct ebt_pkttype_info: pkt_type, invert.
    if name == "pkttype" && i.len() >= 2 {
        return Some(vec![(Term::PktType(i[0]), i[1] != 0)]);
    }
    let (bits, inv, fields): (u8, u8, [Field; 2]) = match name.as_str() {
        "arp" if i.len() >= 50 => (i[48], i[49], [(0x08, 8, 12, true), (0x10, 16, 20, false)]),
        "ip" if i.len() >= 20 => (i[18], i[19], [(0x01, 0, 8, true), (0x02, 4, 12, false)]),
        _ => return None,
    };
    // EBT_ARP_OPCODE, its value at 4 of struct ebt_arp_info.
    let op = if name == "arp" { 0x01 } else { 0 };
    let known: u8 = fields.iter().map(|f| f.0).sum::<u8>() | op;
    if bits & !known != 0 {
        return None;
    }
    let mut out = vec![];
    if bits & op != 0 {
        out.push((Term::ArpOp(u16::from_be_bytes([i[4], i[5]])), inv & op != 0));
    }
    for (b, a, m, src) in fields.into_iter().filter(|f| bits & f.0 != 0) {
        let (ip, len) = (addr(&i[a..a + 4])?, prefix(&i[m..m + 4]));
        let t = match name.as_str() {
            "arp" => Term::ArpIp(src, ip, len),
            _ => Term::Ip(src, ip, len),
        };
        out.push((t, inv & b != 0));
    }
    Some(out)
}

/// The rule's matches (each with its negation) and verdict code.
fn read(exprs: &[Expr]) -> Option<(Vec<(Term, bool)>, u32)> {
    let (mut terms, mut loaded, mut verdict) = (vec![], None, None);
    for e in exprs {
        match e.name.as_str() {
            "meta" => loaded = Some(Loaded::Meta(e.u32(2)?)),
            "payload" => {
                let (off, len) = (e.u32(3)?, e.u32(4)?);
                loaded = Some(match e.u32(2)? {
                    0 => Loaded::Link(off, len),
                    1 => Loaded::Net(off, len),
                    _ => return None,
                });
            }
            "cmp" => {
                let not = match e.u32(2)? {
                    0 => false,
                    1 => true,
                    _ => return None,
                };
                let arp = terms.contains(&(Term::EtherType(0x0806), false));
                terms.push((term(loaded.take()?, e.value(3)?, arp)?, not));
            }
            "match" => terms.extend(xt_terms(e)?),
            "immediate" if e.u32(1) == Some(0) => verdict = Some(verdict_of(e)?.0),
            "counter" => {}
            _ => return None,
        }
    }
    Some((terms, verdict?))
}

fn mac_words(m: &[u8; 6]) -> String {
    m.map(|b| format!("{b:02x}")).join(":")
}

fn net(a: Ipv4Addr, len: u32) -> String {
    match len {
        32 => a.to_string(),
        n => format!("{a}/{n}"),
    }
}

/// As `nft list` shows the rule (ebtables' own matches as nft's `arp`/`ip` words).
pub(crate) fn nft_words(exprs: &[Expr]) -> Option<String> {
    let (terms, verdict) = read(exprs)?;
    nft_text(&terms, verdict)
}

/// A port's MAC pin: a DROP of the frames in by one port (`iifname`, `-i`) whose source MAC
/// is not the one it names (`ether saddr != M`, `-s ! M`). That MAC.
pub(crate) fn pinned_mac(exprs: &[Expr]) -> Option<String> {
    let (terms, verdict) = read(exprs)?;
    let port = terms.iter().any(|t| matches!(t, (Term::Iif(_), false)));
    let pins: Vec<&[u8; 6]> = terms
        .iter()
        .filter_map(|t| match t {
            (Term::Mac(true, m), true) => Some(m),
            _ => None,
        })
        .collect();
    match (verdict == NF_DROP && port, pins.as_slice()) {
        (true, [m]) => Some(mac_words(m)),
        _ => None,
    }
}

/// The pin (`pinned_mac`) moved to `mac`: the rule's words with it, as `nft` takes them (with
/// its `counter` if it has one) and, in ebtables-nft's own tables, as `ebtables` does.
pub(crate) fn repinned(exprs: &[Expr], mac: [u8; 6], eb: bool) -> Option<String> {
    pinned_mac(exprs)?;
    let (mut terms, verdict) = read(exprs)?;
    for t in terms.iter_mut() {
        if let (Term::Mac(true, m), true) = t {
            *m = mac;
        }
    }
    if eb {
        return eb_text(&terms, verdict);
    }
    let w = nft_text(&terms, verdict)?;
    match exprs.iter().any(|e| e.name == "counter") {
        true => {
            let (head, v) = w.rsplit_once(' ')?;
            Some(format!("{head} counter {v}"))
        }
        false => Some(w),
    }
}

fn nft_text(terms: &[(Term, bool)], verdict: u32) -> Option<String> {
    let mut w: Vec<String> = terms
        .iter()
        .map(|(t, not)| {
            let (key, val) = match t {
                Term::EtherType(0x0806) => ("ether type".into(), "arp".into()),
                Term::EtherType(0x0800) => ("ether type".into(), "ip".into()),
                Term::EtherType(x) => ("ether type".into(), format!("0x{x:04x}")),
                Term::Iif(n) => ("iifname".into(), format!("\"{n}\"")),
                Term::Oif(n) => ("oifname".into(), format!("\"{n}\"")),
                Term::Mac(s, m) => (
                    format!("ether {}addr", if *s { "s" } else { "d" }),
                    mac_words(m),
                ),
                Term::ArpIp(s, a, l) => (
                    format!("arp {}addr ip", if *s { "s" } else { "d" }),
                    net(*a, *l),
                ),
                Term::Ip(s, a, l) => (
                    format!("ip {}addr", if *s { "s" } else { "d" }),
                    net(*a, *l),
                ),
                Term::PktType(t) => ("meta pkttype".into(), pkt_words(*t).0),
                Term::ArpOp(o) => ("arp operation".into(), op_words(*o).0),
            };
            let op = if *not { " != " } else { " " };
            format!("{key}{op}{val}")
        })
        .collect();
    w.push(verdict_word(verdict)?.to_lowercase());
    Some(w.join(" "))
}

/// A pkttype as nft names it and as ebtables does.
fn pkt_words(t: u8) -> (String, String) {
    let (n, e) = match t {
        0 => ("host", "host"),
        1 => ("broadcast", "broadcast"),
        2 => ("multicast", "multicast"),
        3 => ("other", "otherhost"),
        _ => return (t.to_string(), t.to_string()),
    };
    (n.to_string(), e.to_string())
}

/// An ARP operation as nft names it and as ebtables does.
fn op_words(o: u16) -> (String, String) {
    match o {
        1 => ("request".into(), "Request".into()),
        2 => ("reply".into(), "Reply".into()),
        o => (o.to_string(), o.to_string()),
    }
}

fn verdict_word(v: u32) -> Option<&'static str> {
    match v {
        NF_DROP => Some("DROP"),
        NF_ACCEPT => Some("ACCEPT"),
        _ => None,
    }
}

/// As `ebtables -L` shows the rule (a negated match as `-s ! MAC`); `None` when a match is
/// not ebtables' own.
pub(crate) fn ebtables_words(exprs: &[Expr]) -> Option<String> {
    let (terms, verdict) = read(exprs)?;
    eb_text(&terms, verdict)
}

fn eb_text(terms: &[(Term, bool)], verdict: u32) -> Option<String> {
    let mut w = vec![];
    for (t, not) in terms {
        let one = match t {
            Term::EtherType(0x0806) => "-p ARP".to_string(),
            Term::EtherType(0x0800) => "-p IPv4".to_string(),
            Term::EtherType(x) => format!("-p 0x{x:04x}"),
            Term::Iif(n) => format!("-i {n}"),
            Term::Oif(n) => format!("-o {n}"),
            // As ebtables shows it, which `ebtables -D` takes back.
            Term::Mac(false, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) => "-d Broadcast".to_string(),
            Term::Mac(s, m) => format!("-{} {}", if *s { "s" } else { "d" }, mac_words(m)),
            Term::ArpIp(s, a, l) => {
                format!(
                    "--arp-ip-{} {}",
                    if *s { "src" } else { "dst" },
                    net(*a, *l)
                )
            }
            Term::Ip(s, a, l) => format!("--ip-{} {}", if *s { "src" } else { "dst" }, net(*a, *l)),
            Term::PktType(t) => format!("--pkttype-type {}", pkt_words(*t).1),
            Term::ArpOp(o) => format!("--arp-op {}", op_words(*o).1),
        };
        w.push(match (*not, one.split_once(' ')) {
            (true, Some((flag, val))) => format!("{flag} ! {val}"),
            _ => one,
        });
    }
    w.push(format!("-j {}", verdict_word(verdict)?));
    Some(w.join(" "))
}

/// Whether a table is ebtables-nft's own (`bridge filter`, `nat`, `broute`, chains named as
/// ebtables names them).
pub(crate) fn ebtables_own(family: &str, table: &str, chain: &str) -> bool {
    family == "bridge"
        && ["filter", "nat", "broute"].contains(&table)
        && [
            "INPUT",
            "FORWARD",
            "OUTPUT",
            "PREROUTING",
            "POSTROUTING",
            "BROUTING",
        ]
        .contains(&chain)
}

#[cfg(test)]
mod tests {
    use super::super::expr::{cmp, counter, meta, payload, verdict, xt};
    use super::*;

    #[test]
    fn broadcast_and_arp_request_drops_in_words() {
        let pkt = [meta(19), cmp(0, &[1]), verdict(NF_DROP, None)];
        assert_eq!(
            nft_words(&pkt).as_deref(),
            Some("meta pkttype broadcast drop")
        );
        let op = [
            payload(0, 12, 2),
            cmp(0, &[8, 6]),
            payload(1, 6, 2),
            cmp(0, &[0, 1]),
            verdict(NF_DROP, None),
        ];
        let w = nft_words(&op);
        assert_eq!(
            w.as_deref(),
            Some("ether type arp arp operation request drop")
        );
        let bcast = [payload(0, 0, 6), cmp(0, &[0xff; 6]), verdict(NF_DROP, None)];
        assert_eq!(
            ebtables_words(&bcast).as_deref(),
            Some("-d Broadcast -j DROP")
        );
    }

    #[test]
    fn a_port_pin_is_read_and_moved_to_another_mac() {
        let pin = [
            meta(6),
            cmp(0, b"veth2\0"),
            payload(0, 6, 6),
            cmp(1, &[2, 0, 0, 0, 0, 1]),
            counter(),
            verdict(NF_DROP, None),
        ];
        let new = [2, 0, 0, 0, 0, 9];
        assert_eq!(pinned_mac(&pin).as_deref(), Some("02:00:00:00:00:01"));
        assert_eq!(
            ebtables_words(&pin).as_deref(),
            Some("-i veth2 -s ! 02:00:00:00:00:01 -j DROP")
        );
        assert_eq!(
            repinned(&pin, new, true).as_deref(),
            Some("-i veth2 -s ! 02:00:00:00:00:09 -j DROP")
        );
        assert_eq!(
            repinned(&pin, new, false).as_deref(),
            Some("iifname \"veth2\" ether saddr != 02:00:00:00:00:09 counter drop")
        );
        // Without the port, or not negated, it pins nothing.
        assert_eq!(pinned_mac(&pin[2..]), None);
        let mut plain = pin.to_vec();
        plain[3] = cmp(0, &[2, 0, 0, 0, 0, 1]);
        assert_eq!(pinned_mac(&plain), None);
    }

    #[test]
    fn ebtables_pkttype_and_arp_op_in_words() {
        let pkt = [
            xt("match", "pkttype", 0, vec![1, 0, 0, 0, 0, 0, 0, 0]),
            verdict(NF_DROP, None),
        ];
        let w = ebtables_words(&pkt);
        assert_eq!(w.as_deref(), Some("--pkttype-type broadcast -j DROP"));
        let mut i = vec![0u8; 52];
        i[4..6].copy_from_slice(&[0, 1]);
        i[48] = 0x01;
        let op = [
            payload(0, 12, 2),
            cmp(0, &[8, 6]),
            xt("match", "arp", 0, i),
            verdict(NF_DROP, None),
        ];
        let w = ebtables_words(&op);
        assert_eq!(w.as_deref(), Some("-p ARP --arp-op Request -j DROP"));
    }
}
