//! `netsh run FILE`: plan and apply a script; `--dry-run` prints it as a bash script instead.

use super::error::{Error, Located};
use super::lab_lock::lock_lab;
use super::lab_name::lab_name;
use super::{parse_params, DryRunForm, RunArgs};
use crate::api::backend::Backend;
use crate::api::{Session, Shared};
use crate::lab::teardown::{failure_lines, rollback, teardown};
use crate::lab::Journal;
use crate::plan::dry_run::Form;
use crate::plan::flush::Tally;
use crate::plan::OpKind;
use crate::script::diagnostic::Diag;
use crate::script::{self, declared_params};
use crate::sys::Netns;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

/// Whether this process may change the kernel's network configuration.
pub(crate) fn has_net_admin() -> bool {
    const CAP_NET_ADMIN: u32 = 12;
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        })
        .is_some_and(|caps| caps & (1 << CAP_NET_ADMIN) != 0)
}

/// `what` needs root to `verb` (change, read) the network configuration; `help` is what this
/// subcommand can do instead (each has other options).
pub(crate) fn root_diag(what: &str, verb: &str, help: &str) -> Diag {
    Diag::new(
        "netsh::permission",
        format!("{what} needs root (CAP_NET_ADMIN) to {verb} the kernel's network configuration"),
        Some(help.into()),
    )
}

/// A lab run with --sandbox lives in the sandbox's namespaces, seen only from inside it.
pub(crate) const SANDBOX_SEEN_FROM_INSIDE: &str =
    "a lab built with --sandbox is seen only from inside its sandbox: netsh run --sandbox --inspect FILE";

/// Rejects a `-p` the script never reads (a typo would otherwise pass silently).
pub(crate) fn check_params(
    file: &str,
    src: &str,
    params: &std::collections::BTreeMap<String, String>,
) -> Result<(), String> {
    let declared = declared_params(src);
    for k in params.keys() {
        if !declared.contains(k) {
            let list = if declared.is_empty() {
                "it takes none".to_string()
            } else {
                format!("it reads {}", declared.join(", "))
            };
            return Err(format!("-p {k}: {file} has no parameter {k} ({list})"));
        }
    }
    Ok(())
}

/// What "adopted" means, said in the summary of the run that first adopts something.
const ADOPTED: &str =
    "adopted: found as asked before this run (made by someone else, or the kernel's default); the lab uses it and `netsh down` leaves it";

fn summary(lab: &str, t: &Tally, transient: usize, ms: u128, dry: bool) -> String {
    let mut s = format!("lab {lab}: {} created", t.created);
    if t.changed > 0 {
        s.push_str(&format!(", {} changed", t.changed));
    }
    s.push_str(&format!(
        ", {} unchanged, {} adopted in {ms} ms",
        t.unchanged, t.adopted
    ));
    if transient > 0 {
        s.push_str(&format!(" ({transient} made and removed on the way)"));
    }
    if dry {
        s.push_str(" (dry run: nothing applied)");
    }
    s
}

/// The lab's journal in /run/netsh, for this network namespace.
pub(crate) fn open_journal(lab: &str) -> Result<Journal, Diag> {
    let opened = crate::sys::enter::inode(None).and_then(|ino| Journal::open(lab, ino));
    opened.map_err(|e| {
        Diag::new(
            "netsh::journal",
            format!("cannot open the journal of lab {lab}: {e}"),
            Some(format!(
                "`netsh down --lab {lab} --force` removes the lab by its tags"
            )),
        )
    })
}

/// A fresh network namespace (the sandbox) has lo down.
pub(crate) fn lo_up(backend: &mut dyn Backend) {
    let lo = OpKind::LinkSetUp {
        ns: Netns::Root,
        name: "lo".into(),
        up: true,
    };
    let _ = backend.apply(&[lo]);
}

/// The script and its parameters: a file that cannot be read is a diagnostic, a wrong `-p` a
/// usage error.
pub(crate) fn load(
    file: &std::path::Path,
    raw: &[String],
) -> Result<(String, std::collections::BTreeMap<String, String>), Error> {
    let name = file.display().to_string();
    let src = crate::script::read::read_script(file).map_err(|d| Error::diag(d, &name, None))?;
    let params = parse_params(raw)
        .and_then(|p| {
            check_params(&name, &src, &p)?;
            Ok(p)
        })
        .map_err(Error::usage)?;
    Ok((src, params))
}

pub fn run(a: RunArgs, sandboxed: bool) -> Result<(), Error> {
    let file = a.file.display().to_string();
    let (src, params) = load(&a.file, &a.params)?;
    // A dry run carries the script's section comments into its bash (as `step` would).
    let src = match a.dry_run {
        Some(_) => crate::api::step::sections_as_steps(&src),
        None => src,
    };
    let lab = lab_name(Some(&a.file), a.lab.as_deref()).map_err(Error::usage)?;
    let cancel = crate::sys::Cancel::on_stop_signals();
    let started = Instant::now();
    // Held until the run is over (a dry run changes nothing and waits for no one).
    let _locks = match a.dry_run.is_some() || !has_net_admin() {
        true => None,
        false => Some(lock_lab(&lab).map_err(|d| Error::diag(d, &file, None))?),
    };
    let (backend, journal) = open_backend(&a, &lab, &file, &cancel)?;
    let shared: Shared = Rc::new(RefCell::new(Session::new(backend, journal, params)));
    shared.borrow_mut().cancel = cancel.clone();
    if sandboxed {
        lo_up(shared.borrow_mut().backend.as_mut());
    }
    shared.borrow_mut().verbose = a.verbose;
    shared.borrow_mut().dry = a.dry_run.map(form);
    if a.dry_run.is_none() && !a.quiet {
        shared.borrow_mut().narration = crate::api::step::Narration::told(a.step);
    }
    let before = shared.borrow().journal.mark();
    let result = script::run(&shared, &src, Some(&a.file));
    // What follows (a rollback, --rm) runs whole: a signal from now on stops nothing.
    cancel.settle();
    let mut s = shared.borrow_mut();
    s.backend.end();
    s.end_machines();
    match result {
        Ok(()) => {
            finish(&a, &lab, &mut s, started);
            Ok(())
        }
        Err(mut d) => {
            if sandboxed {
                super::inspect::inspect_help(&mut d, &file);
            }
            let notes = fail(&a, &lab, &mut s, &before);
            let e = Error::Diag(Box::new(Located {
                diag: d,
                file,
                src: Some(src),
                notes,
            }));
            Err(e.stopped_by(cancel.signal()))
        }
    }
}

fn form(f: DryRunForm) -> Form {
    match f {
        DryRunForm::Merged => Form::Merged,
        DryRunForm::Steps => Form::Steps,
    }
}

/// The backend and the journal a run writes: a dry run's on stdout and in memory; otherwise
/// the kernel's, with the lab's journal (a lab name belongs to the script that made it).
fn open_backend(
    a: &RunArgs,
    lab: &str,
    file: &str,
    cancel: &crate::sys::Cancel,
) -> Result<(Box<dyn Backend>, Journal), Error> {
    if let Some(f) = a.dry_run {
        let out = crate::plan::dry_run::dry_run_as(Box::new(std::io::stdout()), form(f), None);
        return Ok((Box::new(out), Journal::in_memory(lab)));
    }
    if !has_net_admin() {
        let help = "use --sandbox (no root needed), sudo, or --dry-run";
        return Err(Error::diag(
            root_diag("netsh run", "change", help),
            file,
            None,
        ));
    }
    let mut journal = open_journal(lab).map_err(|d| Error::diag(d, file, None))?;
    let me = std::fs::canonicalize(&a.file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.to_string());
    match &journal.script {
        Some(other) if *other != me && !journal.entries.is_empty() => {
            let d = Diag::new(
                "netsh::lab-in-use",
                format!("lab {lab} is in use by another script, {other}"),
                Some(format!(
                    "name this run's lab with --lab NAME, or remove the other with `netsh down --lab {lab}`"
                )),
            );
            return Err(Error::diag(d, file, None));
        }
        _ => journal.script = Some(me),
    }
    let mut b = crate::net::Netlink::new(lab)
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    b.cancel_on(cancel.clone());
    Ok((Box::new(b), journal))
}

/// A run that succeeded: `--rm`, the summary line, `--timings`.
fn finish(a: &RunArgs, lab: &str, s: &mut Session, started: Instant) {
    let mut teardown_ms = 0.0;
    let dry = a.dry_run.is_some();
    if a.rm && !dry {
        let t = Instant::now();
        let failed = teardown(s.backend.as_mut(), &s.journal.undoable(), lab);
        teardown_ms = t.elapsed().as_secs_f64() * 1000.0;
        for line in failure_lines(&failed) {
            eprintln!("{line}");
        }
        if failed.is_empty() {
            let _ = s.journal.clear();
        }
    }
    let mut line = summary(
        lab,
        &s.tally,
        s.transient,
        started.elapsed().as_millis(),
        dry,
    );
    if a.rm && !dry {
        line.push_str("; removed (--rm)");
    }
    if s.first_adopted && s.tally.adopted > 0 {
        line.push_str(&format!("; {ADOPTED}"));
    }
    eprintln!("{line}");
    if a.timings {
        println!(
            "timings: build_ms={:.3} verify_ms={:.3} teardown_ms={:.3}",
            s.build.as_secs_f64() * 1000.0,
            s.verify.as_secs_f64() * 1000.0,
            teardown_ms
        );
    }
}

/// A run that failed: roll back what it made (or keep it, `--keep`); what became of the lab,
/// including what the run deleted or changed that no rollback undoes.
fn fail(
    a: &RunArgs,
    lab: &str,
    s: &mut Session,
    before: &std::collections::BTreeSet<crate::sys::ObjectKey>,
) -> Vec<String> {
    let owned = s
        .journal
        .since(before)
        .iter()
        .filter(|e| !e.adopted)
        .count();
    let changed = !s.kept.is_empty() || s.tally.changed > 0;
    // The far machines first: each undoes what this run made there (unless --keep).
    let far = match a.dry_run.is_some() || a.keep {
        true => vec![],
        false => s.rollback_machines(),
    };
    if a.dry_run.is_some() || (owned == 0 && !changed) {
        let here = if far.is_empty() {
            ""
        } else {
            " on this machine"
        };
        let mut notes = far;
        notes.push(format!("lab {lab}: failed; nothing was applied{here}"));
        return notes;
    }
    let mut notes = far;
    if owned == 0 {
        notes.push(format!(
            "lab {lab}: failed; it created nothing to roll back"
        ));
    } else if a.keep {
        notes.push(format!(
            "lab {lab}: failed; kept {} for inspection (--keep); `netsh down --lab {lab}` removes them",
            crate::lab::objects(owned)
        ));
    } else {
        let (_, failed) = rollback(s.backend.as_mut(), &mut s.journal, before);
        notes.extend(failure_lines(&failed));
        notes.push(format!(
            "lab {lab}: failed; rolled back the {} this run created",
            crate::lab::objects(owned)
        ));
    }
    notes.extend(kept_note(lab, s));
    notes
}

/// What a rollback leaves as the run made it: its deletions of what stood before, and its
/// changes to objects the lab did not make.
fn kept_note(lab: &str, s: &Session) -> Option<String> {
    if !s.kept.is_empty() {
        let what: Vec<String> = s.kept.iter().map(crate::plan::describe::describe).collect();
        return Some(format!(
            "lab {lab}: not undone (no rollback brings back what a run deleted): {}",
            what.join("; ")
        ));
    }
    let n = s.tally.changed;
    let plural = if n == 1 { "" } else { "s" };
    (n > 0).then(|| {
        format!("lab {lab}: not undone: {n} change{plural} to objects the lab did not make (a rollback undoes only what the run created)")
    })
}
