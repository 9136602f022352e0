//! `LinkAdd`: a bridge, a veth pair or a VXLAN device is made, found as asked (only what differs
//! is set), or refused when what holds the name is something else.

use super::{in_place, kind_words, missing, refuse, Owned, Problem, World};
use crate::plan::op::{LinkSpec, OpKind};
use crate::plan::verdict::{Judged, Verdict};
use crate::plan::view::{LinkView, NsView};
use crate::plan::vxlan::VxlanSpec;
use crate::sys::LinkKind;
use crate::sys::Netns;
use crate::sys::ObjectKey;
use std::time::{Duration, Instant};

/// The fields of the `LinkAdd` being judged.
struct Asked<'o> {
    ns: &'o Netns,
    name: &'o String,
    kind: &'o LinkSpec,
    master: &'o Option<String>,
    up: bool,
    mtu: Option<u32>,
}

/// A veth's other end as asked, and what holds that name now.
struct Peer {
    ns: Netns,
    name: String,
    found: Option<LinkView>,
}

impl World<'_> {
    pub(super) fn judge_link_add(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        let OpKind::LinkAdd {
            ns,
            name,
            kind,
            master,
            up,
            mtu,
        } = op
        else {
            unreachable!("judge sends only LinkAdd here")
        };
        let a = Asked {
            ns,
            name,
            kind,
            master,
            up: *up,
            mtu: *mtu,
        };
        if let Some(m) = master {
            self.need_bridge(ns, m)?;
        }
        if let LinkSpec::Vxlan(v) = kind {
            self.need_vxlan_dev(&a, v)?;
        }
        // A veth whose other end is to be in a namespace this flush creates cannot be this
        // lab's as it stands: most likely it goes with a lab just removed.
        let peer_fresh =
            matches!(kind, LinkSpec::Veth { peer_ns, .. } if self.fresh.contains(peer_ns));
        let existing = match self.link(ns, name)? {
            Some(l)
                if l.kind == Some(LinkKind::Veth)
                    && (peer_fresh || self.backend.going(ns, name)) =>
            {
                self.wait_gone(ns, name)?
            }
            other => other,
        };
        let peer = match kind {
            LinkSpec::Veth { peer, peer_ns } => Some(Peer {
                ns: peer_ns.clone(),
                name: peer.clone(),
                found: self.link(peer_ns, peer)?,
            }),
            LinkSpec::Bridge | LinkSpec::Vxlan(_) => None,
        };
        match existing {
            Some(l) => {
                same_link(&a, &l, peer.as_ref())?;
                let steps = self.settle(&a, &l)?;
                let verdict = in_place(op, owned);
                Ok(Judged { verdict, steps })
            }
            None => {
                if let Some(p) = &peer {
                    peer_free(&a, p)?;
                }
                self.add_new(&a, peer.as_ref())?;
                Ok(Judged::apply(Verdict::Create, op))
            }
        }
    }

    /// A veth end that goes with a namespace being dismantled (a lab just removed): wait for
    /// it, so that a run right after `down` makes its link anew. The kernel takes a few
    /// seconds for a few hundred namespaces on a busy machine; and a namespace whose last user
    /// just exited is dismantled only once its sockets are freed, a moment later: an end that
    /// is not seen going within `SOFT` stays, and is judged as it is. What is there after.
    fn wait_gone(&mut self, ns: &Netns, name: &str) -> Result<Option<LinkView>, Problem> {
        const SOFT: Duration = Duration::from_secs(1);
        const HARD: Duration = Duration::from_secs(15);
        let start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.backend.observe(ns)?;
            let waited = start.elapsed();
            let gone = !now.links.contains_key(name);
            if gone || waited >= HARD || (waited >= SOFT && !self.backend.going(ns, name)) {
                // Others went too (a whole lab's veths go together): the view forgets them.
                self.forget_gone(ns, &now)?;
                return self.link(ns, name);
            }
        }
    }

    /// Drop from the view of `ns` the links the kernel no longer has, but not those this
    /// flush makes (a veth and its other end).
    fn forget_gone(&mut self, ns: &Netns, now: &NsView) -> Result<(), Problem> {
        let key = |n: &str| ObjectKey::Link {
            ns: ns.clone(),
            name: n.to_string(),
        };
        let made = self.made.clone();
        let view = self.view(ns)?;
        let mut planned: Vec<String> = vec![];
        for (n, l) in &view.links {
            if made.contains(&key(n)) {
                planned.push(n.clone());
                planned.extend(
                    l.peer
                        .iter()
                        .filter(|(p, _)| p == ns)
                        .map(|(_, e)| e.clone()),
                );
            }
        }
        view.links
            .retain(|n, _| now.links.contains_key(n) || planned.contains(n));
        Ok(())
    }

    /// It exists: only what differs is set, and the view takes the settings.
    fn settle(&mut self, a: &Asked, l: &LinkView) -> Result<Vec<OpKind>, Problem> {
        let (ns, name) = (a.ns.clone(), a.name.clone());
        let mut steps = vec![];
        if a.master.is_some() && l.master != *a.master {
            steps.push(OpKind::LinkSetMaster {
                ns: ns.clone(),
                name: name.clone(),
                master: a.master.clone(),
            });
        }
        if let Some(m) = a.mtu {
            if l.mtu != m {
                steps.push(OpKind::LinkSetMtu {
                    ns: ns.clone(),
                    name: name.clone(),
                    mtu: m,
                });
            }
        }
        if a.up && !l.up {
            steps.push(OpKind::LinkSetUp { ns, name, up: true });
        }
        let v = self.view(a.ns)?.links.get_mut(a.name).unwrap();
        if a.master.is_some() {
            v.master = a.master.clone();
        }
        v.up |= a.up;
        Ok(steps)
    }

    /// A new link, and a new veth's other end, in the views.
    fn add_new(&mut self, a: &Asked, peer: Option<&Peer>) -> Result<(), Problem> {
        let made = LinkView {
            kind: Some(a.kind.kind()),
            master: a.master.clone(),
            up: a.up,
            mtu: a.mtu.unwrap_or(1500),
            peer: peer.map(|p| (p.ns.clone(), p.name.clone())),
            alias: self.tag.clone(),
            vni: match a.kind {
                LinkSpec::Vxlan(v) => Some(v.id),
                _ => None,
            },
        };
        self.view(a.ns)?.links.insert(a.name.clone(), made);
        if let Some(Peer {
            ns: pns,
            name: pname,
            found: None,
        }) = peer
        {
            let end = LinkView {
                alias: self.tag.clone(),
                ..new_peer_end(a)
            };
            self.view(pns)?.links.insert(pname.clone(), end);
        }
        Ok(())
    }

    /// A VXLAN's underlay link must exist before the tunnel is made on it.
    fn need_vxlan_dev(&mut self, a: &Asked, v: &VxlanSpec) -> Result<(), Problem> {
        let (ns, name) = (a.ns, a.name);
        if let Some(d) = &v.dev {
            if self.link(ns, d)?.is_none() {
                return Err(missing(
                    format!("cannot create vxlan {name}: its dev {d} does not exist on {ns}"),
                    format!("dev is the underlay link the tunnel leaves by: create {d} first (wire(...)), or name an existing link of {ns}"),
                ));
            }
        }
        Ok(())
    }
}

/// What holds the name already must be what the op makes: its kind, a VXLAN's VNI, a veth's peer.
fn same_link(a: &Asked, l: &LinkView, peer: Option<&Peer>) -> Result<(), Problem> {
    let (ns, name) = (a.ns, a.name);
    let want = a.kind.kind_name();
    if l.kind != Some(a.kind.kind()) {
        return Err(refuse(
            format!(
                "{name} already exists on {ns} but is {}, not a {want}",
                kind_words(l)
            ),
            format!("pick another name, or delete the existing {name} first"),
        ));
    }
    if let LinkSpec::Vxlan(v) = a.kind {
        same_vni(a, v, l)?;
    }
    match peer {
        Some(p) => same_peer(a, l, p),
        None => Ok(()),
    }
}

fn same_vni(a: &Asked, v: &VxlanSpec, l: &LinkView) -> Result<(), Problem> {
    let (ns, name) = (a.ns, a.name);
    if let Some(vni) = l.vni {
        if vni != v.id {
            return Err(refuse(
                format!("{name} already exists on {ns} with VNI {vni}, not {}", v.id),
                format!("pick another name, or delete the existing {name} first"),
            ));
        }
    }
    Ok(())
}

/// An existing veth must have the asked peer: where its peer is known, that one; in any case a
/// veth of that name where the peer is asked to be.
fn same_peer(a: &Asked, l: &LinkView, p: &Peer) -> Result<(), Problem> {
    let (ns, name) = (a.ns, a.name);
    let (pns, pname) = (&p.ns, &p.name);
    if let Some((ons, oname)) = &l.peer {
        if (ons, oname) != (pns, pname) {
            return Err(refuse(
                format!("{name} already exists on {ns}, but its peer is {oname} on {ons}, not {pname} on {pns}"),
                format!("delete the existing {name}, or name the veth pair as it stands"),
            ));
        }
    }
    if p.found.as_ref().and_then(|p| p.kind.as_ref()) != Some(&LinkKind::Veth) {
        return Err(refuse(
            format!("{name} already exists on {ns}, but its peer {pname} is not on {pns}"),
            format!("delete the existing {name}, or name the veth pair as it stands"),
        ));
    }
    Ok(())
}

/// A new veth's peer name must be free where the peer is to be made.
fn peer_free(a: &Asked, p: &Peer) -> Result<(), Problem> {
    let name = a.name;
    let (pns, pname) = (&p.ns, &p.name);
    match &p.found {
        Some(held) => Err(refuse(
            format!(
                "cannot create veth {name} ↔ {pname}: {pname} already exists on {pns} (it is {})",
                kind_words(held)
            ),
            format!("pick another peer name, or delete {pname} on {pns} first"),
        )),
        None => Ok(()),
    }
}

/// The other end of a new veth pair, as the kernel makes it: down, no master.
fn new_peer_end(a: &Asked) -> LinkView {
    LinkView {
        kind: Some(LinkKind::Veth),
        master: None,
        up: false,
        mtu: 1500,
        peer: Some((a.ns.clone(), a.name.clone())),
        alias: None,
        vni: None,
    }
}
