//! The reference's teaching part: the categories `:help` lists, one example per function, and
//! what to see next (the other functions of its category).

/// The DSL by what it is for, in the order of a lab; every documented name is in one.
#[rustfmt::skip]
pub(crate) const CATEGORIES: &[(&str, &[&str])] = &[
    ("stacks", &["host", "ns", "del", "param", "subnet_addr", "ip_of", "disjoint"]),
    ("links", &["bridge", "veth", "vxlan", "fdb", "link", "wire", "connect"]),
    ("on a link", &["peer", "into", "master", "nomaster", "addr", "del_addr", "up", "down", "mtu", "name"]),
    ("routing", &["route", "del_route", "sysctl", "ip_forward", "read_sysctl"]),
    ("checks", &["step", "ping", "assert_ping", "assert_no_ping", "pingall", "why", "exec", "sh", "shell"]),
    ("reading", &["links", "addrs", "routes", "rules"]),
    ("firewall", &["forward", "masquerade", "snat", "dnat", "nat", "iptables", "remove"]),
];

/// One line of DSL per function, as a lab would use it.
#[rustfmt::skip]
pub(crate) const EXAMPLES: &[(&str, &str)] = &[
    ("host", r#"let h = host("h149");  host().links()"#),
    ("ns", r#"let ns1 = ns("ns1");"#),
    ("del", r#"ns("old").del();  link("veth9").del();"#),
    ("param", r#"let subnet = param("subnet", "10.1.1.0/24");"#),
    ("subnet_addr", r#"subnet_addr("10.1.1.0/24", 1)  // "10.1.1.1/24""#),
    ("ip_of", r#"ip_of("10.1.1.2/24")  // "10.1.1.2""#),
    ("disjoint", r#"disjoint(#{ subnet: subnet, lan: lan, internet: "203.0.113.10" });"#),
    ("bridge", r#"let br = bridge("br0").addr("10.1.1.1/24").up();"#),
    ("veth", r#"let v = veth("veth1", "veth1-br");"#),
    ("vxlan", r#"let vx = vxlan("vx0", #{ id: 42, remote: "172.31.131.150", dev: "eth0" });"#),
    ("fdb", r#"vx.fdb(#{ dst: "172.31.131.151", mac: "00:00:00:00:00:00" });"#),
    ("link", r#"link("eth0").addrs()  // a link netsh did not make, adopted"#),
    ("wire", r#"wire(h1, "eth0", "10.0.0.1/24", h2, "eth0", "10.0.0.2/24");"#),
    ("connect", r#"connect(ns1, br, "10.1.1.2/24", #{ gw: true });"#),
    ("peer", r#"v.peer().master(br).up();"#),
    ("into", r#"v.into(ns1).addr("10.1.1.2/24").up();"#),
    ("master", r#"v.peer().master(bridge("br0"));"#),
    ("nomaster", r#"link("veth1-br").nomaster();"#),
    ("addr", r#"v.addr("10.1.1.2/24");"#),
    ("del_addr", r#"v.del_addr("10.1.1.2/24");"#),
    ("up", r#"v.up();"#),
    ("down", r#"v.down();"#),
    ("mtu", r#"v.mtu(1450);"#),
    ("name", r#"v.name  // "veth1""#),
    ("route", r#"ns1.route("default", "10.1.1.1");"#),
    ("del_route", r#"ns1.del_route("10.2.0.0/24");"#),
    ("sysctl", r#"ns1.sysctl("net.ipv4.conf.all.rp_filter", 0);"#),
    ("ip_forward", r#"ip_forward(true);"#),
    ("read_sysctl", r#"read_sysctl("net.bridge.bridge-nf-call-iptables")  // "1", or () if absent"#),
    ("step", r#"step("B. Reaching another machine on the LAN");"#),
    ("ping", r#"ns1.ping("10.1.1.3")  // true or false"#),
    ("assert_ping", r#"ns1.assert_ping("10.1.1.3");"#),
    ("assert_no_ping", r#"ns1.assert_no_ping("172.31.131.150");"#),
    ("pingall", r#"pingall();"#),
    ("why", r#"ns1.why("10.1.1.3");"#),
    ("exec", r#"ns1.exec("ip -br addr").out"#),
    ("sh", r#"r.sh("ip rule del priority 100");  // a failing command stops the script"#),
    ("shell", r#"ns1.shell();  // exit or Ctrl-D comes back"#),
    ("links", r#"ns1.links()"#),
    ("addrs", r#"ns1.addrs()"#),
    ("routes", r#"ns1.routes()"#),
    ("rules", r#"rules()"#),
    ("forward", r#"forward(#{ in: "br0", out: "eth0" });"#),
    ("masquerade", r#"masquerade(#{ src: "10.1.1.0/24", out: "eth0" });"#),
    ("snat", r#"snat(#{ src: "10.1.1.0/24", out: "eth0", to: "172.31.131.149" });"#),
    ("dnat", r#"dnat(#{ proto: "tcp", dport: 8080, to: "10.1.1.2:80" });"#),
    ("nat", r#"nat(br);"#),
    ("iptables", r#"iptables("-P FORWARD DROP");"#),
    ("remove", r#"let r = forward(#{ in: "br0" });  r.remove();"#),
];

/// The example for `name`.
pub(crate) fn example(name: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
}

/// The other functions of `name`'s category.
pub(crate) fn see_also(name: &str) -> Vec<&'static str> {
    CATEGORIES
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(_, names)| names.iter().copied().filter(|n| *n != name).collect())
        .unwrap_or_default()
}
