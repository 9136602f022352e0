//! `netsh down FILE | --lab NAME [--force]`: remove exactly what the lab owns, in reverse order;
//! idempotent. With --force, also (or, when the journal is lost or corrupt, only) what carries
//! the lab's tag.

use super::lab_name::lab_name;
use super::run::{has_net_admin, root_diag};
use super::DownArgs;
use crate::lab::sweep::sweep_steps;
use crate::lab::teardown::{already_gone, teardown};
use crate::lab::Journal;
use crate::plan::Apply;
use crate::script::diagnostic::Diag;
use std::time::Instant;

pub fn down(a: DownArgs) -> i32 {
    let lab = match lab_name(a.file.as_deref(), a.lab.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if !has_net_admin() {
        eprint!("{}", root_diag("netsh down").render("", None));
        return 1;
    }
    let started = Instant::now();
    let mut backend = match crate::net::Netlink::new(&lab) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot start the netlink backend: {e}");
            return 1;
        }
    };
    let journal = crate::sys::enter::inode(None).and_then(|ino| Journal::open(&lab, ino));
    let mut removed = 0;
    let mut failed = vec![];
    match journal {
        Ok(mut j) => {
            removed += j.entries.iter().filter(|e| !e.adopted).count();
            failed.extend(teardown(&mut backend, &j.undoable(), &lab));
            if failed.is_empty() {
                if let Err(e) = j.clear() {
                    eprintln!("error: cannot remove the journal of lab {lab}: {e}");
                    return 1;
                }
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
            eprint!("{}", d.render("", None));
            return 1;
        }
        Err(e) => {
            eprintln!("note: the journal of lab {lab} is unreadable ({e}); removing by tags");
            let _ = std::fs::remove_file(Journal::path_for(&lab));
        }
    }
    if a.force {
        let state = match backend.topology(Some(&lab)) {
            Ok(s) => s,
            Err(f) => {
                eprintln!("error: cannot read the state: {}", f.message);
                return 1;
            }
        };
        for step in sweep_steps(&state, &lab) {
            match backend.apply(std::slice::from_ref(&step)) {
                Ok(()) => removed += 1,
                Err((_, f)) if already_gone(f.errno) => {}
                Err((_, f)) => failed.push((step, f)),
            }
        }
    }
    for (op, f) in &failed {
        eprintln!(
            "error: cannot {}: {}",
            crate::plan::describe::describe(op),
            f.message
        );
    }
    if !failed.is_empty() {
        if !a.force {
            eprintln!(
                "  help: `netsh down --lab {lab} --force` also removes what carries the lab's tag"
            );
        }
        return 1;
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
    0
}
