//! Every namespace an op names, and the same op with its namespaces renamed: a run across
//! machines sends a far host's ops to that machine with the names they have there.

use super::op::{LinkSpec, OpKind};
use crate::sys::Netns;

impl OpKind {
    /// The stacks this op names: where it is sent, a veth's far end, a move's target; for
    /// `NetnsAdd`/`NetnsDel`, the namespace itself.
    pub(crate) fn stacks(&self) -> Vec<Netns> {
        use OpKind::*;
        match self {
            NetnsAdd { name } | NetnsDel { name } => vec![Netns::named(name)],
            LinkAdd {
                ns,
                kind: LinkSpec::Veth { peer_ns, .. },
                ..
            } => vec![ns.clone(), peer_ns.clone()],
            LinkSetNs { ns, to, .. } => vec![ns.clone(), to.clone()],
            LinkDel {
                ns,
                peer: Some((p, _)),
                ..
            } => vec![ns.clone(), p.clone()],
            _ => vec![self.ns()],
        }
    }

    /// The op with each namespace it names passed through `f` (`NetnsAdd`/`NetnsDel`: their
    /// name, which `f` must keep a named namespace).
    pub(crate) fn map_ns(mut self, f: &dyn Fn(Netns) -> Netns) -> OpKind {
        use OpKind::*;
        let name_of = |name: String| match f(Netns::Named(name.clone())) {
            Netns::Named(n) => n,
            Netns::Root | Netns::Adopted(_) => name,
        };
        let g = |ns: &mut Netns| *ns = f(std::mem::replace(ns, Netns::Root));
        match &mut self {
            NetnsAdd { name } | NetnsDel { name } => *name = name_of(std::mem::take(name)),
            LinkAdd { ns, kind, .. } => {
                g(ns);
                if let LinkSpec::Veth { peer_ns, .. } = kind {
                    g(peer_ns);
                }
            }
            LinkSetNs { ns, to, .. } => {
                g(ns);
                g(to);
            }
            LinkDel { ns, peer, .. } => {
                g(ns);
                if let Some((p, _)) = peer {
                    g(p);
                }
            }
            LinkRequire { ns, .. }
            | LinkSetMaster { ns, .. }
            | LinkSetUp { ns, .. }
            | LinkSetMtu { ns, .. }
            | AddrAdd { ns, .. }
            | AddrDel { ns, .. }
            | RouteAdd { ns, .. }
            | RouteDel { ns, .. }
            | Sysctl { ns, .. }
            | RuleAdd { ns, .. }
            | RuleDel { ns, .. }
            | Policy { ns, .. }
            | ChainAdd { ns, .. }
            | ChainDel { ns, .. }
            | FdbAdd { ns, .. }
            | FdbDel { ns, .. } => g(ns),
        }
        self
    }
}
