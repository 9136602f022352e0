//! `why` in a script whose lab has real machines: a walk that leaves this machine through a
//! tunnel goes on on the machine at its other end (remote/why_across.rs), and a walk from a far
//! machine's stack starts there (remote/why_start.rs); both through the run's agents.

use super::error::DslError;
use super::session::Session;
use super::stack::Stack;
use crate::remote::error::RemoteError;
use crate::remote::proto::{Reply, Request};
use crate::remote::why_across::why_across;
use crate::remote::why_start::why_from_far;
use crate::sys::At;
use crate::why::Report;
use std::net::IpAddr;

impl Session {
    /// The report when the lab has real machines and the kernel is read (not a dry run, not a
    /// TCP port: those stay on this machine); `None`: `why` here as usual.
    pub(crate) fn why_machines(
        &mut self,
        st: &Stack,
        ip: IpAddr,
        probe: bool,
        (size, tcp): (Option<usize>, Option<u16>),
    ) -> Result<Option<Report>, DslError> {
        let far = self.far_stack(&st.ns);
        if self.fleet.is_empty() || !probe || (tcp.is_some() && far.is_none()) {
            return Ok(None);
        }
        if let (Some((m, _)), Some(_)) = (&far, tcp) {
            return Err(DslError::new(
                "netsh::why",
                format!("why to a TCP port from {m}'s stacks is not followed across machines yet"),
                format!("ask without tcp (a ping), or run `netsh why … ADDR:PORT` on {m}"),
            ));
        }
        let machines = self.fleet.machines.clone();
        let (lab, script) = (self.journal.lab.clone(), self.journal.script.clone());
        let Some(k) = self.backend.why_kernel() else {
            return Ok(None);
        };
        let fleet = &mut self.fleet;
        let mut ask = |m: &str, req: &Request| -> Result<Reply, RemoteError> {
            fleet
                .ask(m, req, &lab, script.clone(), At::default())
                .map_err(|e| RemoteError::new(e.message, e.help.unwrap_or_default()))
        };
        let r = match far {
            None => why_across(k, &st.ns, ip, size, &machines, &mut ask),
            Some((m, there)) => why_from_far(k, (&m, &there), ip, size, &machines, &mut ask)
                .map_err(|e| DslError::new("netsh::why", e.message, e.help))?,
        };
        Ok(Some(r))
    }
}
