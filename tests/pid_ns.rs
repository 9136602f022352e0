//! Namespaces by process: containers without Docker. Two `unshare --net sleep` processes hold a
//! namespace each, wired as Docker wires its containers (a veth moved in by pid, an address, a
//! default route via `docker0`, MASQUERADE on the host), with an outside namespace behind the
//! host's uplink. `show` must list them with their processes and resolve `docker0`'s ports to
//! them; `why pid:N` walks from them; a script adopts one (`ns("pid:N")`), adds a veth, and
//! `down` removes just that (`show --lab` lists it; `down --force` finds it with no journal); a
//! process that exits is named, with what to do; `why` to a port published behind a DNAT walks
//! a TCP SYN and connects.

mod support;

use support::containers::{CONTAINER_FNS, WAN};
use support::sandbox;

/// The two containers (pids in $P1 and $P2, killed when the script ends); `pids` writes the
/// pids as P1 and P2.
const CONTAINERS: &str = r#"
unshare --net sleep 600 & P1=$!
unshare --net sleep 600 & P2=$!
trap 'kill $P1 $P2 2>/dev/null' EXIT
me=$(readlink /proc/self/ns/net)
for i in $(seq 50); do
  [ "$(readlink /proc/$P1/ns/net)" != "$me" ] && [ "$(readlink /proc/$P2/ns/net)" != "$me" ] && break
  sleep 0.1
done
set -e
ip link add docker0 type bridge
ip addr add 172.17.0.1/16 dev docker0
ip link set docker0 up
n=2
for p in $P1 $P2; do
  ip link add veth$n type veth peer name tmp$n
  ip link set tmp$n netns $p
  ip link set veth$n master docker0 up
  nsenter -t $p -n ip link set tmp$n name eth0
  nsenter -t $p -n ip addr add 172.17.0.$n/16 dev eth0
  nsenter -t $p -n ip link set lo up
  nsenter -t $p -n ip link set eth0 up
  nsenter -t $p -n ip route add default via 172.17.0.1
  n=$((n+1))
done
sysctl -qw net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
set +e
pids() { name_pids "$P1:P1" "$P2:P2"; }
"#;

fn run(script: &str) -> String {
    let out = sandbox(&format!(
        "cd \"{}\"\n{CONTAINERS}\n{WAN}\n{CONTAINER_FNS}\n{script}",
        env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    out.stdout
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn show_lists_each_container_with_its_processes_and_resolves_docker0s_ports() {
    let out = run("\"$NETSH\" show | pids");
    assert_eq!(
        out,
        "host (host)
  docker0         bridge  up   172.17.0.1/16
  lo              -       up
  uplink          veth    up   203.0.113.1/24 ↔ wan/eth0
  veth2           veth    up   master docker0 ↔ pid:P1/eth0
  veth3           veth    up   master docker0 ↔ pid:P2/eth0
  route 172.17.0.0/16 dev docker0
  route 203.0.113.0/24 dev uplink
  ip_forward 1
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
  rule nat POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
wan (namespace on host)
  eth0            veth    up   203.0.113.2/24 ↔ host/uplink
  lo              -       up
  route 203.0.113.0/24 dev eth0
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
pid:P1 (namespace on host; sleep P1)
  eth0            veth    up   172.17.0.2/16 ↔ host/veth2
  lo              -       up
  route default via 172.17.0.1 dev eth0
  route 172.17.0.0/16 dev eth0
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
pid:P2 (namespace on host; sleep P2)
  eth0            veth    up   172.17.0.3/16 ↔ host/veth3
  lo              -       up
  route default via 172.17.0.1 dev eth0
  route 172.17.0.0/16 dev eth0
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn show_json_carries_the_processes_and_the_peers() {
    let out = run("echo \"$P1 $P2\"; \"$NETSH\" show --json");
    let (pids, json) = out.split_once('\n').unwrap();
    let pids: Vec<u64> = pids.split(' ').map(|p| p.parse().unwrap()).collect();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let stacks = v["stacks"].as_array().unwrap();
    let names: Vec<&str> = stacks.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let p1 = format!("pid:{}", pids[0]);
    let p2 = format!("pid:{}", pids[1]);
    assert_eq!(names, ["host", "wan", p1.as_str(), p2.as_str()]);
    let c1 = &stacks[2];
    assert_eq!(
        c1["processes"],
        serde_json::json!([{ "pid": pids[0], "name": "sleep" }])
    );
    assert_eq!(c1["kind"], "namespace");
    let host_veth2 = stacks[0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "veth2")
        .unwrap();
    assert_eq!(
        host_veth2["peer"],
        serde_json::json!({ "stack": p1, "link": "eth0" })
    );
    // A named namespace carries no processes.
    assert!(stacks[1].get("processes").is_none(), "{}", stacks[1]);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn why_walks_from_a_container_out_to_the_host_and_into_another() {
    let out = run(r#"
"$NETSH" why pid:$P1 203.0.113.2 | pids; echo "exit $?"
"$NETSH" why pid:$P1 203.0.113.1 | pids | tail -3
"$NETSH" why host 172.17.0.3 | pids
"#);
    assert_eq!(
        out,
        "why pid:P1 (sleep) → 203.0.113.2
  [ok] pid:P1 (sleep): route to 203.0.113.2 via 172.17.0.1 dev eth0 src 172.17.0.2
  [ok] pid:P1 (sleep): eth0 is up, cable to veth2 in host
  [ok] host: veth2 is a port of docker0
  [ok] host: 172.17.0.1 is host's docker0
  [ok] host: route to 203.0.113.2 dev uplink (from 172.17.0.2, in on docker0)
  [ok] host: ip_forward is 1
  [ok] host: FORWARD docker0 → uplink accepted (policy ACCEPT)
  [ok] host: POSTROUTING MASQUERADE: source 172.17.0.2 becomes 203.0.113.1
  [ok] host: uplink is up, cable to eth0 in wan
  [ok] wan: 203.0.113.2 is local here (on eth0)
  [ok] wan: the way back: route to 203.0.113.1 dev eth0
  [ok] host: the reply to 203.0.113.1 is turned back to 172.17.0.2 (conntrack, NAT)
  [ok] host: the way back: route to 172.17.0.2 dev docker0
  [ok] host: FORWARD lets the replies back uplink → docker0
  [ok] pid:P1 (sleep): the reply arrives on eth0
  probe: 203.0.113.2 answers
verdict: clear
exit 0
  [ok] pid:P1 (sleep): the reply arrives on eth0
  probe: 203.0.113.1 answers
verdict: clear
why host → 172.17.0.3
  [ok] host: route to 172.17.0.3 dev docker0 src 172.17.0.1
  [ok] host: docker0 forwards to its port veth3, cable to eth0 in pid:P2 (sleep)
  [ok] pid:P2 (sleep): 172.17.0.3 is local here (on eth0)
  [ok] pid:P2 (sleep): the way back: route to 172.17.0.1 dev eth0
  [ok] host: the reply arrives on docker0
  probe: 172.17.0.3 answers
verdict: clear
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn why_names_a_route_removed_inside_a_container_and_its_fix_works() {
    let out = run(r#"
nsenter -t $P1 -n ip route del default
nsenter -t $P1 -n ping -c1 -W1 203.0.113.2 >/dev/null 2>&1 || echo "no ping before"
"$NETSH" why pid:$P1 203.0.113.2 > /run/why.out; echo "exit $?"
grep -Ev '^  \[(ok|then)\]' /run/why.out | pids
sed -n 's/^  fix: //p' /run/why.out | sed 's/$/;/' > /run/fix.rhai
"$NETSH" run --lab fix /run/fix.rhai >/dev/null 2>&1 || echo "fix failed"
"$NETSH" why pid:$P1 203.0.113.2 | tail -2; echo "exit $?"
nsenter -t $P1 -n ping -c1 -W2 203.0.113.2 >/dev/null && echo "ping after"
"#);
    assert_eq!(
        out,
        "no ping before
exit 1
why pid:P1 (sleep) → 203.0.113.2
  [BROKEN] pid:P1 (sleep): pid:P1 (sleep) has no route to 203.0.113.2 (Network is unreachable)
  fix: ns(\"pid:P1\").route(\"default\", \"172.17.0.1\")
  probe: no reply from 203.0.113.2
verdict: blocked — pid:P1 (sleep) has no route to 203.0.113.2 (Network is unreachable)
  probe: 203.0.113.2 answers
verdict: clear
exit 0
ping after
"
    );
}

/// A second network for a container, by hand (the article's chapter on connecting a container
/// to a second network), in the container's own namespace.
const SECOND: &str = r#"
cat > /run/second.rhai <<EOR
let web = ns("pid:$P1");
let br = bridge("br1");
br.addr("10.99.0.1/24");
web.connect(br, "10.99.0.2/24");
web.route("10.98.0.0/24", "10.99.0.1");
web.ping("10.99.0.1");
EOR
"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_script_adds_a_veth_to_a_container_and_down_removes_just_it() {
    let out = run(&format!(
        r#"{SECOND}
before=$(inside $P1; ip -j link show veth2)
"$NETSH" run /run/second.rhai >/dev/null 2>&1 || echo "run failed"
nsenter -t $P1 -n ip -br -4 addr | awk '{{print $1, $3}}' | sed 's/@[^ ]*//'
nsenter -t $P1 -n ip route show 10.98.0.0/24
"$NETSH" down second 2>&1 | sed -E 's/ in [0-9]+ ms//'
after=$(inside $P1; ip -j link show veth2)
[ "$before" = "$after" ] && echo "the container is as it was"
ip link show br1 >/dev/null 2>&1 || echo "br1 is gone"
kill -0 $P1 && echo "the container lives"
"#
    ));
    assert_eq!(
        out,
        "lo 127.0.0.1/8
eth0 172.17.0.2/16
eth1 10.99.0.2/24
10.98.0.0/24 via 10.99.0.1 dev eth1 proto static 
lab second: 5 objects removed
the container is as it was
br1 is gone
the container lives
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_container_whose_process_exits_is_named_with_what_to_do() {
    let out = run(&format!(
        r#"{SECOND}
"$NETSH" run /run/second.rhai >/dev/null 2>&1 || echo "run failed"
kill $P1; wait $P1 2>/dev/null
# The kernel dismantles the namespace a moment later, and the host's end of its veth with it.
for i in $(seq 50); do ip link show veth0 >/dev/null 2>&1 || break; sleep 0.1; done
"$NETSH" why pid:$P1 10.99.0.2 2>&1 | pids; echo "exit $?"
# What the lab put there went with the namespace: down removes the rest.
"$NETSH" down second 2>&1 | sed -E 's/ in [0-9]+ ms//'
ip link show br1 >/dev/null 2>&1 || echo "br1 is gone"
# Mid-script: the process exits between adopting its namespace and working there.
# (exec waits until the namespace is gone: at most its 60 s)
cat > /run/mid.rhai <<'EOR'
let db = ns("pid:PID");
host().exec("kill PID; while readlink /proc/PID/ns/net; do sleep 0.1; done >/dev/null 2>&1");
db.route("10.97.0.0/24", "172.17.0.1");
EOR
sed -i "s/PID/$P2/g" /run/mid.rhai
"$NETSH" run /run/mid.rhai 2>&1 | pids
"#
    ));
    assert_eq!(
        out,
        "netsh::usage

  × no process P1: it has exited (or never ran), and its network namespace is gone with it
  help: name a running process: pgrep NAME lists them, or netsh show lists the namespaces with
        their processes
exit 0
lab second: 2 objects removed
br1 is gone
netsh::missing

  × no process P2: it has exited (or never ran), and its network namespace is gone with it
   ╭─[/run/mid.rhai:3:4]
 2 │ host().exec(\"kill P2; while readlink /proc/P2/ns/net; do sleep 0.1; done >/dev/null 2>&1\");
 3 │ db.route(\"10.97.0.0/24\", \"172.17.0.1\");
   ·    ─────────────────┬─────────────────
   ·                     ╰── here
   ╰────
  help: name a running process: pgrep NAME lists them, or netsh show lists the namespaces with
        their processes
lab mid: failed; nothing was applied
"
    );
}

/// A port published as Docker publishes it, with no Docker and no `nc`: the host DNATs 8080 to
/// P1's 80, FORWARD lets only that TCP port through (policy DROP), and the examples' listener
/// answers in P1 (one connection, then it exits).
const PUBLISHED: &str = r#"
iptables -t nat -A PREROUTING -i uplink -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
iptables -P FORWARD DROP
iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A FORWARD -i docker0 -j ACCEPT
iptables -A FORWARD -d 172.17.0.2/32 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
listen() {
  rm -f /run/ready
  nsenter -t $P1 -n "$TCP_LISTEN" 80 /run/ready > /run/peer & L=$!
  for i in $(seq 50); do [ -e /run/ready ] && break; sleep 0.1; done
}
"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn why_to_a_published_port_walks_the_syn_through_the_dnat_and_connects() {
    let out = run(&format!(
        r#"{PUBLISHED}
listen
"$NETSH" why wan 203.0.113.1:8080 | pids; echo "exit ${{PIPESTATUS[0]}}"
wait $L; echo "the listener saw $(cat /run/peer)"
# No listener any more: the container answers with a RST.
"$NETSH" why wan 203.0.113.1 --tcp 8080 | pids | tail -3; echo "exit ${{PIPESTATUS[0]}}"
"#
    ));
    assert_eq!(
        out,
        "why wan → 203.0.113.1:8080
  [ok] wan: route to 203.0.113.1 dev eth0 src 203.0.113.2
  [ok] wan: eth0 is up, cable to uplink in host
  [ok] host: nat PREROUTING DNAT: destination 203.0.113.1:8080 becomes 172.17.0.2:80 (rule `-t nat -A PREROUTING -i uplink -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`)
  [ok] host: route to 172.17.0.2 dev docker0 (from 203.0.113.2, in on uplink)
  [ok] host: ip_forward is 1
  [ok] host: FORWARD uplink → docker0 accepted (rule `-d 172.17.0.2/32 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`)
  [ok] host: docker0 forwards to its port veth2, cable to eth0 in pid:P1 (sleep)
  [ok] pid:P1 (sleep): 172.17.0.2 is local here (on eth0)
  [ok] pid:P1 (sleep): the way back: route to 203.0.113.2 via 172.17.0.1 dev eth0
  [ok] host: the way back: route to 203.0.113.2 dev uplink
  [ok] host: FORWARD lets the replies back docker0 → uplink
  [ok] wan: the reply arrives on eth0
  probe: 203.0.113.1:8080 port reachable, listener answered
verdict: clear
exit 0
the listener saw 203.0.113.2
  [BROKEN] pid:P1 (sleep): nothing listens on TCP port 80 of 172.17.0.2 in pid:P1 (sleep): it answered the SYN with a RST
  probe: 203.0.113.1:8080 host reached, port closed (RST)
verdict: blocked — nothing listens on TCP port 80 of 172.17.0.2 in pid:P1 (sleep): it answered the SYN with a RST
exit 1
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn why_to_a_published_port_names_the_rule_that_drops_the_syn_and_scripts_ask_it_too() {
    let out = run(&format!(
        r#"{PUBLISHED}
iptables -I FORWARD -p tcp -m tcp --dport 80 -j DROP
cat > /run/w.rhai <<'EOR'
let r = ns("wan").why("203.0.113.1", #{{ tcp: 8080 }});
print(`script: ${{r.verdict}}, probe ${{r.probe}}`);
EOR
"$NETSH" run /run/w.rhai 2>&1 | grep '^script:'
"$NETSH" why wan 203.0.113.1:8080 > /run/why.out; echo "exit $?"
grep -Ev '^  \[(ok|then)\]' /run/why.out
sed -n 's/^  fix: //p' /run/why.out | sed 's/$/;/' > /run/fix.rhai
"$NETSH" run --lab fix /run/fix.rhai >/dev/null 2>&1 || echo "fix failed"
listen
"$NETSH" why wan 203.0.113.1:8080 | tail -2
"#
    ));
    assert_eq!(
        out,
        "script: blocked, probe false
exit 1
why wan → 203.0.113.1:8080
  [BROKEN] host: host's FORWARD chain drops the TCP SYN to port 80, uplink → docker0 (rule `-A FORWARD -p tcp -m tcp --dport 80 -j DROP`)
  fix: iptables(\"-I FORWARD 1 -i uplink -o docker0 -s 203.0.113.2 -d 172.17.0.2 -p tcp --dport 80 -j ACCEPT\")
  probe: no answer from 203.0.113.1:8080 (the SYN timed out)
verdict: blocked — host's FORWARD chain drops the TCP SYN to port 80, uplink → docker0 (rule `-A FORWARD -p tcp -m tcp --dport 80 -j DROP`)
  probe: 203.0.113.1:8080 port reachable, listener answered
verdict: clear
"
    );
}

/// A veth pair made inside a container's namespace, both ends there: nothing of it on the host.
const INSIDE: &str = r#"
cat > /run/inside.rhai <<EOR
let web = ns("pid:$P1");
web.veth("v1", "v1p").addr("10.96.0.1/24");
EOR
"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn show_lab_lists_what_a_lab_made_in_a_container_and_down_force_finds_it_without_a_journal() {
    let out = run(&format!(
        r#"{INSIDE}
before=$(inside $P1; nsenter -t $P1 -n ip -j link)
"$NETSH" run /run/inside.rhai >/dev/null 2>&1 || echo "run failed"
"$NETSH" show --lab inside | pids
rm /run/netsh/inside.jsonl
"$NETSH" down --lab inside 2>&1 | pids
"$NETSH" down --lab inside --force 2>&1 | sed -E 's/ in [0-9]+ ms//'
after=$(inside $P1; nsenter -t $P1 -n ip -j link)
[ "$before" = "$after" ] && echo "the container is as it was"
kill -0 $P1 && echo "the container lives"
"#
    ));
    assert_eq!(
        out,
        "pid:P1 (namespace on host; sleep P1)
  v1              veth    down 10.96.0.1/24 ↔ pid:P1/v1p
  v1p             veth    down ↔ pid:P1/v1
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
error: the journal of lab inside is missing, but the lab still stands: link v1 on pid:P1 (sleep), link v1p on pid:P1 (sleep)
  help: `netsh down --lab inside --force` removes what carries its tag (netsh:inside) and restores the sysctls it set
lab inside: 1 object removed
the container is as it was
the container lives
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn show_lab_lists_only_what_the_lab_added_to_a_container_beside_its_bridge() {
    let out = run(&format!(
        r#"{SECOND}
"$NETSH" run /run/second.rhai >/dev/null 2>&1 || echo "run failed"
"$NETSH" show --lab second | pids | sed -n '/^pid:/,$p'
"#
    ));
    assert_eq!(
        out,
        "pid:P1 (namespace on host; sleep P1)
  eth1            veth    up   10.99.0.2/24 ↔ host/veth0
  route 10.98.0.0/24 via 10.99.0.1 dev eth1
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_tcp_probes_segments_are_seen_along_the_path() {
    let out = run(&format!(
        r#"{PUBLISHED}
iptables -I FORWARD -p tcp -m tcp --dport 80 -j DROP
"$NETSH" why wan 203.0.113.1:8080 --json || true
"#
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let seen: Vec<String> = v["sightings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let dir = if s["out"] == true { "out" } else { "in" };
            let what = if s["reply"] == true { "reply" } else { "syn" };
            format!(
                "{} {} {dir} {what} {}",
                s["at"].as_str().unwrap(),
                s["dev"].as_str().unwrap(),
                s["dst"].as_str().unwrap()
            )
        })
        .collect();
    // The SYN (and its retransmission) leaves wan and arrives on the host's uplink, DNATed
    // nowhere further: FORWARD dropped it; nothing came back.
    assert!(
        seen.contains(&"wan eth0 out syn 203.0.113.1".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"host uplink in syn 203.0.113.1".to_string()),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|s| s.contains("docker0") || s.contains("reply")),
        "{seen:?}"
    );
    assert_eq!(v["probe"], false);
    assert_eq!(
        v["probe_said"],
        "no answer from 203.0.113.1:8080 (the SYN timed out)"
    );
}
