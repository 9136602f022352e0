//! Removing what a lab owns, in reverse order: namespaces as a whole (the kernel dismantles their
//! links, and veth peers with them), then what lives outside them; adopted objects never.

use crate::plan::ledger::Entry;
use crate::plan::{Builder, OpKind};
use crate::sys::{Failure, Netns, ObjectKey};
use std::collections::BTreeSet;

/// The undo steps for a journal's entries, in the order to apply them.
pub fn undo_steps(entries: &[Entry]) -> Vec<OpKind> {
    let owned_ns: BTreeSet<Netns> = entries
        .iter()
        .filter_map(|e| match &e.undo {
            Some(OpKind::NetnsDel { name }) => Some(Netns::Named(name.clone())),
            _ => None,
        })
        .collect();
    let dies_with_ns = |ns: &Netns| owned_ns.contains(ns);
    let mut steps = vec![];
    // Namespaces first: one request each, and the kernel batches the rest.
    for e in entries.iter().rev() {
        if let Some(op @ OpKind::NetnsDel { .. }) = &e.undo {
            steps.push(op.clone());
        }
    }
    for e in entries.iter().rev() {
        let Some(undo) = &e.undo else { continue };
        if matches!(undo, OpKind::NetnsDel { .. }) || dies_with_ns(&e.ns) {
            continue;
        }
        if e.peer_ns.as_ref().is_some_and(dies_with_ns) {
            continue;
        }
        steps.push(undo.clone());
    }
    steps
}

/// Errors that mean "already gone": a teardown is idempotent.
pub fn already_gone(errno: Option<i32>) -> bool {
    // ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL
    matches!(errno, Some(2) | Some(3) | Some(19) | Some(99))
}

/// Apply the undo steps one by one; what is already gone is fine. Returns what failed.
pub fn teardown(backend: &mut dyn Builder, entries: &[Entry], lab: &str) -> Vec<(OpKind, Failure)> {
    let tag = crate::firewall::rule::tag(lab);
    let mut aliases: std::collections::HashMap<Netns, crate::plan::view::NsView> =
        Default::default();
    let mut failed = vec![];
    let (rules, steps): (Vec<OpKind>, Vec<OpKind>) = undo_steps(entries)
        .into_iter()
        .partition(|s| matches!(s, OpKind::RuleDel { .. }));
    // Rules name links only as strings: they go first, one batch per namespace (one process),
    // and one by one only if a batch fails (a rule already gone makes the whole batch fail).
    let mut by_ns: Vec<(Netns, Vec<OpKind>)> = vec![];
    for r in rules {
        match by_ns.iter_mut().find(|(n, _)| *n == r.ns()) {
            Some((_, v)) => v.push(r),
            None => by_ns.push((r.ns(), vec![r])),
        }
    }
    let mut singles = vec![];
    for (_, batch) in by_ns {
        if backend.apply(&batch).is_err() {
            singles.extend(batch);
        }
    }
    for step in singles.into_iter().chain(steps) {
        match &step {
            // A link is the lab's only while it carries the lab's tag: if someone deleted it and
            // made another of the same name, theirs stays.
            OpKind::LinkDel { ns, name, .. } => {
                if !aliases.contains_key(ns) {
                    if let Ok(v) = backend.observe(ns) {
                        aliases.insert(ns.clone(), v);
                    }
                }
                match aliases.get(ns).and_then(|v| v.links.get(name)) {
                    None => continue,
                    Some(l) if l.alias.as_deref() != Some(tag.as_str()) => {
                        eprintln!(
                            "note: left {name} on {ns}: it does not carry {tag}, so it is not this lab's any more"
                        );
                        continue;
                    }
                    Some(_) => {}
                }
            }
            // A rule already gone is fine (iptables -D says only that it found none).
            OpKind::RuleDel { ns, rule } if !backend.rule_exists(ns, rule).unwrap_or(true) => {
                continue;
            }
            _ => {}
        }
        if let Err((_, f)) = backend.apply(std::slice::from_ref(&step)) {
            if !already_gone(f.errno) {
                failed.push((step, f));
            }
        }
    }
    failed
}

/// Undo what was recorded since `mark` (a failed run, a failed REPL line): what the journal
/// says was made since, less sysctls another live lab shares; then forget it. Returns how many
/// objects were owned, and what could not be undone.
pub fn rollback(
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
pub fn failure_lines(failed: &[(OpKind, Failure)]) -> Vec<String> {
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
pub fn warn_failures(failed: &[(OpKind, Failure)]) {
    for line in failure_lines(failed) {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_go_first_and_their_contents_with_them() {
        let ns1 = Netns::named("ns1");
        let e = |key: &str, ns: Netns, peer_ns: Option<Netns>, undo: OpKind| Entry {
            key: key.parse().unwrap(),
            ns,
            peer_ns,
            undo: Some(undo),
            adopted: false,
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
        assert_eq!(steps, vec!["ip netns del ns1", "ip link del dev br0"]);
    }
}
