//! Removing what a lab owns, in reverse order: what lives outside its namespaces, then the
//! namespaces as a whole (the kernel dismantles their links, and veth peers with them); adopted
//! objects never, nor a link or namespace that is no longer the lab's (its tag, a namespace's
//! inode).

use crate::plan::ledger::Entry;
use crate::plan::{Builder, OpKind};
use crate::sys::{Failure, Netns, ObjectKey};
use std::collections::{BTreeSet, HashMap};

/// The undo steps for a journal's entries, in the order to apply them.
#[cfg(test)]
pub(crate) fn undo_steps(entries: &[Entry]) -> Vec<OpKind> {
    undo_plan(entries).into_iter().map(|(s, _)| s).collect()
}

/// The undo steps, each with how many of the lab's objects it removes (a namespace takes what
/// is inside it, and the veths whose other end is there): what is outside the lab's
/// namespaces in reverse order, then the namespaces.
fn undo_plan(entries: &[Entry]) -> Vec<(OpKind, usize)> {
    let owned_ns: BTreeSet<Netns> = entries
        .iter()
        .filter_map(|e| match &e.undo {
            Some(OpKind::NetnsDel { name }) => Some(Netns::Named(name.clone())),
            _ => None,
        })
        .collect();
    let dies_with_ns = |ns: &Netns| owned_ns.contains(ns);
    let mut inside: HashMap<Netns, usize> = HashMap::new();
    let mut steps: Vec<(OpKind, usize)> = vec![];
    for e in entries.iter().rev() {
        let Some(undo) = &e.undo else { continue };
        if matches!(undo, OpKind::NetnsDel { .. }) {
            continue;
        }
        let with = [Some(&e.ns), e.peer_ns.as_ref()]
            .into_iter()
            .flatten()
            .find(|n| dies_with_ns(n));
        match with {
            Some(ns) => *inside.entry(ns.clone()).or_default() += 1,
            None => steps.push((undo.clone(), 1)),
        }
    }
    // Namespaces last, one request each (the kernel dismantles what is inside them): their
    // cleanup holds the rtnl lock for long, and what came after it waited (a write to
    // ip_forward spins on that lock).
    let plan: Vec<(OpKind, usize)> = entries
        .iter()
        .rev()
        .filter_map(|e| match &e.undo {
            Some(op @ OpKind::NetnsDel { name }) => {
                let n = inside.get(&Netns::Named(name.clone())).copied();
                Some((op.clone(), 1 + n.unwrap_or(0)))
            }
            _ => None,
        })
        .collect();
    steps.extend(plan);
    steps
}

/// Errors that mean "already gone": a teardown is idempotent.
pub(crate) fn already_gone(errno: Option<i32>) -> bool {
    // ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL
    matches!(errno, Some(2) | Some(3) | Some(19) | Some(99))
}

/// What a teardown did: how many of the lab's objects it removed, what it could not undo.
#[derive(Debug, Default)]
pub(crate) struct Undone {
    pub(crate) removed: usize,
    pub(crate) failed: Vec<(OpKind, Failure)>,
}

/// Apply the undo steps one by one; what is already gone is fine. Returns what failed.
pub(crate) fn teardown(
    backend: &mut dyn Builder,
    entries: &[Entry],
    lab: &str,
) -> Vec<(OpKind, Failure)> {
    undo(backend, entries, lab).failed
}

/// Apply the undo steps one by one; what is already gone, or is no longer the lab's, is left.
pub(crate) fn undo(backend: &mut dyn Builder, entries: &[Entry], lab: &str) -> Undone {
    let mut still = Still {
        tag: crate::firewall::rule::tag(lab),
        inodes: entries
            .iter()
            .filter_map(|e| match (&e.key, e.inode) {
                (ObjectKey::Netns(n), Some(i)) => Some((n.clone(), i)),
                _ => None,
            })
            .collect(),
        views: HashMap::new(),
        lo: HashMap::new(),
        in_flight: entries
            .iter()
            .filter(|e| e.in_flight)
            .filter_map(|e| match &e.undo {
                Some(OpKind::LinkDel { ns, name, .. }) => Some((ns.clone(), name.clone())),
                _ => None,
            })
            .collect(),
    };
    let mut done = Undone::default();
    let (rules, steps): (Vec<_>, Vec<_>) = undo_plan(entries)
        .into_iter()
        .partition(|(s, _)| matches!(s, OpKind::RuleDel { .. }));
    let namespaces: Vec<String> = steps
        .iter()
        .filter_map(|(s, _)| match s {
            OpKind::NetnsDel { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    if backend.is_live() && !namespaces.is_empty() {
        still.lo = backend.lo_aliases(&namespaces);
    }
    // Rules name links only as strings: they go first, one batch per namespace (one process),
    // and one by one only if a batch fails (a rule already gone makes the whole batch fail).
    let mut by_ns: Vec<(Netns, Vec<OpKind>)> = vec![];
    for (r, _) in rules {
        match by_ns.iter_mut().find(|(n, _)| *n == r.ns()) {
            Some((_, v)) => v.push(r),
            None => by_ns.push((r.ns(), vec![r])),
        }
    }
    let mut singles = vec![];
    for (_, batch) in by_ns {
        match backend.apply(&batch) {
            Ok(()) => done.removed += batch.len(),
            Err(_) => singles.extend(batch.into_iter().map(|r| (r, 1))),
        }
    }
    for (step, n) in singles.into_iter().chain(steps) {
        if !still.the_labs(backend, &step) {
            continue;
        }
        match backend.apply(std::slice::from_ref(&step)) {
            Ok(()) => done.removed += n,
            Err((_, f)) if already_gone(f.errno) => {}
            Err((_, f)) => done.failed.push((step, f)),
        }
    }
    done
}

/// Whether what an undo step deletes is still the lab's.
struct Still {
    tag: String,
    /// The namespaces' inodes, as the journal noted them.
    inodes: HashMap<String, u64>,
    /// Each namespace's links, read once.
    views: HashMap<Netns, Option<crate::plan::view::NsView>>,
    /// The alias on lo of each namespace to delete, read before any is.
    lo: HashMap<String, Option<String>>,
    /// The links of a batch never noted as applied: one without any alias is the lab's (made,
    /// then netsh was killed before it set the tag).
    in_flight: BTreeSet<(Netns, String)>,
}

impl Still {
    fn view(
        &mut self,
        backend: &mut dyn Builder,
        ns: &Netns,
    ) -> Option<&crate::plan::view::NsView> {
        self.views
            .entry(ns.clone())
            .or_insert_with(|| backend.observe(ns).ok())
            .as_ref()
    }

    /// A link is the lab's only while it carries the lab's tag, and a namespace while its lo
    /// does and it is the one the journal noted: if someone deleted either and made another of
    /// the same name, theirs stays (with a note). A rule already gone is skipped.
    fn the_labs(&mut self, backend: &mut dyn Builder, step: &OpKind) -> bool {
        let tag = self.tag.clone();
        match step {
            OpKind::LinkDel { ns, name, .. } => {
                let in_flight = self.in_flight.contains(&(ns.clone(), name.clone()));
                match self.view(backend, ns).and_then(|v| v.links.get(name)) {
                    None => false,
                    Some(l) if l.alias.is_none() && in_flight => true,
                    Some(l) if l.alias.as_deref() != Some(tag.as_str()) => {
                        eprintln!(
                            "note: left {name} on {ns}: it does not carry {tag}, so it is not this lab's any more"
                        );
                        false
                    }
                    Some(_) => true,
                }
            }
            OpKind::NetnsDel { name } => self.namespace_is_the_labs(backend, name),
            // iptables -D says only that it found none.
            OpKind::RuleDel { ns, rule } => backend.rule_exists(ns, rule).unwrap_or(true),
            OpKind::ChainDel { ns, table, chain } => backend
                .fw_chain(ns, table, chain)
                .map_or(true, |c| c.is_some()),
            _ => true,
        }
    }

    fn namespace_is_the_labs(&self, backend: &mut dyn Builder, name: &str) -> bool {
        if !backend.is_live() {
            return true; // a dry run's namespaces are only in its journal
        }
        let ns = Netns::Named(name.to_string());
        let Some(path) = ns.path() else { return false };
        let Ok(now) = crate::sys::enter::inode(Some(&path)) else {
            return false; // gone already
        };
        if !crate::sys::enter::is_netns(&path) {
            // The name netsh took before it was killed making the namespace: remove it.
            return true;
        }
        let tag = self.tag.clone();
        if self.inodes.get(name).is_some_and(|&i| i != now) {
            eprintln!(
                "note: left namespace {name}: it is not the one this lab made (that one was deleted, and someone made another of the name)"
            );
            return false;
        }
        if self.lo.get(name).cloned().flatten().as_deref() != Some(tag.as_str()) {
            eprintln!(
                "note: left namespace {name}: its lo does not carry {tag}, so it is not this lab's any more"
            );
            return false;
        }
        true
    }
}

/// Undo what was recorded since `mark` (a failed run, a failed REPL line): what the journal
/// says was made since, less sysctls another live lab shares; then forget it. Returns how many
/// objects were owned, and what could not be undone.
pub(crate) fn rollback(
    backend: &mut dyn Builder,
    journal: &mut super::Journal,
    mark: &BTreeSet<ObjectKey>,
) -> (usize, Vec<(OpKind, Failure)>) {
    let added = journal.since(mark);
    let owned = added.iter().filter(|e| !e.adopted).count();
    let failed = teardown(backend, &journal.undoable_of(&added), &journal.lab.clone());
    let keys: Vec<ObjectKey> = added.iter().map(|e| e.key.clone()).collect();
    let _ = journal.forget_keys(&keys);
    (owned, failed)
}

/// What a teardown could not undo, a line each.
pub(crate) fn failure_lines(failed: &[(OpKind, Failure)]) -> Vec<String> {
    failed
        .iter()
        .map(|(op, f)| {
            format!(
                "warning: cannot {}: {}",
                crate::plan::describe::describe(op),
                f.message
            )
        })
        .collect()
}

/// Says what a teardown could not undo.
pub(crate) fn warn_failures(failed: &[(OpKind, Failure)]) {
    for line in failure_lines(failed) {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_go_last_and_their_contents_with_them() {
        let ns1 = Netns::named("ns1");
        let e = |key: &str, ns: Netns, peer_ns: Option<Netns>, undo: OpKind| Entry {
            key: key.parse().unwrap(),
            ns,
            peer_ns,
            undo: Some(undo),
            adopted: false,
            inode: None,
            in_flight: false,
        };
        let entries = vec![
            e(
                "netns ns1",
                Netns::Root,
                None,
                OpKind::NetnsDel { name: "ns1".into() },
            ),
            e(
                "link host/br0",
                Netns::Root,
                None,
                OpKind::LinkDel {
                    ns: Netns::Root,
                    name: "br0".into(),
                    peer: None,
                },
            ),
            e(
                "link host/veth1",
                Netns::Root,
                Some(ns1.clone()),
                OpKind::LinkDel {
                    ns: Netns::Root,
                    name: "veth1".into(),
                    peer: None,
                },
            ),
            e(
                "addr ns1/eth0/10.1.1.2/24",
                ns1.clone(),
                None,
                OpKind::AddrDel {
                    ns: ns1.clone(),
                    link: "eth0".into(),
                    addr: "10.1.1.2/24".parse().unwrap(),
                },
            ),
        ];
        let steps: Vec<String> = undo_steps(&entries)
            .iter()
            .map(crate::plan::render::render)
            .collect();
        assert_eq!(steps, vec!["ip link del dev br0", "ip netns del ns1"]);
        // The namespace takes the veth whose other end is in it, and the address inside it.
        let counts: Vec<usize> = undo_plan(&entries).iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![1, 3]);
    }
}
