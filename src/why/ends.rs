//! The layer-3 ends of a segment: every link a frame sent on a veth or bridge can reach (the
//! veth's peer, its bridge, the bridge's other ports' peers, and over a VXLAN port the far
//! bridge of the same VNI), so that an address nobody holds can be given to the one end that
//! lost it. Read from the kernel's links; bounded by the links it visits.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::owner::owner;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// One end of a segment: a link that may hold addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct End {
    pub(crate) ns: Netns,
    pub(crate) link: String,
    pub(crate) bridge: bool,
}

/// No lab has segments this large; it bounds a walk over a kernel that changes under it.
const MAX_VISITS: usize = 512;

fn detail(k: &mut dyn Kernel, ns: &Netns, name: &str) -> Option<LinkDetail> {
    k.links(ns).into_iter().find(|l| l.name == name)
}

fn peer_of(k: &mut dyn Kernel, ns: &Netns, l: &LinkDetail) -> Option<(Netns, LinkDetail)> {
    let pi = l.peer_index?;
    let pns = l.peer_ns.clone().unwrap_or_else(|| ns.clone());
    let p = k.links(&pns).into_iter().find(|x| x.index == pi)?;
    Some((pns, p))
}

struct Walk {
    seen: Vec<(Netns, String)>,
    ends: Vec<End>,
}

impl Walk {
    fn first(&mut self, ns: &Netns, link: &str) -> bool {
        let key = (ns.clone(), link.to_string());
        if self.seen.contains(&key) || self.seen.len() >= MAX_VISITS {
            return false;
        }
        self.seen.push(key);
        true
    }

    /// A link reached by a frame: a port leads on to its bridge; anything else is an end.
    fn link(&mut self, k: &mut dyn Kernel, ns: &Netns, l: &LinkDetail) {
        if let Some(b) = &l.master {
            self.bridge(k, ns, b);
            return;
        }
        if l.kind == Some(LinkKind::Bridge) {
            self.bridge(k, ns, &l.name);
            return;
        }
        if self.first(ns, &l.name) {
            self.ends.push(End {
                ns: ns.clone(),
                link: l.name.clone(),
                bridge: false,
            });
        }
    }

    fn bridge(&mut self, k: &mut dyn Kernel, ns: &Netns, br: &str) {
        if !self.first(ns, br) {
            return;
        }
        self.ends.push(End {
            ns: ns.clone(),
            link: br.to_string(),
            bridge: true,
        });
        let ports: Vec<LinkDetail> = k
            .links(ns)
            .into_iter()
            .filter(|l| l.master.as_deref() == Some(br))
            .collect();
        for p in ports {
            if !self.first(ns, &p.name) {
                continue;
            }
            if let Some(v) = &p.vxlan {
                self.tunnel(k, ns, &p.name, v.id, v.remote);
            } else if let Some((pns, q)) = peer_of(k, ns, &p) {
                if self.first(&pns, &q.name) {
                    self.seen.pop();
                    self.link(k, &pns, &q);
                }
            }
        }
    }

    /// The far bridges a VXLAN port reaches: its remote's, or each of its flood entries'.
    fn tunnel(
        &mut self,
        k: &mut dyn Kernel,
        ns: &Netns,
        dev: &str,
        id: u32,
        remote: Option<IpAddr>,
    ) {
        let dsts: Vec<IpAddr> = match remote {
            Some(r) => vec![r],
            None => k
                .fdb_entries(ns)
                .into_iter()
                .filter(|(d, _, _)| d == dev)
                .map(|(_, _, ip)| ip)
                .collect(),
        };
        for d in dsts {
            let Some((far, _)) = owner(k, d) else {
                continue;
            };
            let brs: Vec<String> = k
                .links(&far)
                .into_iter()
                .filter(|l| l.vxlan.as_ref().is_some_and(|v| v.id == id))
                .filter_map(|l| l.master)
                .collect();
            for b in brs {
                self.bridge(k, &far, &b);
            }
        }
    }
}

/// The ends reachable from `dev` in `ns` (not `dev` itself), and the segment in words:
/// `veth1 → bridge0`.
pub(crate) fn ends(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> (Vec<End>, String) {
    let mut w = Walk {
        seen: vec![(ns.clone(), dev.to_string())],
        ends: vec![],
    };
    let Some(l) = detail(k, ns, dev) else {
        return (vec![], dev.to_string());
    };
    let mut words = dev.to_string();
    if l.kind == Some(LinkKind::Bridge) {
        w.seen.clear();
        w.bridge(k, ns, dev);
        w.ends.retain(|e| !(e.ns == *ns && e.link == dev));
    } else if let Some(b) = &l.master {
        words = format!("{dev} → {b}");
        w.bridge(k, ns, b);
    } else if let Some((pns, p)) = peer_of(k, ns, &l) {
        if let Some(b) = &p.master {
            words = format!("{dev} → {b}");
        }
        w.link(k, &pns, &p);
    }
    (w.ends, words)
}
