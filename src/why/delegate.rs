//! `Delegate`: a `Kernel` that passes every question on to another but for the two a wrapper
//! answers itself (which namespaces it shows, which chains it reads). Wrappers then state only
//! what differs, and a question added to `Kernel` reaches the real kernel through all of them.

use super::fib::Fib;
use super::frame::Frame;
use super::kernel::{Kernel, NeighMac};
use super::link_detail::LinkDetail;
use super::link_l2::LinkL2;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::sighting::Sighting;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use std::net::IpAddr;
use std::time::Duration;

pub(crate) trait Delegate {
    /// The kernel every other question goes to.
    fn inner(&mut self) -> &mut dyn Kernel;
    /// The namespaces shown.
    fn shown(&mut self) -> Vec<Netns> {
        self.inner().namespaces()
    }
    /// The chains read (`iptables -t TABLE -S CHAIN`).
    fn chain_read(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner().chain(ns, table, chain)
    }
    /// The IPv6 chains read (`ip6tables -t TABLE -S CHAIN`).
    fn chain6_read(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner().chain6(ns, table, chain)
    }
}

impl<T: Delegate> Kernel for T {
    fn namespaces(&mut self) -> Vec<Netns> {
        self.shown()
    }
    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.inner().view(ns)
    }
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        self.inner().links(ns)
    }
    fn links_among(&mut self, ns: &Netns, names: &[Netns]) -> Vec<LinkDetail> {
        self.inner().links_among(ns, names)
    }
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        self.inner().route_get(ns, q)
    }
    fn fib(&mut self, ns: &Netns) -> Fib {
        self.inner().fib(ns)
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.inner().sysctl(ns, key)
    }
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.chain_read(ns, table, chain)
    }
    fn chain6(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.chain6_read(ns, table, chain)
    }
    fn legacy_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner().legacy_chain(ns, table, chain)
    }
    fn neighbour(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
        self.inner().neighbour(ns, dev, ip)
    }
    fn neighbour_mac(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<NeighMac> {
        self.inner().neighbour_mac(ns, dev, ip)
    }
    fn neighbours(&mut self, ns: &Netns, dev: &str) -> Vec<(IpAddr, NeighMac)> {
        self.inner().neighbours(ns, dev)
    }
    fn probe_uid(&mut self) -> u32 {
        self.inner().probe_uid()
    }
    fn probe_gid(&mut self) -> u32 {
        self.inner().probe_gid()
    }
    fn frame_in(&mut self, ns: &Netns, request: bool) -> Option<Frame> {
        self.inner().frame_in(ns, request)
    }
    fn set_frame(&mut self, ns: &Netns, request: bool, frame: Frame) {
        self.inner().set_frame(ns, request, frame)
    }
    fn ping(&mut self, ns: &Netns, dst: IpAddr) -> bool {
        self.inner().ping(ns, dst)
    }
    fn bridge_macs(&mut self, ns: &Netns) -> Option<Vec<(String, String)>> {
        self.inner().bridge_macs(ns)
    }
    fn l2(&mut self, ns: &Netns) -> Vec<LinkL2> {
        self.inner().l2(ns)
    }
    fn fdb_entries(&mut self, ns: &Netns) -> Vec<(String, String, IpAddr)> {
        self.inner().fdb_entries(ns)
    }
    fn ping_df(&mut self, ns: &Netns, dst: IpAddr, payload: usize) -> bool {
        self.inner().ping_df(ns, dst, payload)
    }
    fn tcp_port(&mut self, service: IpAddr) -> Option<u16> {
        self.inner().tcp_port(service)
    }
    fn mark_in(&mut self, ns: &Netns) -> u32 {
        self.inner().mark_in(ns)
    }
    fn set_mark(&mut self, ns: &Netns, mark: u32) {
        self.inner().set_mark(ns, mark)
    }
    fn tcp_dnat(&mut self, to: IpAddr, port: u16) {
        self.inner().tcp_dnat(to, port)
    }
    fn tcp_listeners(&mut self, ns: &Netns) -> Option<Vec<(IpAddr, u16)>> {
        self.inner().tcp_listeners(ns)
    }
    fn connect_seen(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        port: u16,
        watch: &[Netns],
    ) -> (super::connect::Connect, Vec<Sighting>) {
        self.inner().connect_seen(ns, dst, port, watch)
    }
    fn payload(&mut self) -> usize {
        self.inner().payload()
    }
    fn ping_seen(&mut self, ns: &Netns, dst: IpAddr, watch: &[Netns]) -> (bool, Vec<Sighting>) {
        self.inner().ping_seen(ns, dst, watch)
    }
    fn qdiscs(&mut self, ns: &Netns, dev: &str) -> Vec<(String, &'static str)> {
        self.inner().qdiscs(ns, dev)
    }
    fn xdp(&mut self, ns: &Netns, dev: &str) -> Option<(&'static str, u32)> {
        self.inner().xdp(ns, dev)
    }
    fn arp_off(&mut self, ns: &Netns, dev: &str) -> bool {
        self.inner().arp_off(ns, dev)
    }
    fn nfqueues(&mut self, ns: &Netns) -> Option<Vec<u16>> {
        self.inner().nfqueues(ns)
    }
    fn counters(&mut self, ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        self.inner().counters(ns)
    }
    fn foreign(&mut self, ns: &Netns) -> Vec<crate::firewall::nft::foreign::ForeignChain> {
        self.inner().foreign(ns)
    }
    fn xfrm(&mut self, ns: &Netns) -> Option<super::xfrm_table::Xfrm> {
        self.inner().xfrm(ns)
    }
    fn ipsets(&mut self, ns: &Netns) -> Option<super::ipset_table::IpSets> {
        self.inner().ipsets(ns)
    }
    fn ndp_proxies(&mut self, ns: &Netns) -> Vec<(String, IpAddr)> {
        self.inner().ndp_proxies(ns)
    }
    fn addr_scopes(&mut self, ns: &Netns) -> Vec<(String, ipnet::IpNet, u8)> {
        self.inner().addr_scopes(ns)
    }
    fn if_addrs(&mut self, ns: &Netns) -> Vec<super::if_addr::IfAddr> {
        self.inner().if_addrs(ns)
    }
    fn forget_failed(&mut self, hops: &[(Netns, IpAddr)]) {
        self.inner().forget_failed(hops)
    }
    fn stp_settle(&mut self, ns: &Netns, port: &str, most: Duration) -> Option<u8> {
        self.inner().stp_settle(ns, port, most)
    }
}
