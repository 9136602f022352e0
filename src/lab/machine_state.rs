//! `netsh show` across machines: each real machine a lab is bound to (`host("h150", #{ ssh })`),
//! reached or not, with its stacks as that machine names them; and the one picture of all of
//! them that the text, DOT and SVG forms draw.

use super::state::{StackState, State};
use serde::{Deserialize, Serialize};

/// One real machine of the lab, as `show --json` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MachineState {
    /// The name the script bound (`h150`).
    pub name: String,
    /// Its ssh target (`root@172.31.131.150`).
    pub ssh: String,
    pub reachable: bool,
    /// Why it could not be read (ssh's words), when not reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its stacks as that machine names them (`host`, `ns1`).
    #[serde(default)]
    pub stacks: Vec<StackState>,
}

/// `show --json`: this machine's state, then the machines (none: the schema of one machine).
#[derive(Serialize)]
pub(crate) struct Spanned<'a> {
    #[serde(flatten)]
    pub(crate) state: &'a State,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) machines: &'a [MachineState],
}

/// The name a machine's stack has in the one picture: its host stack is the machine
/// (`h150`), its namespaces `h150.ns1`, as a simulated host's are.
fn spanned_name(machine: &str, stack: &str) -> String {
    match stack {
        "host" => machine.to_string(),
        n => format!("{machine}.{n}"),
    }
}

/// This machine's stacks and every reachable machine's, renamed into one picture.
pub(crate) fn spanned(state: &State, machines: &[MachineState]) -> State {
    let mut all = state.clone();
    for m in machines {
        for s in &m.stacks {
            let mut s = s.clone();
            s.kind = if s.name == "host" {
                "host"
            } else {
                "namespace"
            }
            .into();
            s.name = spanned_name(&m.name, &s.name);
            s.machine = m.name.clone();
            for l in &mut s.links {
                if let Some(p) = &mut l.peer {
                    p.stack = spanned_name(&m.name, &p.stack);
                }
            }
            all.stacks.push(s);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str) -> StackState {
        serde_json::from_value(serde_json::json!({
            "name": name, "kind": if name == "host" { "host" } else { "namespace" },
            "machine": "host", "links": [], "routes": [], "rules": []
        }))
        .unwrap()
    }

    #[test]
    fn a_machines_stacks_join_the_picture_under_its_name() {
        let here = State {
            version: 1,
            lab: None,
            stacks: vec![stack("host")],
        };
        let mut ns1 = stack("ns1");
        ns1.links = serde_json::from_value(serde_json::json!([{
            "name": "e1", "kind": "veth", "master": null, "up": true, "mtu": 1500,
            "addrs": [], "peer": { "stack": "host", "link": "vns1" }, "vxlan": null, "alias": null
        }]))
        .unwrap();
        let m = MachineState {
            name: "h150".into(),
            ssh: "root@192.0.2.150".into(),
            reachable: true,
            error: None,
            stacks: vec![stack("host"), ns1],
        };
        let all = spanned(&here, &[m]);
        let names: Vec<(&str, &str, &str)> = all
            .stacks
            .iter()
            .map(|s| (s.name.as_str(), s.kind.as_str(), s.machine.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("host", "host", "host"),
                ("h150", "host", "h150"),
                ("h150.ns1", "namespace", "h150")
            ]
        );
        let peer = all.stacks[2].links[0].peer.as_ref().unwrap();
        assert_eq!((peer.stack.as_str(), peer.link.as_str()), ("h150", "vns1"));
    }
}
