//! The real machines of one run: each reached once (an ssh master, its agent, the lab opened
//! there), judged everywhere before anything changes anywhere, applied in parallel (a thread
//! per machine), rolled back together.

use super::client::Agent;
use super::error::RemoteError;
use super::proto::{Applied, Reply, Request};
use super::ssh::Ssh;
use crate::lab::ssh_options::SshOptions;
use crate::plan::error::PlanError;
use crate::plan::flush::Tally;
use crate::plan::Op;
use crate::sys::{At, ObjectKey};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub(crate) struct Fleet {
    /// The machines the script bound (`host("h150", #{ ssh: … })`), by name.
    pub(crate) machines: BTreeMap<String, SshOptions>,
    agents: BTreeMap<String, Agent>,
    /// What this run's applies reported, per machine (objects counted once, as locally).
    made: BTreeMap<String, BTreeSet<ObjectKey>>,
    unchanged: BTreeMap<String, BTreeSet<ObjectKey>>,
    adopted: BTreeMap<String, BTreeSet<ObjectKey>>,
    changed: usize,
    pub(crate) first_adopted: bool,
}

/// Each machine's reply (or how its connection broke), by name.
type Replies = Vec<(String, Result<Reply, RemoteError>)>;

/// "h150 (root@192.0.2.150)".
pub(crate) fn who(name: &str, opts: &SshOptions) -> String {
    format!("{name} ({})", opts.ssh)
}

fn remote_error(e: RemoteError, at: At) -> PlanError {
    PlanError::new("netsh::remote", e.message, Some(e.help)).at(at)
}

impl Fleet {
    pub(crate) fn is_empty(&self) -> bool {
        self.machines.is_empty()
    }

    /// The machine reached, its agent started and the lab opened there (once a run).
    pub(crate) fn connect(
        &mut self,
        name: &str,
        lab: &str,
        script: Option<String>,
        at: At,
    ) -> Result<(), PlanError> {
        if self.agents.contains_key(name) {
            return Ok(());
        }
        let opts = &self.machines[name];
        let mut agent = Ssh::connect(name, opts)
            .and_then(Agent::start)
            .map_err(|e| remote_error(e, at))?;
        let open = Request::Open {
            lab: lab.to_string(),
            script,
            machine: Some(name.to_string()),
        };
        match agent.call(&open).map_err(|e| remote_error(e, at))? {
            Reply::Opened { .. } => {}
            other => return Err(refusal(&who(name, opts), other, at)),
        }
        self.agents.insert(name.to_string(), agent);
        Ok(())
    }

    /// One request to one machine (reached and the lab opened there first, once a run).
    pub(crate) fn ask(
        &mut self,
        name: &str,
        req: &Request,
        lab: &str,
        script: Option<String>,
        at: At,
    ) -> Result<Reply, PlanError> {
        self.connect(name, lab, script, at)?;
        let agent = self.agents.get_mut(name).expect("connected above");
        agent.call(req).map_err(|e| {
            self.agents.remove(name);
            remote_error(e, at)
        })
    }

    /// Each machine's request sent at once (a thread each) while `here` runs on this thread.
    fn each<T>(
        &mut self,
        reqs: BTreeMap<String, Request>,
        here: impl FnOnce() -> T,
    ) -> (T, Replies) {
        std::thread::scope(|s| {
            let threads: Vec<_> = self
                .agents
                .iter_mut()
                .filter_map(|(name, agent)| {
                    let req = reqs.get(name)?;
                    Some((name.clone(), s.spawn(move || agent.call(req))))
                })
                .collect();
            let mine = here();
            let replies = threads
                .into_iter()
                .map(|(name, t)| (name, t.join().expect("an agent's thread does not panic")))
                .collect();
            (mine, replies)
        })
    }

    /// The first problem among the replies, the machine named; a machine whose connection
    /// broke is dropped (`netsh down` reaches it later).
    fn first_problem(
        &mut self,
        replies: Replies,
        far: &BTreeMap<String, Vec<Op>>,
        mut ok: impl FnMut(&mut Self, &str, Reply) -> Option<Reply>,
    ) -> Result<(), PlanError> {
        let mut first = None;
        for (name, r) in replies {
            let at = far[&name].first().map(|o| o.at).unwrap_or_default();
            let problem = match r {
                Err(e) => {
                    self.agents.remove(&name);
                    Some(remote_error(e, at))
                }
                Ok(reply) => ok(self, &name, reply)
                    .map(|other| refusal(&who(&name, &self.machines[&name]), other, at)),
            };
            first = first.or(problem);
        }
        first.map_or(Ok(()), Err)
    }

    /// Every machine judges its part; nothing changes anywhere.
    pub(crate) fn judge(&mut self, far: &BTreeMap<String, Vec<Op>>) -> Result<(), PlanError> {
        let reqs = far
            .iter()
            .map(|(m, ops)| (m.clone(), Request::Judge { ops: ops.clone() }))
            .collect();
        let ((), replies) = self.each(reqs, || ());
        self.first_problem(replies, far, |_, _, r| match r {
            Reply::Verdicts { .. } => None,
            other => Some(other),
        })
    }

    /// Every machine applies its part while `here` applies this machine's.
    pub(crate) fn apply_with<T>(
        &mut self,
        far: &BTreeMap<String, Vec<Op>>,
        here: impl FnOnce() -> T,
    ) -> (T, Result<(), PlanError>) {
        let reqs = far
            .iter()
            .map(|(m, ops)| (m.clone(), Request::Apply { ops: ops.clone() }))
            .collect();
        let (mine, replies) = self.each(reqs, here);
        let far_result = self.first_problem(replies, far, |f, name, r| match r {
            Reply::Applied(a) => {
                f.absorb(name, a);
                None
            }
            other => Some(other),
        });
        (mine, far_result)
    }

    fn absorb(&mut self, name: &str, a: Applied) {
        self.made.entry(name.into()).or_default().extend(a.created);
        self.unchanged
            .entry(name.into())
            .or_default()
            .extend(a.unchanged);
        self.adopted
            .entry(name.into())
            .or_default()
            .extend(a.adopted);
        self.changed += a.tally.changed;
        self.first_adopted |= a.first_adopted;
    }

    /// The changes to objects the lab did not make, since the last call.
    pub(crate) fn take_changed(&mut self) -> usize {
        std::mem::take(&mut self.changed)
    }

    /// What the machines did this run, as a tally (objects, each once).
    pub(crate) fn tally(&self) -> Tally {
        let count = |m: &BTreeMap<String, BTreeSet<ObjectKey>>| m.values().map(|s| s.len()).sum();
        Tally {
            created: count(&self.made),
            changed: 0,
            unchanged: count(&self.unchanged),
            adopted: count(&self.adopted),
        }
    }

    /// Undo what this run applied on every machine still reached; a line for each that could
    /// not be (its journal there keeps it for `netsh down`).
    pub(crate) fn rollback(&mut self, lab: &str) -> Vec<String> {
        let mut notes = vec![];
        let reqs = self
            .agents
            .keys()
            .map(|m| (m.clone(), Request::Rollback))
            .collect();
        let ((), replies) = self.each(reqs, || ());
        for (name, r) in replies {
            let w = who(&name, &self.machines[&name]);
            match r {
                Ok(Reply::RolledBack { owned, failed }) => {
                    notes.extend(failed.into_iter().map(|f| format!("{name}: {f}")));
                    if owned > 0 {
                        notes.push(format!(
                            "lab {lab}: rolled back the {} this run created on {w}",
                            crate::lab::objects(owned)
                        ));
                    }
                }
                Ok(other) => notes.push(format!("lab {lab}: {w} did not roll back: {other:?}")),
                Err(e) => {
                    self.agents.remove(&name);
                    notes.push(format!("lab {lab}: {w}: {}", e.message));
                }
            }
        }
        for name in self.made.keys() {
            if !self.agents.contains_key(name) {
                notes.push(format!(
                    "lab {lab}: what this run made on {} stands; `netsh down --lab {lab}` removes it once the machine answers",
                    who(name, &self.machines[name])
                ));
            }
        }
        self.made.clear();
        notes
    }
}

/// A reply that is not the one asked for: the far diagnostic, the machine named.
pub(crate) fn refusal(who: &str, reply: Reply, at: At) -> PlanError {
    match reply {
        Reply::Refused(w) => {
            let mut e = PlanError::from(w);
            e.message = format!("on {who}: {}", e.message);
            e
        }
        Reply::Failed { message } => PlanError::new(
            "netsh::remote",
            format!("on {who}: {message}"),
            Some("check the machine's netsh: `netsh agent` runs there as root".into()),
        )
        .at(at),
        other => PlanError::new(
            "netsh::remote",
            format!("{who} answered {other:?}"),
            Some(format!(
                "use the same netsh version on both sides ({})",
                env!("CARGO_PKG_VERSION")
            )),
        )
        .at(at),
    }
}

/// `netsh down` on the controller: each machine's agent removes what its journal there lists.
/// The count removed, and a line for each machine that could not finish.
pub(crate) fn down_machines(
    lab: &str,
    machines: &BTreeMap<String, SshOptions>,
) -> (usize, Vec<String>) {
    let (mut removed, mut failed) = (0, vec![]);
    for (name, opts) in machines {
        let w = who(name, opts);
        let reached = Ssh::connect(name, opts).and_then(Agent::start);
        let mut agent = match reached {
            Ok(a) => a,
            Err(e) => {
                failed.push(format!("lab {lab}: {}; help: {}", e.message, e.help));
                continue;
            }
        };
        let open = Request::Open {
            lab: lab.to_string(),
            script: None,
            machine: Some(name.clone()),
        };
        let done = agent.call(&open).and_then(|_| agent.call(&Request::Down));
        match done {
            Ok(Reply::Down {
                removed: n,
                failed: f,
            }) => {
                removed += n;
                failed.extend(f.into_iter().map(|l| format!("{name}: {l}")));
            }
            Ok(other) => failed.push(format!(
                "lab {lab}: {}",
                refusal(&w, other, At::default()).message
            )),
            Err(e) => failed.push(format!("lab {lab}: {}; help: {}", e.message, e.help)),
        }
    }
    (removed, failed)
}
