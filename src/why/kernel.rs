//! What the analysis may ask of the kernel, one namespace at a time. `net` implements it over
//! netlink; tests give synthetic answers; `Cached` reads each namespace once per analysis.

use super::fib::Fib;
use super::frame::Frame;
use super::link_detail::LinkDetail;
use super::link_l2::LinkL2;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::sighting::Sighting;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use std::net::IpAddr;

/// A neighbour entry: its state in `ip neigh`'s words, and its MAC.
pub type NeighMac = (Option<&'static str>, Option<String>);

pub trait Kernel {
    /// The host's stack and every namespace in /run/netns.
    fn namespaces(&mut self) -> Vec<Netns>;
    /// Addresses (and routes) of a namespace.
    fn view(&mut self, ns: &Netns) -> Option<NsView>;
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail>;
    /// `links`, with the namespaces already known (`names`, as `namespaces` lists them) to
    /// name each veth peer's namespace by: a backend that must scan for them otherwise.
    fn links_among(&mut self, ns: &Netns, _names: &[Netns]) -> Vec<LinkDetail> {
        self.links(ns)
    }
    /// `ip route get DST [from SRC iif DEV]`: the route, or the kernel's refusal.
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal>;
    /// `ip rule` and `ip route show table all`: what names the rule and route of a lookup.
    fn fib(&mut self, _ns: &Netns) -> Fib {
        Fib::default()
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String>;
    /// `iptables -t TABLE -S CHAIN`, parsed; `None` when it cannot be read.
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain>;
    /// `ip6tables -t TABLE -S CHAIN`, parsed: what IPv6 packets meet; `None` when unread.
    fn chain6(&mut self, _ns: &Netns, _table: &str, _chain: &str) -> Option<Chain> {
        None
    }
    /// `iptables-legacy -t TABLE -S CHAIN` where x_tables sit beside the rules `chain` reads
    /// (both run); `None` when there are none.
    fn legacy_chain(&mut self, _ns: &Netns, _table: &str, _chain: &str) -> Option<Chain> {
        None
    }
    /// The neighbour (ARP) state of `ip` on `dev`: `REACHABLE`, `FAILED`, ...
    fn neighbour(&mut self, _ns: &Netns, _dev: &str, _ip: IpAddr) -> Option<String> {
        None
    }
    /// The neighbour entry of `ip` on `dev`: its state and MAC (`lladdr`).
    fn neighbour_mac(&mut self, _ns: &Netns, _dev: &str, _ip: IpAddr) -> Option<NeighMac> {
        None
    }
    /// Every neighbour entry on `dev`: its address, state and MAC.
    fn neighbours(&mut self, _ns: &Netns, _dev: &str) -> Vec<(IpAddr, NeighMac)> {
        vec![]
    }
    /// The uid the probe is sent as (netsh's own): what `uidrange` rules at the sender see.
    fn probe_uid(&mut self) -> u32 {
        0
    }
    /// The gid the probe is sent as: what `-m owner --gid-owner` at the sender sees.
    fn probe_gid(&mut self) -> u32 {
        0
    }
    /// The frame that brought the request (`request`) or its reply into `ns`, as the walk
    /// left it there; `None` when not known.
    fn frame_in(&mut self, _ns: &Netns, _request: bool) -> Option<Frame> {
        None
    }
    fn set_frame(&mut self, _ns: &Netns, _request: bool, _frame: Frame) {}
    /// One bounded echo from `ns` to `dst`: the probe that confirms a verdict.
    fn ping(&mut self, _ns: &Netns, _dst: IpAddr) -> bool {
        false
    }
    /// Every bridge FDB entry: (port, mac); `None` when it cannot be read.
    fn bridge_macs(&mut self, _ns: &Netns) -> Option<Vec<(String, String)>> {
        None
    }
    /// Each link's MTU, MAC, ARP flag and bridge-port state.
    fn l2(&mut self, _ns: &Netns) -> Vec<LinkL2> {
        vec![]
    }
    /// The MAC of `link` in `ns`, as its L2 attributes give it.
    fn mac(&mut self, ns: &Netns, link: &str) -> Option<String> {
        self.l2(ns).into_iter().find(|l| l.name == link)?.mac
    }
    /// The bridge FDB entries with a remote (a VXLAN's): (dev, mac, dst).
    fn fdb_entries(&mut self, _ns: &Netns) -> Vec<(String, String, IpAddr)> {
        vec![]
    }
    /// Echoes of `payload` bytes with DF set: whether that size crosses the path whole.
    fn ping_df(&mut self, ns: &Netns, dst: IpAddr, _payload: usize) -> bool {
        self.ping(ns, dst)
    }
    /// The TCP port of the connection asked about (`why ADDR:PORT`), toward `service` (the
    /// port a DNAT to it rewrote); `None`: an ICMP echo.
    fn tcp_port(&mut self, _service: IpAddr) -> Option<u16> {
        None
    }
    /// The mark the request carries in `ns` (set by a MARK rule in its PREROUTING).
    fn mark_in(&mut self, _ns: &Netns) -> u32 {
        0
    }
    fn set_mark(&mut self, _ns: &Netns, _mark: u32) {}
    /// A DNAT sends the connection asked about on to `to`:`port`.
    fn tcp_dnat(&mut self, _to: IpAddr, _port: u16) {}
    /// The TCP sockets listening in `ns` (address, port); `None` when not read.
    fn tcp_listeners(&mut self, _ns: &Netns) -> Option<Vec<(IpAddr, u16)>> {
        None
    }
    /// The TCP probe, watched: a connect from `ns` to `dst`:`port` (bounded), and what packet
    /// sockets in `watch` saw of its segments.
    fn connect_seen(
        &mut self,
        _ns: &Netns,
        _dst: IpAddr,
        _port: u16,
        _watch: &[Netns],
    ) -> (super::connect::Connect, Vec<Sighting>) {
        (super::connect::Connect::Silent, vec![])
    }
    /// The ICMP payload of the packet asked about (`why --size`); ping's 56 by default.
    fn payload(&mut self) -> usize {
        56
    }
    /// The probe, watched: its answer, and what a packet socket in each namespace of `watch`
    /// saw of its echoes.
    fn ping_seen(&mut self, ns: &Netns, dst: IpAddr, _watch: &[Netns]) -> (bool, Vec<Sighting>) {
        (self.ping(ns, dst), vec![])
    }
    /// The tc qdiscs of `dev` somebody added (kind, and `root`, `ingress` or `child`).
    fn qdiscs(&mut self, _ns: &Netns, _dev: &str) -> Vec<(String, &'static str)> {
        vec![]
    }
    /// The XDP program on `dev`: its `ip link` mode keyword (`xdpgeneric`, ...) and id.
    fn xdp(&mut self, _ns: &Netns, _dev: &str) -> Option<(&'static str, u32)> {
        None
    }
    /// Whether `dev` has ARP turned off (IFF_NOARP).
    fn arp_off(&mut self, _ns: &Netns, _dev: &str) -> bool {
        false
    }
    /// The NFQUEUE queues a program reads in `ns`; `None` when that cannot be read.
    fn nfqueues(&mut self, _ns: &Netns) -> Option<Vec<u16>> {
        None
    }
    /// Every rule's and policy's packet counter in `ns` (read around the probe); `None` when
    /// they cannot be read.
    fn counters(&mut self, _ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        None
    }
    /// The base chains of nf_tables tables iptables does not own (`nft` rulesets).
    fn foreign(&mut self, _ns: &Netns) -> Vec<crate::firewall::nft::foreign::ForeignChain> {
        vec![]
    }
    /// The IPsec (xfrm) policies and SAs of `ns`; `None` when they cannot be read.
    fn xfrm(&mut self, _ns: &Netns) -> Option<super::xfrm_table::Xfrm> {
        None
    }
    /// The ipsets of `ns` (`ipset save`); `None` when they cannot be read.
    fn ipsets(&mut self, _ns: &Netns) -> Option<super::ipset_table::IpSets> {
        None
    }
    /// The addresses of `ns` with their scope (0 global, 200 site, 253 link, 254 host).
    /// The IPv6 proxy neighbour entries (`ip -6 neigh show proxy`): (link, address).
    fn ndp_proxies(&mut self, _ns: &Netns) -> Vec<(String, IpAddr)> {
        vec![]
    }
    fn addr_scopes(&mut self, _ns: &Netns) -> Vec<(String, ipnet::IpNet, u8)> {
        vec![]
    }
    /// Every address of `ns` in the kernel's order, with its flags and peer (empty: unknown).
    fn if_addrs(&mut self, _ns: &Netns) -> Vec<super::if_addr::IfAddr> {
        vec![]
    }
    /// Drop the neighbour entries the probe left unresolved for these next hops (each
    /// namespace with its addresses), so that a fix works at once.
    fn forget_failed(&mut self, _hops: &[(Netns, IpAddr)]) {}
    /// Waits, at most `most`, while `port` of a bridge in `ns` passes through STP's way up
    /// (disabled just after a link change, listening, learning); its state then. `None`: not
    /// waited for (the state as read stands).
    fn stp_settle(&mut self, _ns: &Netns, _port: &str, _most: std::time::Duration) -> Option<u8> {
        None
    }
}
