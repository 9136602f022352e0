//! The iproute2 / sysctl command that does what an `OpKind` does: `--dry-run` prints these, and a
//! bash running them in a fresh sandbox must build the same state as netsh.

use super::op::{LinkSpec, OpKind};
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `default` for the default route, the CIDR otherwise.
pub fn dst_text(dst: &IpNet) -> String {
    if dst.prefix_len() == 0 {
        "default".to_string()
    } else {
        dst.to_string()
    }
}

fn route_args(dst: &IpNet, via: &Option<IpAddr>, dev: &Option<String>) -> String {
    let mut s = dst_text(dst);
    if let Some(v) = via {
        s.push_str(&format!(" via {v}"));
    }
    if let Some(d) = dev {
        s.push_str(&format!(" dev {d}"));
    }
    s
}

pub fn render(op: &OpKind) -> String {
    use OpKind::*;
    match op {
        NetnsAdd { name } => format!("ip netns add {name}"),
        NetnsDel { name } => format!("ip netns del {name}"),
        LinkAdd {
            ns,
            name,
            kind,
            master,
            up,
            mtu,
        } => {
            let mut s = format!("{} link add {name}", ns.ip());
            if let LinkSpec::Bridge = kind {
                s.push_str(&format!(
                    " address {}",
                    super::op::mac_text(&super::op::bridge_mac(ns, name))
                ));
            }
            if let Some(m) = mtu {
                s.push_str(&format!(" mtu {m}"));
            }
            if let Some(m) = master {
                s.push_str(&format!(" master {m}"));
            }
            if *up {
                s.push_str(" up");
            }
            match kind {
                LinkSpec::Bridge => s.push_str(" type bridge"),
                LinkSpec::Vxlan(v) => s.push_str(&format!(" type vxlan {}", v.render())),
                LinkSpec::Veth { peer, peer_ns } => {
                    s.push_str(&format!(" type veth peer name {peer}"));
                    if peer_ns != ns {
                        s.push_str(&format!(" netns {}", peer_ns.ip_netns_arg()));
                    }
                }
            }
            s
        }
        LinkRequire { ns, name } => format!("{} link show {name} >/dev/null || exit 1", ns.ip()),
        LinkSetNs { ns, name, to } => {
            format!("{} link set {name} netns {}", ns.ip(), to.ip_netns_arg())
        }
        LinkSetMaster { ns, name, master } => match master {
            Some(m) => format!("{} link set {name} master {m}", ns.ip()),
            None => format!("{} link set {name} nomaster", ns.ip()),
        },
        LinkSetUp { ns, name, up } => {
            format!(
                "{} link set {name} {}",
                ns.ip(),
                if *up { "up" } else { "down" }
            )
        }
        LinkSetMtu { ns, name, mtu } => format!("{} link set {name} mtu {mtu}", ns.ip()),
        LinkDel { ns, name, .. } => format!("{} link del {name}", ns.ip()),
        AddrAdd { ns, link, addr } => format!("{} addr add {addr} dev {link}", ns.ip()),
        AddrDel { ns, link, addr } => format!("{} addr del {addr} dev {link}", ns.ip()),
        RouteAdd { ns, dst, via, dev } => {
            format!("{} route add {}", ns.ip(), route_args(dst, via, dev))
        }
        RouteDel { ns, dst, via, dev } => {
            format!("{} route del {}", ns.ip(), route_args(dst, via, dev))
        }
        Sysctl { ns, key, value } => format!("{}sysctl -qw {key}={value}", ns.exec_prefix()),
        RuleAdd { ns, rule } => format!(
            "{}iptables {}-A {}",
            ns.exec_prefix(),
            table_arg(&rule.table),
            chain_spec(rule)
        ),
        FdbAdd { ns, dev, mac, dst } => {
            format!("{} fdb append {mac} dev {dev} dst {dst}", bridge_cmd(ns))
        }
        FdbDel { ns, dev, mac, dst } => {
            format!("{} fdb del {mac} dev {dev} dst {dst}", bridge_cmd(ns))
        }
        RuleDel { ns, rule } => format!(
            "{}iptables {}-D {}",
            ns.exec_prefix(),
            table_arg(&rule.table),
            chain_spec(rule)
        ),
    }
}

/// The `bridge` command in a namespace.
fn bridge_cmd(ns: &Netns) -> String {
    match ns {
        Netns::Root => "bridge".to_string(),
        Netns::Named(n) => format!("bridge -n {n}"),
    }
}

/// `-t nat ` (nothing for filter, as people write it).
fn table_arg(table: &str) -> String {
    if table == "filter" {
        String::new()
    } else {
        format!("-t {table} ")
    }
}

fn chain_spec(rule: &crate::firewall::Rule) -> String {
    format!("{} {}", rule.chain, rule.spec())
}

/// The check `assert_ping` / `assert_no_ping` stands for, as a command that stops the script.
pub fn render_ping_check(ns: &Netns, dst: &IpAddr, expect: bool) -> String {
    let ping = format!("{}ping -c 3 -i 0.2 -W 1 {dst} >/dev/null", ns.exec_prefix());
    if expect {
        format!("{ping} || exit 1")
    } else {
        format!("! {ping} || exit 1")
    }
}

/// `exec` in a bash script: the same command in the same namespace.
pub fn render_exec(ns: &Netns, cmd: &str) -> String {
    format!("{}sh -c {}", ns.exec_prefix(), shell_quote(cmd))
}

/// `print` in a bash script.
pub fn render_echo(text: &str) -> String {
    format!("echo {}", shell_quote(text))
}

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn veth_created_in_place_renders_one_command() {
        let op = OpKind::LinkAdd {
            ns: Netns::Root,
            name: "vethb1".into(),
            kind: LinkSpec::Veth {
                peer: "veth1".into(),
                peer_ns: Netns::named("ns1"),
            },
            master: Some("bridge0".into()),
            up: true,
            mtu: None,
        };
        assert_eq!(
            render(&op),
            "ip link add vethb1 master bridge0 up type veth peer name veth1 netns ns1"
        );
    }

    #[test]
    fn routes_and_sysctls_render_in_their_namespace() {
        let op = OpKind::RouteAdd {
            ns: Netns::named("ns1"),
            dst: "0.0.0.0/0".parse().unwrap(),
            via: Some("10.1.1.1".parse().unwrap()),
            dev: None,
        };
        assert_eq!(render(&op), "ip -n ns1 route add default via 10.1.1.1");
        let op = OpKind::Sysctl {
            ns: Netns::named("ns1"),
            key: "net.ipv4.ip_forward".into(),
            value: "1".into(),
        };
        assert_eq!(
            render(&op),
            "ip netns exec ns1 sysctl -qw net.ipv4.ip_forward=1"
        );
        assert_eq!(render_echo("it's"), r"echo 'it'\''s'");
    }
}
