//! The state the page shows: every stack, or a lab's (its journal names its namespaces), with
//! the simulated hosts marked as machines — as `netsh show` reads it.

use crate::lab::state::State;
use crate::lab::Journal;
use crate::net::Netlink;
use crate::sys::{Netns, ObjectKey};
use std::collections::BTreeSet;

pub(crate) fn read_state(backend: &mut Netlink, lab: Option<&str>) -> Result<State, String> {
    let mut state = backend.topology(lab).map_err(|f| f.message)?;
    let ino = crate::sys::enter::inode(None).map_err(|e| e.to_string())?;
    if let Some(lab) = lab {
        // A lab not built yet (a REPL's first lines) shows nothing rather than everything.
        let entries = Journal::open(lab, ino)
            .map(|j| j.entries)
            .unwrap_or_default();
        let mut keep: Vec<String> = entries
            .iter()
            .filter_map(|e| match &e.key {
                ObjectKey::Netns(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if entries
            .iter()
            .any(|e| e.ns == Netns::Root && !matches!(e.key, ObjectKey::Netns(_)))
        {
            keep.push("host".into());
        }
        state.stacks.retain(|s| keep.contains(&s.name));
    }
    let labs: Vec<String> = match lab {
        Some(l) => vec![l.to_string()],
        None => std::fs::read_dir(crate::lab::journal::STATE_DIR)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| {
                let name = f.file_name().to_string_lossy().to_string();
                name.strip_suffix(".jsonl").map(str::to_string)
            })
            .collect(),
    };
    let machines: BTreeSet<String> = labs
        .iter()
        .filter_map(|l| Journal::open(l, ino).ok())
        .flat_map(|j| j.machines)
        .collect();
    state.mark_machines(&machines);
    Ok(state)
}
