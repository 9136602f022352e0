//! A router on a tunnel's underlay whose firewall drops the outer UDP datagrams: its FORWARD
//! (or raw, mangle) chains judged for them as it forwards them, `-m realm` included (the realm
//! its route tags them with, RTA_FLOW). A drop by the realm of a route is fixed at the route
//! (the tag is what put the tunnel in a quarantined realm); any other, at the rule.

use super::drops::{drops_seen, Path};
use super::fib::{table_name, TABLE_MAIN};
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::Lookup;
use super::rule_match::Seen;
use crate::sys::Netns;
use std::net::IpAddr;

/// The outer datagram at one router: what it is called, its VTEP addresses and UDP port.
pub(crate) struct Datagram<'a> {
    pub(crate) what: &'a str,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) dport: u16,
    /// The packets back from the far VTEP.
    pub(crate) back: bool,
}

/// The narrow ACCEPT for `d` in front of a chain whose policy drops it (the firewall stays):
/// in and out by its links, to the tunnel's UDP port.
fn narrow_fix(
    cur: &Netns,
    table: &str,
    chain: &str,
    d: &Datagram,
    links: (Option<&str>, &str),
) -> String {
    let prog = if d.dst.is_ipv6() {
        "ip6tables"
    } else {
        "iptables"
    };
    let t = match table {
        "filter" => String::new(),
        t => format!("-t {t} "),
    };
    let mut m = String::new();
    if let (Some(i), false) = (links.0, chain == "OUTPUT" || chain == "POSTROUTING") {
        m += &format!(" -i {i}");
    }
    if chain != "PREROUTING" && chain != "INPUT" {
        m += &format!(" -o {}", links.1);
    }
    exec(
        cur,
        &format!(
            "{prog} {t}-I {chain} 1{m} -p udp --dport {} -j ACCEPT",
            d.dport
        ),
    )
}

/// Why a stateful chain drops the packets back: the conntrack entry of the packets out does
/// not take them as replies, their source port being a hash.
fn stateful_words(
    k: &mut dyn Kernel,
    cur: &Netns,
    table: &str,
    chain: &str,
    d: &Datagram,
) -> String {
    let c = match d.dst {
        IpAddr::V4(_) => k.chain(cur, table, chain),
        IpAddr::V6(_) => k.chain6(cur, table, chain),
    };
    let stateful = c.is_some_and(|c| {
        c.rules
            .iter()
            .any(|x| x.contains("ESTABLISHED") && x.ends_with("-j ACCEPT"))
    });
    if d.back && stateful {
        " (VXLAN's source port is a hash of the inner flow, so the packets back are not replies to the conntrack entry of the packets out)".into()
    } else {
        String::new()
    }
}

/// `realm 7`, or `realms 3/7` with a source realm, as `ip route` prints them.
fn realm_words(r: u32) -> String {
    match r >> 16 {
        0 => format!("realm {}", r & 0xffff),
        s => format!("realms {s}/{}", r & 0xffff),
    }
}

/// Whether router `cur` lets `d` through (in and out by `links`, looked up by `q`, its route
/// tagging it with `realm`); the rule or policy that drops it is named in `r`.
pub(crate) fn outer_passes(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    d: &Datagram,
    (in_dev, out_dev): (Option<&str>, &str),
    (q, realm): (&Lookup, Option<u32>),
) -> bool {
    let seen = Seen {
        in_dev: in_dev.map(str::to_string),
        out_dev: Some(out_dev.to_string()),
        src: d.src,
        dst: d.dst,
        icmp_type: 8,
        state: "NEW",
        dst_local: false,
        src_local: false,
        udp_dport: Some(d.dport),
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire: super::wire::Wire {
            sock: super::wire::Sock::Forwarded,
            realm: Some(realm.unwrap_or(0)),
            ..Default::default()
        },
    };
    let found = drops_seen(k, cur, Path::Forward, &seen);
    let Some(drop) = found.into_iter().find(|x| x.sure) else {
        return true;
    };
    let what = d.what;
    let by_realm = drop.rule.as_deref().is_some_and(|s| s.contains("--realm"));
    let route = decide(&k.fib(cur), q).route;
    match (realm.filter(|r| *r != 0 && by_realm), route) {
        (Some(tag), Some(rt)) => {
            let table = match rt.table {
                TABLE_MAIN => String::new(),
                t => format!(" table {}", table_name(t)),
            };
            r.block(
                cur,
                format!(
                    "{cur} drops {what} by {}: its route `{}` tags them with {}",
                    drop.text(),
                    rt.text(),
                    realm_words(tag)
                ),
                Some(exec(cur, &format!("ip route replace {}{table}", rt.text()))),
            );
        }
        // A policy that drops is left in place: an ACCEPT for the tunnel's datagrams only.
        _ if drop.rule.is_none() => {
            let (table, chain) = (drop.table, drop.chain.clone());
            let why = stateful_words(k, cur, table, &chain, d);
            let prog = if d.dst.is_ipv6() { "ip6tables " } else { "" };
            r.block(
                cur,
                format!("{cur} drops {what} by {prog}{}{why}", drop.text()),
                Some(narrow_fix(cur, table, &chain, d, (in_dev, out_dev))),
            );
        }
        // An IPv6 underlay's datagrams meet ip6tables' rules, and are freed there.
        _ if d.dst.is_ipv6() => r.block(
            cur,
            format!("{cur} drops {what} by ip6tables {}", drop.text()),
            Some(drop.fix_by(cur, "ip6tables")),
        ),
        _ => r.block(
            cur,
            format!("{cur} drops {what} by {}", drop.text()),
            Some(drop.fix(cur)),
        ),
    }
    false
}
