//! The packet evidence on synthetic sightings: no root, no namespaces. The lab is a chain
//! ns1 (eth0 10.0.0.1) — r1 (left 10.0.0.2, right 10.0.1.1) — d (eth0 10.0.1.2), and a bridge
//! br0 in the host with ports p1 (to ns1) and p2, p3 (to d and x) for the layer-2 cases.

use super::evidence::{summary, trails, vanished, Evidence, Vanished};
use super::link_l2::LinkL2;
use super::report::Report;
use super::watch::overrule;
use super::*;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::{LinkKind, Netns};
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Default)]
struct Lab {
    views: HashMap<Netns, NsView>,
    links: HashMap<Netns, Vec<LinkDetail>>,
    neigh: HashMap<(Netns, String), String>,
    chains: HashMap<(Netns, String), Chain>,
    sysctl: HashMap<(Netns, String), String>,
    arp_off: Vec<(Netns, String)>,
    qdiscs: HashMap<(Netns, String), (String, &'static str)>,
    /// Each link's MAC, by namespace: (link, mac).
    macs: HashMap<Netns, Vec<(String, String)>>,
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn n(s: &str) -> Netns {
    if s == "host" {
        Netns::Root
    } else {
        Netns::named(s)
    }
}

fn link(name: &str, index: u32, kind: LinkKind, peer: Option<(u32, &str)>) -> LinkDetail {
    LinkDetail {
        name: name.into(),
        index,
        kind: Some(kind),
        up: true,
        carrier: true,
        peer_index: peer.map(|p| p.0),
        peer_ns: peer.map(|p| n(p.1)),
        ..LinkDetail::default()
    }
}

impl Lab {
    fn addrs(&mut self, ns: &str, a: &[(&str, &str)]) {
        let v = NsView {
            addrs: a
                .iter()
                .map(|(l, x)| (l.to_string(), x.parse().unwrap()))
                .collect(),
            ..NsView::default()
        };
        self.views.insert(n(ns), v);
    }

    /// ns1 — r1 — d, veths: ns1 eth0 (2) ↔ r1 left (2); r1 right (3) ↔ d eth0 (2).
    fn chain() -> Lab {
        let mut l = Lab::default();
        l.addrs("ns1", &[("eth0", "10.0.0.1/24")]);
        l.addrs("r1", &[("left", "10.0.0.2/24"), ("right", "10.0.1.1/24")]);
        l.addrs("d", &[("eth0", "10.0.1.2/24")]);
        l.links.insert(
            n("ns1"),
            vec![link("eth0", 2, LinkKind::Veth, Some((2, "r1")))],
        );
        l.links.insert(
            n("r1"),
            vec![
                link("left", 2, LinkKind::Veth, Some((2, "ns1"))),
                link("right", 3, LinkKind::Veth, Some((2, "d"))),
            ],
        );
        l.links.insert(
            n("d"),
            vec![link("eth0", 2, LinkKind::Veth, Some((3, "r1")))],
        );
        l
    }

    /// ns1 and d on br0 in the host (ports p1, p2), and x on p3.
    fn lan() -> Lab {
        let mut l = Lab::default();
        l.addrs("ns1", &[("eth0", "10.0.1.1/24")]);
        l.addrs("d", &[("eth0", "10.0.1.2/24")]);
        l.addrs("x", &[("eth0", "10.0.1.3/24")]);
        for (ns, i) in [("ns1", 1), ("d", 2), ("x", 3)] {
            l.links.insert(
                n(ns),
                vec![link("eth0", 2, LinkKind::Veth, Some((10 + i, "host")))],
            );
        }
        let mut ports = vec![link("br0", 5, LinkKind::Bridge, None)];
        for (ns, i) in [("ns1", 1), ("d", 2), ("x", 3)] {
            let mut p = link(&format!("p{i}"), 10 + i, LinkKind::Veth, Some((2, ns)));
            p.master = Some("br0".into());
            ports.push(p);
        }
        l.links.insert(Netns::Root, ports);
        l
    }
}

impl Kernel for Lab {
    fn namespaces(&mut self) -> Vec<Netns> {
        let mut v: Vec<Netns> = self.links.keys().cloned().collect();
        v.sort();
        v
    }
    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.views.get(ns).cloned()
    }
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        self.links.get(ns).cloned().unwrap_or_default()
    }
    /// r1 routes 10.0.1.0/24 out of right and 10.0.0.0/24 out of left; ns1 and d through r1.
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        let to_d = matches!(q.dst, IpAddr::V4(a) if a.octets()[2] == 1);
        let (dev, via) = match (ns.to_string().as_str(), to_d) {
            ("r1", true) => ("right", None),
            ("r1", false) => ("left", None),
            ("ns1", _) => ("eth0", Some(ip("10.0.0.2"))),
            _ => ("eth0", Some(ip("10.0.1.1"))),
        };
        Ok(RouteGet {
            dev: dev.into(),
            via,
            ..RouteGet::default()
        })
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.sysctl.get(&(ns.clone(), key.to_string())).cloned()
    }
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        let c = self.chains.get(&(ns.clone(), format!("{table} {chain}")));
        Some(c.cloned().unwrap_or_default())
    }
    fn neighbour(&mut self, ns: &Netns, dev: &str, _ip: IpAddr) -> Option<String> {
        self.neigh.get(&(ns.clone(), dev.to_string())).cloned()
    }
    fn arp_off(&mut self, ns: &Netns, dev: &str) -> bool {
        self.arp_off.contains(&(ns.clone(), dev.to_string()))
    }
    fn qdiscs(&mut self, ns: &Netns, dev: &str) -> Vec<(String, &'static str)> {
        let q = self.qdiscs.get(&(ns.clone(), dev.to_string()));
        q.map(|(k, at)| vec![(k.clone(), *at)]).unwrap_or_default()
    }
    fn l2(&mut self, ns: &Netns) -> Vec<LinkL2> {
        let macs = self.macs.get(ns).cloned().unwrap_or_default();
        macs.into_iter()
            .map(|(name, mac)| LinkL2 {
                name,
                mac: Some(mac),
                ..LinkL2::default()
            })
            .collect()
    }
}

/// `ns dev out|in|other`, request (`>`) or reply (`<`), from 10.0.0.1 to 10.0.1.2 (or back).
fn seen(spec: &[&str]) -> Vec<Sighting> {
    spec.iter()
        .map(|s| {
            let w: Vec<&str> = s.split_whitespace().collect();
            let reply = w[0] == "<";
            let (a, b) = (ip("10.0.0.1"), ip("10.0.1.2"));
            Sighting {
                ns: n(w[1]),
                dev: w[2].into(),
                out: w[3] == "out",
                reply,
                other_host: w[3] == "other",
                mac: Some("02:00:00:00:00:99".into()),
                from_mac: None,
                src: if reply { b } else { a },
                dst: if reply { a } else { b },
                vxlan: None,
                seq: 0,
            }
        })
        .collect()
}

fn all() -> Vec<Netns> {
    ["ns1", "r1", "d", "host", "x"].map(n).to_vec()
}

fn evidence(lab: &mut Lab, spec: &[&str]) -> Evidence {
    trails(lab, &seen(spec), &all(), &n("ns1")).unwrap()
}

fn verdict(lab: &mut Lab, spec: &[&str]) -> Option<Vanished> {
    let ev = evidence(lab, spec);
    vanished(lab, &ev, &n("ns1"), ip("10.0.1.2"), false)
}

const HEALTHY: [&str; 8] = [
    "> ns1 eth0 out",
    "> r1 left in",
    "> r1 right out",
    "> d eth0 in",
    "< d eth0 out",
    "< r1 right in",
    "< r1 left out",
    "< ns1 eth0 in",
];

#[test]
fn a_healthy_probe_is_seen_all_the_way_and_back() {
    let mut lab = Lab::chain();
    let ev = evidence(&mut lab, &HEALTHY);
    let lines: Vec<String> = std::iter::once(&ev.request)
        .chain(ev.reply.as_ref())
        .filter_map(summary)
        .map(|(at, l)| format!("{at}: {l}"))
        .collect();
    assert_eq!(
        lines,
        [
            "d: the request was seen at ns1 (out eth0), r1 (in left, out right), d (in eth0): it reached d",
            "ns1: the reply was seen at d (out eth0), r1 (in right, out left), ns1 (in eth0): it reached ns1",
        ]
    );
    assert_eq!(
        vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), true),
        None
    );
}

#[test]
fn a_request_that_a_router_never_sends_on_is_pinned_there() {
    let mut lab = Lab::chain();
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(v.ns, n("r1"));
    assert_eq!(
        v.cause,
        "the request arrived in r1 on left but never left on right: dropped inside r1 by nothing \
         netsh reads (no route, neighbour or iptables rule explains it: look at tc, nftables or \
         XDP there)"
    );
    assert_eq!(v.fix, None);
}

#[test]
fn a_mangle_drop_where_the_request_vanished_is_named_with_its_removal() {
    let mut lab = Lab::chain();
    let rule = Chain::parse("-P PREROUTING ACCEPT\n-A PREROUTING -p icmp -j DROP\n");
    lab.chains
        .insert((n("r1"), "mangle PREROUTING".into()), rule);
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(
        v.cause,
        "the request arrived in r1 on left but never left on right: r1 drops it by \
         `-t mangle -A PREROUTING -p icmp -j DROP`"
    );
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"r1.sh("iptables -t mangle -D PREROUTING -p icmp -j DROP")"#)
    );
}

#[test]
fn a_rule_whose_match_cannot_be_judged_is_named_as_uncertain() {
    let mut lab = Lab::chain();
    let rule = Chain::parse("-A PREROUTING -p icmp -m statistic --mode nth --every 2 -j DROP\n");
    lab.chains.insert((n("r1"), "raw PREROUTING".into()), rule);
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(
        v.cause,
        "the request arrived in r1 on left but never left on right: r1 may drop it by \
         `-t raw -A PREROUTING -p icmp -m statistic --mode nth --every 2 -j DROP` (a match netsh \
         cannot judge)"
    );
}

#[test]
fn a_silent_next_hop_is_named_where_the_request_stopped() {
    let mut lab = Lab::chain();
    lab.neigh.insert((n("r1"), "right".into()), "FAILED".into());
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(
        v.cause,
        "the request arrived in r1 on left but never left on right: 10.0.1.2 does not answer ARP \
         on right (neighbour FAILED)"
    );
}

#[test]
fn a_request_lost_on_a_cable_names_both_ends() {
    let mut lab = Lab::chain();
    let v = verdict(&mut lab, &HEALTHY[..3]).unwrap();
    assert_eq!(
        (v.ns, v.cause.as_str()),
        (
            n("r1"),
            "the request left r1 on right but never arrived on d's eth0"
        )
    );
}

#[test]
fn a_wrong_static_mac_is_named_at_the_sender() {
    let mut lab = Lab::chain();
    lab.neigh
        .insert((n("r1"), "right".into()), "PERMANENT".into());
    let v = verdict(
        &mut lab,
        &[HEALTHY[0], HEALTHY[1], HEALTHY[2], "> d eth0 other"],
    )
    .unwrap();
    assert_eq!(
        v.cause,
        "the request reached d on eth0 addressed to 02:00:00:00:00:99, not d's MAC, so d ignores \
         it: r1's static neighbour entry for 10.0.1.2 on right gives the wrong MAC"
    );
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"r1.sh("ip neigh del 10.0.1.2 dev right")"#)
    );
}

#[test]
fn arp_off_on_the_senders_link_is_named() {
    let mut lab = Lab::chain();
    // `ip neigh` hides an entry that is NOARP alone: the link's flag says it.
    lab.arp_off.push((n("r1"), "right".into()));
    let v = verdict(
        &mut lab,
        &[HEALTHY[0], HEALTHY[1], HEALTHY[2], "> d eth0 other"],
    )
    .unwrap();
    assert!(v
        .cause
        .ends_with("right in r1 has ARP off, so r1 sends to 10.0.1.2 without asking its MAC"));
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"r1.sh("ip link set right arp on")"#)
    );
}

#[test]
fn a_bridge_that_sends_to_the_wrong_port_is_named_with_its_fdb_entry() {
    let mut lab = Lab::lan();
    // d's MAC, behind p2: the entry on p3 is wrong.
    lab.macs
        .insert(n("d"), vec![("eth0".into(), "02:00:00:00:00:99".into())]);
    let spec = [
        "> ns1 eth0 out",
        "> host p1 in",
        "> host p3 out",
        "> x eth0 other",
    ];
    let v = verdict(&mut lab, &spec).unwrap();
    assert_eq!(v.ns, Netns::Root);
    assert_eq!(
        v.cause,
        "the request reached x on eth0 addressed to 02:00:00:00:00:99, not x's MAC, so x ignores \
         it: br0 in host sent it out of p3, where its forwarding database (bridge fdb) puts \
         02:00:00:00:00:99"
    );
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"sh("bridge fdb del 02:00:00:00:00:99 dev p3 master")"#)
    );
}

/// The same frame for a MAC nobody holds (a pinned entry for a host whose MAC changed): the
/// FDB's old entry is not the fault (the sender's entry is: tests/why_arp_mac.rs, round H B7).
#[test]
fn a_frame_for_a_mac_nobody_holds_does_not_blame_the_fdb() {
    let mut lab = Lab::lan();
    let spec = [
        "> ns1 eth0 out",
        "> host p1 in",
        "> host p3 out",
        "> x eth0 other",
    ];
    let v = verdict(&mut lab, &spec).unwrap();
    assert!(!v.cause.contains("bridge fdb"), "{}", v.cause);
    assert!(!v.fix.unwrap_or_default().contains("fdb"));
}

#[test]
fn a_bridged_lan_is_followed_through_the_ports() {
    let mut lab = Lab::lan();
    let spec = [
        "> ns1 eth0 out",
        "> host p1 in",
        "> host p2 out",
        "> d eth0 in",
        "< d eth0 out",
        "< host p2 in",
    ];
    let ev = evidence(&mut lab, &spec);
    let (at, line) = summary(ev.reply.as_ref().unwrap()).unwrap();
    assert_eq!(
        (at.to_string(), line.as_str()),
        (
            "host".into(),
            "the reply was seen at d (out eth0), host (in p2): last seen in host"
        )
    );
    let v = vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false).unwrap();
    assert!(
        v.cause
            .starts_with("the reply arrived in host on p2 but never left"),
        "{}",
        v.cause
    );
}

#[test]
fn a_reply_lost_on_the_way_back_is_pinned_at_the_router() {
    let mut lab = Lab::chain();
    let rule = Chain::parse("-A FORWARD -s 10.0.1.2/32 -p icmp -j DROP\n");
    lab.chains.insert((n("r1"), "mangle FORWARD".into()), rule);
    let v = verdict(&mut lab, &HEALTHY[..6]).unwrap();
    assert_eq!(
        v.cause,
        "the reply arrived in r1 on right but never left on left: r1 drops it by \
         `-t mangle -A FORWARD -s 10.0.1.2/32 -p icmp -j DROP`"
    );
}

#[test]
fn a_destination_that_ignores_echoes_is_named() {
    let mut lab = Lab::chain();
    lab.sysctl
        .insert((n("d"), "net.ipv4.icmp_echo_ignore_all".into()), "1".into());
    let v = verdict(&mut lab, &HEALTHY[..4]).unwrap();
    assert_eq!(
        v.cause,
        "the request reached d on eth0, but d sent no reply: net.ipv4.icmp_echo_ignore_all is 1"
    );
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"d.sysctl("net.ipv4.icmp_echo_ignore_all", 0)"#)
    );
}

#[test]
fn a_trail_into_an_unwatched_namespace_concludes_nothing() {
    let mut lab = Lab::chain();
    let ev = trails(
        &mut lab,
        &seen(&HEALTHY[..3]),
        &[n("ns1"), n("r1")],
        &n("ns1"),
    )
    .unwrap();
    assert_eq!(
        vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false),
        None
    );
}

#[test]
fn an_analysis_contradicted_by_the_packets_is_overruled() {
    let mut lab = Lab::chain();
    let ev = evidence(&mut lab, &HEALTHY[..4]);
    let v = vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false).unwrap();
    assert_eq!(v.ns, n("d"));
    let mut r = Report::default();
    r.block(
        &n("r1"),
        "r1's FORWARD chain drops left → right",
        Some("x".into()),
    );
    overrule(&mut r, &ev, v.clone());
    assert_eq!(r.broken.as_deref(), Some(v.cause.as_str()));
    let texts: Vec<(bool, &str)> = r.hops.iter().map(|h| (h.ok, h.text.as_str())).collect();
    assert_eq!(
        texts[1],
        (
            true,
            "the analysis thought: r1's FORWARD chain drops left → right; but the request passed r1"
        )
    );
    assert!(!r.hops[2].ok);
    // When the packets vanished where the analysis blamed, the analysis stands.
    let mut r = Report::default();
    r.block(&n("r1"), "r1's FORWARD chain drops left → right", None);
    let ev = evidence(&mut lab, &HEALTHY[..2]);
    let v = vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false).unwrap();
    overrule(&mut r, &ev, v);
    assert_eq!(
        r.broken.as_deref(),
        Some("r1's FORWARD chain drops left → right")
    );
}

#[test]
fn a_qdisc_on_the_way_out_is_named_where_the_request_stopped() {
    let mut lab = Lab::chain();
    lab.qdiscs
        .insert((n("r1"), "right".into()), ("pfifo".into(), "root"));
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(
        v.cause,
        "the request arrived in r1 on left but never left on right: right in r1 has a tc qdisc \
         pfifo (root), which may drop or delay it"
    );
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"r1.sh("tc qdisc del dev right root")"#)
    );
    // An ingress filter on the link it came in on: the qdisc that holds it is removed.
    let mut lab = Lab::chain();
    lab.qdiscs
        .insert((n("r1"), "left".into()), ("clsact".into(), "ingress"));
    let v = verdict(&mut lab, &HEALTHY[..2]).unwrap();
    assert_eq!(
        v.fix.as_deref(),
        Some(r#"r1.sh("tc qdisc del dev left clsact")"#)
    );
}

#[test]
fn a_bridge_port_toward_an_unwatched_namespace_is_astray() {
    let mut lab = Lab::lan();
    lab.macs
        .insert(n("d"), vec![("eth0".into(), "02:00:00:00:00:99".into())]);
    let spec = ["> ns1 eth0 out", "> host p1 in", "> host p3 out"];
    let watched = [n("ns1"), Netns::Root, n("d")];
    let ev = trails(&mut lab, &seen(&spec), &watched, &n("ns1")).unwrap();
    let v = vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false).unwrap();
    assert_eq!(
        v.cause,
        "the request for 02:00:00:00:00:99 left host on p3 toward x's eth0, off its path: br0 in \
         host sent it out of p3, where its forwarding database (bridge fdb) puts 02:00:00:00:00:99"
    );
}

#[test]
fn a_bridge_entry_toward_a_macvlans_parent_is_never_blamed() {
    // The frame's MAC is a macvlan in m whose parent is x's eth0, behind p3: the bridge's
    // entry for it on p3 is what learning put there, whatever became of the frame after.
    let mut lab = Lab::lan();
    let mut mv = link("eth0", 2, LinkKind::Other("macvlan".into()), Some((2, "x")));
    mv.macvlan_mode = Some("source".into());
    lab.links.insert(n("m"), vec![mv]);
    lab.macs
        .insert(n("m"), vec![("eth0".into(), "02:00:00:00:00:99".into())]);
    let spec = ["> ns1 eth0 out", "> host p1 in", "> host p3 out"];
    let watched = [n("ns1"), Netns::Root, n("d")];
    let ev = trails(&mut lab, &seen(&spec), &watched, &n("ns1")).unwrap();
    let v = vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false).unwrap();
    assert_eq!(
        v.cause,
        "the request for 02:00:00:00:00:99 left host on p3 toward x's eth0, off its path"
    );
    assert_eq!(v.fix, None);
    // With m on the path, the frame went the right way toward its parent: no conclusion.
    let watched = [n("ns1"), Netns::Root, n("d"), n("m")];
    let ev = trails(&mut lab, &seen(&spec), &watched, &n("ns1")).unwrap();
    assert_eq!(
        vanished(&mut lab, &ev, &n("ns1"), ip("10.0.1.2"), false),
        None
    );
}
