//! Checks from a far machine's stacks (`h150.ns("ns1").ping(…)`, `.exec(…)`): that machine's
//! agent runs them there, where the stack is; a dry run plans them in that machine's section.

use super::error::DslError;
use super::far_dry::FarDry;
use super::session::Session;
use crate::plan::dry_run::Form;
use crate::plan::error::PlanError;
use crate::plan::{Echo, ExecOutput, PingMode, Probe};
use crate::remote::fleet::{refusal, who};
use crate::remote::partition::{machine_of, there};
use crate::remote::proto::{Reply, Request};
use crate::sys::{At, Netns};
use std::net::IpAddr;

/// A far machine's words, at the call that asked (a `PlanError` would point at an op's).
fn at_call(e: PlanError) -> DslError {
    DslError {
        code: e.code,
        message: e.message,
        help: e.help,
        at: None,
    }
}

impl Session {
    /// The real machine `ns` is on, and the stack's name there; `None`: this machine.
    pub(crate) fn far_stack(&self, ns: &Netns) -> Option<(String, Netns)> {
        let m = machine_of(ns, &self.fleet.machines)?.to_string();
        let local = there(ns.clone(), &m);
        Some((m, local))
    }

    /// One request to machine `m`, its reply; a dry run (no kernel) answers with `plan`, in
    /// that machine's section.
    pub(crate) fn ask_far(
        &mut self,
        m: &str,
        req: Request,
        plan: impl FnOnce(&mut FarDry) -> Reply,
    ) -> Result<Reply, DslError> {
        if self.backend.why_kernel().is_none() {
            let form = self.dry.unwrap_or(Form::Merged);
            let d = self
                .far_dry
                .entry(m.to_string())
                .or_insert_with(|| FarDry::new(form, m));
            return Ok(plan(d));
        }
        let lab = self.journal.lab.clone();
        let script = self.journal.script.clone();
        self.fleet
            .ask(m, &req, &lab, script, At::default())
            .map_err(at_call)
    }

    /// `ping` from stack `ns` (its name there) on machine `m`.
    pub(crate) fn far_ping(
        &mut self,
        m: &str,
        ns: Netns,
        dst: IpAddr,
        mode: PingMode,
    ) -> Result<Echo, DslError> {
        let req = Request::Ping {
            ns: ns.clone(),
            dst,
            mode,
        };
        let plan = |d: &mut FarDry| match d.sim.ping_echo(&ns, dst, mode) {
            Ok(echo) => Reply::Echo { echo },
            Err(f) => Reply::Failed { message: f.message },
        };
        match self.ask_far(m, req, plan)? {
            Reply::Echo { echo } => Ok(echo),
            other => Err(self.far_refused(
                m,
                other,
                "netsh::ping",
                format!("check that the namespace exists on {m}: {m}.ns(\"…\") creates it"),
            )),
        }
    }

    /// `exec` in stack `ns` (its name there) on machine `m`.
    pub(crate) fn far_exec(
        &mut self,
        m: &str,
        ns: Netns,
        cmd: &str,
    ) -> Result<ExecOutput, DslError> {
        let req = Request::Exec {
            ns: ns.clone(),
            cmd: cmd.to_string(),
        };
        let plan = |d: &mut FarDry| match d.sim.exec(&ns, cmd) {
            Ok(output) => Reply::Ran { output },
            Err(f) => Reply::Failed { message: f.message },
        };
        match self.ask_far(m, req, plan)? {
            Reply::Ran { output } => Ok(output),
            other => Err(self.far_refused(
                m,
                other,
                "netsh::exec",
                format!("check that the command exists on {m} and the namespace was created"),
            )),
        }
    }

    /// Not the reply asked for: the far side's words, the machine named.
    pub(crate) fn far_refused(
        &self,
        m: &str,
        reply: Reply,
        code: &'static str,
        help: String,
    ) -> DslError {
        let w = who(m, &self.fleet.machines[m]);
        match reply {
            Reply::Failed { message } => DslError::new(code, format!("on {w}: {message}"), help),
            other => at_call(refusal(&w, other, At::default())),
        }
    }
}
