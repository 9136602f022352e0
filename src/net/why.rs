//! The kernel reads `why` needs, over netlink on the namespace's socket: the same answers
//! `ip route get`, `ip -d link show` and `ip neigh show` give a person troubleshooting.

use super::backend::Netlink;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::plan::{Observe, PingMode, Probe};
use crate::sys::Netns;
use crate::why::fib::Fib;
use crate::why::kernel::NeighMac;
use crate::why::link_l2::LinkL2;
use crate::why::{Kernel, LinkDetail, Lookup, Refusal, RouteGet, Sighting};
use std::net::IpAddr;

/// `why`'s reads, asked of this kernel; an unreadable namespace reads as empty.
impl Kernel for Netlink {
    fn namespaces(&mut self) -> Vec<Netns> {
        let mut v = vec![Netns::Root];
        v.extend(
            self.named_netns()
                .unwrap_or_default()
                .into_iter()
                .map(Netns::Named),
        );
        v.extend(self.unnamed_stacks());
        v
    }

    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.observe(ns).ok()
    }

    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        let names = self.namespaces();
        self.links_among(ns, &names)
    }

    fn links_among(&mut self, ns: &Netns, names: &[Netns]) -> Vec<LinkDetail> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        let root = match ns {
            Netns::Root => None,
            Netns::Named(_) | Netns::Adopted(_) => self.root_fd().ok(),
        };
        self.block_on(super::link_detail::links(&handle, names, root))
            .unwrap_or_default()
    }

    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        let handle = self.handle(ns).map_err(|f| Refusal {
            errno: 0,
            words: f.message,
        })?;
        self.h.rt.block_on(super::route_get::route_get(&handle, q))
    }

    fn fib(&mut self, ns: &Netns) -> Fib {
        let Ok(handle) = self.handle(ns) else {
            return Fib::default();
        };
        self.block_on(super::fib::fib(&handle, false))
            .unwrap_or_default()
    }

    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.read_sysctl(ns, key).ok().flatten()
    }

    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.fw
            .chain(ns.path().as_deref(), table, chain)
            .ok()
            .flatten()
    }

    fn chain6(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        crate::firewall::chain::read6(ns.path().as_deref(), table, chain)
    }

    fn legacy_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.fw.legacy_chain(ns.path().as_deref(), table, chain)
    }

    fn neighbour(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
        let handle = self.handle(ns).ok()?;
        let state = self.block_on(super::neigh::state(&handle, dev, ip));
        state.ok().flatten().map(str::to_string)
    }

    fn neighbour_mac(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<NeighMac> {
        let handle = self.handle(ns).ok()?;
        self.block_on(super::neigh::lladdr(&handle, dev, ip))
            .ok()
            .flatten()
    }

    fn neighbours(&mut self, ns: &Netns, dev: &str) -> Vec<(IpAddr, NeighMac)> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        self.block_on(super::neigh::on_link(&handle, dev))
            .unwrap_or_default()
    }

    fn xfrm(&mut self, ns: &Netns) -> Option<crate::why::xfrm_table::Xfrm> {
        let cmd = "ip xfrm policy && echo === && ip xfrm state";
        let o = super::exec::exec(
            ns.path().as_deref(),
            cmd,
            std::time::Duration::from_secs(5),
            &self.cancel,
        );
        let o = o.ok().filter(|o| o.code == 0)?;
        Some(super::xfrm::parse(&o.out))
    }

    fn ipsets(&mut self, ns: &Netns) -> Option<crate::why::ipset_table::IpSets> {
        let o = super::exec::exec(
            ns.path().as_deref(),
            "ipset save",
            std::time::Duration::from_secs(5),
            &self.cancel,
        );
        let o = o.ok().filter(|o| o.code == 0)?;
        Some(crate::why::ipset_table::IpSets::parse(&o.out))
    }

    fn ndp_proxies(&mut self, ns: &Netns) -> Vec<(String, IpAddr)> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        self.block_on(super::neigh::ndp_proxies(&handle))
            .unwrap_or_default()
    }

    fn addr_scopes(&mut self, ns: &Netns) -> Vec<(String, ipnet::IpNet, u8)> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        self.block_on(super::addr_scope::scopes(&handle))
            .unwrap_or_default()
    }

    fn if_addrs(&mut self, ns: &Netns) -> Vec<crate::why::IfAddr> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        self.block_on(super::addr_scope::if_addrs(&handle))
            .unwrap_or_default()
    }

    fn probe_uid(&mut self) -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    fn probe_gid(&mut self) -> u32 {
        nix::unistd::getegid().as_raw()
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr) -> bool {
        Probe::ping(self, ns, dst, PingMode::Probe).unwrap_or(false)
    }

    fn l2(&mut self, ns: &Netns) -> Vec<LinkL2> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        self.block_on(super::link_l2::links(&handle))
            .unwrap_or_default()
    }

    fn stp_settle(&mut self, ns: &Netns, port: &str, most: std::time::Duration) -> Option<u8> {
        let end = std::time::Instant::now() + most;
        loop {
            let s = self
                .l2(ns)
                .into_iter()
                .find(|l| l.name == port)?
                .port_state?;
            // Forwarding and blocking are where STP rests; the others are on its way there.
            if matches!(s, 3 | 4) || std::time::Instant::now() >= end {
                return Some(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    fn bridge_macs(&mut self, ns: &Netns) -> Option<Vec<(String, String)>> {
        let handle = self.handle(ns).ok()?;
        self.block_on(super::neigh::macs(&handle)).ok()
    }

    fn fdb_entries(&mut self, ns: &Netns) -> Vec<(String, String, IpAddr)> {
        Observe::fdb(self, ns).unwrap_or_default()
    }

    fn ping_df(&mut self, ns: &Netns, dst: IpAddr, payload: usize) -> bool {
        let total = std::time::Duration::from_millis(2500);
        super::ping_df::ping_df(ns.path().as_deref(), dst, payload, total).unwrap_or(false)
    }

    fn ping_seen(&mut self, ns: &Netns, dst: IpAddr, watch: &[Netns]) -> (bool, Vec<Sighting>) {
        self.ping_watched(ns, dst, watch)
    }

    fn connect_seen(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        port: u16,
        watch: &[Netns],
    ) -> (crate::why::connect::Connect, Vec<Sighting>) {
        self.connect_watched(ns, dst, port, watch)
    }

    fn qdiscs(&mut self, ns: &Netns, dev: &str) -> Vec<(String, &'static str)> {
        let Ok(handle) = self.handle(ns) else {
            return vec![];
        };
        let names = self
            .block_on(super::neigh::link_names(&handle))
            .unwrap_or_default();
        let Some((&index, _)) = names.iter().find(|(_, n)| *n == dev) else {
            return vec![];
        };
        self.block_on(super::qdisc::qdiscs(&handle, index))
            .unwrap_or_default()
    }

    fn arp_off(&mut self, ns: &Netns, dev: &str) -> bool {
        let Ok(handle) = self.handle(ns) else {
            return false;
        };
        self.block_on(super::qdisc::noarp(&handle, dev))
            .unwrap_or(false)
    }

    fn xdp(&mut self, ns: &Netns, dev: &str) -> Option<(&'static str, u32)> {
        let handle = self.handle(ns).ok()?;
        self.block_on(super::xdp::xdp(&handle, dev)).ok().flatten()
    }

    fn tcp_listeners(&mut self, ns: &Netns) -> Option<Vec<(IpAddr, u16)>> {
        super::listeners::tcp(ns.path().as_deref()).ok()
    }

    fn nfqueues(&mut self, ns: &Netns) -> Option<Vec<u16>> {
        super::listeners::nfqueues(ns.path().as_deref()).ok()
    }

    fn counters(&mut self, ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        self.fw.counters(ns.path().as_deref())
    }

    fn foreign(&mut self, ns: &Netns) -> Vec<crate::firewall::nft::foreign::ForeignChain> {
        self.fw.foreign(ns.path().as_deref())
    }

    fn forget_failed(&mut self, hops: &[(Netns, IpAddr)]) {
        // One dump per namespace, every namespace asked together.
        let v4: Vec<(Netns, std::net::Ipv4Addr)> = hops
            .iter()
            .filter_map(|(ns, ip)| match ip {
                IpAddr::V4(a) => Some((ns.clone(), *a)),
                IpAddr::V6(_) => None,
            })
            .collect();
        let mut asks = vec![];
        for (ns, ips) in super::neigh::by_namespace(&v4) {
            if let Ok(h) = self.handle(&ns) {
                asks.push(async move { super::neigh::forget_failed(&h, &ips).await });
            }
        }
        self.h.rt.block_on(futures::future::join_all(asks));
    }
}
