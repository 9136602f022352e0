//! Bridges joined by veth cables (a Mininet tree, switches in one stack or in several): the
//! chain of bridges a frame crosses from one bridge to the bridge that holds its target.

use super::kernel::Kernel;
use super::link_find::{find, peer};
use crate::sys::{LinkKind, Netns};
use std::collections::{HashMap, HashSet, VecDeque};

/// One cable between two bridges: `out`, a port of `br` in `ns`, to `in_port`, a port of
/// `to_br` in `to_ns`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trunk {
    pub(crate) ns: Netns,
    pub(crate) br: String,
    pub(crate) out: String,
    pub(crate) to_ns: Netns,
    pub(crate) to_br: String,
    pub(crate) in_port: String,
}

type Node = (Netns, String);

/// The shortest chain of trunks from bridge `br` in `at` to bridge `goal`; `None` when no chain
/// of veth cables joins them (the search visits each bridge once).
pub(crate) fn trunks(
    k: &mut dyn Kernel,
    at: &Netns,
    br: &str,
    goal: (&Netns, &str),
) -> Option<Vec<Trunk>> {
    let start: Node = (at.clone(), br.to_string());
    let mut came: HashMap<Node, Trunk> = HashMap::new();
    let mut seen: HashSet<Node> = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([start.clone()]);
    while let Some((ns, b)) = queue.pop_front() {
        if ns == *goal.0 && b == goal.1 {
            return Some(chain(&came, &start, (ns, b)));
        }
        for t in cables(k, &ns, &b) {
            let node = (t.to_ns.clone(), t.to_br.clone());
            if seen.insert(node.clone()) {
                came.insert(node.clone(), t);
                queue.push_back(node);
            }
        }
    }
    None
}

/// The trunks back from `end` to `start`, in the frame's order.
fn chain(came: &HashMap<Node, Trunk>, start: &Node, mut end: Node) -> Vec<Trunk> {
    let mut out = vec![];
    while end != *start {
        let Some(t) = came.get(&end) else { break };
        end = (t.ns.clone(), t.br.clone());
        out.push(t.clone());
    }
    out.reverse();
    out
}

/// The veth ports of `br` in `ns` whose other end is a port of another bridge.
fn cables(k: &mut dyn Kernel, ns: &Netns, br: &str) -> Vec<Trunk> {
    let ports: Vec<_> = k
        .links(ns)
        .into_iter()
        .filter(|l| l.master.as_deref() == Some(br) && l.kind == Some(LinkKind::Veth))
        .collect();
    let mut out = vec![];
    for p in ports {
        let Some((pns, pl)) = peer(k, ns, &p) else {
            continue;
        };
        let Some(m) = pl.master.clone() else {
            continue;
        };
        if find(k, &pns, &m).is_some_and(|b| b.kind == Some(LinkKind::Bridge)) {
            out.push(Trunk {
                ns: ns.clone(),
                br: br.to_string(),
                out: p.name,
                to_ns: pns,
                to_br: m,
                in_port: pl.name,
            });
        }
    }
    out
}
