//! `netsh down FILE | --lab NAME`: remove exactly what the lab owns, in reverse order; idempotent.

use super::lab_name::lab_name;
use super::run::{has_net_admin, root_diag};
use super::DownArgs;
use crate::lab::teardown::teardown;
use crate::lab::Journal;
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
    let journal = crate::net::netns::inode(None).and_then(|ino| Journal::open(&lab, ino));
    let mut journal = match journal {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot open the journal of lab {lab}: {e}");
            return 1;
        }
    };
    if journal.entries.is_empty() {
        eprintln!("lab {lab}: nothing to remove");
        return 0;
    }
    let mut backend = match crate::net::Netlink::new(&lab) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot start the netlink backend: {e}");
            return 1;
        }
    };
    let owned = journal.entries.iter().filter(|e| !e.adopted).count();
    let failed = teardown(&mut backend, &journal.entries);
    for (op, f) in &failed {
        eprintln!(
            "error: cannot {}: {}",
            crate::plan::describe::describe(op),
            f.message
        );
    }
    if !failed.is_empty() {
        return 1;
    }
    if let Err(e) = journal.clear() {
        eprintln!("error: cannot remove the journal of lab {lab}: {e}");
        return 1;
    }
    eprintln!(
        "lab {lab}: {owned} objects removed in {} ms",
        started.elapsed().as_millis()
    );
    0
}
