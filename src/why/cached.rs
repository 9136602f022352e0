//! `Cached`: a `Kernel` whose namespaces are each read once per analysis (a walk asks the same
//! namespace many times).

use super::fib::Fib;
use super::frame::Frame;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_l2::LinkL2;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::sighting::Sighting;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use std::collections::HashMap;
use std::net::IpAddr;

pub(crate) struct Cached<'a> {
    inner: &'a mut dyn Kernel,
    views: HashMap<Netns, Option<NsView>>,
    links: HashMap<Netns, Vec<LinkDetail>>,
    fibs: HashMap<Netns, Fib>,
    sysctls: HashMap<(Netns, String), Option<String>>,
    l2: HashMap<Netns, Vec<LinkL2>>,
    /// The ICMP payload asked about (`why --size`).
    pub(crate) payload: usize,
    /// The TCP port asked about (`why ADDR:PORT`), and where DNATs sent it on (address, port).
    pub(crate) tcp: Option<u16>,
    tcp_to: Vec<(IpAddr, u16)>,
    /// The mark the request carries in each namespace, as its PREROUTING left it.
    marks: HashMap<Netns, u32>,
    /// The frame that brought the request (true) or the reply into each namespace.
    frames: HashMap<(Netns, bool), Frame>,
    /// Each namespace's foreign nftables chains: read where the walk first asks.
    foreign: HashMap<Netns, Vec<crate::firewall::nft::foreign::ForeignChain>>,
    /// Each namespace's IPsec policies and SAs: read by a program, so once.
    xfrms: HashMap<Netns, Option<crate::why::xfrm_table::Xfrm>>,
    /// The namespaces: one scan of /proc and /run/netns per why, not one per question.
    names: Option<Vec<Netns>>,
    /// Each namespace's ipsets: read by a program, so once.
    ipsets: HashMap<Netns, Option<crate::why::ipset_table::IpSets>>,
}

impl<'a> Cached<'a> {
    pub(crate) fn new(inner: &'a mut dyn Kernel) -> Self {
        Cached {
            inner,
            views: HashMap::new(),
            links: HashMap::new(),
            fibs: HashMap::new(),
            xfrms: HashMap::new(),
            ipsets: HashMap::new(),
            sysctls: HashMap::new(),
            l2: HashMap::new(),
            payload: 56,
            tcp: None,
            tcp_to: vec![],
            marks: HashMap::new(),
            frames: HashMap::new(),
            foreign: HashMap::new(),
            names: None,
        }
    }
}

impl Cached<'_> {
    /// `v` without the addresses that failed duplicate address detection: the kernel holds
    /// them (`dadfailed tentative`) but never uses them, nor answers for them.
    fn used(&mut self, ns: &Netns, mut v: NsView) -> NsView {
        let ipv6 =
            |a: &ipnet::IpNet| matches!(a.addr(), IpAddr::V6(x) if !x.is_unicast_link_local());
        if !v.addrs.iter().any(|(_, a)| ipv6(a)) {
            return v;
        }
        let failed: Vec<(String, IpAddr)> = self
            .inner
            .if_addrs(ns)
            .into_iter()
            .filter(|a| a.dadfailed)
            .map(|a| (a.link, a.local))
            .collect();
        v.addrs
            .retain(|(l, a)| !failed.iter().any(|(fl, fa)| fl == l && *fa == a.addr()));
        v
    }

    /// Reads `link` in `ns` as though its MTU were `mtu` (a fix the analysis tries ahead).
    pub(crate) fn assume_mtu(&mut self, ns: &Netns, link: &str, mtu: u32) {
        let _ = Kernel::l2(self, ns);
        if let Some(l) = self
            .l2
            .get_mut(ns)
            .and_then(|v| v.iter_mut().find(|l| l.name == link))
        {
            l.mtu = mtu;
        }
    }

    /// Forgets what was assumed: `ns`'s links are read from the kernel again.
    pub(crate) fn forget_l2(&mut self, ns: &Netns) {
        self.l2.remove(ns);
    }
}

impl Kernel for Cached<'_> {
    fn namespaces(&mut self) -> Vec<Netns> {
        if self.names.is_none() {
            self.names = Some(self.inner.namespaces());
        }
        self.names.clone().unwrap_or_default()
    }

    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        if !self.views.contains_key(ns) {
            let v = self.inner.view(ns).map(|v| self.used(ns, v));
            self.views.insert(ns.clone(), v);
        }
        self.views[ns].clone()
    }

    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        if !self.links.contains_key(ns) {
            let names = self.namespaces();
            let v = self.inner.links_among(ns, &names);
            self.links.insert(ns.clone(), v);
        }
        self.links[ns].clone()
    }

    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        self.inner.route_get(ns, q)
    }

    fn fib(&mut self, ns: &Netns) -> Fib {
        if !self.fibs.contains_key(ns) {
            let v = self.inner.fib(ns);
            self.fibs.insert(ns.clone(), v);
        }
        self.fibs[ns].clone()
    }

    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        let k = (ns.clone(), key.to_string());
        if !self.sysctls.contains_key(&k) {
            let v = self.inner.sysctl(ns, key).map(|s| s.trim().to_string());
            self.sysctls.insert(k.clone(), v);
        }
        self.sysctls[&k].clone()
    }

    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner.chain(ns, table, chain)
    }

    fn chain6(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner.chain6(ns, table, chain)
    }

    fn legacy_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner.legacy_chain(ns, table, chain)
    }
    fn neighbour(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
        self.inner.neighbour(ns, dev, ip)
    }

    fn neighbours(&mut self, ns: &Netns, dev: &str) -> Vec<(IpAddr, crate::why::kernel::NeighMac)> {
        self.inner.neighbours(ns, dev)
    }
    fn neighbour_mac(
        &mut self,
        ns: &Netns,
        dev: &str,
        ip: IpAddr,
    ) -> Option<crate::why::kernel::NeighMac> {
        self.inner.neighbour_mac(ns, dev, ip)
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr) -> bool {
        self.inner.ping(ns, dst)
    }
    fn probe_uid(&mut self) -> u32 {
        self.inner.probe_uid()
    }
    fn probe_gid(&mut self) -> u32 {
        self.inner.probe_gid()
    }
    fn frame_in(&mut self, ns: &Netns, request: bool) -> Option<Frame> {
        self.frames.get(&(ns.clone(), request)).cloned()
    }
    fn set_frame(&mut self, ns: &Netns, request: bool, frame: Frame) {
        self.frames.insert((ns.clone(), request), frame);
    }
    fn xfrm(&mut self, ns: &Netns) -> Option<crate::why::xfrm_table::Xfrm> {
        if !self.xfrms.contains_key(ns) {
            let x = self.inner.xfrm(ns);
            self.xfrms.insert(ns.clone(), x);
        }
        self.xfrms[ns].clone()
    }
    fn ipsets(&mut self, ns: &Netns) -> Option<crate::why::ipset_table::IpSets> {
        if !self.ipsets.contains_key(ns) {
            let s = self.inner.ipsets(ns);
            self.ipsets.insert(ns.clone(), s);
        }
        self.ipsets[ns].clone()
    }
    fn ndp_proxies(&mut self, ns: &Netns) -> Vec<(String, IpAddr)> {
        self.inner.ndp_proxies(ns)
    }
    fn addr_scopes(&mut self, ns: &Netns) -> Vec<(String, ipnet::IpNet, u8)> {
        self.inner.addr_scopes(ns)
    }

    fn if_addrs(&mut self, ns: &Netns) -> Vec<super::if_addr::IfAddr> {
        self.inner.if_addrs(ns)
    }

    fn l2(&mut self, ns: &Netns) -> Vec<LinkL2> {
        if !self.l2.contains_key(ns) {
            let v = self.inner.l2(ns);
            self.l2.insert(ns.clone(), v);
        }
        self.l2[ns].clone()
    }

    fn fdb_entries(&mut self, ns: &Netns) -> Vec<(String, String, IpAddr)> {
        self.inner.fdb_entries(ns)
    }

    fn ping_df(&mut self, ns: &Netns, dst: IpAddr, payload: usize) -> bool {
        self.inner.ping_df(ns, dst, payload)
    }

    fn payload(&mut self) -> usize {
        self.payload
    }

    fn tcp_port(&mut self, service: IpAddr) -> Option<u16> {
        let to = self.tcp_to.iter().rev().find(|(a, _)| *a == service);
        self.tcp.map(|p| to.map_or(p, |(_, q)| *q))
    }

    fn tcp_dnat(&mut self, to: IpAddr, port: u16) {
        self.tcp_to.push((to, port));
    }

    fn tcp_listeners(&mut self, ns: &Netns) -> Option<Vec<(IpAddr, u16)>> {
        self.inner.tcp_listeners(ns)
    }

    fn mark_in(&mut self, ns: &Netns) -> u32 {
        self.marks.get(ns).copied().unwrap_or(0)
    }

    fn set_mark(&mut self, ns: &Netns, mark: u32) {
        self.marks.insert(ns.clone(), mark);
    }

    fn connect_seen(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        port: u16,
        watch: &[Netns],
    ) -> (super::connect::Connect, Vec<Sighting>) {
        self.inner.connect_seen(ns, dst, port, watch)
    }

    fn ping_seen(&mut self, ns: &Netns, dst: IpAddr, watch: &[Netns]) -> (bool, Vec<Sighting>) {
        self.inner.ping_seen(ns, dst, watch)
    }

    fn qdiscs(&mut self, ns: &Netns, dev: &str) -> Vec<(String, &'static str)> {
        self.inner.qdiscs(ns, dev)
    }

    fn bridge_macs(&mut self, ns: &Netns) -> Option<Vec<(String, String)>> {
        self.inner.bridge_macs(ns)
    }

    fn xdp(&mut self, ns: &Netns, dev: &str) -> Option<(&'static str, u32)> {
        self.inner.xdp(ns, dev)
    }
    fn arp_off(&mut self, ns: &Netns, dev: &str) -> bool {
        self.inner.arp_off(ns, dev)
    }

    fn nfqueues(&mut self, ns: &Netns) -> Option<Vec<u16>> {
        self.inner.nfqueues(ns)
    }

    fn counters(&mut self, ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        self.inner.counters(ns)
    }

    fn foreign(&mut self, ns: &Netns) -> Vec<crate::firewall::nft::foreign::ForeignChain> {
        if !self.foreign.contains_key(ns) {
            let c = self.inner.foreign(ns);
            self.foreign.insert(ns.clone(), c);
        }
        self.foreign[ns].clone()
    }

    fn forget_failed(&mut self, hops: &[(Netns, IpAddr)]) {
        self.inner.forget_failed(hops)
    }

    fn stp_settle(&mut self, ns: &Netns, port: &str, most: std::time::Duration) -> Option<u8> {
        // The port's state (and what STP changed with it) is read again after the wait.
        self.l2.remove(ns);
        self.inner.stp_settle(ns, port, most)
    }
}
