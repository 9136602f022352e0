//! `netsh repl [--sandbox] [--load FILE]` (and `netsh` alone): the interactive shell.

use super::lab_name::lab_name;
use super::run::{has_net_admin, lo_up, open_journal, root_diag};
use super::ReplArgs;
use crate::api::{Session, Shared};
use crate::repl::shell::Shell;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

pub fn repl(a: ReplArgs, sandboxed: bool) -> i32 {
    // The lab is named after the script it starts from, or "repl".
    let lab = match &a.load {
        Some(f) => match lab_name(Some(f), None) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
        None => "repl".to_string(),
    };
    if !has_net_admin() {
        eprint!("{}", root_diag("netsh repl").render("netsh repl", None));
        return 1;
    }
    let mut journal = match open_journal(&lab) {
        Ok(j) => j,
        Err(d) => {
            eprint!("{}", d.render("netsh repl", None));
            return 1;
        }
    };
    // A lab named after a script belongs to it, as with `netsh run`.
    if let (Some(f), None) = (&a.load, &journal.script) {
        journal.script = std::fs::canonicalize(f)
            .ok()
            .map(|p| p.display().to_string());
    }
    let cancel = crate::sys::Cancel::on_sigint();
    let backend = match crate::net::Netlink::new(&lab) {
        Ok(mut b) => {
            b.cancel_on(cancel.clone());
            b
        }
        Err(e) => {
            eprintln!("error: cannot start the netlink backend: {e}");
            return 1;
        }
    };
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        Box::new(backend),
        journal,
        BTreeMap::new(),
    )));
    shared.borrow_mut().cancel = cancel;
    if sandboxed {
        lo_up(shared.borrow_mut().backend.as_mut());
    }
    let mut shell = Shell::new(&shared, &lab, sandboxed);
    if let Some(f) = &a.load {
        shell.load(f);
    }
    shell.run()
}
