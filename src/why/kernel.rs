//! What the analysis may ask of the kernel, one namespace at a time. The live implementation
//! goes through the backend (src/why/../api/why.rs); tests give synthetic answers.

use super::{Chain, LinkDetail, RouteGet};
use crate::plan::view::NsView;
use crate::plan::Netns;
use std::net::IpAddr;

pub trait Kernel {
    /// The host's stack and every namespace in /run/netns.
    fn namespaces(&mut self) -> Vec<Netns>;
    /// Addresses (and routes) of a namespace.
    fn view(&mut self, ns: &Netns) -> Option<NsView>;
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail>;
    /// `ip route get`: the route, or the kernel's refusal ("Network is unreachable").
    fn route_get(&mut self, ns: &Netns, dst: IpAddr) -> Result<RouteGet, String>;
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String>;
    /// `iptables -t TABLE -S CHAIN`, parsed; `None` when it cannot be read.
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain>;
}
