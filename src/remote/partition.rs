//! One plan, split by machine: a real machine's ops (its host stack `h150`, its namespaces
//! `h150.ns1`) go to that machine under the names they have there (`host`, `ns1`); the rest
//! stay here.

use crate::lab::ssh_options::SshOptions;
use crate::plan::describe::describe;
use crate::plan::error::PlanError;
use crate::plan::{Op, OpKind};
use crate::sys::Netns;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub(crate) local: Vec<Op>,
    /// Each machine's ops, renamed for it, in the plan's order.
    pub(crate) far: BTreeMap<String, Vec<Op>>,
}

/// The real machine a stack is on; `None`: this machine.
pub(crate) fn machine_of<'a>(
    ns: &Netns,
    machines: &'a BTreeMap<String, SshOptions>,
) -> Option<&'a str> {
    let Netns::Named(n) = ns else {
        return None;
    };
    let m = ns.machine().unwrap_or(n);
    machines.get_key_value(m).map(|(k, _)| k.as_str())
}

/// The stack's name on its machine `m`: `h150` is its host stack, `h150.ns1` its `ns1`.
pub(crate) fn there(ns: Netns, m: &str) -> Netns {
    match ns {
        Netns::Named(n) if n == m => Netns::Root,
        Netns::Named(n) => match n.strip_prefix(&format!("{m}.")) {
            Some(l) => Netns::named(l),
            None => Netns::Named(n),
        },
        // A namespace adopted by process or file is this machine's own.
        other => other,
    }
}

pub(crate) fn partition(
    ops: Vec<Op>,
    machines: &BTreeMap<String, SshOptions>,
) -> Result<Parts, PlanError> {
    let mut parts = Parts::default();
    for op in ops {
        let on: Vec<Option<&str>> = op
            .kind
            .stacks()
            .iter()
            .map(|s| machine_of(s, machines))
            .collect();
        let m = on[0];
        if let Some(other) = on.iter().find(|o| **o != m) {
            let name = |o: Option<&str>| o.unwrap_or("this machine").to_string();
            return Err(PlanError::new(
                "netsh::machines",
                format!(
                    "{} joins two machines, {} and {}: a link cannot cross from one machine to another",
                    describe(&op.kind),
                    name(m),
                    name(*other)
                ),
                Some("connect machines over their own network: a vxlan on each, with the other's address as its remote".into()),
            )
            .at(op.at));
        }
        let Some(m) = m else {
            parts.local.push(op);
            continue;
        };
        match &op.kind {
            // The machine's own stack stands already.
            OpKind::NetnsAdd { name } if name == m => continue,
            OpKind::NetnsDel { name } if name == m => {
                return Err(PlanError::new(
                    "netsh::delete",
                    format!(
                        "{m} is a real machine ({}): netsh does not delete it",
                        machines[m].ssh
                    ),
                    Some(format!(
                        "delete what the lab made there instead, e.g. {m}.ns(\"ns1\").del()"
                    )),
                )
                .at(op.at));
            }
            _ => {}
        }
        let kind = op.kind.map_ns(&|ns| there(ns, m));
        parts
            .far
            .entry(m.to_string())
            .or_default()
            .push(Op { kind, ..op });
    }
    Ok(parts)
}
