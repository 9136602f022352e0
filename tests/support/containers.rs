//! Shell pieces the container tests share (tests/pid_ns.rs: namespaces held by processes;
//! tests/docker.rs: dockerd's containers): the outside behind the host's uplink, and a
//! container's pid and state as a test compares them.

/// The outside: namespace `wan` (203.0.113.2) behind the host's `uplink` (203.0.113.1). Ends
/// the script if a step fails.
pub const WAN: &str = r#"
(
  set -e
  ip netns add wan
  ip link add uplink type veth peer name eth0 netns wan
  ip addr add 203.0.113.1/24 dev uplink
  ip link set uplink up
  ip -n wan addr add 203.0.113.2/24 dev eth0
  ip -n wan link set eth0 up
  ip -n wan link set lo up
) || exit 1
"#;

/// Shell functions. `name_pids PID:NAME...`: stdin with each PID written NAME where it is a
/// pid (`pid:PID`, `process PID`, `kill PID`, `/proc/PID`, ` PID)`): a pid may also be the
/// digits of an address. `inside PID`: the addresses and routes of PID's namespace as JSON, to
/// compare before and after.
pub const CONTAINER_FNS: &str = r#"
name_pids() {
  local e=() x p n
  for x in "$@"; do
    p=${x%%:*} n=${x#*:}
    e+=(-e "s#(pid:|process |kill |/proc/)$p\b#\1$n#g" -e "s/ $p\)/ $n)/g")
  done
  sed -E "${e[@]}"
}
inside() {
  nsenter -t "$1" -n ip -4 -j addr
  nsenter -t "$1" -n ip -j route show table main
}
"#;
