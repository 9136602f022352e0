//! `netsh down FILE | --lab NAME [--force]`: remove exactly what the lab owns, in reverse order;
//! idempotent. With --force, also (or, when the journal is lost or corrupt, only) what carries
//! the lab's tag, and the sysctls from their copy. Without it, a journal that may have lost
//! entries is checked against the tags: what still stands is named, with --force as the way out.

use super::error::Error;
use super::lab_lock::lock_lab;
use super::lab_name::lab_name;
use super::run::{has_net_admin, root_diag};
use super::DownArgs;
use crate::lab::lines::Found;
use crate::lab::sweep::sweep_steps;
use crate::lab::teardown::{already_gone, undo};
use crate::lab::Journal;
use crate::net::Netlink;
use crate::plan::ledger::Entry;
use crate::plan::{Apply, OpKind};
use crate::script::diagnostic::Diag;
use crate::sys::Failure;
use std::time::Instant;

pub fn down(a: DownArgs) -> Result<(), Error> {
    let lab = lab_name(a.file.as_deref(), a.lab.as_deref()).map_err(Error::usage)?;
    if !has_net_admin() {
        // A sandboxed lab needs no down: it went with its sandbox.
        let help = "run it as root (sudo netsh down ...); a lab built with --sandbox is gone already, with its sandbox";
        return Err(Error::diag(
            root_diag("netsh down", "change", help),
            "",
            None,
        ));
    }
    let _locks = lock_lab(&lab).map_err(|d| Error::diag(d, "", None))?;
    let started = Instant::now();
    let mut backend = Netlink::new(&lab)
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    let ino = crate::sys::enter::inode(None)
        .map_err(|e| Error::failed(format!("cannot read this network namespace: {e}")))?;
    let (mut journal, found) = match Journal::open(&lab, ino) {
        Ok(j) => {
            let found = j.found;
            (j, found)
        }
        Err(e) if !a.force => {
            let d = Diag::new(
                "netsh::journal",
                format!("cannot read the journal of lab {lab}: {e}"),
                Some(format!(
                    "`netsh down --lab {lab} --force` removes the lab by its tags (netsh:{lab})"
                )),
            );
            return Err(Error::diag(d, "", None));
        }
        Err(e) => {
            eprintln!("note: the journal of lab {lab} is unreadable ({e}); removing by tags");
            remove_journal(&lab)?;
            (Journal::empty(&lab, ino), Found::Missing)
        }
    };
    let whole = found == Found::Whole && !journal.entries.is_empty();
    let done = undo(&mut backend, &journal.undoable(), &lab);
    let (mut removed, mut failed) = (done.removed, done.failed);
    // A journal that may have lost entries: its sysctls' copy keeps what it set.
    let lost: Vec<Entry> = match whole {
        true => vec![],
        false => Journal::open_sysctls(&lab, ino)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !journal.entries.iter().any(|j| j.key == e.key))
            .collect(),
    };
    // A journal lost may have named namespaces the lab adopted: every one linked here is
    // searched for the lab's tag.
    let every = found != Found::Whole;
    if a.force {
        let done = undo(&mut backend, &journal.undoable_of(&lost), &lab);
        removed += done.removed + sweep(&mut backend, &lab, every, &mut failed)?;
        failed.extend(done.failed);
    } else if !whole {
        let standing = standing(&mut backend, &lab, every)?;
        if !standing.is_empty() || !lost.is_empty() {
            return Err(Error::Failed(still_standing(&lab, found, &standing, &lost)));
        }
    }
    // Each real machine the lab changed: its agent removes what its journal there lists.
    let (far_removed, far_failed) = crate::remote::fleet::down_machines(&lab, &journal.remotes);
    removed += far_removed;
    if !failed.is_empty() || !far_failed.is_empty() {
        let mut lines = far_failed;
        if !failed.is_empty() {
            lines.extend(failure_lines(&lab, &failed, a.force));
        }
        return Err(Error::Failed(lines));
    }
    journal
        .clear()
        .map_err(|e| Error::failed(format!("cannot remove the journal of lab {lab}: {e}")))?;
    if removed == 0 {
        eprintln!("lab {lab}: nothing to remove");
    } else {
        eprintln!(
            "lab {lab}: {} removed in {} ms",
            crate::lab::objects(removed),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

/// The journal's path cleared of what is there instead of a journal (a corrupt file, a
/// directory), so that the next run starts a fresh one.
fn remove_journal(lab: &str) -> Result<(), Error> {
    let path = Journal::path_for(lab);
    let removed = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
        Ok(_) => std::fs::remove_file(&path),
        Err(_) => Ok(()),
    };
    removed.map_err(|e| Error::failed(format!("cannot remove {}: {e}", path.display())))
}

/// The lab's state; with `every`, searched in every unnamed namespace linked here.
fn topology(
    backend: &mut Netlink,
    lab: &str,
    every: bool,
) -> Result<crate::lab::state::State, Error> {
    match every {
        true => backend.topology_swept(lab),
        false => backend.topology(Some(lab)),
    }
    .map_err(|f| Error::failed(format!("cannot read the state: {}", f.message)))
}

/// What carries the lab's tag. A veth whose other end was in a namespace just deleted goes
/// with it a moment later (the kernel dismantles a namespace in the background): wait for it.
fn standing(backend: &mut Netlink, lab: &str, every: bool) -> Result<Vec<OpKind>, Error> {
    for _ in 0..30 {
        let state = topology(backend, lab, every)?;
        let steps = sweep_steps(&state, lab);
        let going = state.stacks.iter().any(|s| {
            s.links.iter().any(|l| {
                l.kind == Some(crate::sys::LinkKind::Veth)
                    && l.peer.is_none()
                    && crate::lab::sweep::ns_of(&s.name)
                        .is_some_and(|ns| steps.iter().any(|st| st.touches(&ns, &l.name)))
            })
        });
        if !going {
            return Ok(steps);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(sweep_steps(&topology(backend, lab, every)?, lab))
}

/// Remove what carries the lab's tag; returns how many went.
fn sweep(
    backend: &mut Netlink,
    lab: &str,
    every: bool,
    failed: &mut Vec<(OpKind, Failure)>,
) -> Result<usize, Error> {
    let mut removed = 0;
    for step in sweep_steps(&topology(backend, lab, every)?, lab) {
        match backend.apply(std::slice::from_ref(&step)) {
            Ok(()) => removed += 1,
            Err((_, f)) if already_gone(f.errno) => {}
            Err((_, f)) => failed.push((step, f)),
        }
    }
    // Wait for the veths that go with the deleted namespaces, so a run right after finds none.
    standing(backend, lab, every)?;
    Ok(removed)
}

/// What stands of a lab whose journal may have lost entries, and the way out.
fn still_standing(lab: &str, found: Found, standing: &[OpKind], lost: &[Entry]) -> Vec<String> {
    let journal = match found {
        Found::Missing => "is missing",
        Found::Empty => "is empty",
        Found::Torn => "was cut short",
        Found::Whole => "lists nothing",
    };
    let mut what: Vec<String> = standing
        .iter()
        .map(|s| match s {
            OpKind::NetnsDel { name } => format!("namespace {name}"),
            OpKind::LinkDel { ns, name, .. } => format!("link {name} on {ns}"),
            OpKind::RuleDel { ns, rule } => format!("a {} {} rule on {ns}", rule.table, rule.chain),
            other => crate::plan::describe::describe(other),
        })
        .collect();
    what.extend(lost.iter().filter_map(|e| match &e.undo {
        Some(OpKind::Sysctl { ns, key, value }) => {
            Some(format!("sysctl {key} on {ns} (was {value})"))
        }
        Some(OpKind::Policy {
            ns,
            table,
            chain,
            policy,
        }) => Some(format!(
            "the policy of {table} {chain} on {ns} (was {policy})"
        )),
        _ => None,
    }));
    vec![
        format!(
            "error: the journal of lab {lab} {journal}, but the lab still stands: {}",
            what.join(", ")
        ),
        format!(
            "  help: `netsh down --lab {lab} --force` removes what carries its tag (netsh:{lab}) and restores the sysctls it set"
        ),
    ]
}

fn failure_lines(lab: &str, failed: &[(OpKind, Failure)], force: bool) -> Vec<String> {
    let mut lines: Vec<String> = failed
        .iter()
        .map(|(op, f)| {
            format!(
                "error: cannot {}: {}",
                crate::plan::describe::describe(op),
                f.message
            )
        })
        .collect();
    if !force {
        lines.push(format!(
            "  help: `netsh down --lab {lab} --force` also removes what carries the lab's tag"
        ));
    }
    lines
}
