//! `netsh show --json`: the live state, per host and namespace. The schema is stable (its
//! `version` changes if a field changes meaning) and documented in README.md.

use crate::sys::LinkKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// 1 for this schema.
    pub version: u32,
    /// The lab shown, or null for everything on this machine's stack.
    pub lab: Option<String>,
    pub stacks: Vec<StackState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackState {
    /// `host` for the stack netsh runs in; otherwise the name in /run/netns.
    pub name: String,
    /// `host` (a machine: this one, or a simulated one whose namespaces are `NAME.x`) or
    /// `namespace`.
    pub kind: String,
    /// The machine this stack belongs to: `host`, or a simulated host's name.
    pub machine: String,
    pub links: Vec<LinkState>,
    pub routes: Vec<RouteState>,
    /// The firewall rules (all, or the lab's with --lab).
    pub rules: Vec<RuleState>,
    /// The driver its firewall goes through: `nf_tables` (native), `iptables-legacy`, or
    /// `nf_tables+iptables` (native, and the iptables program for rules outside its set).
    #[serde(default)]
    pub firewall: Option<String>,
    /// net.ipv4.ip_forward: whether it routes between its links; null where unread.
    #[serde(default)]
    pub ip_forward: Option<bool>,
    /// The filter table's built-in chains and their policies (`ACCEPT`, `DROP`); a stack
    /// without a filter table lets everything through: `ACCEPT`.
    #[serde(default)]
    pub policies: BTreeMap<String, String>,
    /// A namespace with no name in /run/netns (`pid:1234`, a runtime's file): the processes
    /// in it, by pid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessState>,
    /// Its container, where the runtime's file or the cgroup says: `docker web`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessState {
    pub pid: u32,
    /// Its name (`/proc/PID/comm`).
    pub name: String,
}

impl State {
    /// Show the simulated hosts among the stacks (the journals name them: the kernel cannot
    /// tell one from a namespace) as the machines they are.
    pub(crate) fn mark_machines(&mut self, machines: &BTreeSet<String>) {
        for s in &mut self.stacks {
            if machines.contains(&s.name) {
                s.kind = "host".into();
                s.machine = s.name.clone();
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    pub name: String,
    /// `bridge`, `veth`, `vxlan`, ... or null (lo, a physical NIC).
    pub kind: Option<LinkKind>,
    pub master: Option<String>,
    pub up: bool,
    pub mtu: u32,
    /// CIDRs, IPv6 link-local left out.
    pub addrs: Vec<String>,
    /// A veth's other end.
    pub peer: Option<Endpoint>,
    pub vxlan: Option<VxlanState>,
    /// `netsh:<lab>` on links netsh made.
    pub alias: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub stack: String,
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VxlanState {
    pub id: u32,
    pub remote: Option<String>,
    pub local: Option<String>,
    pub dev: Option<String>,
    pub port: Option<u16>,
    /// The remotes of its FDB entries (head-end replication).
    pub fdb: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteState {
    /// `default` or a CIDR.
    pub dst: String,
    pub via: Option<String>,
    pub dev: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleState {
    pub table: String,
    pub chain: String,
    pub spec: String,
}
