//! The kernel as `why` across machines reads it on the controller: an unnamed namespace
//! (`pid:…`) that holds a machine's ssh address is that machine seen from here (the test
//! harness's machines, a machine in a container), not a stack of this one; it is left out,
//! so that the walk stops at the tunnel that leads to it and the machine itself goes on.

use crate::firewall::chain::Chain;
use crate::firewall::counters::Count;
use crate::firewall::nft::foreign::ForeignChain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use crate::why::fib::Fib;
use crate::why::kernel::Kernel;
use crate::why::link_l2::LinkL2;
use crate::why::route_get::{Lookup, Refusal, RouteGet};
use crate::why::{LinkDetail, Sighting};
use std::net::IpAddr;

pub(crate) struct Hiding<'a> {
    pub(crate) inner: &'a mut dyn Kernel,
    /// The machines' addresses.
    pub(crate) machines: Vec<IpAddr>,
}

impl Hiding<'_> {
    fn hidden(&mut self, ns: &Netns) -> bool {
        if !matches!(ns, Netns::Adopted(_)) || self.machines.is_empty() {
            return false;
        }
        let machines = self.machines.clone();
        self.inner
            .view(ns)
            .is_some_and(|v| machines.iter().any(|m| v.addr_owner(*m).is_some()))
    }
}

impl Kernel for Hiding<'_> {
    fn namespaces(&mut self) -> Vec<Netns> {
        let all = self.inner.namespaces();
        all.into_iter().filter(|ns| !self.hidden(ns)).collect()
    }
    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.inner.view(ns)
    }
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        self.inner.links(ns)
    }
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        self.inner.route_get(ns, q)
    }
    fn fib(&mut self, ns: &Netns) -> Fib {
        self.inner.fib(ns)
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.inner.sysctl(ns, key)
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

    fn tcp_listeners(&mut self, ns: &Netns) -> Option<Vec<(IpAddr, u16)>> {
        self.inner.tcp_listeners(ns)
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
    fn xfrm(&mut self, ns: &Netns) -> Option<crate::why::xfrm_table::Xfrm> {
        self.inner.xfrm(ns)
    }
    fn ipsets(&mut self, ns: &Netns) -> Option<crate::why::ipset_table::IpSets> {
        self.inner.ipsets(ns)
    }
    fn addr_scopes(&mut self, ns: &Netns) -> Vec<(String, ipnet::IpNet, u8)> {
        self.inner.addr_scopes(ns)
    }
    fn bridge_macs(&mut self, ns: &Netns) -> Option<Vec<(String, String)>> {
        self.inner.bridge_macs(ns)
    }
    fn l2(&mut self, ns: &Netns) -> Vec<LinkL2> {
        self.inner.l2(ns)
    }
    fn fdb_entries(&mut self, ns: &Netns) -> Vec<(String, String, IpAddr)> {
        self.inner.fdb_entries(ns)
    }
    fn ping_df(&mut self, ns: &Netns, dst: IpAddr, payload: usize) -> bool {
        self.inner.ping_df(ns, dst, payload)
    }
    fn payload(&mut self) -> usize {
        self.inner.payload()
    }
    fn ping_seen(&mut self, ns: &Netns, dst: IpAddr, watch: &[Netns]) -> (bool, Vec<Sighting>) {
        self.inner.ping_seen(ns, dst, watch)
    }
    fn qdiscs(&mut self, ns: &Netns, dev: &str) -> Vec<(String, &'static str)> {
        self.inner.qdiscs(ns, dev)
    }
    fn xdp(&mut self, ns: &Netns, dev: &str) -> Option<(&'static str, u32)> {
        self.inner.xdp(ns, dev)
    }
    fn arp_off(&mut self, ns: &Netns, dev: &str) -> bool {
        self.inner.arp_off(ns, dev)
    }
    fn counters(&mut self, ns: &Netns) -> Option<Vec<Count>> {
        self.inner.counters(ns)
    }
    fn nfqueues(&mut self, ns: &Netns) -> Option<Vec<u16>> {
        self.inner.nfqueues(ns)
    }
    fn foreign(&mut self, ns: &Netns) -> Vec<ForeignChain> {
        self.inner.foreign(ns)
    }
    fn forget_failed(&mut self, hops: &[(Netns, IpAddr)]) {
        self.inner.forget_failed(hops)
    }

    fn stp_settle(&mut self, ns: &Netns, port: &str, most: std::time::Duration) -> Option<u8> {
        self.inner.stp_settle(ns, port, most)
    }
}
