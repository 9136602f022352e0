//! The judge on a simulated kernel, no root: one row per verdict and per refusal of each op
//! family, with the exact words a script's author reads.

use super::{Problem, World};
use crate::firewall::Rule;
use crate::plan::observe::{FdbEntry, Observe};
use crate::plan::op::{LinkSpec, Op, OpKind};
use crate::plan::simulated::Simulated;
use crate::plan::verdict::Verdict::{self, Adopted, Change, Create, Unchanged};
use crate::plan::view::{LinkView, NsView, RouteView};
use crate::plan::vxlan::VxlanSpec;
use crate::sys::{At, Failure, LinkKind, Netns, ObjectKey};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// A kernel of answers: `Simulated` (as the backends without a kernel keep it), plus what those
/// cannot answer: whether a kernel is behind it, and sysctl values.
#[derive(Default)]
struct Kernel {
    sim: Simulated,
    live: bool,
    sysctls: HashMap<(Netns, String), String>,
}

/// Judging only reads: the fake kernel answers `Observe` and nothing else.
impl Observe for Kernel {
    fn is_live(&self) -> bool {
        self.live
    }
    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure> {
        Ok(self.sim.named.clone())
    }
    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure> {
        Ok(self.sim.observe(ns))
    }
    fn read_sysctl(&mut self, ns: &Netns, key: &str) -> Result<Option<String>, Failure> {
        Ok(self.sysctls.get(&(ns.clone(), key.to_string())).cloned())
    }
    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure> {
        Ok(self.sim.rule_exists(ns, rule))
    }
    fn rules(&mut self, ns: &Netns) -> Result<Vec<crate::firewall::Listed>, Failure> {
        Ok(self.sim.rules(ns))
    }
    fn fw_chain(
        &mut self,
        ns: &Netns,
        table: &str,
        chain: &str,
    ) -> Result<Option<crate::firewall::chain::Chain>, Failure> {
        Ok(self.sim.fw_chain(ns, table, chain))
    }
    fn fdb(&mut self, ns: &Netns) -> Result<Vec<FdbEntry>, Failure> {
        Ok(self.sim.fdb.get(ns).cloned().unwrap_or_default())
    }
}

const HOST: Netns = Netns::Root;

fn ns(n: &str) -> Netns {
    Netns::named(n)
}

fn net(s: &str) -> ipnet::IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn link(kind: Option<&str>, up: bool, mtu: u32) -> LinkView {
    LinkView {
        kind: kind.map(LinkKind::from_kernel),
        up,
        mtu,
        ..LinkView::default()
    }
}

fn tagged(l: LinkView, tag: &str) -> LinkView {
    LinkView {
        alias: Some(tag.into()),
        ..l
    }
}

/// `filter FORWARD` with these words after the chain.
fn forward(words: &str) -> Rule {
    Rule {
        table: "filter".into(),
        chain: "FORWARD".into(),
        args: words.split(' ').map(str::to_string).collect(),
    }
}

const ZERO_MAC: &str = "00:00:00:00:00:00";

/// The kernel every row starts from. Host: eth0 (172.31.131.149/24, no kind), bridge br0
/// (10.1.1.1/24, up) with port vethb1, whose peer is veth1 (10.1.1.2/24) in ns1; vxlan vx1
/// (VNI 42, one FDB remote); vxlan vx2 and veth vethx of unknown VNI and peer; routes to
/// 10.9/16 via a gateway, 10.8/16 by device, 10.7/16 by neither; lab's and someone else's
/// rules in filter FORWARD (policy ACCEPT), and a user chain DOCKER; ip_forward 1. ns2 exists, empty. Bridges brl (tagged netsh:lab,
/// this lab's) and bro (tagged netsh:other); namespace labns, whose lo carries netsh:lab.
fn lab() -> Kernel {
    let mut k = Kernel::default();
    k.sim.named = ["ns1", "ns2", "h150", "h150.ns2", "labns"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut host = NsView::fresh();
    let links = [
        ("eth0", link(None, true, 1500)),
        ("br0", link(Some("bridge"), true, 1500)),
        (
            "vethb1",
            LinkView {
                master: Some("br0".into()),
                peer: Some((ns("ns1"), "veth1".into())),
                ..link(Some("veth"), true, 1500)
            },
        ),
        (
            "vx1",
            LinkView {
                vni: Some(42),
                ..link(Some("vxlan"), false, 1450)
            },
        ),
        ("vx2", link(Some("vxlan"), false, 1450)),
        ("vethx", link(Some("veth"), false, 1500)),
        ("brl", tagged(link(Some("bridge"), true, 1500), "netsh:lab")),
        (
            "bro",
            tagged(link(Some("bridge"), true, 1500), "netsh:other"),
        ),
    ];
    for (name, l) in links {
        host.links.insert(name.into(), l);
    }
    host.addrs = vec![
        ("eth0".into(), net("172.31.131.149/24")),
        ("br0".into(), net("10.1.1.1/24")),
    ];
    let route = |dst: &str, via: Option<&str>, dev: Option<&str>| RouteView {
        dst: net(dst),
        via: via.map(ip),
        dev: dev.map(str::to_string),
    };
    host.routes = vec![
        route("10.9.0.0/16", Some("172.31.131.1"), Some("eth0")),
        route("10.8.0.0/16", None, Some("eth0")),
        route("10.7.0.0/16", None, None),
    ];
    let mut ns1 = NsView::fresh();
    let veth1 = LinkView {
        peer: Some((HOST, "vethb1".into())),
        ..link(Some("veth"), true, 1500)
    };
    ns1.links.insert("veth1".into(), veth1);
    ns1.addrs = vec![("veth1".into(), net("10.1.1.2/24"))];
    k.sim.views.insert(HOST, host);
    k.sim.views.insert(ns("ns1"), ns1);
    let mut labns = NsView::fresh();
    labns.links.get_mut("lo").unwrap().alias = Some("netsh:lab".into());
    k.sim.views.insert(ns("labns"), labns);
    let fdb = (
        "vx1".to_string(),
        ZERO_MAC.to_string(),
        ip("172.31.131.150"),
    );
    k.sim.fdb.insert(HOST, vec![fdb]);
    let rules = vec![
        forward("-i br0 -j ACCEPT").tagged("lab"),
        forward("-i eth0 -j DROP"),
    ];
    k.sim.rules.insert(HOST, rules);
    let chains = [
        (("filter".into(), "FORWARD".into()), Some("ACCEPT".into())),
        (("filter".into(), "DOCKER".into()), None),
    ];
    k.sim.chains.insert(HOST, chains.into_iter().collect());
    for n in [HOST, ns("ns3")] {
        k.sysctls
            .insert((n, "net.ipv4.ip_forward".into()), "1".into());
    }
    k
}

// Ops, as the DSL records them after coalescing.

fn netns_add(name: &str) -> OpKind {
    OpKind::NetnsAdd { name: name.into() }
}

fn netns_del(name: &str) -> OpKind {
    OpKind::NetnsDel { name: name.into() }
}

fn link_add(ns: Netns, name: &str, kind: LinkSpec) -> OpKind {
    OpKind::LinkAdd {
        ns,
        name: name.into(),
        kind,
        master: None,
        up: false,
        mtu: None,
    }
}

fn bridge(ns: Netns, name: &str) -> OpKind {
    link_add(ns, name, LinkSpec::Bridge)
}

fn veth(ns: Netns, name: &str, peer_ns: Netns, peer: &str) -> OpKind {
    let peer = peer.into();
    link_add(ns, name, LinkSpec::Veth { peer, peer_ns })
}

fn vxlan(name: &str, id: u32, dev: Option<&str>) -> OpKind {
    let dev = dev.map(str::to_string);
    link_add(
        HOST,
        name,
        LinkSpec::Vxlan(VxlanSpec {
            id,
            dev,
            ..VxlanSpec::default()
        }),
    )
}

/// A `LinkAdd` with its master, up and mtu.
fn with(op: OpKind, m: Option<&str>, u: bool, t: Option<u32>) -> OpKind {
    match op {
        OpKind::LinkAdd { ns, name, kind, .. } => OpKind::LinkAdd {
            ns,
            name,
            kind,
            master: m.map(str::to_string),
            up: u,
            mtu: t,
        },
        _ => unreachable!(),
    }
}

fn require(ns: Netns, name: &str) -> OpKind {
    OpKind::LinkRequire {
        ns,
        name: name.into(),
    }
}

fn set_ns(name: &str, from: Netns, to: Netns) -> OpKind {
    OpKind::LinkSetNs {
        ns: from,
        name: name.into(),
        to,
    }
}

fn set_master(ns: Netns, name: &str, master: Option<&str>) -> OpKind {
    let master = master.map(str::to_string);
    OpKind::LinkSetMaster {
        ns,
        name: name.into(),
        master,
    }
}

fn set_up(ns: Netns, name: &str, up: bool) -> OpKind {
    OpKind::LinkSetUp {
        ns,
        name: name.into(),
        up,
    }
}

fn set_mtu(ns: Netns, name: &str, mtu: u32) -> OpKind {
    OpKind::LinkSetMtu {
        ns,
        name: name.into(),
        mtu,
    }
}

fn link_del(ns: Netns, name: &str, peer: Option<(Netns, &str)>) -> OpKind {
    let peer = peer.map(|(n, p)| (n, p.to_string()));
    OpKind::LinkDel {
        ns,
        name: name.into(),
        peer,
    }
}

fn addr_add(ns: Netns, link: &str, addr: &str) -> OpKind {
    OpKind::AddrAdd {
        ns,
        link: link.into(),
        addr: net(addr),
    }
}

fn addr_del(ns: Netns, link: &str, addr: &str) -> OpKind {
    OpKind::AddrDel {
        ns,
        link: link.into(),
        addr: net(addr),
    }
}

fn route_add(ns: Netns, dst: &str, via: Option<&str>, dev: Option<&str>) -> OpKind {
    let (dst, via, dev) = (net(dst), via.map(ip), dev.map(str::to_string));
    OpKind::RouteAdd { ns, dst, via, dev }
}

fn route_del(ns: Netns, dst: &str) -> OpKind {
    OpKind::RouteDel {
        ns,
        dst: net(dst),
        via: None,
        dev: None,
    }
}

fn fdb_add(ns: Netns, dev: &str, dst: &str) -> OpKind {
    let (dev, mac, dst) = (dev.into(), ZERO_MAC.into(), ip(dst));
    OpKind::FdbAdd { ns, dev, mac, dst }
}

fn fdb_del(ns: Netns, dev: &str, dst: &str) -> OpKind {
    let (dev, mac, dst) = (dev.into(), ZERO_MAC.into(), ip(dst));
    OpKind::FdbDel { ns, dev, mac, dst }
}

fn rule_add(ns: Netns, rule: Rule) -> OpKind {
    OpKind::RuleAdd {
        ns,
        rule,
        insert: None,
    }
}

fn policy(ns: Netns, chain: &str, policy: &str) -> OpKind {
    let (table, chain, policy) = ("filter".into(), chain.into(), policy.into());
    OpKind::Policy {
        ns,
        table,
        chain,
        policy,
    }
}

fn chain_add(ns: Netns, chain: &str) -> OpKind {
    let (table, chain) = ("filter".into(), chain.into());
    OpKind::ChainAdd { ns, table, chain }
}

fn chain_del(ns: Netns, chain: &str) -> OpKind {
    let (table, chain) = ("filter".into(), chain.into());
    OpKind::ChainDel { ns, table, chain }
}

fn rule_del(ns: Netns, rule: Rule) -> OpKind {
    OpKind::RuleDel { ns, rule }
}

fn sysctl(ns: Netns, value: &str) -> OpKind {
    let (key, value) = ("net.ipv4.ip_forward".into(), value.into());
    OpKind::Sysctl { ns, key, value }
}

/// What a row expects.
enum Want {
    /// The op itself is sent.
    Apply(Verdict),
    /// Nothing is sent.
    Nothing(Verdict),
    /// These requests are sent instead of the op.
    Steps(Verdict, Vec<OpKind>),
    Conflict(&'static str, &'static str),
    Missing(&'static str, &'static str),
    /// Deleting what the lab did not make.
    NotOwned(&'static str, &'static str),
}
use Want::*;

struct Case {
    name: &'static str,
    /// Judged first, in the same flush; each must be accepted.
    before: Vec<OpKind>,
    op: OpKind,
    /// The journal says this lab made the op's object.
    owned: bool,
    /// Other objects the journal says this lab made.
    made: Vec<ObjectKey>,
    /// The script said `#{ adopted: true }`.
    adopted: bool,
    live: bool,
    want: Want,
}

fn case(name: &'static str, op: OpKind, want: Want) -> Case {
    Case {
        name,
        before: vec![],
        op,
        owned: false,
        made: vec![],
        adopted: false,
        live: false,
        want,
    }
}

impl Case {
    fn after(mut self, ops: Vec<OpKind>) -> Case {
        self.before = ops;
        self
    }
    fn owned(mut self) -> Case {
        self.owned = true;
        self
    }
    fn live(mut self) -> Case {
        self.live = true;
        self
    }
    fn made(mut self, keys: &[&str]) -> Case {
        self.made = keys.iter().map(|k| k.parse().unwrap()).collect();
        self
    }
    fn adopted(mut self) -> Case {
        self.adopted = true;
        self
    }
}

/// A verdict or a refusal, comparable.
#[derive(Debug, PartialEq)]
enum Outcome {
    Judged(Verdict, Vec<OpKind>),
    Refused(&'static str, String, String),
    Kernel(Failure),
}

fn expected(c: &Case) -> Outcome {
    let refused = |code, m: &str, h: &str| Outcome::Refused(code, m.into(), h.into());
    match &c.want {
        Apply(v) => Outcome::Judged(*v, vec![c.op.clone()]),
        Nothing(v) => Outcome::Judged(*v, vec![]),
        Steps(v, s) => Outcome::Judged(*v, s.clone()),
        Conflict(m, h) => refused("netsh::conflict", m, h),
        NotOwned(m, h) => refused("netsh::not-owned", m, h),
        Missing(m, h) => refused("netsh::missing", m, h),
    }
}

fn judged(c: &Case) -> Outcome {
    let mut kernel = lab();
    kernel.live = c.live;
    let key = c.op.object_key();
    let owned = |k: &ObjectKey| c.owned && key.as_ref() == Some(k) || c.made.contains(k);
    let mut world = World::new(&mut kernel).tagged(Some("netsh:lab".into()));
    let op = |kind: &OpKind| Op::new(kind.clone(), At::default());
    for b in &c.before {
        assert!(
            world.judge(&op(b), &owned).is_ok(),
            "{}: {b:?} refused",
            c.name
        );
    }
    let asked = Op {
        del_adopted: c.adopted,
        ..op(&c.op)
    };
    match world.judge(&asked, &owned) {
        Ok(j) => Outcome::Judged(j.verdict, j.steps),
        Err(Problem::Refused(r)) => Outcome::Refused(r.code, r.message, r.help.unwrap_or_default()),
        Err(Problem::Kernel(f)) => Outcome::Kernel(f),
    }
}

const NO_NS: (&str, &str) = (
    "namespace ghost does not exist",
    "create it first with ns(\"ghost\")",
);
const HOST_HINT: &str = "create it first, or check its name with links()";

fn no_eth9() -> Want {
    Missing("there is no link eth9 on host", HOST_HINT)
}
const NS1_HINT: &str = "create it first, or check its name with ns(\"ns1\").links()";

fn netns_cases() -> Vec<Case> {
    vec![
        case("netns: new", netns_add("ns3"), Apply(Create)),
        case("netns: someone else's", netns_add("ns1"), Nothing(Adopted)),
        case("netns: the lab's", netns_add("ns1"), Nothing(Unchanged)).owned(),
        case(
            "netns: a new one is empty and read from nowhere",
            bridge(ns("ns3"), "br0"),
            Apply(Create),
        )
        .after(vec![netns_add("ns3")]),
        case("netns del: the lab's", netns_del("ns1"), Apply(Change)).made(&["netns ns1"]),
        case(
            "netns del: not there",
            netns_del("ghost"),
            Nothing(Unchanged),
        ),
        case(
            "netns del: nothing can be put in it afterwards",
            addr_add(ns("ns1"), "veth1", "10.1.1.3/24"),
            Missing(
                "namespace ns1 does not exist",
                "create it first with ns(\"ns1\")",
            ),
        )
        .after(vec![netns_del("ns1")])
        .made(&["netns ns1"]),
    ]
}

fn bridge_cases() -> Vec<Case> {
    let bridge_in = |m| with(bridge(HOST, "br1"), Some(m), false, None);
    vec![
        case("bridge: new", bridge(HOST, "br1"), Apply(Create)),
        case(
            "bridge: someone else's, as asked",
            with(bridge(HOST, "br0"), None, true, None),
            Nothing(Adopted),
        ),
        case("bridge: the lab's, as asked", bridge(HOST, "br0"), Nothing(Unchanged)).owned(),
        case(
            "bridge: in a missing namespace",
            bridge(ns("ghost"), "br1"),
            Missing(NO_NS.0, NO_NS.1),
        ),
        case(
            "bridge: the name is a device without a kind",
            bridge(HOST, "eth0"),
            Conflict(
                "eth0 already exists on host but is a device without a kind (physical or loopback), not a bridge",
                "pick another name, or delete the existing eth0 first",
            ),
        ),
        case(
            "bridge: its master is missing",
            bridge_in("br9"),
            Missing(
                "there is no bridge br9 on host",
                "create it first with bridge(\"br9\") on host",
            ),
        ),
        case(
            "bridge: its master is not a bridge",
            bridge_in("eth0"),
            Conflict(
                "eth0 on host is a device without a kind (physical or loopback), not a bridge",
                "a link can only be enslaved to a bridge: pass a bridge(...)",
            ),
        ),
    ]
}

fn vxlan_cases() -> Vec<Case> {
    vec![
        case(
            "vxlan: only what differs is set",
            with(vxlan("vx1", 42, Some("eth0")), Some("br0"), true, Some(1400)),
            Steps(
                Adopted,
                vec![
                    set_master(HOST, "vx1", Some("br0")),
                    set_mtu(HOST, "vx1", 1400),
                    set_up(HOST, "vx1", true),
                ],
            ),
        ),
        case("vxlan: new", vxlan("vx9", 7, Some("eth0")), Apply(Create)),
        case(
            "vxlan: found, the view takes its master",
            set_master(HOST, "vx1", Some("br0")),
            Nothing(Unchanged),
        )
        .after(vec![with(vxlan("vx1", 42, None), Some("br0"), true, None)]),
        case(
            "vxlan: found, the view takes up",
            set_up(HOST, "vx1", true),
            Nothing(Unchanged),
        )
        .after(vec![with(vxlan("vx1", 42, None), Some("br0"), true, None)]),
        case(
            "vxlan: its dev is missing",
            vxlan("vx9", 7, Some("eth9")),
            Missing(
                "cannot create vxlan vx9: its dev eth9 does not exist on host",
                "dev is the underlay link the tunnel leaves by: create eth9 first (wire(...)), or name an existing link of host",
            ),
        ),
        case(
            "vxlan: another VNI",
            vxlan("vx1", 43, None),
            Conflict(
                "vx1 already exists on host with VNI 42, not 43",
                "pick another name, or delete the existing vx1 first",
            ),
        ),
        case(
            "vxlan: another VNI than one made earlier in the plan",
            vxlan("vx9", 8, None),
            Conflict(
                "vx9 already exists on host with VNI 7, not 8",
                "pick another name, or delete the existing vx9 first",
            ),
        )
        .after(vec![vxlan("vx9", 7, None)]),
        case("vxlan: VNI unknown", vxlan("vx2", 43, None), Nothing(Adopted)),
        case(
            "vxlan: the name is a bridge",
            vxlan("br0", 42, None),
            Conflict(
                "br0 already exists on host but is a bridge, not a vxlan",
                "pick another name, or delete the existing br0 first",
            ),
        ),
    ]
}

fn veth_cases() -> Vec<Case> {
    vec![
        case("veth: new", veth(HOST, "v1", ns("ns2"), "v2"), Apply(Create)),
        case(
            "veth: its peer is made with it",
            addr_add(ns("ns2"), "v2", "10.2.2.2/24"),
            Apply(Create),
        )
        .after(vec![veth(HOST, "v1", ns("ns2"), "v2")]),
        case(
            "veth: the pair as it stands",
            with(veth(HOST, "vethb1", ns("ns1"), "veth1"), Some("br0"), true, None),
            Nothing(Adopted),
        ),
        case(
            "veth: its peer is another",
            veth(HOST, "vethb1", ns("ns1"), "veth9"),
            Conflict(
                "vethb1 already exists on host, but its peer is veth1 on ns1, not veth9 on ns1",
                "delete the existing vethb1, or name the veth pair as it stands",
            ),
        ),
        case(
            "veth: peer unknown, and no veth of its name where asked",
            veth(HOST, "vethx", ns("ns2"), "vethy"),
            Conflict(
                "vethx already exists on host, but its peer vethy is not on ns2",
                "delete the existing vethx, or name the veth pair as it stands",
            ),
        ),
        case(
            "veth: the peer's name is taken",
            veth(HOST, "v1", HOST, "eth0"),
            Conflict(
                "cannot create veth v1 ↔ eth0: eth0 already exists on host (it is a device without a kind (physical or loopback))",
                "pick another peer name, or delete eth0 on host first",
            ),
        ),
        case(
            "veth: the peer's namespace is missing",
            veth(HOST, "v1", ns("ghost"), "v2"),
            Missing(NO_NS.0, NO_NS.1),
        ),
    ]
}

fn link_set_cases() -> Vec<Case> {
    vec![
        case("require: assumed without a kernel", require(HOST, "eth9"), Apply(Adopted)),
        case("require: there, without a kernel", require(HOST, "eth0"), Nothing(Adopted)),
        case("require: there", require(HOST, "eth0"), Nothing(Adopted)).live(),
        case("require: missing", require(HOST, "eth9"), no_eth9()).live(),
        case(
            "require: missing in a simulated host's namespace, hinted as the DSL names it",
            require(ns("h150.ns2"), "eth9"),
            Missing(
                "there is no link eth9 on h150.ns2",
                "create it first, or check its name with host(\"h150\").ns(\"ns2\").links()",
            ),
        )
        .live(),
        case(
            "require: missing in a namespace",
            require(ns("ns1"), "eth9"),
            Missing("there is no link eth9 on ns1", NS1_HINT),
        )
        .live(),
        case("set_ns: moved", set_ns("eth0", HOST, ns("ns2")), Apply(Change)),
        case("set_ns: already there", set_ns("veth1", HOST, ns("ns1")), Nothing(Unchanged)),
        case(
            "set_ns: the address is free once moved",
            addr_add(HOST, "br0", "172.31.131.149/24"),
            Apply(Create),
        )
        .after(vec![set_ns("eth0", HOST, ns("ns2"))]),
        case(
            "set_ns: its peer learns where it went",
            veth(ns("ns1"), "veth1", ns("ns2"), "vethb1"),
            Nothing(Adopted),
        )
        .after(vec![require(ns("ns1"), "veth1"), set_ns("vethb1", HOST, ns("ns2"))]),
        case(
            "set_ns: the name is taken there",
            set_ns("lo", HOST, ns("ns1")),
            Conflict(
                "cannot move lo into ns1: ns1 already has a lo (a device without a kind (physical or loopback))",
                "rename one of them, or delete lo on ns1 first",
            ),
        ),
        case(
            "set_ns: missing",
            set_ns("eth9", HOST, ns("ns1")),
            Missing("cannot move eth9 into ns1: there is no link eth9 on host", HOST_HINT),
        ),
        case("master: set", set_master(HOST, "vx1", Some("br0")), Apply(Change)),
        case("master: removed", set_master(HOST, "vethb1", None), Apply(Change)),
        case("master: as it is", set_master(HOST, "vethb1", Some("br0")), Nothing(Unchanged)),
        case(
            "master: the link is missing",
            set_master(ns("ns1"), "eth9", Some("br0")),
            Missing("there is no link eth9 on ns1", NS1_HINT),
        ),
        case(
            "master: not a bridge",
            set_master(HOST, "vx1", Some("vethb1")),
            Conflict(
                "vethb1 on host is a veth, not a bridge",
                "a link can only be enslaved to a bridge: pass a bridge(...)",
            ),
        ),
        case("up: set", set_up(HOST, "vx1", true), Apply(Change)),
        case("up: as it is", set_up(HOST, "br0", true), Nothing(Unchanged)),
        case("up: missing", set_up(HOST, "eth9", true), no_eth9()),
        case("mtu: set", set_mtu(HOST, "vx1", 1400), Apply(Change)),
        case("mtu: as it is", set_mtu(HOST, "vx1", 1450), Nothing(Unchanged)),
        case("mtu: missing", set_mtu(HOST, "eth9", 1400), no_eth9()),
        case("del: the lab's", link_del(HOST, "vx1", None), Apply(Change)).made(&["link host/vx1"]),
        case("del: not there", link_del(HOST, "eth9", None), Nothing(Unchanged)),
        case(
            "del: the peer goes too",
            set_up(ns("ns1"), "veth1", false),
            Missing("there is no link veth1 on ns1", NS1_HINT),
        )
        .after(vec![link_del(HOST, "vethb1", None)])
        .made(&["link host/vethb1"]),
        case(
            "del: a named peer in a missing namespace is gone already",
            link_del(HOST, "vethx", Some((ns("ghost"), "vethy"))),
            Apply(Change),
        )
        .made(&["link host/vethx"]),
        case(
            "del: its addresses go",
            addr_add(HOST, "eth0", "10.1.1.1/24"),
            Apply(Create),
        )
        .after(vec![link_del(HOST, "br0", None)])
        .made(&["link host/br0"]),
        case(
            "del: its ports lose their master",
            set_master(HOST, "vethb1", None),
            Nothing(Unchanged),
        )
        .after(vec![link_del(HOST, "br0", None)])
        .made(&["link host/br0"]),
        case(
            "del: its routes go",
            route_add(HOST, "10.8.0.0/16", None, Some("br0")),
            Apply(Create),
        )
        .after(vec![link_del(HOST, "eth0", None)])
        .made(&["link host/eth0"]),
    ]
}

fn addr_cases() -> Vec<Case> {
    vec![
        case(
            "addr: new",
            addr_add(HOST, "eth0", "192.168.5.1/24"),
            Apply(Create),
        ),
        case(
            "addr: someone else's",
            addr_add(HOST, "br0", "10.1.1.1/24"),
            Nothing(Adopted),
        ),
        case(
            "addr: the lab's",
            addr_add(HOST, "br0", "10.1.1.1/24"),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "addr: held by another link",
            addr_add(HOST, "eth0", "10.1.1.1/24"),
            Conflict(
                "cannot add 10.1.1.1/24 to eth0 on host: br0 already holds 10.1.1.1/24",
                "pick another address, or remove it from br0 first (.del_addr(\"10.1.1.1/24\"))",
            ),
        ),
        case(
            "addr: the same IP with another prefix",
            addr_add(HOST, "br0", "10.1.1.1/16"),
            Conflict(
                "cannot add 10.1.1.1/16 to br0 on host: br0 already holds 10.1.1.1/24",
                "pick another address, or remove it from br0 first (.del_addr(\"10.1.1.1/24\"))",
            ),
        ),
        case(
            "addr: the link is missing",
            addr_add(ns("ns1"), "eth9", "10.1.1.9/24"),
            Missing("there is no link eth9 on ns1", NS1_HINT),
        ),
        case(
            "addr del: the lab's",
            addr_del(HOST, "br0", "10.1.1.1/24"),
            Apply(Change),
        )
        .made(&["addr host/br0/10.1.1.1/24"]),
        case(
            "addr del: not there",
            addr_del(HOST, "eth0", "10.1.1.1/24"),
            Nothing(Unchanged),
        ),
    ]
}

const VIA_GW: &str =
    "cannot add route 10.9.0.0/16 on host: it already routes 10.9.0.0/16 via 172.31.131.1";

fn route_cases() -> Vec<Case> {
    let exists = |held: &'static str| {
        Conflict(
            held,
            "delete the existing route first (.del_route(...)), or pick another destination",
        )
    };
    vec![
        case("route: new", route_add(HOST, "10.5.0.0/16", Some("10.1.1.2"), None), Apply(Create)),
        case(
            "route: gateway on a subnet added earlier in the plan",
            route_add(ns("ns2"), "0.0.0.0/0", Some("10.2.2.1"), None),
            Apply(Create),
        )
        .after(vec![
            veth(ns("ns2"), "v2", HOST, "v1"),
            addr_add(ns("ns2"), "v2", "10.2.2.2/24"),
        ]),
        case(
            "route: someone else's (any dev)",
            route_add(HOST, "10.9.0.0/16", Some("172.31.131.1"), None),
            Nothing(Adopted),
        ),
        case(
            "route: the lab's",
            route_add(HOST, "10.9.0.0/16", Some("172.31.131.1"), Some("eth0")),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "route: the dev is missing",
            route_add(HOST, "10.5.0.0/16", None, Some("eth9")),
            no_eth9(),
        ),
        case(
            "route: the gateway is on no attached subnet",
            route_add(ns("ns2"), "0.0.0.0/0", Some("10.1.1.1"), None),
            Conflict(
                "cannot add route default via 10.1.1.1 on ns2: 10.1.1.1 is on no subnet attached there",
                "give a link of ns2 an address in 10.1.1.1's subnet first, or route via an address that is on one",
            ),
        ),
        case(
            "route: held via another gateway",
            route_add(HOST, "10.9.0.0/16", Some("10.1.1.2"), None),
            exists(VIA_GW),
        ),
        case(
            "route: held via the gateway on another dev",
            route_add(HOST, "10.9.0.0/16", Some("172.31.131.1"), Some("br0")),
            exists(VIA_GW),
        ),
        case(
            "route: held by a dev",
            route_add(HOST, "10.8.0.0/16", Some("172.31.131.1"), None),
            exists("cannot add route 10.8.0.0/16 on host: it already routes 10.8.0.0/16 dev eth0"),
        ),
        case(
            "route: held by neither",
            route_add(HOST, "10.7.0.0/16", None, Some("eth0")),
            exists("cannot add route 10.7.0.0/16 on host: it already routes 10.7.0.0/16 elsewhere"),
        ),
        case("route del: the lab's", route_del(HOST, "10.9.0.0/16"), Apply(Change))
            .made(&["route host/10.9.0.0/16"]),
        case("route del: not there", route_del(HOST, "10.5.0.0/16"), Nothing(Unchanged)),
    ]
}

fn fdb_cases() -> Vec<Case> {
    vec![
        case("fdb: new", fdb_add(HOST, "vx1", "172.31.131.151"), Apply(Create)),
        case("fdb: someone else's", fdb_add(HOST, "vx1", "172.31.131.150"), Nothing(Adopted)),
        case("fdb: the lab's", fdb_add(HOST, "vx1", "172.31.131.150"), Nothing(Unchanged)).owned(),
        case(
            "fdb: an entry made earlier in the plan is there",
            fdb_add(HOST, "vx1", "172.31.131.151"),
            Nothing(Adopted),
        )
        .after(vec![fdb_add(HOST, "vx1", "172.31.131.151")]),
        case(
            "fdb: the dev is missing",
            fdb_add(HOST, "vx9", "172.31.131.150"),
            Missing("there is no link vx9 on host", HOST_HINT),
        ),
        case(
            "fdb: the dev is not a vxlan",
            fdb_add(HOST, "br0", "172.31.131.150"),
            Conflict(
                "br0 on host is a bridge, not a vxlan: fdb entries with a dst are a VXLAN's",
                "pass the vxlan device, e.g. fdb(vxlan(\"vxlan1\", ...), #{ mac: \"00:00:00:00:00:00\", dst: \"172.31.131.150\" })",
            ),
        ),
        case(
            "fdb del: the lab's",
            fdb_del(HOST, "vx1", "172.31.131.150"),
            Apply(Change),
        )
        .made(&["fdb host/vx1/00:00:00:00:00:00/172.31.131.150"]),
        case(
            "fdb del: someone else's",
            fdb_del(HOST, "vx1", "172.31.131.150"),
            NotOwned(
                "cannot delete the fdb entry 00:00:00:00:00:00 dst 172.31.131.150 of vx1 on host: this lab did not add it",
                "netsh deletes only what the lab made; to delete it anyway, write fdb.remove(#{ adopted: true }) — netsh cannot bring it back (not on a rollback, not with `netsh down`)",
            ),
        ),
        case(
            "fdb del: someone else's, adopted: true",
            fdb_del(HOST, "vx1", "172.31.131.150"),
            Apply(Change),
        )
        .adopted(),
        case("fdb del: not there", fdb_del(HOST, "vx1", "172.31.131.151"), Nothing(Unchanged)),
        case(
            "fdb: the entry of a vxlan deleted and made again is made again",
            fdb_add(HOST, "vx1", "172.31.131.150"),
            Apply(Create),
        )
        .after(vec![link_del(HOST, "vx1", None), vxlan("vx1", 42, None)])
        .made(&["link host/vx1"]),
    ]
}

fn rule_cases() -> Vec<Case> {
    let mine = |words| forward(words).tagged("lab");
    let nat = Rule {
        table: "nat".into(),
        chain: "POSTROUTING".into(),
        args: vec!["-j".into(), "MASQUERADE".into()],
    };
    vec![
        case(
            "rule: new in a chain with rules",
            rule_add(HOST, mine("-i br1 -j ACCEPT")),
            Apply(Create),
        ),
        case(
            "rule: new in an empty chain",
            rule_add(HOST, nat.tagged("lab")),
            Apply(Create),
        ),
        case(
            "rule: in a namespace the plan makes",
            rule_add(ns("ns3"), mine("-j DROP")),
            Apply(Create),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "rule: twice in a plan",
            rule_add(HOST, mine("-j DROP")),
            Nothing(Unchanged),
        )
        .after(vec![rule_add(HOST, mine("-j DROP"))]),
        case(
            "rule: someone else's, tagged",
            rule_add(HOST, mine("-i br0 -j ACCEPT")),
            Nothing(Adopted),
        ),
        case(
            "rule: the lab's",
            rule_add(HOST, mine("-i br0 -j ACCEPT")),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "rule: someone else's, untagged",
            rule_add(HOST, mine("-i eth0 -j DROP")),
            Nothing(Adopted),
        )
        .owned(),
        case(
            "rule: in a missing namespace",
            rule_add(ns("ghost"), mine("-j DROP")),
            Missing(NO_NS.0, NO_NS.1),
        ),
        case(
            "rule del: added earlier in the plan",
            rule_del(HOST, mine("-j DROP")),
            Apply(Change),
        )
        .after(vec![rule_add(HOST, mine("-j DROP"))]),
        case(
            "rule del: in a namespace the plan makes",
            rule_del(ns("ns3"), mine("-j DROP")),
            Nothing(Unchanged),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "rule del: there",
            rule_del(HOST, mine("-i br0 -j ACCEPT")),
            Apply(Change),
        ),
        case(
            "rule del: someone else's, untagged",
            rule_del(HOST, mine("-i eth0 -j DROP")),
            NotOwned(
                "cannot delete the filter FORWARD rule `-i eth0 -j DROP` on host: it does not carry this lab's tag",
                "netsh deletes only what the lab made; to delete it anyway, write rule.remove(#{ adopted: true }) — netsh cannot bring it back (not on a rollback, not with `netsh down`)",
            ),
        ),
        case(
            "rule del: someone else's, adopted: true",
            rule_del(HOST, mine("-i eth0 -j DROP")),
            Steps(Change, vec![rule_del(HOST, forward("-i eth0 -j DROP"))]),
        )
        .adopted(),
        case(
            "rule del: not there",
            rule_del(HOST, mine("-j DROP")),
            Nothing(Unchanged),
        ),
    ]
}

fn chain_cases() -> Vec<Case> {
    let mut first = rule_add(HOST, forward("-i br0 -j ACCEPT").tagged("lab"));
    if let OpKind::RuleAdd { insert, .. } = &mut first {
        *insert = Some(1);
    }
    vec![
        case(
            "policy: another",
            policy(HOST, "FORWARD", "DROP"),
            Apply(Create),
        ),
        case(
            "policy: unknown",
            policy(ns("ns1"), "FORWARD", "DROP"),
            Apply(Create),
        ),
        case(
            "policy: already so",
            policy(HOST, "FORWARD", "ACCEPT"),
            Nothing(Adopted),
        ),
        case(
            "policy: the lab's",
            policy(HOST, "FORWARD", "ACCEPT"),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "policy: twice in a plan",
            policy(HOST, "FORWARD", "DROP"),
            Nothing(Unchanged),
        )
        .after(vec![policy(HOST, "FORWARD", "DROP")]),
        case(
            "policy: back to the kernel's in the same plan",
            policy(HOST, "FORWARD", "ACCEPT"),
            Apply(Create),
        )
        .after(vec![policy(HOST, "FORWARD", "DROP")]),
        case(
            "policy: in a namespace the plan makes",
            policy(ns("ns3"), "FORWARD", "ACCEPT"),
            Apply(Create),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "policy: in a missing namespace",
            policy(ns("ghost"), "FORWARD", "DROP"),
            Missing(NO_NS.0, NO_NS.1),
        ),
        case("chain: new", chain_add(HOST, "MINE"), Apply(Create)),
        case(
            "chain: someone else's",
            chain_add(HOST, "DOCKER"),
            Nothing(Adopted),
        ),
        case(
            "chain: the lab's",
            chain_add(HOST, "DOCKER"),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "chain: twice in a plan",
            chain_add(HOST, "MINE"),
            Nothing(Unchanged),
        )
        .after(vec![chain_add(HOST, "MINE")]),
        case(
            "chain: in a namespace the plan makes",
            chain_add(ns("ns3"), "MINE"),
            Apply(Create),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "chain: in a missing namespace",
            chain_add(ns("ghost"), "MINE"),
            Missing(NO_NS.0, NO_NS.1),
        ),
        case(
            "rule: jumps to a chain the plan makes",
            rule_add(HOST, forward("-i br0 -j MINE").tagged("lab")),
            Apply(Create),
        )
        .after(vec![chain_add(HOST, "MINE")]),
        case("rule: inserted, the lab's", first, Nothing(Unchanged)).owned(),
        case("chain del: there", chain_del(HOST, "DOCKER"), Apply(Change)),
        case(
            "chain del: not there",
            chain_del(HOST, "MINE"),
            Nothing(Unchanged),
        ),
    ]
}

fn sysctl_cases() -> Vec<Case> {
    vec![
        case("sysctl: another value", sysctl(HOST, "0"), Apply(Create)),
        case("sysctl: unknown", sysctl(ns("ns1"), "1"), Apply(Create)),
        case(
            "sysctl: someone else's value",
            sysctl(HOST, "1"),
            Nothing(Adopted),
        ),
        case(
            "sysctl: the lab's value",
            sysctl(HOST, "1"),
            Nothing(Unchanged),
        )
        .owned(),
        case(
            "sysctl: in a namespace the plan makes, never read",
            sysctl(ns("ns3"), "1"),
            Apply(Create),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "sysctl: in a missing namespace",
            sysctl(ns("ghost"), "1"),
            Missing(NO_NS.0, NO_NS.1),
        ),
    ]
}

const ANYWAY: &str = "netsh deletes only what the lab made; to delete it anyway, write";
const NO_WAY_BACK: &str = "— netsh cannot bring it back (not on a rollback, not with `netsh down`)";

/// Deleting what the lab did not make: refused, unless the script says `adopted: true`; what the
/// lab made is found by the journal, this flush, the tag, a veth's peer, or its namespace.
fn foreign_cases() -> Vec<Case> {
    let not_owned = |m: &'static str, form: &str| {
        let h: &'static str = format!("{ANYWAY} {form} {NO_WAY_BACK}").leak();
        NotOwned(m, h)
    };
    vec![
        case(
            "del: someone else's",
            link_del(HOST, "eth0", None),
            not_owned(
                "cannot delete eth0 on host: this lab did not make it",
                "link(\"eth0\").del(#{ adopted: true })",
            ),
        ),
        case(
            "del: another lab's",
            link_del(HOST, "bro", None),
            not_owned(
                "cannot delete bro on host: it is lab other's (it carries netsh:other)",
                "link(\"bro\").del(#{ adopted: true })",
            ),
        ),
        case(
            "del: someone else's, in a namespace",
            link_del(ns("ns1"), "veth1", None),
            not_owned(
                "cannot delete veth1 on ns1: this lab did not make it",
                "ns(\"ns1\").link(\"veth1\").del(#{ adopted: true })",
            ),
        ),
        case(
            "del: someone else's, adopted: true",
            link_del(HOST, "eth0", None),
            Apply(Change),
        )
        .adopted(),
        case(
            "del: carrying the lab's tag",
            link_del(HOST, "brl", None),
            Apply(Change),
        ),
        case(
            "del: a veth whose peer the lab made",
            link_del(HOST, "vethb1", None),
            Apply(Change),
        )
        .made(&["link ns1/veth1"]),
        case(
            "del: in a namespace the lab made",
            link_del(ns("ns1"), "veth1", None),
            Apply(Change),
        )
        .made(&["netns ns1"]),
        case(
            "del: in a namespace with the lab's tag",
            link_del(ns("labns"), "lo", None),
            Apply(Change),
        ),
        case(
            "del: made earlier in the plan",
            link_del(HOST, "br1", None),
            Apply(Change),
        )
        .after(vec![bridge(HOST, "br1")]),
        case(
            "del: the far end of a veth made earlier in the plan",
            link_del(HOST, "vb", None),
            Apply(Change),
        )
        .after(vec![veth(HOST, "va", HOST, "vb")]),
    ]
}

/// `foreign_cases`, for namespaces, addresses and routes.
fn foreign_stack_cases() -> Vec<Case> {
    let not_owned = |m: &'static str, form: &str| {
        let h: &'static str = format!("{ANYWAY} {form} {NO_WAY_BACK}").leak();
        NotOwned(m, h)
    };
    vec![
        case(
            "into: someone else's link into the lab's namespace",
            set_ns("eth0", HOST, ns("labns")),
            NotOwned(
                "cannot move eth0 from host into labns: this lab did not make it, and when labns goes (a rollback, `netsh down`) a veth goes with it",
                "move a link of the lab's own instead; to move this one anyway, write link(\"eth0\").into(ns(\"labns\"), #{ adopted: true })",
            ),
        ),
        case(
            "into: someone else's link into the lab's namespace, adopted: true",
            set_ns("eth0", HOST, ns("labns")),
            Apply(Change),
        )
        .adopted(),
        case(
            "into: someone else's link into someone else's namespace",
            set_ns("eth0", HOST, ns("ns1")),
            Apply(Change),
        ),
        case(
            "netns del: someone else's",
            netns_del("ns1"),
            not_owned(
                "cannot delete namespace ns1: this lab did not make it",
                "ns(\"ns1\").del(#{ adopted: true })",
            ),
        ),
        case(
            "netns del: someone else's, adopted: true",
            netns_del("ns1"),
            Apply(Change),
        )
        .adopted(),
        case(
            "netns del: its lo carries the lab's tag",
            netns_del("labns"),
            Apply(Change),
        ),
        case(
            "netns del: made earlier in the plan",
            netns_del("ns3"),
            Apply(Change),
        )
        .after(vec![netns_add("ns3")]),
        case(
            "addr del: someone else's",
            addr_del(HOST, "eth0", "172.31.131.149/24"),
            not_owned(
                "cannot remove 172.31.131.149/24 from eth0 on host: this lab did not add it",
                "link(\"eth0\").del_addr(\"172.31.131.149/24\", #{ adopted: true })",
            ),
        ),
        case(
            "addr del: someone else's, adopted: true",
            addr_del(HOST, "eth0", "172.31.131.149/24"),
            Apply(Change),
        )
        .adopted(),
        case(
            "addr del: on a link the lab made",
            addr_del(HOST, "br0", "10.1.1.1/24"),
            Apply(Change),
        )
        .made(&["link host/br0"]),
        case(
            "addr del: added earlier in the plan",
            addr_del(HOST, "eth0", "192.168.5.1/24"),
            Apply(Change),
        )
        .after(vec![addr_add(HOST, "eth0", "192.168.5.1/24")]),
        case(
            "route del: someone else's",
            route_del(HOST, "10.9.0.0/16"),
            not_owned(
                "cannot delete route 10.9.0.0/16 on host: this lab did not add it",
                "del_route(\"10.9.0.0/16\", #{ adopted: true })",
            ),
        ),
        case(
            "route del: someone else's, adopted: true",
            route_del(HOST, "10.9.0.0/16"),
            Apply(Change),
        )
        .adopted(),
        case(
            "route del: through a link the lab made",
            route_del(HOST, "10.8.0.0/16"),
            Apply(Change),
        )
        .made(&["link host/eth0"]),
        case(
            "route del: added earlier in the plan",
            route_del(HOST, "10.6.0.0/16"),
            Apply(Change),
        )
        .after(vec![route_add(HOST, "10.6.0.0/16", None, Some("eth0"))]),
    ]
}

fn cases() -> Vec<Case> {
    [
        netns_cases(),
        bridge_cases(),
        vxlan_cases(),
        veth_cases(),
        link_set_cases(),
        addr_cases(),
        route_cases(),
        fdb_cases(),
        rule_cases(),
        chain_cases(),
        sysctl_cases(),
        foreign_cases(),
        foreign_stack_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn every_verdict_and_refusal_of_every_family() {
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| {
            let (want, got) = (expected(c), judged(c));
            (want != got).then(|| format!("{}:\n  want {want:?}\n  got  {got:?}", c.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_judges_every_op_and_names_each_row_once() {
    let cases = cases();
    let kinds: HashSet<_> = cases
        .iter()
        .map(|c| std::mem::discriminant(&c.op))
        .collect();
    // OpKind has 21 variants.
    assert_eq!(kinds.len(), 21, "an op kind has no row");
    let names: HashSet<_> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two rows share a name");
}
