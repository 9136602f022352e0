//! The state the page shows: every stack, or a lab's (its journal names its namespaces), with
//! the simulated hosts marked as machines — as `netsh show` reads it.

use crate::lab::state::State;
use crate::lab::Journal;
use crate::net::Netlink;

pub(crate) fn read_state(backend: &mut Netlink, lab: Option<&str>) -> Result<State, String> {
    let mut state = backend.topology(lab).map_err(|f| f.message)?;
    let ino = crate::sys::enter::inode(None).map_err(|e| e.to_string())?;
    if let Some(lab) = lab {
        // A lab not built yet (a REPL's first lines) shows nothing rather than everything.
        let keep = Journal::open(lab, ino)
            .map(|j| j.stacks())
            .unwrap_or_default();
        state.stacks.retain(|s| keep.contains(&s.name));
    }
    let machines = crate::lab::shown::machines(lab, ino);
    state.mark_machines(&machines);
    Ok(state)
}
