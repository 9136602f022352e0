//! `netsh why` for a published port asked from the namespace that holds the address: its own
//! connection crosses nat OUTPUT, never nat PREROUTING, so a port forward kept only in
//! PREROUTING (a hand-written one, or Docker's DOCKER chain without its OUTPUT jump) is missed
//! and the host's own closed port answers with a RST. The DNAT is named (followed through the
//! user chain) with why this connection misses it, and the fix is its twin in nat OUTPUT; a
//! real connect proves it. With the OUTPUT rule, or for a port nothing publishes, the report is
//! what it was. Lab docker_gw (gw: docker0 172.17.0.1/16 with c1 172.17.0.2 listening on :80,
//! eth0 198.51.100.1); the home lab's OpenWrt-style `-i wan` forward asked from rt itself.

mod support;

use support::why_lab::{diagnose_then, home_tcp};

const GW: &str = "198.51.100.1";

/// c1 serves :80 (for every connection for 90 s) and gw gets `rules` (iptables words, or an
/// `nft …` line); `why gw GW:PORT`, its fix, then a real connect from gw.
fn from_gw(rules: &[&str], port: u16) -> String {
    let mut inject = "ip netns exec c1 \"$TCP_LISTEN\" 80 /run/ready 90 >/dev/null & L=$!\n\
                      for i in $(seq 1 50); do [ -e /run/ready ] && break; sleep 0.1; done\n"
        .to_string();
    for r in rules {
        // Raw lines (nft) as they are, else iptables words.
        match r.strip_prefix("nft ") {
            Some(n) => inject += &format!("ip netns exec gw nft {n}\n"),
            None => inject += &format!("ip netns exec gw iptables {r}\n"),
        }
    }
    let dst = format!("{GW}:{port}");
    let prove = format!(
        "ip netns exec gw timeout 5 bash -c 'exec 3<>/dev/tcp/{GW}/{port}' 2>/dev/null && echo \"connect ok\" || echo \"connect fails\"\nkill $L"
    );
    diagnose_then("docker_gw", "", &inject, ("gw", &dst), "", &prove)
}

/// The report when the path is clear, then the connect.
fn clear(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n")
}

/// The RST named at `src` with `cause` (and `fix`, after which it is clear), then the connect.
fn named(src: &str, dst: &str, cause: &str, fix: Option<&str>) -> String {
    let fix_line = fix.map(|f| format!("  fix: {f}\n")).unwrap_or_default();
    let after = match fix {
        Some(_) => clear(src, dst),
        None => "connect fails\n".into(),
    };
    format!("why {src} → {dst}\n  [BROKEN] {src}: {cause}\n{fix_line}  probe: {dst} host reached, port closed (RST)\nverdict: blocked — {cause}\nexit 1\n{after}")
}

const DIRECT: &str = "-t nat -A PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";
const DIRECT_OUT: &str = "-t nat -A OUTPUT -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";
/// Docker's nat rules for `-p 8080:80` without docker-proxy (`--userland-proxy=false`).
const DOCKER: [&str; 4] = [
    "-t nat -N DOCKER",
    "-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    "-t nat -A DOCKER -i docker0 -j RETURN",
    "-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
];
const DOCKER_OUT: &str = "-t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER";

/// The cause said for gw's own connection to GW:8080.
fn missed(by: &str) -> String {
    format!("nothing listens on TCP port 8080 of {GW} in gw; port 8080 is published by {by}, which connections from gw itself do not cross")
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_kept_only_in_prerouting_is_named_with_its_output_twin() {
    let docker: Vec<&str> = DOCKER.to_vec();
    let cases: [(&[&str], String, &str); 2] = [
        (
            &[DIRECT],
            missed("a DNAT in nat PREROUTING (rule `-t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`)") + ": nat OUTPUT has no DNAT for it",
            "gw.iptables(\"-t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\")",
        ),
        (
            &docker,
            missed("a DNAT in nat DOCKER (rule `-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`, reached by `-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`)") + ": nat OUTPUT has no jump to DOCKER",
            "gw.iptables(\"-t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\")",
        ),
    ];
    for (rules, cause, fix) in cases {
        let dst = format!("{GW}:8080");
        assert_eq!(from_gw(rules, 8080), named("gw", &dst, &cause, Some(fix)));
    }
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn with_its_output_rule_the_published_port_is_clear_from_the_host() {
    let docker: Vec<&str> = DOCKER.iter().copied().chain([DOCKER_OUT]).collect();
    for rules in [&[DIRECT, DIRECT_OUT][..], &docker[..]] {
        assert_eq!(from_gw(rules, 8080), clear("gw", &format!("{GW}:8080")));
    }
}

/// A port nothing publishes keeps the plain answer, with no fix.
#[test]
#[ignore = "needs iproute2, iptables"]
fn another_port_of_the_host_is_only_closed() {
    let dst = format!("{GW}:9090");
    let cause =
        format!("nothing listens on TCP port 9090 of {GW} in gw: it answered the SYN with a RST");
    assert_eq!(from_gw(&DOCKER, 9090), named("gw", &dst, &cause, None));
}

/// An OpenWrt-style port forward by its link alone (`-i wan`): the twin in OUTPUT is limited
/// to the router's own address, or it would divert every connection to port 8080.
#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_by_link_asked_from_the_router_is_limited_to_its_address() {
    let dst = "100.64.0.2:8080";
    let cause = "nothing listens on TCP port 8080 of 100.64.0.2 in rt; port 8080 is published by a DNAT in nat PREROUTING (rule `-t nat -A PREROUTING -i wan -p tcp -m comment --comment \"netsh:home\" -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80`), which connections from rt itself do not cross: nat OUTPUT has no DNAT for it";
    let fix = "rt.iptables(\"-t nat -A OUTPUT -d 100.64.0.2/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80\")";
    assert_eq!(home_tcp("rt", "true"), named("rt", dst, cause, Some(fix)));
}

/// The same port forward in a native nftables table: its nat output chain is made.
#[test]
#[ignore = "needs iproute2, iptables, nftables"]
fn a_native_nftables_dnat_at_prerouting_only_is_named_and_its_output_chain_made() {
    let rules = [
        "nft add table ip pub",
        "nft 'add chain ip pub prerouting { type nat hook prerouting priority -100; }'",
        "nft add rule ip pub prerouting ip daddr 198.51.100.1 tcp dport 8080 dnat to 172.17.0.2:80",
    ];
    let cause = missed("an nftables DNAT at hook prerouting (chain `ip pub prerouting` rule handle 2: dnat to 172.17.0.2:80)") + ": no nat chain at hook output translates them";
    let fix = "gw.sh(\"nft 'add chain ip pub output { type nat hook output priority -100; }'\"); gw.sh(\"nft add rule ip pub output ip daddr 198.51.100.1 tcp dport 8080 dnat to 172.17.0.2:80\")";
    let dst = format!("{GW}:8080");
    assert_eq!(from_gw(&rules, 8080), named("gw", &dst, &cause, Some(fix)));
}
