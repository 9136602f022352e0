//! The layer-3 ends of a segment: every link a frame sent on a veth or bridge can reach (the
//! veth's peer, its bridge, the bridge's other ports' peers, and over a VXLAN port the far
//! bridge of the same VNI; from a macvlan, its bridge-mode siblings and its parent's wire, not the
//! parent itself), so that an address nobody holds can be given to the one end that
//! lost it. Read from the kernel's links; bounded by the links it visits.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::macvlan_kin::{bridged, children};
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
        self.ports(k, ns, br);
    }

    /// A macvlan `l` in `ns` (parent `p` in `pns`): its frames reach its bridge-mode siblings
    /// and, out of the parent, the parent's wire; never the parent's own stack.
    fn macvlan(
        &mut self,
        k: &mut dyn Kernel,
        ns: &Netns,
        l: &LinkDetail,
        (pns, p): (&Netns, &LinkDetail),
    ) {
        for (sns, s) in children(k, pns, p.index) {
            if !(sns == *ns && s.name == l.name) && bridged(l, &s) && self.first(&sns, &s.name) {
                self.ends.push(End {
                    ns: sns,
                    link: s.name,
                    bridge: false,
                });
            }
        }
        self.seen.push((pns.clone(), p.name.clone()));
        if let Some(b) = &p.master {
            self.bridge(k, pns, b);
        } else if p.kind == Some(LinkKind::Bridge) {
            self.ports(k, pns, &p.name);
        } else if let Some((qns, q)) = peer_of(k, pns, p) {
            self.link(k, &qns, &q);
        }
    }

    /// The far ends of the ports of `br` in `ns`.
    fn ports(&mut self, k: &mut dyn Kernel, ns: &Netns, br: &str) {
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
    } else if let Some((pns, p)) = peer_of(k, ns, &l).filter(|_| l.macvlan_mode.is_some()) {
        w.macvlan(k, ns, &l, (&pns, &p));
    } else if let Some((pns, p)) = peer_of(k, ns, &l) {
        if let Some(b) = &p.master {
            words = format!("{dev} → {b}");
        }
        w.link(k, &pns, &p);
    }
    (w.ends, words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::chain::Chain;
    use crate::plan::view::NsView;
    use crate::why::route_get::{Lookup, Refusal, RouteGet};

    /// h's eth0 (2) cabled to lan's eth0; c's mv0 and h's mv-shim macvlans of h's eth0.
    struct Kin(String);

    fn link(name: &str, index: u32, kind: &str, peer: (u32, Option<&str>)) -> LinkDetail {
        let mode = (kind == "macvlan").then(|| "bridge".to_string());
        LinkDetail {
            name: name.into(),
            index,
            kind: Some(LinkKind::from_kernel(kind)),
            up: true,
            peer_index: Some(peer.0),
            peer_ns: peer.1.map(Netns::named),
            macvlan_mode: mode,
            ..LinkDetail::default()
        }
    }

    impl Kernel for Kin {
        fn namespaces(&mut self) -> Vec<Netns> {
            ["c", "h", "lan"].into_iter().map(Netns::named).collect()
        }
        fn view(&mut self, _: &Netns) -> Option<NsView> {
            None
        }
        fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
            match ns.to_string().as_str() {
                "h" => vec![
                    link("eth0", 2, "veth", (2, Some("lan"))),
                    link("mv-shim", 3, "macvlan", (2, None)),
                ],
                "lan" => vec![link("eth0", 2, "veth", (2, Some("h")))],
                "c" => {
                    let mut mv0 = link("mv0", 4, "macvlan", (2, Some("h")));
                    mv0.macvlan_mode = Some(self.0.clone());
                    vec![mv0]
                }
                _ => vec![],
            }
        }
        fn route_get(&mut self, _: &Netns, _: &Lookup) -> Result<RouteGet, Refusal> {
            Err(Refusal::words("not modelled"))
        }
        fn sysctl(&mut self, _: &Netns, _: &str) -> Option<String> {
            None
        }
        fn chain(&mut self, _: &Netns, _: &str, _: &str) -> Option<Chain> {
            None
        }
    }

    fn from_mv0(mode: &str) -> Vec<String> {
        let (all, _) = ends(&mut Kin(mode.into()), &Netns::named("c"), "mv0");
        all.iter().map(|e| format!("{} {}", e.ns, e.link)).collect()
    }

    #[test]
    fn a_bridge_mode_macvlan_reaches_its_siblings_and_the_wire_not_its_parent() {
        assert_eq!(from_mv0("bridge"), ["h mv-shim", "lan eth0"]);
    }

    #[test]
    fn a_private_or_vepa_macvlan_reaches_only_the_wire() {
        assert_eq!(from_mv0("private"), ["lan eth0"]);
        assert_eq!(from_mv0("vepa"), ["lan eth0"]);
    }
}
