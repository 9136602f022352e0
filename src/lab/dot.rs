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
        let _ = writeln!(out, "    label={}; style=rounded;", q(m));
        for s in state.stacks.iter().filter(|s| s.machine == *m) {
            let _ = writeln!(out, "    subgraph {} {{", q(&format!("cluster_{}", s.name)));
            let _ = writeln!(out, "      label={}; style=dashed;", stack_label(s));
            let mut any = false;
            for l in s
                .links
                .iter()
                .filter(|l| l.name != "lo" || !l.addrs.is_empty())
            {
                let mut label = l.name.clone();
                if let Some(k) = &l.kind {
                    label.push_str(&format!(" ({k})"));
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
            if !any {
                // An empty cluster is not drawn: give the namespace a point.
                let _ = writeln!(out, "      {} [shape=point];", node(&s.name, ""));
            }
            let _ = writeln!(out, "    }}");
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

/// A stack's name, and whether packets cross it: its ip_forward and FORWARD policy.
fn stack_label(s: &StackState) -> String {
    let mut facts = vec![];
    if let Some(on) = s.ip_forward {
        facts.push(format!("ip_forward {}", u8::from(on)));
    }
    if let Some(p) = s.policies.get("FORWARD") {
        facts.push(format!("FORWARD {p}"));
    }
    let name = q(&s.name);
    match facts.is_empty() {
        true => name,
        // Graphviz's line break, inside the quotes.
        false => format!("{}\\n{}\"", &name[..name.len() - 1], facts.join(", ")),
    }
}

/// What the shapes and lines mean.
fn legend(out: &mut String) {
    let _ = writeln!(out, "  subgraph \"cluster_legend\" {{");
    let _ = writeln!(out, "    label=\"legend\"; style=dotted;");
    for (id, label, shape, style) in [
        ("bridge", "bridge", "box3d", "solid"),
        ("vxlan", "VXLAN device", "hexagon", "solid"),
        ("link", "link (veth, ...)", "box", "solid"),
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
