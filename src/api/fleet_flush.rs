//! A flush across machines: the plan split by machine, judged on every one (this one and each
//! far agent) before the first change anywhere, then applied on all of them at once. A dry run
//! keeps each far machine's part for a section of its own, wrapped as `ssh … bash -s`.

use super::far_dry::FarDry;
use super::session::Session;
use crate::lab::ssh_options::SshOptions;
use crate::plan::dry_run::Form;
use crate::plan::error::PlanError;
use crate::plan::flush::{flush, Report};
use crate::plan::judge_only::judge_only;
use crate::plan::Op;
use crate::remote::fleet::who;
use crate::remote::partition::partition;
use crate::sys::shell::quote;
use std::collections::BTreeMap;

/// `ssh [-p P] [-i I] TARGET`, as a user would type it.
fn ssh_words(o: &SshOptions) -> String {
    let mut w = vec!["ssh".to_string()];
    if let Some(p) = o.port {
        w.extend(["-p".into(), p.to_string()]);
    }
    if let Some(i) = &o.identity {
        w.extend(["-i".into(), quote(i)]);
    }
    w.push(quote(&o.ssh));
    w.join(" ")
}

impl Session {
    /// The pending ops of a script that binds real machines.
    pub(crate) fn flush_across(&mut self, ops: Vec<Op>) -> Result<Report, PlanError> {
        let parts = partition(ops, &self.fleet.machines)?;
        if parts.far.is_empty() {
            return flush(parts.local, &mut *self.backend, &mut self.journal);
        }
        if self.backend.why_kernel().is_none() {
            return self.flush_simulated(parts.local, parts.far);
        }
        let lab = self.journal.lab.clone();
        for (m, ops) in &parts.far {
            let at = ops.first().map(|o| o.at).unwrap_or_default();
            self.fleet
                .connect(m, &lab, self.journal.script.clone(), at)?;
        }
        // Judged everywhere first: a conflict on any machine stops the run, nothing changed.
        judge_only(parts.local.clone(), &mut *self.backend, &self.journal)?;
        self.fleet.judge(&parts.far)?;
        for m in parts.far.keys() {
            let opts = self.fleet.machines[m].clone();
            self.journal.note_remote(m, &opts).map_err(|e| {
                PlanError::new(
                    "netsh::journal",
                    format!(
                        "cannot note machine {} in the journal of lab {lab}: {e}",
                        who(m, &opts)
                    ),
                    Some(format!(
                        "check that {} is writable",
                        crate::lab::journal::STATE_DIR
                    )),
                )
            })?;
        }
        let (backend, journal) = (&mut *self.backend, &mut self.journal);
        let (here, far) = self
            .fleet
            .apply_with(&parts.far, || flush(parts.local, backend, journal));
        self.first_adopted |= self.fleet.first_adopted;
        let report = here?;
        far?;
        Ok(report)
    }

    /// A dry run (or `check`): each far machine's part planned against a kernel of its own.
    fn flush_simulated(
        &mut self,
        local: Vec<Op>,
        far: BTreeMap<String, Vec<Op>>,
    ) -> Result<Report, PlanError> {
        for (m, ops) in far {
            let form = self.dry.unwrap_or(Form::Merged);
            let d = self
                .far_dry
                .entry(m.clone())
                .or_insert_with(|| FarDry::new(form, &m));
            flush(ops, &mut d.sim, &mut d.journal)?;
        }
        flush(local, &mut *self.backend, &mut self.journal)
    }

    /// The end of a dry run: a section per far machine, runnable from here.
    pub(crate) fn end_machines(&mut self) {
        let Some(_) = self.dry else {
            return;
        };
        for (m, d) in std::mem::take(&mut self.far_dry) {
            let body = d.end();
            let opts = &self.fleet.machines[&m];
            println!("\n# ---- on {} ----", who(&m, opts));
            println!("{} bash -s <<'EOF'", ssh_words(opts));
            print!("{body}");
            println!("EOF");
        }
    }

    /// A failed run: what it made on every machine still reached is undone.
    pub(crate) fn rollback_machines(&mut self) -> Vec<String> {
        let lab = self.journal.lab.clone();
        self.fleet.rollback(&lab)
    }
}
