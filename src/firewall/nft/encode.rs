//! The typed rule → the expressions iptables-nft 1.8.9 writes for it, in its order: interfaces,
//! protocol, addresses (meta and payload, as iptables-nft does), then the `-m` matches in the
//! rule's order, a counter, and the verdict or target. Ports and ICMP types go in the x_tables
//! `tcp`/`udp`/`icmp` matches rather than the payload form 1.8.9 writes: iptables 1.8.7 lists the
//! payload form without its ports, and every version reads the x_tables form as its own.

use super::expr::*;
use super::model::*;
use super::xt;

/// A rule's expressions and its NFTA_RULE_COMPAT protocol (what x_tables matches check `-p`
/// against).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Encoded {
    pub(crate) exprs: Vec<Expr>,
    pub(crate) proto: u32,
    pub(crate) proto_inverted: bool,
}

fn op(not: bool) -> u32 {
    if not {
        NFT_CMP_NEQ
    } else {
        NFT_CMP_EQ
    }
}

fn iface(key: u32, n: &Neg<String>) -> [Expr; 2] {
    // "br0" is compared with its NUL; "eth+" is the prefix "eth".
    let bytes = match n.v.strip_suffix('+') {
        Some(prefix) => prefix.as_bytes().to_vec(),
        None => super::wire::cstring(&n.v),
    };
    [meta(key), cmp(op(n.not), &bytes)]
}

fn addr(offset: u32, n: &Neg<ipnet::Ipv4Net>) -> Vec<Expr> {
    let len = n.v.prefix_len();
    let octets = n.v.network().octets();
    if len.is_multiple_of(8) {
        let bytes = (len / 8) as usize;
        return vec![
            payload(NFT_PAYLOAD_NETWORK_HEADER, offset, bytes as u32),
            cmp(op(n.not), &octets[..bytes]),
        ];
    }
    vec![
        payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4),
        bitwise(&n.v.netmask().octets()),
        cmp(op(n.not), &octets),
    ]
}

fn matches(m: &Match) -> Expr {
    match m {
        Match::Comment(c) => xt("match", "comment", 0, xt::comment(c)),
        Match::Conntrack(c) => xt("match", "conntrack", 3, xt::conntrack(c)),
        Match::Tcp(p) => xt("match", "tcp", 0, xt::ports(p, true)),
        Match::Udp(p) => xt("match", "udp", 0, xt::ports(p, false)),
        Match::Icmp(i) => xt("match", "icmp", 0, xt::icmp(i)),
        Match::Addrtype(a) => xt("match", "addrtype", 1, xt::addrtype(a)),
    }
}

fn target(t: &Target) -> Expr {
    match t {
        Target::Accept => verdict(NF_ACCEPT, None),
        Target::Drop => verdict(NF_DROP, None),
        Target::Return => verdict(NFT_RETURN, None),
        Target::Jump(c) => verdict(NFT_JUMP, Some(c)),
        Target::Goto(c) => verdict(NFT_GOTO, Some(c)),
        Target::Reject(with) => xt("target", "REJECT", 0, xt::reject(*with)),
        Target::Masquerade(p) => xt("target", "MASQUERADE", 0, xt::nat_v0(None, *p)),
        Target::Redirect(p) => xt("target", "REDIRECT", 0, xt::nat_v0(None, *p)),
        Target::Snat(to) => xt(
            "target",
            "SNAT",
            0,
            xt::nat_v0(Some((to.lo, to.hi)), to.ports),
        ),
        Target::Dnat(to) => xt("target", "DNAT", 2, xt::nat_range2(to)),
    }
}

pub(crate) fn encode(s: &Spec) -> Encoded {
    let mut e = vec![];
    if let Some(n) = &s.iif {
        e.extend(iface(NFT_META_IIFNAME, n));
    }
    if let Some(n) = &s.oif {
        e.extend(iface(NFT_META_OIFNAME, n));
    }
    if let Some(p) = &s.proto {
        e.push(meta(NFT_META_L4PROTO));
        e.push(cmp(op(p.not), &[p.v]));
    }
    if let Some(n) = &s.src {
        e.extend(addr(12, n));
    }
    if let Some(n) = &s.dst {
        e.extend(addr(16, n));
    }
    e.extend(s.matches.iter().map(matches));
    e.push(counter());
    e.extend(s.target.iter().map(target));
    Encoded {
        exprs: e,
        proto: s.proto.as_ref().map(|p| p.v as u32).unwrap_or(0),
        proto_inverted: s.proto.as_ref().is_some_and(|p| p.not),
    }
}
