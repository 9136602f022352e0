//! Docker itself as the oracle: Debian's `docker.io` daemon runs inside the test's sandbox (its
//! own PID namespace with `/proc` remounted, its data on tmpfs, storage driver vfs, its cgroups
//! under a parent of the test's own), with a container made from an image of busybox-static
//! (`docker import`: no registry) that publishes a port. `show` must name the container behind
//! its `docker0` port, `why pid:…` walk from it with its name in the hops, and a script adopt its
//! namespace, add a route there, and `down` take just that back; `why` to the published port (a
//! TCP SYN through dockerd's DNAT and DOCKER chains, a connect as the probe) is clear from
//! outside and from the container, and names a DOCKER-USER drop and a container with no listener.

mod support;

use std::time::Duration;
use support::containers::{CONTAINER_FNS, WAN};
use support::sandbox_with_launcher;

/// A PID namespace whose init (`sh`, pid 1) stays in the test's network namespace, and under it
/// the usual sandbox (fresh network and mount namespaces): the daemon and its containers are
/// the sandbox's processes only, and all die with it.
const LAUNCHER: &[&str] = &[
    "unshare",
    "--pid",
    "--fork",
    "--mount",
    "--mount-proc",
    "sh",
    "-c",
    "unshare --net --mount \"$@\"; exit $?",
    "sh",
];

/// Start dockerd (pid in $D), make the image `bb`, run `web` publishing 8080 → 80 (its pid in
/// $CP). Stopped and cleaned at exit.
const DOCKER: &str = r#"
cg=netsh-test-$(cut -c1-8 /proc/sys/kernel/random/uuid)
cleanup() {
  /usr/bin/docker rm -f web >/dev/null 2>&1
  kill $D 2>/dev/null
  for i in $(seq 100); do kill -0 $D 2>/dev/null || break; sleep 0.1; done
  kill -9 $D 2>/dev/null
  for d in /sys/fs/cgroup/*/$cg; do rmdir $d/docker $d 2>/dev/null; done
}
trap cleanup EXIT
mkdir -p /var/lib/docker /var/lib/containerd
mount -t tmpfs none /var/lib/docker
mount -t tmpfs none /var/lib/containerd
dockerd --storage-driver vfs --iptables=true --exec-opt native.cgroupdriver=cgroupfs \
  --cgroup-parent /$cg/docker > /run/dockerd.log 2>&1 & D=$!
for i in $(seq 150); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 0.2; done
set -e
mkdir -p /run/img/bin
cp /bin/busybox /run/img/bin/
ln -s busybox /run/img/bin/httpd
tar -C /run/img -c . | /usr/bin/docker import - bb >/dev/null
/usr/bin/docker run -d --name web -p 8080:80 bb /bin/httpd -f -p 80 -h / >/dev/null
CP=$(/usr/bin/docker inspect -f '{{.State.Pid}}' web)
set +e
# Names that differ from run to run: the container's pid, its veth, its netns file.
norm() { name_pids "$CP:CP" | sed -E "s/veth[0-9a-f]{7} +veth/vethX           veth/; s/veth[0-9a-f]{7}/vethX/g; s#/run/docker/netns/[0-9a-f]+#NETNS#g"; }
"#;

fn run(script: &str) -> String {
    let out = sandbox_with_launcher(
        LAUNCHER,
        &format!("{DOCKER}\n{WAN}\n{CONTAINER_FNS}\n{script}"),
        Duration::from_secs(150),
    );
    out.assert_success();
    out.stdout
}

#[test]
#[ignore = "needs docker.io, busybox-static"]
fn show_names_the_container_behind_its_docker0_port() {
    let out = run(r#""$NETSH" show | norm | grep -E '^NETNS|vethX|^  eth0 .*vethX'"#);
    assert_eq!(
        out,
        "  vethX           veth    up   master docker0 ↔ NETNS/eth0
NETNS (namespace on host; container docker web; httpd CP)
  eth0            veth    up   172.17.0.2/16 ↔ host/vethX
"
    );
}

#[test]
#[ignore = "needs docker.io, busybox-static"]
fn why_walks_from_the_container_with_its_name_in_the_hops() {
    let out = run(r#"
"$NETSH" why pid:$CP 203.0.113.2 | norm; echo "exit $?"
"$NETSH" why host 172.17.0.2 | norm | grep -F 'docker web' | head -1
"#);
    assert_eq!(
        out,
        "why pid:CP (docker web) → 203.0.113.2
  [ok] pid:CP (docker web): route to 203.0.113.2 via 172.17.0.1 dev eth0 src 172.17.0.2
  [ok] pid:CP (docker web): eth0 is up, cable to vethX in host
  [ok] host: vethX is a port of docker0
  [ok] host: 172.17.0.1 is host's docker0
  [ok] host: route to 203.0.113.2 dev uplink (from 172.17.0.2, in on docker0)
  [ok] host: ip_forward is 1
  [ok] host: FORWARD docker0 → uplink accepted (rule `-i docker0 ! -o docker0 -j ACCEPT`)
  [ok] host: POSTROUTING MASQUERADE: source 172.17.0.2 becomes 203.0.113.1
  [ok] host: uplink is up, cable to eth0 in wan
  [ok] wan: 203.0.113.2 is local here (on eth0)
  [ok] wan: the way back: route to 203.0.113.1 dev eth0
  [ok] host: the reply to 203.0.113.1 is turned back to 172.17.0.2 (conntrack, NAT)
  [ok] host: the way back: route to 172.17.0.2 dev docker0
  [ok] host: FORWARD lets the replies back uplink → docker0
  [ok] pid:CP (docker web): the reply arrives on eth0
  probe: 203.0.113.2 answers
verdict: clear
exit 0
  [ok] host: docker0 forwards to its port vethX, cable to eth0 in NETNS (docker web)
"
    );
}

#[test]
#[ignore = "needs docker.io, busybox-static"]
fn a_script_adds_a_route_inside_the_container_and_down_takes_just_it() {
    let out = run(r#"
printf 'ns("pid:%s").route("10.98.0.0/24", "172.17.0.1");\n' $CP > /run/r.rhai
before=$(inside $CP)
"$NETSH" run --lab r /run/r.rhai >/dev/null 2>&1 || echo "run failed"
nsenter -t $CP -n ip route show 10.98.0.0/24
"$NETSH" down r 2>&1 | sed -E 's/ in [0-9]+ ms//'
after=$(inside $CP)
[ "$before" = "$after" ] && echo "the container is as it was"
/usr/bin/docker inspect -f '{{.State.Running}}' web
"#);
    assert_eq!(
        out,
        "10.98.0.0/24 via 172.17.0.1 dev eth0 proto static 
lab r: 1 object removed
the container is as it was
true
"
    );
}

#[test]
#[ignore = "needs docker.io, busybox-static"]
fn topo_builds_exactly_the_rules_dockerd_writes() {
    let rules = "iptables -S; iptables -t nat -S";
    let dockerd = run(rules);
    let netsh = support::sandbox(&format!(
        r#"cd "{}"
cat > /run/d.rhai <<'EOR'
import "topo" as topo;
let br = topo::docker_bridge("docker0", "172.17.0.0/16");
let web = topo::container(br, "web", "172.17.0.2/16");
topo::publish(8080, "172.17.0.2", 80);
EOR
"$NETSH" run /run/d.rhai >/dev/null 2>&1 || echo "run failed"
({rules}) | sed 's/ -m comment --comment "netsh:d"//'"#,
        env!("CARGO_MANIFEST_DIR")
    ));
    netsh.assert_success();
    // The same rules in the same chains in the same order, policies and user chains too.
    assert_eq!(netsh.stdout, dockerd);
    assert!(dockerd.contains("-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n"), "{dockerd}");
}

#[test]
#[ignore = "needs docker.io, busybox-static"]
fn why_to_the_published_port_from_outside_and_from_a_container() {
    let out = run(r#"
sysctl -qw net.ipv4.ip_forward=1
"$NETSH" why wan 203.0.113.1:8080 | norm; echo "exit ${PIPESTATUS[0]}"
"$NETSH" why pid:$CP 203.0.113.1:8080 | norm; echo "exit ${PIPESTATUS[0]}"
iptables -I DOCKER-USER -p tcp -m tcp --dport 80 -j DROP
"$NETSH" why wan 203.0.113.1:8080 | norm | grep -Ev '^  \[(ok|then)\]'; echo "exit ${PIPESTATUS[0]}"
iptables -D DOCKER-USER -p tcp -m tcp --dport 80 -j DROP
# A container publishing a port nothing listens on.
/usr/bin/docker run -d --name idle -p 8081:80 bb /bin/busybox sleep 600 >/dev/null
"$NETSH" why wan 203.0.113.1:8081 | norm | tail -3; echo "exit ${PIPESTATUS[0]}"
/usr/bin/docker rm -f idle >/dev/null
"#);
    assert_eq!(
        out,
        "why wan → 203.0.113.1:8080
  [ok] wan: route to 203.0.113.1 dev eth0 src 203.0.113.2
  [ok] wan: eth0 is up, cable to uplink in host
  [ok] host: nat PREROUTING DNAT: destination 203.0.113.1:8080 becomes 172.17.0.2:80 (rule `-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`, reached by `-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`)
  [ok] host: route to 172.17.0.2 dev docker0 (from 203.0.113.2, in on uplink)
  [ok] host: ip_forward is 1
  [ok] host: FORWARD uplink → docker0 accepted (rule `-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`, reached by `-A FORWARD -o docker0 -j DOCKER`)
  [ok] host: docker0 forwards to its port vethX, cable to eth0 in NETNS (docker web)
  [ok] NETNS (docker web): 172.17.0.2 is local here (on eth0)
  [ok] NETNS (docker web): the way back: route to 203.0.113.2 via 172.17.0.1 dev eth0
  [ok] host: the way back: route to 203.0.113.2 dev uplink
  [ok] host: FORWARD lets the replies back docker0 → uplink
  [ok] wan: the reply arrives on eth0
  probe: 203.0.113.1:8080 port reachable, listener answered
verdict: clear
exit 0
why pid:CP (docker web) → 203.0.113.1:8080
  [ok] pid:CP (docker web): route to 203.0.113.1 via 172.17.0.1 dev eth0 src 172.17.0.2
  [ok] pid:CP (docker web): eth0 is up, cable to vethX in host
  [ok] host: vethX is a port of docker0
  [ok] host: 172.17.0.1 is host's docker0
  [ok] host: 203.0.113.1 is local here (on uplink)
  [ok] host: the way back: route to 172.17.0.2 dev docker0
  [ok] pid:CP (docker web): the reply arrives on eth0
  probe: 203.0.113.1:8080 port reachable, listener answered
verdict: clear
exit 0
why wan → 203.0.113.1:8080
  [BROKEN] host: host's FORWARD chain drops the TCP SYN to port 80, uplink → docker0 (rule `-A DOCKER-USER -p tcp -m tcp --dport 80 -j DROP`, reached by `-A FORWARD -j DOCKER-USER`)
  fix: iptables(\"-I FORWARD 1 -i uplink -o docker0 -s 203.0.113.2 -d 172.17.0.2 -p tcp --dport 80 -j ACCEPT\")
  probe: no answer from 203.0.113.1:8080 (the SYN timed out)
verdict: blocked — host's FORWARD chain drops the TCP SYN to port 80, uplink → docker0 (rule `-A DOCKER-USER -p tcp -m tcp --dport 80 -j DROP`, reached by `-A FORWARD -j DOCKER-USER`)
exit 1
  [BROKEN] NETNS (docker idle): nothing listens on TCP port 80 of 172.17.0.3 in NETNS (docker idle): it answered the SYN with a RST
  probe: 203.0.113.1:8081 host reached, port closed (RST)
verdict: blocked — nothing listens on TCP port 80 of 172.17.0.3 in NETNS (docker idle): it answered the SYN with a RST
exit 1
"
    );
}
