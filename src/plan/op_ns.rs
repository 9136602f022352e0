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
        if let Some(ns) = self.ns_mut() {
            g(ns);
        }
        match &mut self {
            NetnsAdd { name } | NetnsDel { name } => *name = name_of(std::mem::take(name)),
            LinkAdd {
                kind: LinkSpec::Veth { peer_ns, .. },
                ..
            } => g(peer_ns),
            LinkSetNs { to, .. } => g(to),
            LinkDel {
                peer: Some((p, _)), ..
            } => g(p),
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Netns {
        Netns::named(s)
    }

    /// `map_ns` renames every namespace `stacks` names, the op's own and its far ones.
    #[test]
    fn map_ns_renames_what_stacks_names() {
        let up = |ns: Netns| match ns {
            Netns::Named(s) => Netns::Named(s.to_uppercase()),
            other => other,
        };
        let ops = [
            OpKind::NetnsAdd { name: "a".into() },
            OpKind::LinkAdd {
                ns: n("a"),
                name: "v0".into(),
                kind: LinkSpec::Veth {
                    peer: "v1".into(),
                    peer_ns: n("b"),
                },
                master: None,
                up: true,
                mtu: None,
            },
            OpKind::LinkSetNs {
                ns: Netns::Root,
                name: "v0".into(),
                to: n("c"),
            },
            OpKind::LinkDel {
                ns: n("a"),
                name: "v0".into(),
                peer: Some((n("b"), "v1".into())),
            },
            OpKind::AddrAdd {
                ns: n("d"),
                link: "v0".into(),
                addr: "10.0.0.1/24".parse().unwrap(),
            },
        ];
        for op in ops {
            let want: Vec<Netns> = op.stacks().into_iter().map(up).collect();
            let got = op.clone().map_ns(&up);
            assert_eq!(got.stacks(), want, "{op:?}");
            assert_ne!(got, op, "{op:?}");
        }
    }
}
