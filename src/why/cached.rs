//! `Cached`: a `Kernel` whose namespaces are each read once per analysis (a walk asks the same
//! namespace many times).

use super::fib::Fib;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::route_get::{Lookup, Refusal, RouteGet};
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
}

impl<'a> Cached<'a> {
    pub(crate) fn new(inner: &'a mut dyn Kernel) -> Self {
        Cached {
            inner,
            views: HashMap::new(),
            links: HashMap::new(),
            fibs: HashMap::new(),
            sysctls: HashMap::new(),
        }
    }
}

impl Kernel for Cached<'_> {
    fn namespaces(&mut self) -> Vec<Netns> {
        self.inner.namespaces()
    }

    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        if !self.views.contains_key(ns) {
            let v = self.inner.view(ns);
            self.views.insert(ns.clone(), v);
        }
        self.views[ns].clone()
    }

    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        if !self.links.contains_key(ns) {
            let v = self.inner.links(ns);
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

    fn neighbour(&mut self, ns: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
        self.inner.neighbour(ns, dev, ip)
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr) -> bool {
        self.inner.ping(ns, dst)
    }

    fn counters(&mut self, ns: &Netns) -> Option<Vec<crate::firewall::counters::Count>> {
        self.inner.counters(ns)
    }
}
