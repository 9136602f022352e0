//! `pingall` across machines: each stack's address is read on the machine that holds it, and
//! each row of the matrix is pinged from there (the agent's `Addrs` and `Sweep`), so a pair
//! across a VXLAN is a real ping between the machines.

use super::error::DslError;
use super::far_dry::FarDry;
use super::session::Session;
use crate::plan::view::NsView;
use crate::plan::{Observe, Probe, SweepRow};
use crate::remote::proto::{Reply, Request};
use crate::sys::Netns;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The address a stack is pinged at: its first IPv4 that is not loopback.
pub(crate) fn sweep_addr(v: &NsView) -> Option<IpAddr> {
    v.addrs
        .iter()
        .map(|(_, a)| a.addr())
        .find(|a| a.is_ipv4() && !a.is_loopback())
}

/// A stack of another machine, named so that no stack of the machine a row runs on has its
/// name (a row drops the neighbour entries it made in its targets; not in these).
fn elsewhere(ns: &Netns) -> Netns {
    Netns::named(&format!("{ns}@elsewhere"))
}

impl Session {
    /// Each stack with the address it is pinged at, its links settled first; a far machine's
    /// stacks read there.
    pub(crate) fn sweep_targets(
        &mut self,
        stacks: &[Netns],
    ) -> Result<Vec<(Netns, Option<IpAddr>)>, DslError> {
        let mut addrs = vec![None; stacks.len()];
        let (mut here, mut far) = (vec![], BTreeMap::<String, Vec<(usize, Netns)>>::new());
        for (i, ns) in stacks.iter().enumerate() {
            match self.far_stack(ns) {
                Some((m, there)) => far.entry(m).or_default().push((i, there)),
                None => {
                    let v = self.backend.observe(ns).unwrap_or_default();
                    addrs[i] = sweep_addr(&v);
                    here.push(ns.clone());
                }
            }
        }
        self.backend.settle(&here);
        for (m, list) in far {
            let asked: Vec<Netns> = list.iter().map(|(_, n)| n.clone()).collect();
            let plan = |d: &mut FarDry| Reply::Addrs {
                addrs: asked
                    .iter()
                    .map(|n| sweep_addr(&d.sim.observe(n).unwrap_or_default()))
                    .collect(),
            };
            let req = Request::Addrs {
                stacks: asked.clone(),
            };
            match self.ask_far(&m, req, plan)? {
                Reply::Addrs { addrs: got } => {
                    for ((i, _), a) in list.iter().zip(got) {
                        addrs[*i] = a;
                    }
                }
                other => return Err(self.sweep_refused(&m, other)),
            }
        }
        Ok(stacks.iter().cloned().zip(addrs).collect())
    }

    /// Rows of a sweep (each: its source's index in `targets`, its targets' indices), each
    /// pinged on the machine of its source. Which answered, row by row.
    pub(crate) fn ping_rows_where(
        &mut self,
        targets: &[(Netns, Option<IpAddr>)],
        rows: &[(usize, Vec<usize>)],
    ) -> Result<Vec<Vec<bool>>, DslError> {
        let machine: Vec<Option<(String, Netns)>> =
            targets.iter().map(|(ns, _)| self.far_stack(ns)).collect();
        let mut by_machine = BTreeMap::<Option<String>, Vec<usize>>::new();
        for (k, (i, _)) in rows.iter().enumerate() {
            let m = machine[*i].as_ref().map(|(m, _)| m.clone());
            by_machine.entry(m).or_default().push(k);
        }
        let mut got = vec![vec![]; rows.len()];
        for (m, ks) in by_machine {
            // Each stack as the machine of the row knows it.
            let name = |j: usize| match (&m, &machine[j]) {
                (None, None) => targets[j].0.clone(),
                (Some(m), Some((on, there))) if on == m => there.clone(),
                _ => elsewhere(&targets[j].0),
            };
            let sweep: Vec<SweepRow> = ks
                .iter()
                .map(|k| {
                    let (i, to) = &rows[*k];
                    SweepRow {
                        from: name(*i),
                        back: targets[*i].1,
                        to: to
                            .iter()
                            .filter_map(|j| Some((name(*j), targets[*j].1?)))
                            .collect(),
                    }
                })
                .collect();
            let answers = match &m {
                None => self.backend.ping_rows(&sweep),
                Some(m) => self.far_rows(m, sweep)?,
            };
            for (k, a) in ks.iter().zip(answers) {
                got[*k] = a;
            }
        }
        Ok(got)
    }

    /// Rows pinged on machine `m`, from its stacks.
    fn far_rows(&mut self, m: &str, rows: Vec<SweepRow>) -> Result<Vec<Vec<bool>>, DslError> {
        let plan = |d: &mut FarDry| Reply::Swept {
            answers: d.sim.ping_rows(&rows),
        };
        let req = Request::Sweep { rows: rows.clone() };
        match self.ask_far(m, req, plan)? {
            Reply::Swept { answers } => Ok(answers),
            other => Err(self.sweep_refused(m, other)),
        }
    }

    fn sweep_refused(&self, m: &str, other: Reply) -> DslError {
        self.far_refused(
            m,
            other,
            "netsh::pingall",
            format!("check {m}'s netsh: `netsh agent` runs there as root"),
        )
    }
}
