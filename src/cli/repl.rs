//! `netsh repl [--sandbox] [--load FILE]` (and `netsh` alone): the interactive shell; and
//! `netsh run --inspect FILE`: the script, then the shell on the lab it left.

use super::error::Error;
use super::lab_lock::lock_lab;
use super::lab_name::lab_name;
use super::run::{has_net_admin, lo_up, open_journal, root_diag};
use super::{ReplArgs, RunArgs};
use crate::api::narration::Narration;
use crate::api::{Session, Shared};
use crate::repl::shell::Shell;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

pub fn repl(a: ReplArgs, sandboxed: bool) -> Result<(), Error> {
    // The lab is named after the script it starts from, or "repl".
    let lab = match &a.load {
        Some(f) => lab_name(Some(f), None).map_err(Error::usage)?,
        None => "repl".to_string(),
    };
    let what = "netsh repl";
    session(
        what,
        &lab,
        a.load.as_deref(),
        BTreeMap::new(),
        sandboxed,
        false,
        Narration::default(),
    )
}

/// `netsh run --inspect FILE`: the script runs in the REPL's session; whether it succeeds or
/// fails (then nothing is rolled back), the REPL opens on the lab with the script's variables.
/// Leaving it ends the sandbox, and the lab with it.
pub fn inspect(a: RunArgs, sandboxed: bool) -> Result<(), Error> {
    let (_, params) = super::run::load(&a.file, &a.params)?;
    let lab = lab_name(Some(&a.file), a.lab.as_deref()).map_err(Error::usage)?;
    let what = "netsh run --inspect";
    // The script tells its sections and checks as `netsh run` does; the REPL then goes quiet.
    let told = match a.quiet {
        true => Narration::default(),
        false => Narration::told(a.step),
    };
    session(
        what,
        &lab,
        Some(&a.file),
        params,
        sandboxed,
        a.verbose,
        told,
    )
}

/// The REPL's session on lab `lab`, after `load` when given; `what` names the command in its
/// failures.
fn session(
    what: &str,
    lab: &str,
    load: Option<&Path>,
    params: BTreeMap<String, String>,
    sandboxed: bool,
    verbose: bool,
    told: Narration,
) -> Result<(), Error> {
    if !has_net_admin() {
        return Err(Error::diag(
            root_diag(what, "change", "use --sandbox (no root needed) or sudo"),
            what,
            None,
        ));
    }
    // Held for the whole session: the REPL may change the stack at any line.
    let _locks = lock_lab(lab).map_err(|d| Error::diag(d, what, None))?;
    let mut journal = open_journal(lab).map_err(|d| Error::diag(d, what, None))?;
    // A lab named after a script belongs to it, as with `netsh run`.
    if let (Some(f), None) = (load, &journal.script) {
        journal.script = std::fs::canonicalize(f)
            .ok()
            .map(|p| p.display().to_string());
    }
    let cancel = crate::sys::Cancel::on_sigint();
    let mut backend = crate::net::Netlink::new(lab)
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    backend.cancel_on(cancel.clone());
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        Box::new(backend),
        journal,
        params,
    )));
    shared.borrow_mut().cancel = cancel;
    shared.borrow_mut().verbose = verbose;
    if sandboxed {
        lo_up(shared.borrow_mut().backend.as_mut());
    }
    let mut shell = Shell::new(&shared, lab, sandboxed);
    if let Some(f) = load {
        shared.borrow_mut().narration = told;
        shell.load_kept(f);
        shared.borrow_mut().narration = Narration::default();
    }
    shell.run().map_err(Error::failed)
}
