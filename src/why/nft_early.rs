//! nftables chains that see a frame before IP does: a `netdev` table's ingress chain on the
//! link it arrives by (request or reply), and, through `bridge_family`, a `bridge` table's
//! chains where a bridge switches it. Their rules are run against the probe
//! (`foreign_judge`): a rule that surely drops it is the break, one that may is a `[?]` line.

use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::rule_match::Seen;
use super::words::call;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::{Frame, Judged};
use crate::sys::Netns;
use std::net::IpAddr;

/// The probe as a foreign chain sees it (an ICMP echo or the TCP segment asked about).
pub(crate) fn frame(s: &Seen) -> Frame {
    let v4 = s.src.is_ipv4();
    let request = s.icmp_type == 8;
    let (proto, l4) = match (s.tcp_port, s.udp_dport) {
        (_, Some(p)) => (
            17,
            [vec![None, None], p.to_be_bytes().map(Some).to_vec()].concat(),
        ),
        (Some(p), _) => {
            let port = p.to_be_bytes().map(Some).to_vec();
            match request {
                true => (6, [vec![None, None], port].concat()),
                false => (6, [port, vec![None, None]].concat()),
            }
        }
        (None, None) => {
            let ty = match (v4, request) {
                (true, _) => s.icmp_type,
                (false, true) => 128,
                (false, false) => 129,
            };
            (if v4 { 1 } else { 58 }, vec![Some(ty), Some(0)])
        }
    };
    Frame {
        src: s.src,
        dst: s.dst,
        proto,
        l4,
        iif: s.in_dev.clone(),
        oif: s.out_dev.clone(),
        arp: None,
        ether: [None; 12],
        pkttype: None,
    }
}

/// The packet (`request` or its reply) from `src` to `dst` arriving on `dev` in `ns`, as a
/// rule there judges it.
pub(crate) fn seen_at(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    (src, dst): (IpAddr, IpAddr),
    request: bool,
) -> Seen {
    let p = Packet {
        in_dev: Some(dev.to_string()),
        out_dev: String::new(),
        src,
        dst,
        state: if request { "NEW" } else { "ESTABLISHED" },
    };
    p.seen(k, ns)
}

/// The netdev chains of `ns` on `dev` at `hook` (0 ingress, 1 egress), in the kernel's order.
pub(crate) fn netdev_chains(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    hook: u32,
) -> Vec<ForeignChain> {
    let mut c: Vec<ForeignChain> = k
        .foreign(ns)
        .into_iter()
        .filter(|c| c.family == "netdev" && c.hook == hook && c.devices.iter().any(|d| d == dev))
        .collect();
    c.sort_by_key(|c| c.priority);
    c
}

/// The first of `chains` that drops (or may drop) the frame: (chain, rule handle, sure).
pub(crate) fn first_drop(
    chains: &[ForeignChain],
    f: &Frame,
) -> Option<(ForeignChain, Option<u64>, bool)> {
    chains.iter().find_map(|c| match c.judge(f) {
        Judged::Passes => None,
        Judged::Drops { by, sure } => Some((c.clone(), by, sure)),
    })
}

/// `host's nftables chain `netdev f in` (hook ingress on s3-eth3, priority 0)`, what drops
/// (`rule handle 2`, `policy drop`), and the fix: the rule deleted, or (a drop policy) this
/// flow, its replies and ARP accepted first.
pub(crate) fn words(
    ns: &Netns,
    c: &ForeignChain,
    by: Option<u64>,
    f: &Frame,
) -> (String, String, String) {
    let on = match c.devices.as_slice() {
        [] => String::new(),
        d => format!(" on {}", d.join(", ")),
    };
    let head = format!(
        "{ns}'s nftables chain `{}` (hook {}{on}, priority {})",
        c.path(),
        c.hook_word(),
        c.priority
    );
    let exec = |cmd: String| call(ns, &format!("sh(\"{cmd}\")"));
    match by {
        Some(h) => (
            head,
            format!("rule handle {h}"),
            exec(format!("nft delete rule {} handle {h}", c.path())),
        ),
        None => {
            let ip = if f.src.is_ipv4() { "ip" } else { "ip6" };
            let accept = |a: IpAddr, b: IpAddr| {
                exec(format!(
                    "nft insert rule {} {ip} saddr {a} {ip} daddr {b} accept",
                    c.path()
                ))
            };
            let arp = exec(format!(
                "nft insert rule {} ether type arp accept",
                c.path()
            ));
            (
                head,
                "policy drop".to_string(),
                format!("{arp}; {}; {}", accept(f.src, f.dst), accept(f.dst, f.src)),
            )
        }
    }
}

/// What the probe is, for the words: `the echo request from A to B`.
pub(crate) fn what(s: &Seen) -> String {
    let kind = match (s.tcp_port.is_some(), s.icmp_type == 8) {
        (true, true) => "the TCP SYN",
        (true, false) => "the TCP reply",
        (false, true) => "the echo request",
        (false, false) => "the echo reply",
    };
    format!("{kind} from {} to {}", s.src, s.dst)
}

/// The frame `s` arriving on `dev` in `ns`: its netdev ingress chains. False (said in `r`)
/// when one surely drops it; one that may is a `[?]` line, left to the probe.
pub(crate) fn ingress(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, dev: &str, s: &Seen) -> bool {
    let chains = netdev_chains(k, ns, dev, 0);
    if chains.is_empty() {
        return true;
    }
    let f = frame(s);
    let Some((c, by, sure)) = first_drop(&chains, &f) else {
        return true;
    };
    let (chain, rule, fix) = words(ns, &c, by, &f);
    let what = what(s);
    if let (true, Some(to)) = (sure, super::nft_fwd::fwd_to(k, ns, &c, by)) {
        let cause = format!(
            "{chain} forwards {what} arriving on {dev} to {to} ({rule}): it never reaches {ns}'s stack"
        );
        r.block(ns, cause, Some(fix));
        return false;
    }
    if sure {
        let cause = format!("{chain} drops {what} arriving on {dev} ({rule})");
        r.block(ns, cause, Some(fix));
        return false;
    }
    r.unsure(
        ns,
        format!("{chain} may drop {what} arriving on {dev} ({rule}: not understood, may match)"),
    );
    true
}

/// For the evidence: the netdev ingress chain on `dev` in `ns` that drops or may drop `s`
/// (a packet seen arriving there, never going on): (cause, fix).
pub(crate) fn ingress_cause(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    s: &Seen,
) -> Option<(String, String)> {
    let chains = netdev_chains(k, ns, dev, 0);
    let f = frame(s);
    let (c, by, sure) = first_drop(&chains, &f)?;
    let (chain, rule, fix) = words(ns, &c, by, &f);
    let verb = match (sure, super::nft_fwd::fwd_to(k, ns, &c, by)) {
        (true, Some(to)) => format!("forwards to {to}"),
        (true, None) => "drops".to_string(),
        (false, _) => "may drop".to_string(),
    };
    Some((format!("{chain} {verb} it on {dev} ({rule})"), fix))
}
