//! `netsh show` across machines: the agent's side (this machine's topology, the lab's stacks
//! only when a lab is named) and the controller's (every machine asked at once, a thread each;
//! one that cannot be reached is listed with ssh's words, the others still shown).

use super::client::Agent;
use super::error::RemoteError;
use super::proto::{Reply, Request};
use super::ssh::Ssh;
use crate::lab::machine_state::MachineState;
use crate::lab::ssh_options::SshOptions;
use crate::lab::Journal;
use crate::net::Netlink;
use std::collections::BTreeMap;

/// The agent's answer to `show_lab`: what `netsh show [--lab LAB]` shows on this machine.
pub(crate) fn topology_here(lab: Option<&str>) -> Reply {
    let failed = |message: String| Reply::Failed { message };
    let mut backend = match Netlink::new(lab.unwrap_or("show")) {
        Ok(b) => b,
        Err(e) => return failed(format!("cannot start the netlink backend: {e}")),
    };
    let mut state = match backend.topology(lab) {
        Ok(s) => s,
        Err(f) => return failed(format!("cannot read the state: {}", f.message)),
    };
    let ino = match crate::sys::enter::inode(None) {
        Ok(i) => i,
        Err(e) => return failed(format!("cannot read this network namespace: {e}")),
    };
    if let Some(lab) = lab {
        match Journal::open(lab, ino) {
            Ok(j) => {
                let keep = j.stacks();
                state.stacks.retain(|s| keep.contains(&s.name));
            }
            Err(e) => return failed(format!("cannot open the journal of lab {lab}: {e}")),
        }
    }
    state.mark_machines(&crate::lab::shown::machines(lab, ino));
    Reply::Topology { state }
}

/// One machine's stacks, or why they could not be read.
fn ask(name: &str, opts: &SshOptions, lab: Option<&str>) -> Result<MachineState, RemoteError> {
    let mut agent = Ssh::connect(name, opts).and_then(Agent::start)?;
    let req = Request::ShowLab {
        lab: lab.map(str::to_string),
    };
    match agent.call(&req)? {
        Reply::Topology { state } => Ok(MachineState {
            name: name.to_string(),
            ssh: opts.ssh.clone(),
            reachable: true,
            error: None,
            stacks: state.stacks,
        }),
        Reply::Failed { message } => Err(RemoteError::new(
            format!("on {}: {message}", super::fleet::who(name, opts)),
            "",
        )),
        other => Err(RemoteError::new(
            format!("{} answered {other:?}", super::fleet::who(name, opts)),
            "",
        )),
    }
}

/// Every machine's stacks (the lab's, or all), asked at once; in name order.
pub(crate) fn machine_states(
    lab: Option<&str>,
    machines: &BTreeMap<String, SshOptions>,
) -> Vec<MachineState> {
    std::thread::scope(|s| {
        let asked: Vec<_> = machines
            .iter()
            .map(|(name, opts)| (name, opts, s.spawn(move || ask(name, opts, lab))))
            .collect();
        asked
            .into_iter()
            .map(|(name, opts, t)| {
                let got = t.join().unwrap_or_else(|_| {
                    Err(RemoteError::new("the thread that asked it failed", ""))
                });
                got.unwrap_or_else(|e| MachineState {
                    name: name.clone(),
                    ssh: opts.ssh.clone(),
                    reachable: false,
                    error: Some(e.message),
                    stacks: vec![],
                })
            })
            .collect()
    })
}
