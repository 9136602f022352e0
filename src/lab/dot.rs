//! `netsh show --dot`: the topology as Graphviz, top to bottom — machines (this host and the
//! simulated ones) and their namespaces as clusters, each labelled with its ip_forward and
//! FORWARD policy; links as nodes, veth cables and bridge ports as edges, VXLAN tunnels between
//! hosts; and a legend. Render with `netsh show --dot | dot -Tsvg > lab.svg`.

use super::state::{StackState, State};
use crate::sys::LinkKind;
use std::collections::BTreeSet;
use std::fmt::Write;

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn node(stack: &str, link: &str) -> String {
    q(&format!("{stack}/{link}"))
}

pub(crate) fn dot(state: &State) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "graph netsh {{");
    let _ = writeln!(out, "  compound=true; rankdir=TB;");
    let _ = writeln!(
        out,
        "  node [shape=box, fontname=\"monospace\", fontsize=10];"
    );
    let machines: BTreeSet<&str> = state.stacks.iter().map(|s| s.machine.as_str()).collect();
    for m in &machines {
        let _ = writeln!(out, "  subgraph {} {{", q(&format!("cluster_machine_{m}")));
        // The machine's own stack is the machine: its facts on the machine, its name once.
        let own = state.stacks.iter().find(|s| s.name == *m);
        let label = own.map_or_else(|| q(m), stack_label);
        let _ = writeln!(out, "    label={label}; style=rounded;");
        for s in state.stacks.iter().filter(|s| s.machine == *m) {
            let inner = s.name != *m;
            if inner {
                let _ = writeln!(out, "    subgraph {} {{", q(&format!("cluster_{}", s.name)));
                let _ = writeln!(out, "      label={}; style=dashed;", stack_label(s));
            }
            let mut any = false;
            for l in s
                .links
                .iter()
                .filter(|l| l.name != "lo" || !l.addrs.is_empty())
            {
                let mut label = l.name.clone();
                match &l.kind {
                    // A veth cabled to another machine stands for a network card, as a
                    // physical one (no kind) is.
                    Some(LinkKind::Veth) if crosses(state, s, l) => label.push_str(" (NIC)"),
                    Some(k) => label.push_str(&format!(" ({k})")),
                    None if l.name != "lo" => label.push_str(" (NIC)"),
                    None => {}
                }
                for a in &l.addrs {
                    label.push_str(&format!("\\n{a}"));
                }
                let shape = match l.kind {
                    Some(LinkKind::Bridge) => "box3d",
                    Some(LinkKind::Vxlan) => "hexagon",
                    _ => "box",
                };
                let style = if l.up { "solid" } else { "dotted" };
                let _ = writeln!(
                    out,
                    "      {} [label=\"{}\", shape={shape}, style={style}];",
                    node(&s.name, &l.name),
                    label.replace('"', "\\\"")
                );
                any = true;
            }
            if !any && inner {
                // An empty cluster is not drawn: give the namespace a point.
                let _ = writeln!(out, "      {} [shape=point];", node(&s.name, ""));
            }
            if inner {
                let _ = writeln!(out, "    }}");
            }
        }
        let _ = writeln!(out, "  }}");
    }
    legend(&mut out);
    let mut done = BTreeSet::new();
    for s in &state.stacks {
        for l in &s.links {
            let me = node(&s.name, &l.name);
            if let Some(m) = &l.master {
                let _ = writeln!(out, "  {me} -- {} [style=dashed];", node(&s.name, m));
            }
            if let Some(p) = &l.peer {
                let other = node(&p.stack, &p.link);
                let key = if me < other {
                    (me.clone(), other.clone())
                } else {
                    (other.clone(), me.clone())
                };
                if done.insert(key) {
                    let _ = writeln!(out, "  {me} -- {other} [penwidth=2];");
                }
            }
            if let Some(v) = &l.vxlan {
                let remotes = v.remote.iter().chain(v.fdb.iter());
                for r in remotes {
                    let far = state.stacks.iter().find_map(|o| {
                        let owns = o
                            .links
                            .iter()
                            .any(|x| x.addrs.iter().any(|a| a.split('/').next() == Some(r)));
                        if !owns {
                            return None;
                        }
                        o.links
                            .iter()
                            .find(|x| x.vxlan.as_ref().is_some_and(|ov| ov.id == v.id))
                            .map(|x| node(&o.name, &x.name))
                    });
                    let far = far.unwrap_or_else(|| q(&format!("remote {r}")));
                    let key = if me < far {
                        (me.clone(), far.clone())
                    } else {
                        (far.clone(), me.clone())
                    };
                    if done.insert(key) {
                        let _ = writeln!(
                            out,
                            "  {me} -- {far} [label=\"VXLAN {}\", style=bold, color=blue];",
                            v.id
                        );
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "}}");
    out
}

/// Whether a link's veth peer is on another machine.
fn crosses(state: &State, s: &StackState, l: &super::state::LinkState) -> bool {
    l.peer.as_ref().is_some_and(|p| {
        state
            .stacks
            .iter()
            .any(|o| o.name == p.stack && o.machine != s.machine)
    })
}

/// A stack's name, and whether packets cross it: its ip_forward and FORWARD policy; and its
/// way out: the default route and the source NAT.
fn stack_label(s: &StackState) -> String {
    let mut facts = vec![];
    if let Some(on) = s.ip_forward {
        facts.push(format!("ip_forward {}", u8::from(on)));
    }
    if let Some(p) = s.policies.get("FORWARD") {
        facts.push(format!("FORWARD {p}"));
    }
    let mut lines = vec![s.name.clone()];
    if !facts.is_empty() {
        lines.push(facts.join(", "));
    }
    for r in s.routes.iter().filter(|r| r.dst == "default") {
        let via = r
            .via
            .as_ref()
            .map(|v| format!(" via {v}"))
            .unwrap_or_default();
        let dev = r
            .dev
            .as_ref()
            .map(|d| format!(" dev {d}"))
            .unwrap_or_default();
        lines.push(format!("default{via}{dev}"));
    }
    lines.extend(super::svg_text::nat_lines(s));
    // Graphviz's line break, inside the quotes.
    let quoted: Vec<String> = lines.iter().map(|l| q(l)).collect();
    let inner: Vec<&str> = quoted.iter().map(|l| &l[1..l.len() - 1]).collect();
    format!("\"{}\"", inner.join("\\n"))
}

/// What the shapes and lines mean.
fn legend(out: &mut String) {
    let _ = writeln!(out, "  subgraph \"cluster_legend\" {{");
    let _ = writeln!(out, "    label=\"legend\"; style=dotted;");
    for (id, label, shape, style) in [
        ("bridge", "bridge", "box3d", "solid"),
        ("vxlan", "VXLAN device", "hexagon", "solid"),
        ("link", "link (NIC, veth, ...)", "box", "solid"),
        ("down", "link down", "box", "dotted"),
    ] {
        let _ = writeln!(
            out,
            "    \"legend/{id}\" [label=\"{label}\", shape={shape}, style={style}];"
        );
    }
    for (a, b, label, attrs) in [
        ("link", "bridge", "bridge port", "style=dashed"),
        ("link", "down", "veth cable", "penwidth=2"),
        ("vxlan", "bridge", "VXLAN tunnel", "style=bold, color=blue"),
    ] {
        let _ = writeln!(
            out,
            "    \"legend/{a}\" -- \"legend/{b}\" [label=\"{label}\", {attrs}];"
        );
    }
    let _ = writeln!(out, "  }}");
}
