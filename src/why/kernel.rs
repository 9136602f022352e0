//! What the analysis may ask of the kernel, one namespace at a time. `net` implements it over
//! netlink; tests give synthetic answers; `Cached` reads each namespace once per analysis.

use super::fib::Fib;
use super::link_detail::LinkDetail;
use super::route_get::{Lookup, Refusal, RouteGet};
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use std::net::IpAddr;

pub trait Kernel {
    /// The host's stack and every namespace in /run/netns.
    fn namespaces(&mut self) -> Vec<Netns>;
    /// Addresses (and routes) of a namespace.
    fn view(&mut self, ns: &Netns) -> Option<NsView>;
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail>;
    /// `ip route get DST [from SRC iif DEV]`: the route, or the kernel's refusal.
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal>;
    /// `ip rule` and `ip route show table all`: what names the rule and route of a lookup.
    fn fib(&mut self, _ns: &Netns) -> Fib {
        Fib::default()
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String>;
    /// `iptables -t TABLE -S CHAIN`, parsed; `None` when it cannot be read.
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain>;
    /// The neighbour (ARP) state of `ip` on `dev`: `REACHABLE`, `FAILED`, ...
    fn neighbour(&mut self, _ns: &Netns, _dev: &str, _ip: IpAddr) -> Option<String> {
        None
    }
    /// One bounded echo from `ns` to `dst`: the probe that confirms a verdict.
    fn ping(&mut self, _ns: &Netns, _dst: IpAddr) -> bool {
        false
    }
    /// Every rule's and policy's packet counter in `ns` (read around the probe); `None` when
    /// they cannot be read.
    fn counters(&mut self, _ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        None
    }
}
