//! The DSL reference: one entry per form of every registered function and method, in the words a
//! script writer uses. `netsh doc` and the REPL's `:help` print it; a test keeps it complete.

/// One form of a DSL function: its name, how it is called, and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doc {
    pub name: &'static str,
    pub sig: &'static str,
    pub doc: &'static str,
}

const fn d(name: &'static str, sig: &'static str, doc: &'static str) -> Doc {
    Doc { name, sig, doc }
}

/// Every DSL function, in the order of a lab: stacks, links, addresses, routes, checks, firewall.
pub const DOCS: &[Doc] = &[
    d(
        "host",
        "host() -> Stack",
        "this machine's own network stack",
    ),
    d(
        "host",
        "host(name) -> Stack",
        "a simulated machine: a namespace with namespaces of its own",
    ),
    d(
        "ns",
        "ns(name) -> Stack",
        "a namespace on the host (created once, lo up)",
    ),
    d(
        "ns",
        "stack.ns(name) -> Stack",
        "a namespace on a simulated host: host.name",
    ),
    d(
        "del",
        "stack.del()",
        "delete a namespace (a host goes with its namespaces)",
    ),
    d(
        "del",
        "link.del() -> Link",
        "delete a link (a veth goes with its peer)",
    ),
    d("bridge", "bridge(name) -> Link", "a bridge on the host"),
    d(
        "bridge",
        "stack.bridge(name) -> Link",
        "a bridge in a namespace or host",
    ),
    d(
        "veth",
        "veth(name, peer) -> Link",
        "a veth pair on the host; returns the end `name`",
    ),
    d(
        "veth",
        "stack.veth(name, peer) -> Link",
        "a veth pair in a namespace or host",
    ),
    d(
        "vxlan",
        "vxlan(name, #{ id, remote, dev, port }) -> Link",
        "a VXLAN device on the host",
    ),
    d(
        "vxlan",
        "stack.vxlan(name, #{ id, remote, dev, port }) -> Link",
        "a VXLAN device in a namespace or host",
    ),
    d(
        "fdb",
        "link.fdb(#{ dst, mac }) -> Fdb",
        "append a head-end replication entry to a VXLAN device",
    ),
    d(
        "link",
        "link(name) -> Link",
        "an existing link on the host, adopted",
    ),
    d(
        "link",
        "stack.link(name) -> Link",
        "an existing link in a namespace, adopted",
    ),
    d(
        "wire",
        "wire(a, name_a, cidr_a, b, name_b, cidr_b) -> Link",
        "a LAN cable between two stacks, addressed at both ends",
    ),
    d(
        "connect",
        "connect(stack, bridge, cidr) -> Link",
        "a veth from a namespace to a bridge, addressed and up",
    ),
    d(
        "connect",
        "connect(stack, bridge, cidr, #{ name, peer, gw }) -> Link",
        "connect with names; gw: true adds the default route via the bridge",
    ),
    d("peer", "link.peer() -> Link", "the other end of a veth"),
    d(
        "into",
        "link.into(stack) -> Link",
        "place the link in a namespace or host",
    ),
    d(
        "master",
        "link.master(bridge) -> Link",
        "enslave the link to a bridge",
    ),
    d(
        "nomaster",
        "link.nomaster() -> Link",
        "release the link from its bridge",
    ),
    d(
        "addr",
        "link.addr(cidr) -> Link",
        "add an address, with its prefix: \"10.1.1.2/24\"",
    ),
    d(
        "del_addr",
        "link.del_addr(cidr) -> Link",
        "remove an address",
    ),
    d("up", "link.up() -> Link", "bring the link up"),
    d("down", "link.down() -> Link", "bring the link down"),
    d("mtu", "link.mtu(n) -> Link", "set the MTU (68-65535)"),
    d(
        "name",
        "link.name / stack.name",
        "the name of a link, or of a namespace (\"host\" for the host)",
    ),
    d("ns", "link.ns -> Stack", "the stack the link is in"),
    d(
        "route",
        "route(dst, via) -> Stack",
        "a route on the host: dst is a CIDR or \"default\"",
    ),
    d(
        "route",
        "route(dst, #{ via, dev }) -> Stack",
        "a route on the host through a gateway or a device",
    ),
    d(
        "route",
        "stack.route(dst, via) -> Stack",
        "a route in a namespace",
    ),
    d(
        "route",
        "stack.route(dst, #{ via, dev }) -> Stack",
        "a route in a namespace through a gateway or a device",
    ),
    d(
        "del_route",
        "del_route(dst) -> Stack",
        "remove a route from the host",
    ),
    d(
        "del_route",
        "stack.del_route(dst) -> Stack",
        "remove a route from a namespace",
    ),
    d(
        "sysctl",
        "sysctl(key, value) -> Stack",
        "set a sysctl on the host (restored by down)",
    ),
    d(
        "sysctl",
        "stack.sysctl(key, value) -> Stack",
        "set a sysctl in a namespace",
    ),
    d(
        "ip_forward",
        "ip_forward(on) -> Stack",
        "sysctl net.ipv4.ip_forward on the host",
    ),
    d(
        "ip_forward",
        "stack.ip_forward(on) -> Stack",
        "sysctl net.ipv4.ip_forward in a namespace",
    ),
    d(
        "why",
        "why(addr) -> Map",
        "why the host can or cannot reach addr, hop by hop: #{ verdict, hops, broken, fix, probe }",
    ),
    d(
        "why",
        "stack.why(addr) -> Map",
        "why a namespace can or cannot reach addr, hop by hop, with the fix in DSL form",
    ),
    d(
        "pingall",
        "pingall() -> Array",
        "the reachability matrix of the lab's namespaces and the host, printed as a table",
    ),
    d(
        "ping",
        "ping(addr) -> bool",
        "whether the host reaches addr (native ICMP, bounded, retried)",
    ),
    d(
        "ping",
        "stack.ping(addr) -> bool",
        "whether a namespace reaches addr",
    ),
    d(
        "assert_ping",
        "assert_ping(addr) -> bool",
        "fail with the reason unless the host reaches addr",
    ),
    d(
        "assert_ping",
        "assert_ping(stack, addr) -> bool",
        "fail with the reason unless stack reaches addr",
    ),
    d(
        "assert_no_ping",
        "assert_no_ping(addr) -> bool",
        "fail unless the host cannot reach addr",
    ),
    d(
        "assert_no_ping",
        "assert_no_ping(stack, addr) -> bool",
        "fail unless stack cannot reach addr",
    ),
    d(
        "exec",
        "exec(cmd) -> #{ code, out, err }",
        "run a command on the host",
    ),
    d(
        "exec",
        "stack.exec(cmd) -> #{ code, out, err }",
        "run a command in a namespace",
    ),
    d(
        "links",
        "links() -> array",
        "the host's links, live: #{ name, kind, master, up, mtu, addrs }",
    ),
    d(
        "links",
        "stack.links() -> array",
        "a namespace's links, live",
    ),
    d(
        "addrs",
        "addrs() -> array",
        "the host's addresses, live: #{ link, addr }",
    ),
    d(
        "addrs",
        "stack.addrs() -> array",
        "a namespace's addresses, live",
    ),
    d(
        "routes",
        "routes() -> array",
        "the host's main routing table, live: #{ dst, via, dev }",
    ),
    d(
        "routes",
        "stack.routes() -> array",
        "a namespace's main routing table, live",
    ),
    d(
        "param",
        "param(key, default) -> value",
        "a script parameter (-p key=value), of the default's type",
    ),
    d(
        "subnet_addr",
        "subnet_addr(subnet, n) -> string",
        "the n-th address of a subnet, with its prefix",
    ),
    d(
        "ip_of",
        "ip_of(cidr) -> string",
        "the address of a CIDR, without its prefix",
    ),
    d(
        "forward",
        "forward(#{ in, out, src, dst, proto, dport, state, action }) -> Rule",
        "a FORWARD ACCEPT rule on the host (quote \"in\")",
    ),
    d(
        "forward",
        "stack.forward(#{ ... }) -> Rule",
        "a FORWARD ACCEPT rule in a namespace or host",
    ),
    d(
        "masquerade",
        "masquerade(#{ src, out }) -> Rule",
        "a nat POSTROUTING MASQUERADE rule on the host",
    ),
    d(
        "masquerade",
        "stack.masquerade(#{ src, out }) -> Rule",
        "a MASQUERADE rule in a namespace or host",
    ),
    d(
        "snat",
        "snat(#{ src, out, to }) -> Rule",
        "a nat POSTROUTING SNAT rule on the host",
    ),
    d(
        "snat",
        "stack.snat(#{ src, out, to }) -> Rule",
        "an SNAT rule in a namespace or host",
    ),
    d(
        "dnat",
        "dnat(#{ proto, dport, to }) -> Rule",
        "a port mapping: nat PREROUTING DNAT on the host",
    ),
    d(
        "dnat",
        "stack.dnat(#{ proto, dport, to }) -> Rule",
        "a port mapping in a namespace or host",
    ),
    d(
        "nat",
        "nat(bridge) -> array",
        "Docker's bridge rules for the bridge's subnet: forwarding and MASQUERADE",
    ),
    d(
        "nat",
        "stack.nat(bridge) -> array",
        "Docker's bridge rules on a simulated host",
    ),
    d(
        "iptables",
        "iptables(rule) -> Rule",
        "any iptables rule on the host, e.g. \"-t nat -A PREROUTING ...\"",
    ),
    d(
        "iptables",
        "stack.iptables(rule) -> Rule",
        "any iptables rule in a namespace or host",
    ),
    d(
        "remove",
        "rule.remove() / rules.remove() / fdb.remove()",
        "delete a firewall rule (or several), or an fdb entry",
    ),
    d(
        "rules",
        "rules() -> array",
        "the lab's firewall rules: #{ host, table, chain, spec }",
    ),
];

/// The entries for `name` (all its forms), or none.
pub fn lookup(name: &str) -> Vec<&'static Doc> {
    DOCS.iter().filter(|d| d.name == name).collect()
}

/// The reference, or one function's entry, as `netsh doc` and `:help` print it.
pub fn render(name: Option<&str>) -> Option<String> {
    let entries: Vec<&Doc> = match name {
        Some(n) => lookup(n),
        None => DOCS.iter().collect(),
    };
    if entries.is_empty() {
        return None;
    }
    // A long signature puts its doc on the next line rather than widening every line.
    const WIDEST: usize = 44;
    let width = entries
        .iter()
        .map(|d| d.sig.chars().count())
        .filter(|w| *w <= WIDEST)
        .max()
        .or_else(|| entries.iter().map(|d| d.sig.chars().count()).max())
        .unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let w = e.sig.chars().count();
        if w > width {
            out.push_str(&format!("{}\n{}  {}\n", e.sig, " ".repeat(width), e.doc));
        } else {
            out.push_str(&format!("{}{}  {}\n", e.sig, " ".repeat(width - w), e.doc));
        }
    }
    Some(out)
}

/// The names closest to `name`, for "did you mean".
pub fn near(name: &str) -> Vec<&'static str> {
    let mut names: Vec<&str> = DOCS
        .iter()
        .map(|d| d.name)
        .filter(|n| n.starts_with(name) || name.starts_with(*n) || n.contains(name))
        .collect();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_prints_all_its_forms_aligned() {
        assert_eq!(
            render(Some("up")).unwrap(),
            "link.up() -> Link  bring the link up\n"
        );
        assert_eq!(
            render(Some("vxlan")).unwrap().lines().next(),
            Some(
                "vxlan(name, #{ id, remote, dev, port }) -> Link        a VXLAN device on the host"
            )
        );
        assert!(render(Some("frob")).is_none());
        assert_eq!(near("vet"), ["veth"]);
    }
}
