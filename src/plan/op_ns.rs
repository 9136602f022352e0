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
    pub(crate) fn map_ns(self, f: &dyn Fn(Netns) -> Netns) -> OpKind {
        use OpKind::*;
        let name_of = |name: String| match f(Netns::Named(name.clone())) {
            Netns::Named(n) => n,
            Netns::Root => name,
        };
        match self {
            NetnsAdd { name } => NetnsAdd {
                name: name_of(name),
            },
            NetnsDel { name } => NetnsDel {
                name: name_of(name),
            },
            LinkAdd {
                ns,
                name,
                kind,
                master,
                up,
                mtu,
            } => LinkAdd {
                ns: f(ns),
                name,
                kind: match kind {
                    LinkSpec::Veth { peer, peer_ns } => LinkSpec::Veth {
                        peer,
                        peer_ns: f(peer_ns),
                    },
                    k => k,
                },
                master,
                up,
                mtu,
            },
            LinkSetNs { ns, name, to } => LinkSetNs {
                ns: f(ns),
                name,
                to: f(to),
            },
            LinkDel { ns, name, peer } => LinkDel {
                ns: f(ns),
                name,
                peer: peer.map(|(p, n)| (f(p), n)),
            },
            LinkRequire { ns, name } => LinkRequire { ns: f(ns), name },
            LinkSetMaster { ns, name, master } => LinkSetMaster {
                ns: f(ns),
                name,
                master,
            },
            LinkSetUp { ns, name, up } => LinkSetUp {
                ns: f(ns),
                name,
                up,
            },
            LinkSetMtu { ns, name, mtu } => LinkSetMtu {
                ns: f(ns),
                name,
                mtu,
            },
            AddrAdd { ns, link, addr } => AddrAdd {
                ns: f(ns),
                link,
                addr,
            },
            AddrDel { ns, link, addr } => AddrDel {
                ns: f(ns),
                link,
                addr,
            },
            RouteAdd { ns, dst, via, dev } => RouteAdd {
                ns: f(ns),
                dst,
                via,
                dev,
            },
            RouteDel { ns, dst, via, dev } => RouteDel {
                ns: f(ns),
                dst,
                via,
                dev,
            },
            Sysctl { ns, key, value } => Sysctl {
                ns: f(ns),
                key,
                value,
            },
            RuleAdd { ns, rule, insert } => RuleAdd {
                ns: f(ns),
                rule,
                insert,
            },
            RuleDel { ns, rule } => RuleDel { ns: f(ns), rule },
            Policy {
                ns,
                table,
                chain,
                policy,
            } => Policy {
                ns: f(ns),
                table,
                chain,
                policy,
            },
            ChainAdd { ns, table, chain } => ChainAdd {
                ns: f(ns),
                table,
                chain,
            },
            ChainDel { ns, table, chain } => ChainDel {
                ns: f(ns),
                table,
                chain,
            },
            FdbAdd { ns, dev, mac, dst } => FdbAdd {
                ns: f(ns),
                dev,
                mac,
                dst,
            },
            FdbDel { ns, dev, mac, dst } => FdbDel {
                ns: f(ns),
                dev,
                mac,
                dst,
            },
        }
    }
}
