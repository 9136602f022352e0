//! What is done to a link that exists: required, moved, enslaved, set up or down, given an MTU,
//! deleted.

use super::{kind_words, list_hint, missing, refuse, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};
use crate::plan::view::LinkView;
use crate::sys::Netns;

impl World<'_> {
    pub(super) fn judge_link_set(&mut self, op: &OpKind) -> Result<Judged, Problem> {
        use OpKind::*;
        match op {
            LinkRequire { ns, name } => self.judge_link_require(op, ns, name),
            LinkSetNs { ns, name, to } => self.judge_link_set_ns(op, ns, name, to),
            LinkSetMaster { ns, name, master } => {
                let l = self.need_link(ns, name)?;
                if let Some(m) = master {
                    self.need_bridge(ns, m)?;
                }
                self.set_on(op, ns, name, l.master == *master, |l| {
                    l.master = master.clone()
                })
            }
            LinkSetUp { ns, name, up } => {
                let l = self.need_link(ns, name)?;
                self.set_on(op, ns, name, l.up == *up, |l| l.up = *up)
            }
            LinkSetMtu { ns, name, mtu } => {
                let l = self.need_link(ns, name)?;
                self.set_on(op, ns, name, l.mtu == *mtu, |l| l.mtu = *mtu)
            }
            LinkDel { ns, name, peer } => {
                let Some(l) = self.link(ns, name)? else {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                };
                self.forget_link(ns, name)?;
                if let Some((pns, pname)) = l.peer.as_ref().or(peer.as_ref()) {
                    // The peer's namespace may be gone already; then so is the peer.
                    let _ = self.forget_link(pns, pname);
                }
                Ok(Judged::apply(Verdict::Change, op))
            }
            _ => unreachable!("judge sends only ops on existing links here"),
        }
    }

    /// A setting of an existing link: nothing when it already has it, else set in the view.
    fn set_on(
        &mut self,
        op: &OpKind,
        ns: &Netns,
        name: &str,
        already: bool,
        set: impl FnOnce(&mut LinkView),
    ) -> Result<Judged, Problem> {
        if already {
            return Ok(Judged::nothing(Verdict::Unchanged));
        }
        set(self.view(ns)?.links.get_mut(name).unwrap());
        Ok(Judged::apply(Verdict::Change, op))
    }

    fn judge_link_require(
        &mut self,
        op: &OpKind,
        ns: &Netns,
        name: &str,
    ) -> Result<Judged, Problem> {
        if !self.backend.is_live() && self.link(ns, name)?.is_none() {
            // A dry run has no kernel to ask: the link is assumed, and the bash script
            // checks it (`ip link show eth0 >/dev/null || exit 1`).
            self.view(ns)?
                .links
                .insert(name.to_string(), LinkView::default());
            return Ok(Judged::apply(Verdict::Adopted, op));
        }
        self.need_link(ns, name)?;
        Ok(Judged::nothing(Verdict::Adopted))
    }

    fn judge_link_set_ns(
        &mut self,
        op: &OpKind,
        ns: &Netns,
        name: &str,
        to: &Netns,
    ) -> Result<Judged, Problem> {
        let here = self.link(ns, name)?;
        let there = self.link(to, name)?;
        match (here, there) {
            (None, Some(_)) => Ok(Judged::nothing(Verdict::Unchanged)),
            (Some(_), Some(t)) => Err(refuse(
                format!(
                    "cannot move {name} into {to}: {to} already has a {name} ({})",
                    kind_words(&t)
                ),
                format!("rename one of them, or delete {name} on {to} first"),
            )),
            (None, None) => Err(missing(
                format!("cannot move {name} into {to}: there is no link {name} on {ns}"),
                format!("create it first, or check its name with {}", list_hint(ns)),
            )),
            (Some(l), None) => {
                self.move_link(ns, name, to, l)?;
                Ok(Judged::apply(Verdict::Change, op))
            }
        }
    }

    /// The link leaves `ns` with its addresses and routes, and arrives in `to` down, without a
    /// master; its peer learns where it went.
    fn move_link(
        &mut self,
        ns: &Netns,
        name: &str,
        to: &Netns,
        l: LinkView,
    ) -> Result<(), Problem> {
        self.view(ns)?.links.remove(name);
        self.view(ns)?.addrs.retain(|(d, _)| d != name);
        self.view(ns)?
            .routes
            .retain(|r| r.dev.as_deref() != Some(name));
        if let Some((pns, pname)) = &l.peer {
            if let Some(p) = self.views.get_mut(pns).and_then(|v| v.links.get_mut(pname)) {
                p.peer = Some((to.clone(), name.to_string()));
            }
        }
        let moved = LinkView {
            master: None,
            up: false,
            ..l
        };
        self.view(to)?.links.insert(name.to_string(), moved);
        Ok(())
    }

    /// A link is gone: its addresses, routes and ports go with it.
    fn forget_link(&mut self, ns: &Netns, name: &str) -> Result<(), Problem> {
        let v = self.view(ns)?;
        v.links.remove(name);
        v.addrs.retain(|(d, _)| d != name);
        v.routes.retain(|r| r.dev.as_deref() != Some(name));
        for other in v.links.values_mut() {
            if other.master.as_deref() == Some(name) {
                other.master = None;
            }
        }
        // Its FDB entries go with it: a device of that name made again has none.
        self.fdb_of(ns)?.retain(|(d, ..)| d != name);
        Ok(())
    }
}
