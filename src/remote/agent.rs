//! `netsh agent`: serves one controller on stdin/stdout (src/remote/proto.rs). It judges and
//! applies its machine's part of a plan with the same code as a local run (`plan::flush` on the
//! `Netlink` backend) and keeps the lab's journal in this machine's /run/netsh.

use super::proto::{hello, line, Judged, Reply, Request};
use crate::lab::lock::{lock, Lock, LockError};
use crate::lab::teardown::{failure_lines, rollback, undo};
use crate::lab::Journal;
use crate::net::Netlink;
use crate::plan::flush::flush;
use crate::plan::judge_only::judge_only;
use crate::plan::{Observe, Probe};
use crate::sys::ObjectKey;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};

/// The lab a controller opened: this machine's backend and journal, held under the lab's locks.
struct Opened {
    lab: String,
    backend: Netlink,
    journal: Journal,
    /// The journal when the lab was opened: `rollback` undoes what came after.
    mark: BTreeSet<ObjectKey>,
    _locks: (Lock, Lock),
}

/// Serve requests until `bye` or the end of the input (a controller gone: its run is over; a
/// run it did not finish is rolled back by the controller, or left to `netsh down`).
pub(crate) fn serve(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    output.write_all(line(&hello()).as_bytes())?;
    output.flush()?;
    let mut opened: Option<Opened> = None;
    for text in input.lines() {
        let text = text?;
        if text.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Request>(&text) {
            Ok(Request::Bye) => {
                output.write_all(line(&Reply::Bye).as_bytes())?;
                return output.flush();
            }
            Ok(req) => answer(req, &mut opened),
            Err(e) => Reply::Failed {
                message: format!("not a request of protocol {}: {e}", super::proto::PROTOCOL),
            },
        };
        output.write_all(line(&reply).as_bytes())?;
        output.flush()?;
    }
    Ok(())
}

fn answer(req: Request, opened: &mut Option<Opened>) -> Reply {
    if let Request::Open {
        lab,
        script,
        machine,
    } = req
    {
        // A second open closes the first lab (its locks go with it).
        *opened = None;
        return match open(&lab, script) {
            Ok(mut o) => {
                o.backend.set_machine(machine);
                let entries = o.journal.entries.len();
                *opened = Some(o);
                Reply::Opened { entries }
            }
            Err(message) => Reply::Failed { message },
        };
    }
    // Read-only requests need no lab open (and take none of its locks).
    match &req {
        Request::ShowLab { lab } => return super::show_far::topology_here(lab.as_deref()),
        Request::Why(w) => return super::why_far::why_here(w),
        Request::WhyFrom(w) => return super::why_start::why_from_here(w),
        _ => {}
    }
    let Some(o) = opened.as_mut() else {
        return Reply::Failed {
            message: "no lab is open: the first request names it ({\"req\":\"open\",\"lab\":…})"
                .into(),
        };
    };
    match req {
        Request::Judge { ops } => match judge_only(ops, &mut o.backend, &o.journal) {
            Ok(v) => Reply::Verdicts {
                verdicts: v
                    .into_iter()
                    .map(|(op, verdict)| Judged { op, verdict })
                    .collect(),
            },
            Err(e) => Reply::Refused(e.into()),
        },
        Request::Apply { ops } => match flush(ops, &mut o.backend, &mut o.journal) {
            Ok(report) => Reply::Applied(report.into()),
            Err(e) => Reply::Refused(e.into()),
        },
        Request::Rollback => {
            let (owned, failed) = rollback(&mut o.backend, &mut o.journal, &o.mark);
            o.mark = o.journal.mark();
            Reply::RolledBack {
                owned,
                failed: failure_lines(&failed),
            }
        }
        Request::Down => {
            let done = undo(&mut o.backend, &o.journal.undoable(), &o.lab);
            let failed = failure_lines(&done.failed);
            if failed.is_empty() {
                if let Err(e) = o.journal.clear() {
                    return Reply::Failed {
                        message: format!("cannot remove the journal of lab {}: {e}", o.lab),
                    };
                }
            }
            o.mark = o.journal.mark();
            Reply::Down {
                removed: done.removed,
                failed,
            }
        }
        Request::Show => match o.backend.topology(Some(&o.lab)) {
            Ok(state) => Reply::Topology { state },
            Err(f) => Reply::Failed {
                message: format!("cannot read the state: {}", f.message),
            },
        },
        Request::Ping { ns, dst, mode } => match o.backend.ping_echo(&ns, dst, mode) {
            Ok(echo) => Reply::Echo { echo },
            Err(f) => Reply::Failed {
                message: format!("cannot ping {dst} from {ns}: {}", f.message),
            },
        },
        Request::Exec { ns, cmd } => match o.backend.exec(&ns, &cmd) {
            Ok(output) => Reply::Ran { output },
            Err(f) => Reply::Failed {
                message: format!("cannot run `{cmd}` on {ns}: {}", f.message),
            },
        },
        Request::Addrs { stacks } => {
            o.backend.settle(&stacks);
            let addrs = stacks
                .iter()
                .map(|ns| {
                    let v = o.backend.observe(ns).ok()?;
                    let a = v.addrs.iter().map(|(_, a)| a.addr());
                    a.into_iter().find(|a| a.is_ipv4() && !a.is_loopback())
                })
                .collect();
            Reply::Addrs { addrs }
        }
        Request::Sweep { rows } => Reply::Swept {
            answers: o.backend.ping_rows(&rows),
        },
        Request::Open { .. }
        | Request::Bye
        | Request::ShowLab { .. }
        | Request::Why(_)
        | Request::WhyFrom(_) => {
            unreachable!("answered above")
        }
    }
}

/// The lab's locks, journal and backend on this machine.
fn open(lab: &str, script: Option<String>) -> Result<Opened, String> {
    let locks = lock(lab).map_err(|e| match e {
        LockError::Busy { holder, .. } => {
            format!("lab {lab} on this machine is in use by {holder}")
        }
        LockError::Io { path, error } => format!("cannot lock {}: {error}", path.display()),
    })?;
    let ino = crate::sys::enter::inode(None)
        .map_err(|e| format!("cannot read this network namespace: {e}"))?;
    let mut journal = Journal::open(lab, ino)
        .map_err(|e| format!("cannot open the journal of lab {lab}: {e}"))?;
    if script.is_some() {
        journal.script = script;
    }
    let backend =
        Netlink::new(lab).map_err(|e| format!("cannot start the netlink backend: {e}"))?;
    let mark = journal.mark();
    Ok(Opened {
        lab: lab.to_string(),
        backend,
        journal,
        mark,
        _locks: locks,
    })
}
