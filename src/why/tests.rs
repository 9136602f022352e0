//! The analysis on synthetic kernels: no root, no namespaces.

use super::fib::{Fib, FibRoute, FibRule, RuleAction};
use super::fib_lookup;
use super::walk::walk;
use super::*;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::LinkKind;
use crate::sys::Netns;
use std::collections::HashMap;
use std::net::IpAddr;

/// A kernel made of answers: ns1 (10.1.1.2 on veth1) cabled to the host's vethb1 on bridge0
/// (10.1.1.1), the host wired on eth0 (172.31.131.149) to h150 (172.31.131.150).
#[derive(Default)]
struct Fake {
    views: HashMap<Netns, NsView>,
    links: HashMap<Netns, Vec<LinkDetail>>,
    routes: HashMap<(Netns, IpAddr), Result<RouteGet, Refusal>>,
    sysctl: HashMap<Netns, String>,
    chains: HashMap<(Netns, String), Chain>,
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn veth(name: &str, index: u32, peer: u32, peer_ns: &Netns, master: Option<&str>) -> LinkDetail {
    LinkDetail {
        name: name.into(),
        index,
        kind: Some(LinkKind::Veth),
        up: true,
        carrier: true,
        master: master.map(str::to_string),
        peer_index: Some(peer),
        peer_ns: Some(peer_ns.clone()),
        vxlan: None,
        macvlan_mode: None,
        macvlan_bcqueuelen: None,
        macvlan_bcqueuelen_used: None,
        macvlan_sources: vec![],
    }
}

impl Fake {
    fn lab() -> Fake {
        let (ns1, host, h150) = (Netns::named("ns1"), Netns::Root, Netns::named("h150"));
        let mut f = Fake::default();
        let view = |a: &[(&str, &str)]| NsView {
            addrs: a
                .iter()
                .map(|(l, n)| (l.to_string(), n.parse().unwrap()))
                .collect(),
            ..NsView::default()
        };
        f.views
            .insert(ns1.clone(), view(&[("veth1", "10.1.1.2/24")]));
        let hv = view(&[("bridge0", "10.1.1.1/24"), ("eth0", "172.31.131.149/24")]);
        f.views.insert(host.clone(), hv);
        f.views
            .insert(h150.clone(), view(&[("eth0", "172.31.131.150/24")]));
        f.links
            .insert(ns1.clone(), vec![veth("veth1", 2, 3, &host, None)]);
        let mut br = veth("bridge0", 5, 0, &host, None);
        br.kind = Some(LinkKind::Bridge);
        br.peer_index = None;
        f.links.insert(
            host.clone(),
            vec![
                veth("vethb1", 3, 2, &ns1, Some("bridge0")),
                br,
                veth("eth0", 6, 2, &h150, None),
            ],
        );
        f.links
            .insert(h150.clone(), vec![veth("eth0", 2, 6, &host, None)]);
        let rg = |dev: &str, via: Option<&str>, src: &str| {
            Ok(RouteGet {
                dev: dev.into(),
                via: via.map(ip),
                src: Some(ip(src)),
                ..RouteGet::default()
            })
        };
        let lan = ip("172.31.131.150");
        f.routes
            .insert((ns1, lan), rg("veth1", Some("10.1.1.1"), "10.1.1.2"));
        f.routes
            .insert((host.clone(), lan), rg("eth0", None, "172.31.131.149"));
        f.routes.insert(
            (h150, ip("172.31.131.149")),
            rg("eth0", None, "172.31.131.150"),
        );
        f.routes.insert(
            (host.clone(), ip("10.1.1.2")),
            rg("bridge0", None, "10.1.1.1"),
        );
        f.sysctl.insert(host.clone(), "1".into());
        f.chains.insert(
            (host.clone(), "filter FORWARD".into()),
            Chain::parse("-P FORWARD ACCEPT\n"),
        );
        f.chains.insert(
            (host, "nat POSTROUTING".into()),
            Chain::parse(
                "-P POSTROUTING ACCEPT\n-A POSTROUTING -s 10.1.1.0/24 ! -o bridge0 -j MASQUERADE\n",
            ),
        );
        f
    }
}

impl Kernel for Fake {
    fn namespaces(&mut self) -> Vec<Netns> {
        let mut v: Vec<Netns> = self.views.keys().cloned().collect();
        v.sort();
        v
    }
    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.views.get(ns).cloned()
    }
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        self.links.get(ns).cloned().unwrap_or_default()
    }
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        let r = self.routes.get(&(ns.clone(), q.dst)).cloned();
        r.unwrap_or_else(|| Err(Refusal::words("Network is unreachable")))
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        // Not modelled (the kernel's defaults hold): the TTL, the neighbour probes.
        if key == "net.ipv4.ip_default_ttl" || key.starts_with("net.ipv4.neigh.") {
            return None;
        }
        Some(self.sysctl.get(ns).cloned().unwrap_or_else(|| "0".into()))
    }
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.chains
            .get(&(ns.clone(), format!("{table} {chain}")))
            .cloned()
    }
}

fn why(f: &mut Fake) -> Report {
    walk(f, &Netns::named("ns1"), ip("172.31.131.150"))
}

#[test]
fn the_articles_path_is_clear() {
    let r = why(&mut Fake::lab());
    assert_eq!(r.verdict(), "verdict: clear", "{}", r.render());
    assert!(r
        .hops
        .iter()
        .any(|h| h.text == "POSTROUTING MASQUERADE: source 10.1.1.2 becomes 172.31.131.149"));
}

#[test]
fn no_route_names_the_likely_gateway() {
    let mut f = Fake::lab();
    f.routes.clear();
    let r = why(&mut f);
    assert_eq!(
        r.broken.as_deref(),
        Some("ns1 has no route to 172.31.131.150 (Network is unreachable)")
    );
    assert_eq!(
        r.fix.as_deref(),
        Some(r#"ns1.route("default", "10.1.1.1")"#)
    );
}

#[test]
fn a_router_that_does_not_forward() {
    let mut f = Fake::lab();
    f.sysctl.clear();
    let r = why(&mut f);
    assert_eq!(
        r.verdict(),
        "verdict: blocked — host does not forward: net.ipv4.ip_forward is 0"
    );
    assert_eq!(r.fix.as_deref(), Some("ip_forward(true)"));
}

#[test]
fn without_nat_the_reply_has_no_way_back() {
    let mut f = Fake::lab();
    f.chains
        .insert((Netns::Root, "nat POSTROUTING".into()), Chain::default());
    let r = why(&mut f);
    assert_eq!(
        r.broken.as_deref(),
        Some("h150 has no route back to 10.1.1.2 (Network is unreachable)")
    );
    // The route through the neighbour towards the source; NAT only as the other way.
    assert_eq!(
        r.fix.as_deref(),
        Some(r#"h150.route("10.1.1.0/24", "172.31.131.149")"#)
    );
    assert_eq!(
        r.other_way.as_deref(),
        Some(r#"masquerade(#{ src: "10.1.1.0/24", out: "!bridge0" })"#)
    );
}

#[test]
fn a_down_peer_is_named_on_its_side() {
    let mut f = Fake::lab();
    f.links.get_mut(&Netns::Root).unwrap()[0].up = false;
    let r = why(&mut f);
    assert_eq!(
        r.broken.as_deref(),
        Some("vethb1 in host (the other end of veth1 in ns1) is down")
    );
    assert_eq!(r.fix.as_deref(), Some(r#"link("vethb1").up()"#));
}

#[test]
fn a_loop_is_named_once_with_its_members() {
    let mut f = Fake::lab();
    let far = ip("10.9.9.9");
    let rg = |dev: &str, via: &str, src: &str| {
        Ok(RouteGet {
            dev: dev.into(),
            via: Some(ip(via)),
            src: Some(ip(src)),
            ..RouteGet::default()
        })
    };
    let (ns1, host, h150) = (Netns::named("ns1"), Netns::Root, Netns::named("h150"));
    f.routes
        .insert((ns1.clone(), far), rg("veth1", "10.1.1.1", "10.1.1.2"));
    f.routes.insert(
        (host.clone(), far),
        rg("eth0", "172.31.131.150", "172.31.131.149"),
    );
    f.routes.insert(
        (h150.clone(), far),
        rg("eth0", "172.31.131.149", "172.31.131.150"),
    );
    f.sysctl.insert(h150, "1".into());
    let r = walk(&mut f, &ns1, far);
    assert_eq!(
        r.broken.as_deref(),
        Some("10.9.9.9 loops between h150 and host until its TTL runs out: h150 sends it back to host via 172.31.131.149"),
        "{}",
        r.render()
    );
    assert_eq!(r.hops.iter().filter(|h| !h.ok).count(), 1);
}

#[test]
fn policy_rules_are_walked_as_the_kernel_walks_them() {
    let net = |s: &str| s.parse().unwrap();
    let rule = |priority, src: Option<&str>, action, table| FibRule {
        priority,
        src: src.map(net),
        action,
        table,
        ..FibRule::default()
    };
    let route = |table, dst: &str, kind| FibRoute {
        table,
        dst: net(dst),
        kind,
        via: None,
        dev: None,
        metric: None,
        hops: vec![],
        src: None,
        scope: 0,
    };
    let fib = Fib {
        rules: vec![
            rule(0, None, RuleAction::Lookup, 255),
            rule(100, Some("10.0.0.0/24"), RuleAction::Lookup, 100),
            rule(101, Some("10.0.0.0/24"), RuleAction::Prohibit, 0),
            rule(32766, None, RuleAction::Lookup, 254),
        ],
        routes: vec![route(254, "10.0.3.0/24", RouteKind::Unicast)],
    };
    let q = |src: &str| Lookup {
        src: Some(ip(src)),
        iif: Some("left".into()),
        ..Lookup::to(ip("10.0.3.2"))
    };
    let d = fib_lookup::decide(&fib, &q("10.0.0.1"));
    assert_eq!(
        d.rule.as_ref().map(|r| r.text()).as_deref(),
        Some("101: from 10.0.0.0/24 prohibit")
    );
    assert_eq!(fib_lookup::kind(&d), Some(RouteKind::Prohibit));
    let empty: Vec<String> = d.empty.iter().map(|r| r.text()).collect();
    assert_eq!(
        empty,
        [
            "0: from all lookup local",
            "100: from 10.0.0.0/24 lookup 100"
        ]
    );
    let d = fib_lookup::decide(&fib, &q("10.0.5.1"));
    assert_eq!(d.route.map(|r| r.text()).as_deref(), Some("10.0.3.0/24"));
}
