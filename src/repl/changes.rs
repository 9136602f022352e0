//! The REPL's change lines: each kernel request a line applied, in one line of words —
//! `+` something made, `-` something removed, `~` something changed.

use crate::plan::op::LinkSpec;
use crate::plan::render::dst_text;
use crate::plan::OpKind;
use crate::sys::Netns;

/// " in ns1" for a namespace; nothing for the host.
fn in_ns(ns: &Netns) -> String {
    match ns {
        Netns::Root => String::new(),
        Netns::Named(n) => format!(" in {n}"),
        Netns::Adopted(f) => format!(" in {}", f.spec),
    }
}

fn route_text(dst: &ipnet::IpNet, via: &Option<std::net::IpAddr>, dev: &Option<String>) -> String {
    let mut s = dst_text(dst);
    if let Some(v) = via {
        s.push_str(&format!(" via {v}"));
    }
    if let Some(d) = dev {
        s.push_str(&format!(" dev {d}"));
    }
    s
}

/// One step in words, or `None` for a step that is part of another one's line.
pub(crate) fn change_line(op: &OpKind) -> Option<String> {
    use OpKind::*;
    Some(match op {
        NetnsAdd { name } => format!("+ netns {name}"),
        NetnsDel { name } => format!("- netns {name}"),
        LinkAdd {
            ns,
            name,
            kind,
            master,
            up,
            mtu,
        } => {
            let mut s = match kind {
                LinkSpec::Bridge => format!("+ bridge {name}{}", in_ns(ns)),
                LinkSpec::Vxlan(v) => format!("+ vxlan {name} (VNI {}){}", v.id, in_ns(ns)),
                LinkSpec::Veth { peer, peer_ns } => {
                    format!("+ veth {name}{} ↔ {peer}{}", in_ns(ns), in_ns(peer_ns))
                }
            };
            let mut set = vec![];
            if let Some(m) = master {
                set.push(format!("master {m}"));
            }
            if let Some(m) = mtu {
                set.push(format!("mtu {m}"));
            }
            if *up {
                set.push("up".to_string());
            }
            if !set.is_empty() {
                s.push_str(&format!(", {}", set.join(", ")));
            }
            s
        }
        LinkRequire { .. } => return None,
        LinkSetNs { ns, name, to } => format!("~ link {name}{}: into {to}", in_ns(ns)),
        LinkSetMaster { ns, name, master } => match master {
            Some(m) => format!("~ link {name}{}: master {m}", in_ns(ns)),
            None => format!("~ link {name}{}: nomaster", in_ns(ns)),
        },
        LinkSetUp { ns, name, up } => {
            format!(
                "~ link {name}{}: {}",
                in_ns(ns),
                if *up { "up" } else { "down" }
            )
        }
        LinkSetMtu { ns, name, mtu } => format!("~ link {name}{}: mtu {mtu}", in_ns(ns)),
        LinkDel { ns, name, peer } => match peer {
            Some((pns, p)) => format!("- veth {name}{} ↔ {p}{}", in_ns(ns), in_ns(pns)),
            None => format!("- link {name}{}", in_ns(ns)),
        },
        AddrAdd { ns, link, addr } => format!("+ addr {addr} on {link}{}", in_ns(ns)),
        AddrDel { ns, link, addr } => format!("- addr {addr} on {link}{}", in_ns(ns)),
        RouteAdd { ns, dst, via, dev } => {
            format!("+ route {}{}", route_text(dst, via, dev), in_ns(ns))
        }
        RouteDel { ns, dst, via, dev } => {
            format!("- route {}{}", route_text(dst, via, dev), in_ns(ns))
        }
        Sysctl { ns, key, value } => format!("~ sysctl {key}={value}{}", in_ns(ns)),
        RuleAdd { ns, rule, .. } => format!(
            "+ rule {} {} {}{}",
            rule.table,
            rule.chain,
            rule.untagged().spec(),
            in_ns(ns)
        ),
        RuleDel { ns, rule } => format!(
            "- rule {} {} {}{}",
            rule.table,
            rule.chain,
            rule.untagged().spec(),
            in_ns(ns)
        ),
        Policy {
            ns,
            table,
            chain,
            policy,
        } => format!("~ policy {table} {chain} {policy}{}", in_ns(ns)),
        ChainAdd { ns, table, chain } => format!("+ chain {table} {chain}{}", in_ns(ns)),
        ChainDel { ns, table, chain } => format!("- chain {table} {chain}{}", in_ns(ns)),
        FdbAdd { ns, dev, mac, dst } => format!("+ fdb {mac} dst {dst} on {dev}{}", in_ns(ns)),
        FdbDel { ns, dev, mac, dst } => format!("- fdb {mac} dst {dst} on {dev}{}", in_ns(ns)),
    })
}

/// The change lines of a batch. A new namespace's `lo` coming up is part of `+ netns`.
pub(crate) fn change_lines(steps: &[OpKind]) -> Vec<String> {
    let made: Vec<Netns> = steps
        .iter()
        .filter_map(|s| match s {
            OpKind::NetnsAdd { name } => Some(Netns::named(name)),
            _ => None,
        })
        .collect();
    steps
        .iter()
        .filter(|s| {
            !matches!(s, OpKind::LinkSetUp { ns, name, up: true } if name == "lo" && made.contains(ns))
        })
        .filter_map(change_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_in_words() {
        let ns1 = Netns::named("ns1");
        let steps = vec![
            OpKind::NetnsAdd { name: "ns1".into() },
            OpKind::LinkSetUp {
                ns: ns1.clone(),
                name: "lo".into(),
                up: true,
            },
            OpKind::LinkAdd {
                ns: ns1.clone(),
                name: "veth1".into(),
                kind: LinkSpec::Veth {
                    peer: "vethb1".into(),
                    peer_ns: Netns::Root,
                },
                master: None,
                up: true,
                mtu: None,
            },
            OpKind::AddrAdd {
                ns: ns1.clone(),
                link: "veth1".into(),
                addr: "10.1.1.2/24".parse().unwrap(),
            },
            OpKind::RouteAdd {
                ns: ns1,
                dst: "0.0.0.0/0".parse().unwrap(),
                via: Some("10.1.1.1".parse().unwrap()),
                dev: None,
            },
        ];
        assert_eq!(
            change_lines(&steps),
            [
                "+ netns ns1",
                "+ veth veth1 in ns1 ↔ vethb1, up",
                "+ addr 10.1.1.2/24 on veth1 in ns1",
                "+ route default via 10.1.1.1 in ns1",
            ]
        );
    }
}
