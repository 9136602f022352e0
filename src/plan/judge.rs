//! Judging each op of a coalesced plan against the kernel: create, change, unchanged (a replay),
//! adopted (someone else's, and it matches), or a conflict — all before the first change is made.

use super::observe::Observe;
use super::op::{LinkKind, OpKind};
use super::render::dst_text;
use super::verdict::{Judged, Refusal, Verdict};
use super::view::{LinkView, NsView, RouteView};
use crate::sys::{Failure, Netns};
use std::collections::{BTreeSet, HashMap};

/// The kernel as the plan will leave it, read lazily and updated op by op.
pub struct World<'a> {
    backend: &'a mut dyn Observe,
    named: Option<BTreeSet<String>>,
    views: HashMap<Netns, NsView>,
    /// Namespaces this flush creates: nothing in them can be read yet.
    fresh: BTreeSet<Netns>,
    /// Rules this flush adds, so a duplicate in the same plan is not added twice.
    rules_added: HashMap<Netns, Vec<crate::firewall::Rule>>,
    /// The rules each namespace had when this flush first looked (iptables-save).
    saved_rules: HashMap<Netns, Vec<crate::firewall::Listed>>,
    /// FDB entries per namespace, read when a plan touches them.
    fdb: HashMap<Netns, Vec<Fdb>>,
}

/// An FDB entry with a remote: (dev, mac, dst).
type Fdb = (String, String, std::net::IpAddr);

pub enum Problem {
    Refused(Refusal),
    Kernel(Failure),
}

impl From<Failure> for Problem {
    fn from(f: Failure) -> Self {
        Problem::Kernel(f)
    }
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem::Refused(Refusal::new(message, help))
}

fn missing(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem::Refused(Refusal::missing(message, help))
}

impl<'a> World<'a> {
    pub fn new(backend: &'a mut dyn Observe) -> Self {
        World {
            backend,
            named: None,
            views: HashMap::new(),
            fresh: BTreeSet::new(),
            rules_added: HashMap::new(),
            saved_rules: HashMap::new(),
            fdb: HashMap::new(),
        }
    }

    fn named(&mut self) -> Result<&mut BTreeSet<String>, Failure> {
        if self.named.is_none() {
            self.named = Some(self.backend.named_netns()?);
        }
        Ok(self.named.as_mut().unwrap())
    }

    fn view(&mut self, ns: &Netns) -> Result<&mut NsView, Problem> {
        if !self.views.contains_key(ns) {
            if let Netns::Named(n) = ns {
                if !self.named()?.contains(n) {
                    return Err(missing(
                        format!("namespace {n} does not exist"),
                        format!("create it first with ns(\"{n}\")"),
                    ));
                }
            }
            let v = self.backend.observe(ns)?;
            self.views.insert(ns.clone(), v);
        }
        Ok(self.views.get_mut(ns).unwrap())
    }

    fn link(&mut self, ns: &Netns, name: &str) -> Result<Option<LinkView>, Problem> {
        Ok(self.view(ns)?.links.get(name).cloned())
    }

    fn need_link(&mut self, ns: &Netns, name: &str) -> Result<LinkView, Problem> {
        match self.link(ns, name)? {
            Some(l) => Ok(l),
            None => Err(missing(
                format!("there is no link {name} on {ns}"),
                format!("create it first, or check its name with {}", list_hint(ns)),
            )),
        }
    }

    pub fn judge(
        &mut self,
        op: &OpKind,
        owned: &dyn Fn(&crate::sys::ObjectKey) -> bool,
    ) -> Result<Judged, Problem> {
        use OpKind::*;
        let mine = |op: &OpKind| {
            if op.object_key().is_some_and(|k| owned(&k)) {
                Verdict::Unchanged
            } else {
                Verdict::Adopted
            }
        };
        match op {
            NetnsAdd { name } => {
                if self.named()?.contains(name) {
                    return Ok(Judged::nothing(mine(op)));
                }
                self.named()?.insert(name.clone());
                let ns = Netns::Named(name.clone());
                self.views.insert(ns.clone(), NsView::fresh());
                self.fresh.insert(ns);
                Ok(Judged::apply(Verdict::Create, op))
            }
            NetnsDel { name } => {
                if !self.named()?.remove(name) {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                self.views.remove(&Netns::Named(name.clone()));
                Ok(Judged::apply(Verdict::Change, op))
            }
            LinkAdd {
                ns,
                name,
                kind,
                master,
                up,
                mtu,
            } => {
                if let Some(m) = master {
                    self.need_bridge(ns, m)?;
                }
                if let LinkKind::Vxlan(v) = kind {
                    if let Some(d) = &v.dev {
                        if self.link(ns, d)?.is_none() {
                            return Err(missing(
                                format!("cannot create vxlan {name}: its dev {d} does not exist on {ns}"),
                                format!("dev is the underlay link the tunnel leaves by: create {d} first (wire(...)), or name an existing link of {ns}"),
                            ));
                        }
                    }
                }
                let existing = self.link(ns, name)?;
                let peer = match kind {
                    LinkKind::Veth { peer, peer_ns } => {
                        Some((peer_ns.clone(), peer.clone(), self.link(peer_ns, peer)?))
                    }
                    LinkKind::Bridge | LinkKind::Vxlan(_) => None,
                };
                if let Some(l) = &existing {
                    let want = kind.kind_name();
                    if l.kind.as_deref() != Some(want) {
                        return Err(refuse(
                            format!(
                                "{name} already exists on {ns} but is {}, not a {want}",
                                kind_words(l)
                            ),
                            format!("pick another name, or delete the existing {name} first"),
                        ));
                    }
                    if let (LinkKind::Vxlan(v), Some(vni)) = (kind, l.vni) {
                        if vni != v.id {
                            return Err(refuse(
                                format!(
                                    "{name} already exists on {ns} with VNI {vni}, not {}",
                                    v.id
                                ),
                                format!("pick another name, or delete the existing {name} first"),
                            ));
                        }
                    }
                    if let (Some((pns, pname, _)), Some((ons, oname))) = (&peer, &l.peer) {
                        if (ons, oname) != (pns, pname) {
                            return Err(refuse(
                                format!("{name} already exists on {ns}, but its peer is {oname} on {ons}, not {pname} on {pns}"),
                                format!("delete the existing {name}, or name the veth pair as it stands"),
                            ));
                        }
                    }
                    if let Some((pns, pname, p)) = &peer {
                        if p.as_ref().and_then(|p| p.kind.as_deref()) != Some("veth") {
                            return Err(refuse(
                                format!("{name} already exists on {ns}, but its peer {pname} is not on {pns}"),
                                format!("delete the existing {name}, or name the veth pair as it stands"),
                            ));
                        }
                    }
                    // It exists: only what differs is set.
                    let mut steps = vec![];
                    if master.is_some() && l.master != *master {
                        steps.push(LinkSetMaster {
                            ns: ns.clone(),
                            name: name.clone(),
                            master: master.clone(),
                        });
                    }
                    if let Some(m) = mtu {
                        if l.mtu != *m {
                            steps.push(LinkSetMtu {
                                ns: ns.clone(),
                                name: name.clone(),
                                mtu: *m,
                            });
                        }
                    }
                    if *up && !l.up {
                        steps.push(LinkSetUp {
                            ns: ns.clone(),
                            name: name.clone(),
                            up: true,
                        });
                    }
                    let v = self.view(ns)?.links.get_mut(name).unwrap();
                    if master.is_some() {
                        v.master = master.clone();
                    }
                    v.up |= *up;
                    let verdict = mine(op);
                    return Ok(Judged { verdict, steps });
                }
                if let Some((pns, pname, Some(p))) = &peer {
                    return Err(refuse(
                        format!(
                            "cannot create veth {name} ↔ {pname}: {pname} already exists on {pns} (it is {})",
                            kind_words(p)
                        ),
                        format!("pick another peer name, or delete {pname} on {pns} first"),
                    ));
                }
                let v = self.view(ns)?;
                v.links.insert(
                    name.clone(),
                    LinkView {
                        kind: Some(kind.kind_name().to_string()),
                        master: master.clone(),
                        up: *up,
                        mtu: mtu.unwrap_or(1500),
                        peer: peer
                            .as_ref()
                            .map(|(pns, pname, _)| (pns.clone(), pname.clone())),
                        alias: None,
                        vni: match kind {
                            LinkKind::Vxlan(v) => Some(v.id),
                            _ => None,
                        },
                    },
                );
                if let Some((pns, pname, None)) = &peer {
                    self.view(pns)?.links.insert(
                        pname.clone(),
                        LinkView {
                            kind: Some("veth".to_string()),
                            master: None,
                            up: false,
                            mtu: 1500,
                            peer: Some((ns.clone(), name.clone())),
                            alias: None,
                            vni: None,
                        },
                    );
                }
                Ok(Judged::apply(Verdict::Create, op))
            }
            LinkRequire { ns, name } => {
                if !self.backend.is_live() && self.link(ns, name)?.is_none() {
                    // A dry run has no kernel to ask: the link is assumed, and the bash script
                    // checks it (`ip link show eth0 >/dev/null || exit 1`).
                    self.view(ns)?
                        .links
                        .insert(name.clone(), LinkView::default());
                    return Ok(Judged::apply(Verdict::Adopted, op));
                }
                self.need_link(ns, name)?;
                Ok(Judged::nothing(Verdict::Adopted))
            }
            LinkSetNs { ns, name, to } => {
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
                        self.view(ns)?.links.remove(name);
                        self.view(ns)?.addrs.retain(|(d, _)| d != name);
                        self.view(ns)?
                            .routes
                            .retain(|r| r.dev.as_deref() != Some(name));
                        if let Some((pns, pname)) = &l.peer {
                            if let Some(p) =
                                self.views.get_mut(pns).and_then(|v| v.links.get_mut(pname))
                            {
                                p.peer = Some((to.clone(), name.clone()));
                            }
                        }
                        let moved = LinkView {
                            master: None,
                            up: false,
                            ..l
                        };
                        self.view(to)?.links.insert(name.clone(), moved);
                        Ok(Judged::apply(Verdict::Change, op))
                    }
                }
            }
            LinkSetMaster { ns, name, master } => {
                let l = self.need_link(ns, name)?;
                if let Some(m) = master {
                    self.need_bridge(ns, m)?;
                }
                if l.master == *master {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                self.view(ns)?.links.get_mut(name).unwrap().master = master.clone();
                Ok(Judged::apply(Verdict::Change, op))
            }
            LinkSetUp { ns, name, up } => {
                let l = self.need_link(ns, name)?;
                if l.up == *up {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                self.view(ns)?.links.get_mut(name).unwrap().up = *up;
                Ok(Judged::apply(Verdict::Change, op))
            }
            LinkSetMtu { ns, name, mtu } => {
                let l = self.need_link(ns, name)?;
                if l.mtu == *mtu {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                self.view(ns)?.links.get_mut(name).unwrap().mtu = *mtu;
                Ok(Judged::apply(Verdict::Change, op))
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
            AddrAdd { ns, link, addr } => {
                self.need_link(ns, link)?;
                let v = self.view(ns)?;
                if let Some((owner, held)) = v.addr_owner(addr.addr()) {
                    if owner == link && held == addr {
                        return Ok(Judged::nothing(mine(op)));
                    }
                    return Err(refuse(
                        format!(
                            "cannot add {addr} to {link} on {ns}: {} already holds {held}",
                            owner
                        ),
                        format!("pick another address, or remove it from {owner} first (.del_addr(\"{held}\"))"),
                    ));
                }
                v.addrs.push((link.clone(), *addr));
                Ok(Judged::apply(Verdict::Create, op))
            }
            AddrDel { ns, link, addr } => {
                let v = self.view(ns)?;
                let before = v.addrs.len();
                v.addrs.retain(|(l, a)| !(l == link && a == addr));
                if v.addrs.len() == before {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                Ok(Judged::apply(Verdict::Change, op))
            }
            RouteAdd { ns, dst, via, dev } => {
                if let Some(d) = dev {
                    self.need_link(ns, d)?;
                }
                let v = self.view(ns)?;
                if let Some(gw) = via {
                    if !v.on_link(*gw) {
                        return Err(refuse(
                            format!("cannot add route {} via {gw} on {ns}: {gw} is on no subnet attached there", dst_text(dst)),
                            format!("give a link of {ns} an address in {gw}'s subnet first, or route via an address that is on one"),
                        ));
                    }
                }
                if let Some(r) = v.routes.iter().find(|r| r.dst == *dst) {
                    let same = r.via == *via && (dev.is_none() || r.dev == *dev);
                    if same {
                        return Ok(Judged::nothing(mine(op)));
                    }
                    let held = match (&r.via, &r.dev) {
                        (Some(g), _) => format!("via {g}"),
                        (None, Some(d)) => format!("dev {d}"),
                        _ => "elsewhere".to_string(),
                    };
                    return Err(refuse(
                        format!("cannot add route {} on {ns}: it already routes {} {held}", dst_text(dst), dst_text(dst)),
                        "delete the existing route first (.del_route(...)), or pick another destination".to_string(),
                    ));
                }
                v.routes.push(RouteView {
                    dst: *dst,
                    via: *via,
                    dev: dev.clone(),
                });
                Ok(Judged::apply(Verdict::Create, op))
            }
            RouteDel { ns, dst, .. } => {
                let v = self.view(ns)?;
                let before = v.routes.len();
                v.routes.retain(|r| r.dst != *dst);
                if v.routes.len() == before {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                Ok(Judged::apply(Verdict::Change, op))
            }
            FdbAdd { ns, dev, mac, dst } => {
                let l = self.need_link(ns, dev)?;
                if l.kind.as_deref() != Some("vxlan") {
                    return Err(refuse(
                        format!("{dev} on {ns} is {}, not a vxlan: fdb entries with a dst are a VXLAN's", kind_words(&l)),
                        "pass the vxlan device, e.g. fdb(vxlan(\"vxlan1\", ...), #{ mac: \"00:00:00:00:00:00\", dst: \"172.31.131.150\" })",
                    ));
                }
                let entry = (dev.clone(), mac.clone(), *dst);
                let have = self.fdb_of(ns)?;
                if have.contains(&entry) {
                    return Ok(Judged::nothing(mine(op)));
                }
                have.push(entry);
                Ok(Judged::apply(Verdict::Create, op))
            }
            FdbDel { ns, dev, mac, dst } => {
                let entry = (dev.clone(), mac.clone(), *dst);
                let have = self.fdb_of(ns)?;
                match have.iter().position(|e| *e == entry) {
                    Some(i) => {
                        have.remove(i);
                        Ok(Judged::apply(Verdict::Change, op))
                    }
                    None => Ok(Judged::nothing(Verdict::Unchanged)),
                }
            }
            RuleAdd { ns, rule } => {
                let added = self.rules_added.entry(ns.clone()).or_default();
                if added.contains(rule) {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                added.push(rule.clone());
                if self.fresh.contains(ns) {
                    return Ok(Judged::apply(Verdict::Create, op));
                }
                if let Netns::Named(n) = ns {
                    if !self.named()?.contains(n) {
                        return Err(missing(
                            format!("namespace {n} does not exist"),
                            format!("create it first with ns(\"{n}\")"),
                        ));
                    }
                }
                // One iptables-save per namespace per flush: a chain with no rules holds no
                // copy of this one, so most rules need no `iptables -C` process at all.
                if !self.saved_rules.contains_key(ns) {
                    let listed = self.backend.rules(ns)?;
                    self.saved_rules.insert(ns.clone(), listed);
                }
                let chain_empty = !self.saved_rules[ns]
                    .iter()
                    .any(|l| l.table == rule.table && l.chain == rule.chain);
                if chain_empty {
                    return Ok(Judged::apply(Verdict::Create, op));
                }
                if self.backend.rule_exists(ns, rule)? {
                    return Ok(Judged::nothing(mine(op)));
                }
                if self.backend.rule_exists(ns, &rule.untagged())? {
                    return Ok(Judged::nothing(Verdict::Adopted));
                }
                Ok(Judged::apply(Verdict::Create, op))
            }
            RuleDel { ns, rule } => {
                let added = self.rules_added.entry(ns.clone()).or_default();
                if let Some(i) = added.iter().position(|r| r == rule) {
                    added.remove(i);
                    return Ok(Judged::apply(Verdict::Change, op));
                }
                if self.fresh.contains(ns) {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                if self.backend.rule_exists(ns, rule)? {
                    return Ok(Judged::apply(Verdict::Change, op));
                }
                // The script names the rule: remove it even if someone else made it.
                let plain = rule.untagged();
                if self.backend.rule_exists(ns, &plain)? {
                    return Ok(Judged::apply(
                        Verdict::Change,
                        &RuleDel {
                            ns: ns.clone(),
                            rule: plain,
                        },
                    ));
                }
                Ok(Judged::nothing(Verdict::Unchanged))
            }
            Sysctl { ns, key, value } => {
                if self.fresh.contains(ns) {
                    return Ok(Judged::apply(Verdict::Create, op));
                }
                if let Netns::Named(_) = ns {
                    self.view(ns)?;
                }
                match self.backend.read_sysctl(ns, key)? {
                    Some(v) if v == *value => Ok(Judged::nothing(mine(op))),
                    _ => Ok(Judged::apply(Verdict::Create, op)),
                }
            }
        }
    }

    /// The FDB entries of a namespace, read once per flush (none in a namespace it creates).
    fn fdb_of(&mut self, ns: &Netns) -> Result<&mut Vec<Fdb>, Problem> {
        if !self.fdb.contains_key(ns) {
            let known = if self.fresh.contains(ns) {
                vec![]
            } else {
                self.backend.fdb(ns)?
            };
            self.fdb.insert(ns.clone(), known);
        }
        Ok(self.fdb.get_mut(ns).unwrap())
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
        Ok(())
    }

    fn need_bridge(&mut self, ns: &Netns, name: &str) -> Result<(), Problem> {
        match self.link(ns, name)? {
            Some(l) if l.kind.as_deref() == Some("bridge") => Ok(()),
            Some(l) => Err(refuse(
                format!("{name} on {ns} is {}, not a bridge", kind_words(&l)),
                "a link can only be enslaved to a bridge: pass a bridge(...)".to_string(),
            )),
            None => Err(missing(
                format!("there is no bridge {name} on {ns}"),
                format!("create it first with bridge(\"{name}\") on {ns}"),
            )),
        }
    }

    /// What the plan leaves: the namespaces and the views as judged.
    /// (`None`: the flush never needed the list of namespaces, so it is unchanged.)
    pub fn into_parts(
        self,
    ) -> (
        &'a mut dyn Observe,
        Option<BTreeSet<String>>,
        HashMap<Netns, NsView>,
    ) {
        (self.backend, self.named, self.views)
    }

    /// Whether the namespace was created by this flush (its sysctls need no restoring).
    pub fn is_fresh(&self, ns: &Netns) -> bool {
        self.fresh.contains(ns)
    }

    pub fn backend(&mut self) -> &mut dyn Observe {
        self.backend
    }
}

fn kind_words(l: &LinkView) -> String {
    match &l.kind {
        Some(k) => format!("a {k}"),
        None => "a device without a kind (physical or loopback)".to_string(),
    }
}

fn list_hint(ns: &Netns) -> String {
    match ns {
        Netns::Root => "links()".to_string(),
        Netns::Named(n) => format!("ns(\"{n}\").links()"),
    }
}
