//! `trait Kernel` over a backend, with each namespace read once per analysis.

use super::{Chain, Kernel, LinkDetail, RouteGet};
use crate::plan::view::NsView;
use crate::plan::{Backend, Netns};
use std::collections::HashMap;
use std::net::IpAddr;

pub struct Live<'a> {
    pub backend: &'a mut dyn Backend,
    views: HashMap<Netns, Option<NsView>>,
    links: HashMap<Netns, Vec<LinkDetail>>,
}

impl<'a> Live<'a> {
    pub fn new(backend: &'a mut dyn Backend) -> Self {
        Live {
            backend,
            views: HashMap::new(),
            links: HashMap::new(),
        }
    }

    /// Whether there is a kernel to ask at all (not in a dry run, whose stdout is a bash
    /// script).
    pub fn evaluates(&mut self) -> bool {
        self.backend.is_live()
    }
}

impl Kernel for Live<'_> {
    fn namespaces(&mut self) -> Vec<Netns> {
        let mut v = vec![Netns::Root];
        v.extend(
            self.backend
                .named_netns()
                .unwrap_or_default()
                .into_iter()
                .map(Netns::Named),
        );
        v
    }

    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        if !self.views.contains_key(ns) {
            let v = self.backend.observe(ns).ok();
            self.views.insert(ns.clone(), v);
        }
        self.views[ns].clone()
    }

    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        if !self.links.contains_key(ns) {
            let v = self
                .backend
                .link_details(ns)
                .ok()
                .flatten()
                .unwrap_or_default();
            self.links.insert(ns.clone(), v);
        }
        self.links[ns].clone()
    }

    fn route_get(&mut self, ns: &Netns, dst: IpAddr) -> Result<RouteGet, String> {
        match self.backend.route_get(ns, dst) {
            Ok(Some(r)) => r,
            Ok(None) => Err("not evaluated".into()),
            Err(f) => Err(f.message),
        }
    }

    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.backend
            .read_sysctl(ns, key)
            .ok()
            .flatten()
            .map(|s| s.trim().to_string())
    }

    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.backend.chain(ns, table, chain).ok().flatten()
    }
}
