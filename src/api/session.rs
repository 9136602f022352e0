//! The state one script run (or one REPL session) shares between all DSL calls: the model, the
//! pending plan, the backend, the lab journal, the parameters and the tally.

use super::backend::Backend;
use super::error::DslError;
use super::far_dry::FarDry;
use super::model::Model;
use crate::firewall::legacy::Driver;
use crate::lab::Journal;
use crate::plan::dry_run::Form;
use crate::plan::flush::{flush, Tally};
use crate::plan::ledger::Gone;
use crate::plan::{Op, OpKind};
use crate::remote::fleet::Fleet;
use crate::sys::{At, Cancel, Netns, ObjectKey};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

pub type Shared = Rc<RefCell<Session>>;

pub struct Session {
    pub(crate) model: Model,
    pub(crate) pending: Vec<Op>,
    pub(crate) backend: Box<dyn Backend>,
    pub(crate) journal: Journal,
    pub(crate) tally: Tally,
    /// `-p KEY=VALUE` as given, and which of them the script read.
    pub(crate) params: BTreeMap<String, String>,
    pub(crate) params_read: BTreeSet<String>,
    /// Where the script read each parameter: a conflict between them points there.
    pub(crate) params_at: BTreeMap<String, At>,
    /// Time spent applying plans, and in checks (pings), for `--timings`.
    pub(crate) build: Duration,
    pub(crate) verify: Duration,
    /// Objects this run created that still stand, and how many it made and removed on the way.
    pub(crate) made: BTreeSet<ObjectKey>,
    /// Objects found as asked, the lab's (unchanged) and others' (adopted); counted as
    /// objects, like `made`, so a replay counts what the first run created.
    pub(crate) unchanged: BTreeSet<ObjectKey>,
    pub(crate) adopted: BTreeSet<ObjectKey>,
    /// This run adopted something for the first time (the summary says what that means).
    pub(crate) first_adopted: bool,
    /// `step("…")`: the sections and checks told on stdout (`netsh run` without `-q`), and
    /// `--step`'s pause before each section.
    pub(crate) narration: super::narration::Narration,
    pub(crate) transient: usize,
    /// What this run deleted that stood before it: a rollback cannot bring it back.
    pub(crate) kept: Vec<OpKind>,
    /// The lab stood before this run: the failures a script narrates cannot be shown again.
    pub(crate) replay: bool,
    /// `-v`: log each applied operation on stderr.
    pub(crate) verbose: bool,
    /// `-v`: the stacks whose firewall driver was said, and which.
    pub(crate) drivers: BTreeMap<Netns, Driver>,
    /// The REPL's log of applied kernel requests (its change lines); `None` keeps nothing.
    pub(crate) applied: Option<Vec<OpKind>>,
    /// Ctrl-C: the engine stops at its next step (the backend was handed the same token).
    pub(crate) cancel: Cancel,
    /// The real machines the script bound, reached once each (src/api/fleet_flush.rs).
    pub(crate) fleet: Fleet,
    /// `--dry-run`: its form; each far machine's part is kept for a section of its own.
    pub(crate) dry: Option<Form>,
    pub(crate) far_dry: BTreeMap<String, FarDry>,
}

impl Session {
    pub fn new(
        backend: Box<dyn Backend>,
        journal: Journal,
        params: BTreeMap<String, String>,
    ) -> Self {
        let replay = !journal.entries.is_empty();
        Session {
            made: BTreeSet::new(),
            unchanged: BTreeSet::new(),
            adopted: BTreeSet::new(),
            first_adopted: false,
            narration: Default::default(),
            transient: 0,
            kept: vec![],
            replay,
            verbose: false,
            drivers: BTreeMap::new(),
            applied: None,
            cancel: Cancel::default(),
            fleet: Fleet::default(),
            dry: None,
            far_dry: BTreeMap::new(),
            model: Model::default(),
            pending: vec![],
            backend,
            journal,
            tally: Tally::default(),
            params,
            params_read: BTreeSet::new(),
            params_at: BTreeMap::new(),
            build: Duration::ZERO,
            verify: Duration::ZERO,
        }
    }

    pub(crate) fn push(&mut self, kind: OpKind, at: At) {
        self.pending.push(Op::new(kind, at));
    }

    /// A deletion; `adopted`: the script said it may remove what the lab did not make.
    pub(crate) fn push_del(&mut self, kind: OpKind, at: At, adopted: bool) {
        self.pending.push(Op {
            del_adopted: adopted,
            ..Op::new(kind, at)
        });
    }

    /// `-v`: the driver of a stack's firewall, once, before its first change.
    fn say_driver(&mut self, step: &OpKind) {
        let ns = step.ns();
        if !step.is_firewall() || self.drivers.contains_key(&ns) {
            return;
        }
        if let Some(d) = self.backend.firewall_driver(&ns) {
            eprintln!("# firewall on {ns}: {}", d.words());
            self.drivers.insert(ns, d);
        }
    }

    /// Apply what is pending: before anything reads the kernel, and at the end.
    pub(crate) fn flush(&mut self) -> Result<(), DslError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let t = Instant::now();
        let ops = std::mem::take(&mut self.pending);
        let r = match self.fleet.is_empty() {
            true => flush(ops, &mut *self.backend, &mut self.journal),
            false => self.flush_across(ops),
        };
        self.build += t.elapsed();
        let report = r.map_err(DslError::from_flush)?;
        if self.verbose {
            for s in &report.steps {
                self.say_driver(s);
                eprintln!("+ {}", crate::plan::render::render(s));
            }
        }
        if let Some(log) = &mut self.applied {
            log.extend(report.steps.iter().cloned());
        }
        self.tally.add(report.tally);
        self.made.extend(report.created);
        for s in &report.steps {
            let gone = Gone::of(s);
            let of_this_run = gone.iter().any(|g| self.made.iter().any(|k| g.matches(k)));
            if !gone.is_empty() && !of_this_run {
                self.kept.push(s.clone());
            }
        }
        let before = self.made.len();
        self.made
            .retain(|k| !report.gone.iter().any(|g| g.matches(k)));
        self.transient += before - self.made.len();
        self.tally.created = self.made.len();
        self.unchanged.extend(report.unchanged);
        self.adopted.extend(report.adopted);
        self.first_adopted |= report.first_adopted;
        for set in [&mut self.unchanged, &mut self.adopted] {
            set.retain(|k| !report.gone.iter().any(|g| g.matches(k)));
        }
        self.tally.unchanged = self.unchanged.len();
        self.tally.adopted = self.adopted.len();
        // The far machines' objects count as this machine's do.
        let far = self.fleet.tally();
        self.tally.created += far.created;
        self.tally.unchanged += far.unchanged;
        self.tally.adopted += far.adopted;
        self.tally.changed += self.fleet.take_changed();
        Ok(())
    }
}
