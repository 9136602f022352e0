//! Simulated real machines for the remote tests: inside a test's sandbox, each "machine" is a
//! process in a network and mount namespace of its own (its own /run, /run/netns, /root,
//! iptables and sysctls) running Debian's sshd on a LAN bridge, reached with a key the test makes.
//!
//! [`MACHINES`] is a bash prelude for [`super::sandbox`] scripts:
//!
//! ```text
//! lan_up                      # bridge `lan` with the controller's 192.0.2.1/24, keys, ssh config
//! machine h150 192.0.2.150    # start a machine; $SSH_CONFIG reaches root@192.0.2.150
//! ssh -F "$SSH_CONFIG" root@192.0.2.150 ip -j link
//! on h150 ip -j link          # the same, by name
//! machine_stop h150           # kill its sshd (by pid): a lost connection
//! ```
//!
//! Every daemon is killed by pid when the script exits (an EXIT trap), and every wait is bounded.

/// The bash functions; the script must run inside [`super::sandbox`] (a fresh network and mount
/// namespace), which the functions check before they make anything.
pub const MACHINES: &str = r#"
MACHINES_DIR=$(mktemp -d /tmp/netsh-machines.XXXXXX)
SSH_CONFIG=$MACHINES_DIR/ssh_config
declare -A MACHINE_PID MACHINE_ADDR
machines_down() {
  local n
  for n in "${!MACHINE_PID[@]}"; do
    machine_stop "$n"
  done
  for n in "${!MACHINE_PID[@]}"; do
    # Bounded: a killed process is reaped at once.
    timeout 5 tail --pid="${MACHINE_PID[$n]}" -f /dev/null 2>/dev/null
  done
  rm -rf "$MACHINES_DIR"
}
trap machines_down EXIT

# The LAN (a bridge in the sandbox with the controller's address), the client key and config,
# which is also the controller's ~/.ssh/config (over a tmpfs on /root, the sandbox's own), as a
# user's would be: netsh runs the plain `ssh`.
lan_up() {
  test "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" || return 1
  ip link add lan type bridge && ip link set lan up || return 1
  ip addr add 192.0.2.1/24 dev lan || return 1
  ssh-keygen -q -t ed25519 -N '' -C controller -f "$MACHINES_DIR/id" || return 1
  cp "$MACHINES_DIR/id.pub" "$MACHINES_DIR/authorized_keys"
  : > "$MACHINES_DIR/known_hosts"
  cat > "$SSH_CONFIG" <<EOF
Host *
  User root
  IdentityFile $MACHINES_DIR/id
  IdentitiesOnly yes
  UserKnownHostsFile $MACHINES_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 2
  ServerAliveCountMax 3
  LogLevel ERROR
EOF
  mount -t tmpfs none /root || return 1
  mkdir -m 700 /root/.ssh && cp "$SSH_CONFIG" /root/.ssh/config
}

# machine NAME ADDR: a process in new network and mount namespaces; its eth0 (a veth moved in
# by pid) on the LAN; sshd listening on ADDR only.
machine() {
  local name=$1 addr=$2 d=$MACHINES_DIR/$1
  mkdir -p "$d" || return 1
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$d/host_key" || return 1
  echo "$addr $(cut -d' ' -f1,2 "$d/host_key.pub")" >> "$MACHINES_DIR/known_hosts"
  cat > "$d/sshd_config" <<EOF
ListenAddress $addr
HostKey $d/host_key
AuthorizedKeysFile $MACHINES_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile /run/sshd.pid
AcceptEnv none
Subsystem sftp internal-sftp
EOF
  unshare --net --mount --propagation private bash -c '
    set -e
    mount -t tmpfs none /run
    mkdir -p /run/netns /run/netsh /run/sshd
    mount -t tmpfs none /run/netns
    mkdir -p /root && mount -t tmpfs none /root
    ip link set lo up
    for i in $(seq 1 100); do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.05; done
    ip addr add '"$addr"'/24 dev eth0
    ip link set eth0 up
    exec /usr/sbin/sshd -D -e -f '"$d/sshd_config"' 2>>'"$d/sshd.log"'
  ' &
  local pid=$!
  # Killed at the end by pid; the shell need not report it.
  disown "$pid"
  MACHINE_PID[$name]=$pid
  MACHINE_ADDR[$name]=$addr
  # unshare execs bash in the new namespaces, so $! is the machine; wait until it has them.
  local i
  for i in $(seq 1 100); do
    [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
  ip link add "v$name" type veth peer name eth0 netns "$pid" || return 1
  ip link set "v$name" master lan up || return 1
  for i in $(seq 1 100); do
    timeout 1 bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "machine $name ($addr): sshd does not answer; its log:" >&2
  cat "$d/sshd.log" >&2
  return 1
}

# on NAME CMD...: run a command on a machine over ssh.
on() {
  local name=$1
  shift
  ssh -F "$SSH_CONFIG" "root@${MACHINE_ADDR[$name]}" "$@"
}

# machine_stop NAME: kill its sshd, with every session it serves (a lost connection).
machine_stop() {
  local pid=${MACHINE_PID[$1]}
  pkill -9 -P "$pid" 2>/dev/null
  kill -9 "$pid" 2>/dev/null
}
"#;
