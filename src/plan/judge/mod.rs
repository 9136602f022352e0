//! Judging each op of a coalesced plan against the kernel: create, change, unchanged (a replay),
//! adopted (someone else's, and it matches), or a conflict — all before the first change is made.
//! `judge` sends each op to the function of its family, one file each.

mod addr;
mod chain;
mod fdb;
mod foreign;
mod link_add;
mod link_set;
mod netns;
mod route;
mod rule;
mod sysctl;
#[cfg(test)]
mod tests;

use super::error::PlanError;
use super::observe::Observe;
use super::op::{Op, OpKind};
use super::verdict::{Judged, Verdict};
use super::view::{LinkView, NsView};
use crate::sys::LinkKind;
use crate::sys::{Failure, Netns, ObjectKey};
use std::collections::{BTreeSet, HashMap};

/// The kernel as the plan will leave it, read lazily and updated op by op.
pub(crate) struct World<'a> {
    backend: &'a mut dyn Observe,
    named: Option<BTreeSet<String>>,
    views: HashMap<Netns, NsView>,
    /// Namespaces this flush creates: nothing in them can be read yet.
    fresh: BTreeSet<Netns>,
    /// Rules this flush adds, so a duplicate in the same plan is not added twice.
    rules_added: HashMap<Netns, Vec<crate::firewall::Rule>>,
    /// The rules each namespace had when this flush first looked (iptables-save).
    saved_rules: HashMap<Netns, Vec<crate::firewall::Listed>>,
    /// The chain policies this flush sets, by (namespace, table, chain).
    policies: HashMap<(Netns, String, String), String>,
    /// FDB entries per namespace, read when a plan touches them.
    fdb: HashMap<Netns, Vec<Fdb>>,
    /// The objects this flush creates: the lab's, though the journal does not have them yet.
    made: BTreeSet<ObjectKey>,
    /// The lab's tag (`netsh:<lab>`): a link or namespace carrying it is the lab's.
    tag: Option<String>,
}

/// An FDB entry with a remote: (dev, mac, dst).
type Fdb = (String, String, std::net::IpAddr);

/// Whether the journal says this lab made the object with this key.
type Owned<'o> = &'o dyn Fn(&ObjectKey) -> bool;

pub(crate) enum Problem {
    Refused(PlanError),
    Kernel(Failure),
}

impl From<Failure> for Problem {
    fn from(f: Failure) -> Self {
        Problem::Kernel(f)
    }
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem::Refused(PlanError::conflict(message, help))
}

fn missing(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem::Refused(PlanError::missing(message, help))
}

/// An op whose object is already there as asked: a replay if this lab made it, else adopted.
fn in_place(op: &OpKind, owned: Owned) -> Verdict {
    if op.object_key().is_some_and(|k| owned(&k)) {
        Verdict::Unchanged
    } else {
        Verdict::Adopted
    }
}

impl<'a> World<'a> {
    pub(crate) fn new(backend: &'a mut dyn Observe) -> Self {
        World {
            backend,
            named: None,
            views: HashMap::new(),
            fresh: BTreeSet::new(),
            rules_added: HashMap::new(),
            saved_rules: HashMap::new(),
            policies: HashMap::new(),
            fdb: HashMap::new(),
            made: BTreeSet::new(),
            tag: None,
        }
    }

    /// The lab's tag: what carries it is the lab's, and the links this flush makes will carry it.
    pub(crate) fn tagged(mut self, tag: Option<String>) -> Self {
        self.tag = tag;
        self
    }

    fn named(&mut self) -> Result<&mut BTreeSet<String>, Failure> {
        if self.named.is_none() {
            self.named = Some(self.backend.named_netns()?);
        }
        Ok(self.named.as_mut().unwrap())
    }

    /// A named namespace must be in `/run/netns` (or made by this plan) before anything in it.
    fn need_named(&mut self, ns: &Netns) -> Result<(), Problem> {
        if let Err(f) = ns.check() {
            return Err(missing(f.message, f.help.unwrap_or_default()));
        }
        if let Netns::Named(n) = ns {
            if !self.named()?.contains(n) {
                return Err(missing(
                    format!("namespace {n} does not exist"),
                    format!("create it first with ns(\"{n}\")"),
                ));
            }
        }
        Ok(())
    }

    fn view(&mut self, ns: &Netns) -> Result<&mut NsView, Problem> {
        if !self.views.contains_key(ns) {
            self.need_named(ns)?;
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

    fn need_bridge(&mut self, ns: &Netns, name: &str) -> Result<(), Problem> {
        match self.link(ns, name)? {
            Some(l) if l.kind == Some(LinkKind::Bridge) => Ok(()),
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

    /// Judge one op; deleting what the lab did not make is refused unless the script said so.
    pub(crate) fn judge(&mut self, op: &Op, owned: Owned) -> Result<Judged, Problem> {
        if !op.del_adopted {
            self.refuse_foreign_del(&op.kind, owned)?;
        }
        let judged = self.judge_kind(&op.kind, owned)?;
        if judged.verdict == Verdict::Create {
            self.made.extend(op.kind.object_key());
        }
        Ok(judged)
    }

    fn judge_kind(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        use OpKind::*;
        match op {
            NetnsAdd { .. } | NetnsDel { .. } => self.judge_netns(op, owned),
            LinkAdd { .. } => self.judge_link_add(op, owned),
            LinkRequire { .. }
            | LinkSetNs { .. }
            | LinkSetMaster { .. }
            | LinkSetUp { .. }
            | LinkSetMtu { .. }
            | LinkDel { .. } => self.judge_link_set(op),
            AddrAdd { .. } | AddrDel { .. } => self.judge_addr(op, owned),
            RouteAdd { .. } | RouteDel { .. } => self.judge_route(op, owned),
            FdbAdd { .. } | FdbDel { .. } => self.judge_fdb(op, owned),
            RuleAdd { .. } | RuleDel { .. } => self.judge_rule(op, owned),
            Policy { .. } | ChainAdd { .. } | ChainDel { .. } => self.judge_chain(op, owned),
            Sysctl { .. } => self.judge_sysctl(op, owned),
        }
    }

    /// What the plan leaves: the namespaces and the views as judged.
    /// (`None`: the flush never needed the list of namespaces, so it is unchanged.)
    pub(crate) fn into_parts(self) -> (Option<BTreeSet<String>>, HashMap<Netns, NsView>) {
        (self.named, self.views)
    }

    /// Whether the namespace was created by this flush (its sysctls need no restoring).
    pub(crate) fn is_fresh(&self, ns: &Netns) -> bool {
        self.fresh.contains(ns)
    }

    pub(crate) fn backend(&mut self) -> &mut dyn Observe {
        self.backend
    }
}

fn kind_words(l: &LinkView) -> String {
    match &l.kind {
        Some(k) => format!("a {k}"),
        None => "a device without a kind (physical or loopback)".to_string(),
    }
}

/// How a script lists a stack's links: `links()` on the host, `ns("ns1").links()`,
/// `host("h150").ns("ns2").links()` on a simulated machine.
fn list_hint(ns: &Netns) -> String {
    match ns {
        Netns::Root => "links()".to_string(),
        _ => format!("{}.links()", ns.dsl()),
    }
}
