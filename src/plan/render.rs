//! The iproute2 / sysctl command that does what an `OpKind` does: `--dry-run` prints these, and a
//! bash running them in a fresh sandbox must build the same state as netsh.
//!
//! Every name is one quoted bash word (`q`), and follows an explicit `name` or `dev` keyword:
//! iproute2 reads a bare word as a keyword or its abbreviation first (`b` is `broadcast`, `d`
//! is `dynamic`), so a link named `b` is only safe as `name b` or `dev b`.

use super::op::{LinkSpec, OpKind};
use crate::sys::shell::quote as q;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `default` for the default route, the CIDR otherwise.
pub(crate) fn dst_text(dst: &IpNet) -> String {
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
        s.push_str(&format!(" dev {}", q(d)));
    }
    s
}

/// `render` for the far machine the script names `machine` (`None`: this one): its bridges
/// get that machine's MACs (`op::bridge_mac_on`).
pub(crate) fn render_on(op: &OpKind, machine: Option<&str>) -> String {
    match op {
        OpKind::LinkAdd { .. } => render_link_add(op, machine),
        _ => render(op),
    }
}

pub(crate) fn render(op: &OpKind) -> String {
    use OpKind::*;
    match op {
        NetnsAdd { name } => format!("ip netns add {}", q(name)),
        NetnsDel { name } => format!("ip netns del {}", q(name)),
        LinkAdd { .. } => render_link_add(op, None),
        LinkRequire { ns, name } => {
            format!("{} link show dev {} >/dev/null || exit 1", ns.ip(), q(name))
        }
        LinkSetNs { ns, name, to } => {
            format!(
                "{} link set {} netns {}",
                ns.ip(),
                dev(name),
                to.ip_netns_arg()
            )
        }
        LinkSetMaster { ns, name, master } => match master {
            Some(m) => format!("{} link set {} master {}", ns.ip(), dev(name), q(m)),
            None => format!("{} link set {} nomaster", ns.ip(), dev(name)),
        },
        LinkSetUp { ns, name, up } => {
            format!(
                "{} link set {} {}",
                ns.ip(),
                dev(name),
                if *up { "up" } else { "down" }
            )
        }
        LinkSetMtu { ns, name, mtu } => format!("{} link set {} mtu {mtu}", ns.ip(), dev(name)),
        LinkDel { ns, name, .. } => format!("{} link del {}", ns.ip(), dev(name)),
        AddrAdd { ns, link, addr } => format!("{} addr add {addr} {}", ns.ip(), dev(link)),
        AddrDel { ns, link, addr } => format!("{} addr del {addr} {}", ns.ip(), dev(link)),
        RouteAdd { ns, dst, via, dev } => {
            format!("{} route add {}", ns.ip(), route_args(dst, via, dev))
        }
        RouteDel { ns, dst, via, dev } => {
            format!("{} route del {}", ns.ip(), route_args(dst, via, dev))
        }
        Sysctl { ns, key, value } => {
            format!(
                "{}sysctl -qw {}",
                ns.exec_prefix(),
                q(&format!("{key}={value}"))
            )
        }
        RuleAdd {
            ns,
            rule,
            insert: None,
        } => format!(
            "{}iptables {}-A {}",
            ns.exec_prefix(),
            table_arg(&rule.table),
            chain_spec(rule)
        ),
        RuleAdd {
            ns,
            rule,
            insert: Some(n),
        } => format!(
            "{}iptables {}-I {} {n} {}",
            ns.exec_prefix(),
            table_arg(&rule.table),
            q(&rule.chain),
            rule.spec()
        ),
        Policy {
            ns,
            table,
            chain,
            policy,
        } => format!(
            "{}iptables {}-P {} {}",
            ns.exec_prefix(),
            table_arg(table),
            q(chain),
            q(policy)
        ),
        ChainAdd { ns, table, chain } => format!(
            "{}iptables {}-N {}",
            ns.exec_prefix(),
            table_arg(table),
            q(chain)
        ),
        ChainDel { ns, table, chain } => format!(
            "{}iptables {}-X {}",
            ns.exec_prefix(),
            table_arg(table),
            q(chain)
        ),
        FdbAdd { ns, dev, mac, dst } => {
            let (mac, dev) = (q(mac), q(dev));
            format!("{} fdb append {mac} dev {dev} dst {dst}", bridge_cmd(ns))
        }
        FdbDel { ns, dev, mac, dst } => {
            let (mac, dev) = (q(mac), q(dev));
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

/// `ip link add …` for a bridge, a veth pair or a VXLAN device, with its settings.
fn render_link_add(op: &OpKind, machine: Option<&str>) -> String {
    let OpKind::LinkAdd {
        ns,
        name,
        kind,
        master,
        up,
        mtu,
    } = op
    else {
        unreachable!("render_link_add takes a LinkAdd")
    };
    let mut s = format!("{} link add name {}", ns.ip(), q(name));
    if let LinkSpec::Bridge = kind {
        s.push_str(&format!(
            " address {}",
            super::op::mac_text(&super::op::bridge_mac_on(machine, ns, name))
        ));
    }
    if let Some(m) = mtu {
        s.push_str(&format!(" mtu {m}"));
    }
    if let Some(m) = master {
        s.push_str(&format!(" master {}", q(m)));
    }
    if *up {
        s.push_str(" up");
    }
    match kind {
        LinkSpec::Bridge => s.push_str(" type bridge"),
        LinkSpec::Vxlan(v) => s.push_str(&format!(" type vxlan {}", v.render())),
        LinkSpec::Veth { peer, peer_ns } => {
            s.push_str(&format!(" type veth peer name {}", q(peer)));
            if peer_ns != ns {
                s.push_str(&format!(" netns {}", peer_ns.ip_netns_arg()));
            }
        }
    }
    s
}

/// `--dry-run=steps`: an op as the tutorials write it, one change per command. A new link is
/// created bare, then enslaved, its veth peer moved into its namespace, and set up (netsh
/// makes all that one request); a bridge gets no fixed MAC (a comment says why netsh gives one).
/// `taken`: whether a link of that name stands in that namespace already (then a veth end
/// cannot be made there to be moved, and is made in its namespace, as netsh does).
pub(crate) fn render_steps(op: &OpKind, taken: impl Fn(&Netns, &str) -> bool) -> Vec<String> {
    let OpKind::LinkAdd {
        ns,
        name,
        kind,
        master,
        up,
        mtu,
    } = op
    else {
        return vec![render(op)];
    };
    let mut out = vec![];
    // `wire`'s eth0 ↔ eth0 cannot have both ends here, nor can an end whose name is taken.
    let in_place = match kind {
        LinkSpec::Veth { peer, peer_ns } => peer_ns != ns && (peer == name || taken(ns, peer)),
        _ => false,
    };
    let mut add = format!("{} link add name {}", ns.ip(), q(name));
    if let Some(m) = mtu {
        add.push_str(&format!(" mtu {m}"));
    }
    match kind {
        LinkSpec::Bridge => {
            out.push(format!(
                "# netsh gives {} a fixed MAC, so that it never takes a new port's MAC (which would leave stale ARP entries behind)",
                name.replace('\n', " ")
            ));
            add.push_str(" type bridge");
        }
        LinkSpec::Vxlan(v) => add.push_str(&format!(" type vxlan {}", v.render())),
        LinkSpec::Veth { peer, peer_ns } => {
            add.push_str(&format!(" type veth peer name {}", q(peer)));
            if in_place {
                add.push_str(&format!(" netns {}", peer_ns.ip_netns_arg()));
            }
        }
    }
    out.push(add);
    if let Some(m) = master {
        out.push(format!(
            "{} link set {} master {}",
            ns.ip(),
            dev(name),
            q(m)
        ));
    }
    if let LinkSpec::Veth { peer, peer_ns } = kind {
        if peer_ns != ns && !in_place {
            out.push(format!(
                "{} link set {} netns {}",
                ns.ip(),
                dev(peer),
                peer_ns.ip_netns_arg()
            ));
        }
    }
    if *up {
        out.push(format!("{} link set {} up", ns.ip(), dev(name)));
    }
    out
}

/// `dev NAME`: the link, never read as a keyword.
fn dev(name: &str) -> String {
    format!("dev {}", q(name))
}

/// The `bridge` command in a namespace.
fn bridge_cmd(ns: &Netns) -> String {
    match ns {
        Netns::Root => "bridge".to_string(),
        Netns::Named(n) => format!("bridge -n {}", q(n)),
        Netns::Adopted(f) => format!("bridge -n {}", q(&f.path().to_string_lossy())),
    }
}

/// `-t nat ` (nothing for filter, as people write it).
fn table_arg(table: &str) -> String {
    if table == "filter" {
        String::new()
    } else {
        format!("-t {} ", q(table))
    }
}

fn chain_spec(rule: &crate::firewall::Rule) -> String {
    format!("{} {}", q(&rule.chain), rule.spec())
}

/// The check `assert_ping` / `assert_no_ping` stands for, as a command that stops the script.
pub(crate) fn render_ping_check(ns: &Netns, dst: &IpAddr, expect: bool) -> String {
    let on = ns.exec_prefix();
    if expect {
        // As assert_ping waits: the first reply within 10 s ends it (bridge ports and ARP may
        // still be settling right after the build).
        format!("{on}ping -c 1 -i 0.2 -w 10 {dst} >/dev/null || exit 1")
    } else {
        format!("! {on}ping -c 3 -i 0.2 -W 1 {dst} >/dev/null || exit 1")
    }
}

/// `exec` in a bash script: the same command in the same namespace.
pub(crate) fn render_exec(ns: &Netns, cmd: &str) -> String {
    format!("{}sh -c {}", ns.exec_prefix(), shell_quote(cmd))
}

/// `print` in a bash script: printf, since `echo` would read a text like `-n` as its option.
pub(crate) fn render_echo(text: &str) -> String {
    format!("printf '%s\\n' {}", shell_quote(text))
}

/// Always in single quotes: a command or a text, never a bare word.
pub(crate) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bridge port born up with its peer in ns1: the article's chapter 1 cable.
    fn vethb1_into_ns1() -> OpKind {
        OpKind::LinkAdd {
            ns: Netns::Root,
            name: "vethb1".into(),
            kind: LinkSpec::Veth {
                peer: "veth1".into(),
                peer_ns: Netns::named("ns1"),
            },
            master: Some("bridge0".into()),
            up: true,
            mtu: None,
        }
    }

    #[test]
    fn veth_created_in_place_renders_one_command() {
        let op = vethb1_into_ns1();
        assert_eq!(
            render(&op),
            "ip link add name vethb1 master bridge0 up type veth peer name veth1 netns ns1"
        );
    }

    #[test]
    fn steps_unfold_a_veth_into_a_namespace_as_the_article_writes_it() {
        let op = vethb1_into_ns1();
        assert_eq!(
            render_steps(&op, |_, _| false),
            [
                "ip link add name vethb1 type veth peer name veth1",
                "ip link set dev vethb1 master bridge0",
                "ip link set dev veth1 netns ns1",
                "ip link set dev vethb1 up",
            ]
        );
        let br = OpKind::LinkAdd {
            ns: Netns::Root,
            name: "br0".into(),
            kind: LinkSpec::Bridge,
            master: None,
            up: true,
            mtu: None,
        };
        let steps = render_steps(&br, |_, _| false);
        assert_eq!(
            steps[1..],
            ["ip link add name br0 type bridge", "ip link set dev br0 up"]
        );
        assert!(
            steps[0].starts_with("# netsh gives br0 a fixed MAC"),
            "{steps:?}"
        );
        assert!(
            !steps.concat().contains("address"),
            "no pinned MAC: {steps:?}"
        );
        // A peer whose name the host has already (wire's eth0 before): made in its namespace.
        assert_eq!(
            render_steps(&op, |ns, n| *ns == Netns::Root && n == "veth1")[..2],
            [
                "ip link add name vethb1 type veth peer name veth1 netns ns1",
                "ip link set dev vethb1 master bridge0",
            ]
        );
    }

    #[test]
    fn hostile_names_are_one_word_after_their_keyword() {
        let ns = Netns::named("a$(touch${IFS}PWNED)");
        let op = OpKind::LinkAdd {
            ns: ns.clone(),
            name: "b".into(),
            kind: LinkSpec::Veth {
                peer: "it's".into(),
                peer_ns: Netns::named("-n"),
            },
            master: Some("d;x".into()),
            up: false,
            mtu: None,
        };
        assert_eq!(
            render(&op),
            r"ip -n 'a$(touch${IFS}PWNED)' link add name b master 'd;x' type veth peer name 'it'\''s' netns -n"
        );
        let up = OpKind::LinkSetUp {
            ns: Netns::Root,
            name: "b".into(),
            up: true,
        };
        assert_eq!(render(&up), "ip link set dev b up");
        let sysctl = OpKind::Sysctl {
            ns,
            key: "net.ipv4.ip_local_port_range".into(),
            value: "20000 30000".into(),
        };
        assert_eq!(
            render(&sysctl),
            "ip netns exec 'a$(touch${IFS}PWNED)' sysctl -qw 'net.ipv4.ip_local_port_range=20000 30000'"
        );
        assert_eq!(render_echo("-n"), r"printf '%s\n' '-n'");
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
        assert_eq!(render_echo("it's"), r"printf '%s\n' 'it'\''s'");
    }
}
