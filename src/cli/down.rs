//! `netsh down FILE | --lab NAME [--force]`: remove exactly what the lab owns, in reverse order;
//! idempotent. With --force, also (or, when the journal is lost or corrupt, only) what carries
//! the lab's tag.

use super::error::Error;
use super::lab_name::lab_name;
use super::run::{has_net_admin, root_diag};
use super::DownArgs;
use crate::lab::sweep::sweep_steps;
use crate::lab::teardown::{already_gone, teardown};
use crate::lab::Journal;
use crate::plan::Apply;
use crate::script::diagnostic::Diag;
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
    let started = Instant::now();
    let mut backend = crate::net::Netlink::new(&lab)
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    let journal = crate::sys::enter::inode(None).and_then(|ino| Journal::open(&lab, ino));
    let mut removed = 0;
    let mut failed = vec![];
    match journal {
        Ok(mut j) => {
            removed += j.entries.iter().filter(|e| !e.adopted).count();
            failed.extend(teardown(&mut backend, &j.undoable(), &lab));
            if failed.is_empty() {
                j.clear().map_err(|e| {
                    Error::failed(format!("cannot remove the journal of lab {lab}: {e}"))
                })?;
            }
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
            let _ = std::fs::remove_file(Journal::path_for(&lab));
        }
    }
    if a.force {
        let state = backend
            .topology(Some(&lab))
            .map_err(|f| Error::failed(format!("cannot read the state: {}", f.message)))?;
        for step in sweep_steps(&state, &lab) {
            match backend.apply(std::slice::from_ref(&step)) {
                Ok(()) => removed += 1,
                Err((_, f)) if already_gone(f.errno) => {}
                Err((_, f)) => failed.push((step, f)),
            }
        }
    }
    if !failed.is_empty() {
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
        if !a.force {
            lines.push(format!(
                "  help: `netsh down --lab {lab} --force` also removes what carries the lab's tag"
            ));
        }
        return Err(Error::Failed(lines));
    }
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
