//! The firewall in the kernel, proven by real packets: MASQUERADE and SNAT rewrite the source
//! that a listener on h150 sees; DNAT maps a port of host 149 to ns1; nat(br) installs exactly
//! Docker's rule set, every rule tagged, and rules() agrees with iptables-save.

mod support;

use support::run_lab::run_lab;
use support::{sandbox, PROBE};

#[test]
#[ignore = "needs iproute2, iptables"]
fn masquerade_rewrites_the_source_to_the_hosts_address() {
    let out = sandbox(&format!(
        "{PROBE}\n\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\nprobe h150 9000 ns1 172.31.131.150 9000"
    ));
    out.assert_success();
    assert_eq!(out.stdout.trim(), "seen: 172.31.131.149", "{}", out.stderr);
}

const LAN: &str = r#"
let ns1 = ns("ns1");
let br = bridge("bridge0").addr("10.1.1.1/24").up();
connect(ns1, br, "10.1.1.2/24", #{ gw: true });
let h150 = host("h150");
wire(host(), "eth0", "172.31.131.149/24", h150, "eth0", "172.31.131.150/24");
link("eth0").addr("172.31.131.151/24");
ip_forward(true);
"#;

#[test]
#[ignore = "needs iproute2, iptables"]
fn snat_rewrites_the_source_to_its_to_address() {
    let script = format!(
        "{LAN}\nsnat(#{{ src: \"10.1.1.0/24\", out: \"!bridge0\", to: \"172.31.131.151\" }});\nassert_ping(ns1, \"172.31.131.150\");"
    );
    let out = run_lab(&script, "probe h150 9000 ns1 172.31.131.150 9000");
    assert_eq!(out.stdout.trim(), "seen: 172.31.131.151", "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn dnat_maps_a_host_port_to_a_namespace() {
    let script =
        format!("{LAN}\nnat(br);\ndnat(#{{ proto: \"tcp\", dport: 8080, to: \"10.1.1.2:80\" }});");
    let out = run_lab(&script, "probe ns1 80 h150 172.31.131.149 8080");
    // It reached ns1's port 80, from h150 itself (DNAT rewrites only the destination).
    assert_eq!(out.stdout.trim(), "seen: 172.31.131.150", "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn nat_br_is_dockers_rule_set_tagged_once_and_listed_by_rules() {
    let script = format!(
        "{LAN}\nnat(br);\nfor r in rules() {{ print(`${{r.host}} ${{r.table}} ${{r.chain}} ${{r.spec}}`); }}"
    );
    let out = sandbox(&format!(
        "cat > /tmp/lab.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --lab natlab /tmp/lab.$$.rhai || exit 1\n\
         \"$NETSH\" run --lab natlab /tmp/lab.$$.rhai >/dev/null 2>/tmp/replay.$$ || exit 1\n\
         echo '### save'; iptables-save | grep '^-A'\n\
         echo '### replay'; cat /tmp/replay.$$"
    ));
    out.assert_success();
    let (listed, rest) = out.stdout.split_once("### save\n").unwrap();
    let (saved, replay) = rest.split_once("### replay\n").unwrap();
    // Docker's bridge rules, each once (a replay added none), each with the lab's tag.
    assert_eq!(
        saved.lines().collect::<Vec<_>>(),
        [
            "-A FORWARD -i bridge0 ! -o bridge0 -m comment --comment \"netsh:natlab\" -j ACCEPT",
            "-A FORWARD -o bridge0 -m comment --comment \"netsh:natlab\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A POSTROUTING -s 10.1.1.0/24 ! -o bridge0 -m comment --comment \"netsh:natlab\" -j MASQUERADE",
        ]
    );
    // rules() lists the same three rules, with where they are.
    let listed: Vec<&str> = listed.lines().collect();
    assert_eq!(
        listed,
        [
            "host filter FORWARD -i bridge0 ! -o bridge0 -m comment --comment \"netsh:natlab\" -j ACCEPT",
            "host filter FORWARD -o bridge0 -m comment --comment \"netsh:natlab\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "host nat POSTROUTING -s 10.1.1.0/24 ! -o bridge0 -m comment --comment \"netsh:natlab\" -j MASQUERADE",
        ]
    );
    assert!(replay.contains("lab natlab: 0 created,"), "{replay}");
}
