//! `PlanMode`: after `:plan`, lines run against a dry-run copy of the lab's current state and
//! change nothing; `:apply` puts the real backend back and runs the planned lines for real.

use super::evaluator::Evaluator;
use crate::api::backend::Backend;
use crate::api::model::Model;
use crate::api::Session;
use crate::lab::Journal;
use crate::plan::Apply;
use crate::sys::Netns;
use rhai::{Scope, AST};
use std::collections::HashMap;

pub(crate) struct PlanMode {
    backend: Box<dyn Backend>,
    journal: Journal,
    scope: Scope<'static>,
    funcs: AST,
    model: Model,
    /// How many statements the session had when the plan began.
    kept: usize,
}

impl PlanMode {
    /// Swap in a dry run that starts from what the kernel holds now.
    pub(crate) fn begin(ev: &mut Evaluator) -> PlanMode {
        let mut s = ev.shared.borrow_mut();
        let s = &mut *s;
        let mut dry = crate::plan::dry_run::dry_run(Box::new(std::io::sink()), true);
        let named = s.backend.named_netns().ok();
        let mut views = HashMap::new();
        let stacks =
            std::iter::once(Netns::Root).chain(named.iter().flatten().map(|n| Netns::named(n)));
        for ns in stacks {
            if let Ok(v) = s.backend.observe(&ns) {
                views.insert(ns, v);
            }
        }
        dry.remember(named, views);
        let lab = s.journal.lab.clone();
        ev.planning = true;
        PlanMode {
            backend: std::mem::replace(&mut s.backend, Box::new(dry)),
            journal: std::mem::replace(&mut s.journal, Journal::in_memory(&lab)),
            scope: ev.scope.clone(),
            funcs: ev.funcs.clone(),
            model: s.model.clone(),
            kept: ev.statements.len(),
        }
    }

    /// How many statements stood before the plan: the ones that were applied.
    pub(crate) fn kept(&self) -> usize {
        self.kept
    }

    /// `f` on the session as it stands outside the plan: the real backend, journal and model.
    pub(crate) fn live<R>(&mut self, ev: &Evaluator, f: impl FnOnce(&mut Session) -> R) -> R {
        let mut s = ev.shared.borrow_mut();
        let s = &mut *s;
        std::mem::swap(&mut s.backend, &mut self.backend);
        std::mem::swap(&mut s.journal, &mut self.journal);
        std::mem::swap(&mut s.model, &mut self.model);
        let r = f(s);
        std::mem::swap(&mut s.backend, &mut self.backend);
        std::mem::swap(&mut s.journal, &mut self.journal);
        std::mem::swap(&mut s.model, &mut self.model);
        r
    }

    /// Put the real backend and the state from before the plan back; returns the planned lines.
    pub(crate) fn end(self, ev: &mut Evaluator) -> Vec<String> {
        {
            let mut s = ev.shared.borrow_mut();
            s.backend = self.backend;
            s.journal = self.journal;
            s.model = self.model;
            s.pending.clear();
        }
        ev.scope = self.scope;
        ev.funcs = self.funcs;
        ev.planning = false;
        ev.pinged.truncate(self.kept);
        ev.statements.split_off(self.kept)
    }
}
