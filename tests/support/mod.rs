//! Shared integration-test support: throwaway network sandboxes and
//! "kernel truth" state dumps read back with `ip -j`.
//!
//! Every sandbox is `unshare --net --mount bash -c '<prelude>\n<script>'`:
//! a fresh network namespace plus a private mount namespace with tmpfs on
//! `/run` and `/run/netns`, so nothing leaks into the host's network stack.
#![allow(dead_code)]

pub mod containers;
pub mod machines;
pub mod run_lab;
pub mod why_case;
pub mod why_lab;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Default wall-clock limit for one sandbox.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Exit code reported when the sandbox was killed by the timeout (like timeout(1)).
pub const TIMEOUT_EXIT_CODE: i32 = 124;

/// The launcher that creates the sandbox.
pub const UNSHARE: &[&str] = &["unshare", "--net", "--mount"];

/// Printed to stderr by the prelude once the sandbox is set up; stripped from
/// `SandboxOutput::stderr`. Its absence means the sandbox could not be made.
const READY_SENTINEL: &str = "__NETSH_TEST_SANDBOX_READY__";

/// Runs inside the new namespaces before the test script. The namespace
/// checks refuse to touch mounts unless we really are in fresh namespaces.
const PRELUDE: &str = r#"set -e
test "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)"
test "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)"
mount --make-rprivate /
mount -t tmpfs none /run
mkdir -p /run/netns /run/netsh
mount -t tmpfs none /run/netns
ip link set lo up
echo __NETSH_TEST_SANDBOX_READY__ >&2
set +e
"#;

/// Path of the `netsh` binary under test (exported as `$NETSH` in sandboxes).
pub fn netsh_bin() -> String {
    env!("CARGO_BIN_EXE_netsh").to_string()
}

/// The examples' TCP listener (examples/tcp_listen.rs), which `cargo test` builds.
pub fn tcp_listen_bin() -> String {
    let bin = std::path::Path::new(&netsh_bin())
        .parent()
        .map(|d| d.join("examples").join("tcp_listen"))
        .unwrap_or_default();
    bin.display().to_string()
}

/// Result of one sandbox run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOutput {
    /// Exit code of the script (128+signal if killed, 124 on timeout).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl SandboxOutput {
    pub fn success(&self) -> bool {
        self.code == 0 && !self.timed_out
    }

    /// Panics with the full output unless the script exited 0.
    pub fn assert_success(&self) -> &Self {
        if !self.success() {
            panic!("sandbox script failed:\n{self}");
        }
        self
    }

    /// Panics with the full output unless the script exited non-zero.
    pub fn assert_failure(&self) -> &Self {
        if self.code == 0 || self.timed_out {
            panic!("sandbox script was expected to fail:\n{self}");
        }
        self
    }
}

impl std::fmt::Display for SandboxOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "exit code: {} (timed out: {})",
            self.code, self.timed_out
        )?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Runs `script` (bash) in a fresh sandbox with the default timeout.
pub fn sandbox(script: &str) -> SandboxOutput {
    sandbox_with_timeout(script, DEFAULT_TIMEOUT)
}

/// Runs `script` (bash) in a fresh sandbox; kills it after `timeout`.
pub fn sandbox_with_timeout(script: &str, timeout: Duration) -> SandboxOutput {
    sandbox_with_launcher(UNSHARE, script, timeout)
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

const SIGKILL: i32 = 9;

fn kill_process_group(pgid: u32) {
    // The child is spawned as leader of its own process group, so this only
    // reaches the sandbox's processes (unshare, bash and its children).
    // SAFETY: plain libc call; a failure (ESRCH) is harmless.
    unsafe {
        kill(-(pgid as i32), SIGKILL);
    }
}

fn spawn_reader<R: Read + Send + 'static>(
    mut src: R,
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Sender<()>,
) {
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        loop {
            match src.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.lock().unwrap().extend_from_slice(&chunk[..n]),
            }
        }
        let _ = done.send(());
    });
}

/// Like [`sandbox_with_timeout`] but with an explicit launcher (the command
/// that is given `bash -c <prelude+script>`). Only for testing the harness.
pub fn sandbox_with_launcher(launcher: &[&str], script: &str, timeout: Duration) -> SandboxOutput {
    let full = format!("{PRELUDE}\n{script}\n");
    let mut cmd = Command::new(launcher[0]);
    cmd.args(&launcher[1..])
        .arg("bash")
        .arg("-c")
        .arg(&full)
        .env("NETSH", netsh_bin())
        .env("TCP_LISTEN", tcp_listen_bin())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot create test sandbox: failed to run {launcher:?}: {e} \
             (integration tests need root and util-linux `unshare`)"
        ),
    };
    let pgid = child.id();
    let out_buf = Arc::new(Mutex::new(Vec::new()));
    let err_buf = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    spawn_reader(
        child.stdout.take().unwrap(),
        out_buf.clone(),
        done_tx.clone(),
    );
    spawn_reader(child.stderr.take().unwrap(), err_buf.clone(), done_tx);

    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => {
                kill_process_group(pgid);
                panic!("waiting for sandbox failed: {e}");
            }
        }
        if Instant::now() >= deadline {
            timed_out = true;
            kill_process_group(pgid);
            break child.wait().expect("wait for killed sandbox");
        }
        thread::sleep(Duration::from_millis(10));
    };
    // Reap stragglers (background jobs left by the script) so the pipes close.
    kill_process_group(pgid);
    let grace = Instant::now() + Duration::from_secs(5);
    for _ in 0..2 {
        let left = grace.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            break;
        }
    }

    let stdout = String::from_utf8_lossy(&out_buf.lock().unwrap()).into_owned();
    let raw_err = String::from_utf8_lossy(&err_buf.lock().unwrap()).into_owned();
    let ready = raw_err.lines().any(|l| l == READY_SENTINEL);
    let mut stderr: String = raw_err
        .split_inclusive('\n')
        .filter(|l| l.trim_end_matches('\n') != READY_SENTINEL)
        .collect();
    let mut code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    if timed_out {
        code = TIMEOUT_EXIT_CODE;
        stderr.push_str(&format!(
            "\n[test harness: sandbox killed after timeout of {timeout:?}]\n"
        ));
    }
    if !ready {
        panic!(
            "cannot create test sandbox with {launcher:?} (exit code {code}); \
             integration tests need root, util-linux `unshare`, `mount` and iproute2 `ip`.\n\
             --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        );
    }
    SandboxOutput {
        code,
        stdout,
        stderr,
        timed_out,
    }
}

/// Bash snippet printing the sandbox's network state, section by section.
/// Parsed by [`normalize_state`].
pub const DUMP_STATE: &str = r#"
__netsh_dump() {
  echo '### links'; "$@" -j -d link show
  echo '### addrs'; "$@" -j addr show
  echo '### routes'; "$@" -j -4 route show table main
  echo '### nsids'; "$@" -j netns list-id
}
echo '### ns -'
__netsh_dump ip
echo '### ip_forward'; cat /proc/sys/net/ipv4/ip_forward
echo '### rules'; iptables-save 2>/dev/null | grep -E '^(\*|-A )' || true
for __netsh_ns in $(ip netns list | awk '{print $1}' | LC_ALL=C sort); do
  echo '### ns '"$__netsh_ns"
  __netsh_dump ip -n "$__netsh_ns"
  echo '### ip_forward'; ip netns exec "$__netsh_ns" cat /proc/sys/net/ipv4/ip_forward
  echo '### rules'; ip netns exec "$__netsh_ns" iptables-save 2>/dev/null | grep -E '^(\*|-A )' || true
done
echo '### end'
"#;

/// Marker separating a script's stdout from the state dump.
const STATE_MARKER: &str = "### state";

/// Runs `script` in a sandbox, then dumps and normalizes the state.
/// The script runs in a subshell (so `exit` does not skip the dump); the
/// returned output holds the script's stdout only and its exit code.
pub fn state_in_sandbox(script: &str) -> (SandboxOutput, String) {
    state_in_sandbox_with_timeout(script, DEFAULT_TIMEOUT)
}

pub fn state_in_sandbox_with_timeout(script: &str, timeout: Duration) -> (SandboxOutput, String) {
    let full = format!(
        "(\n{script}\n)\n__netsh_rc=$?\nprintf '\\n{STATE_MARKER}\\n'\n{DUMP_STATE}\nexit $__netsh_rc\n"
    );
    let mut out = sandbox_with_timeout(&full, timeout);
    let marker = format!("\n{STATE_MARKER}\n");
    let Some(pos) = out.stdout.rfind(&marker) else {
        panic!("state dump marker missing (script hung or sandbox died):\n{out}");
    };
    let dump = out.stdout[pos + marker.len()..].to_string();
    out.stdout.truncate(pos);
    let state = normalize_state(&dump);
    (out, state)
}

#[derive(Default)]
struct NsDump {
    links: Vec<Value>,
    addrs: Vec<Value>,
    routes: Vec<Value>,
    nsids: Vec<Value>,
    ip_forward: Option<String>,
    /// `TABLE CHAIN SPEC` per iptables rule.
    rules: Vec<String>,
}

fn parse_json_section(ns: &str, section: &str, text: &str) -> Vec<Value> {
    let text = text.trim();
    if text.is_empty() {
        // `ip` prints nothing (not `[]`) for some empty lists.
        if section == "links" || section == "addrs" {
            panic!("state dump: empty `{section}` section for namespace {ns} (ip failed?)");
        }
        return Vec::new();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(v)) => v,
        Ok(other) => panic!("state dump: `{section}` of {ns} is not a JSON array: {other}"),
        Err(e) => panic!("state dump: bad JSON in `{section}` of {ns}: {e}\n{text}"),
    }
}

fn parse_dump(dump: &str) -> BTreeMap<String, NsDump> {
    let mut out: BTreeMap<String, NsDump> = BTreeMap::new();
    let mut ns: Option<String> = None;
    let mut section: Option<String> = None;
    let mut buf = String::new();
    let mut ended = false;

    let mut flush = |ns: &Option<String>, section: &Option<String>, buf: &mut String| {
        if let (Some(ns), Some(section)) = (ns, section) {
            let d = out.entry(ns.clone()).or_default();
            match section.as_str() {
                "links" => d.links = parse_json_section(ns, section, buf),
                "addrs" => d.addrs = parse_json_section(ns, section, buf),
                "routes" => d.routes = parse_json_section(ns, section, buf),
                "nsids" => d.nsids = parse_json_section(ns, section, buf),
                "ip_forward" => d.ip_forward = Some(buf.trim().to_string()),
                "rules" => {
                    let mut table = String::new();
                    for l in buf.lines() {
                        if let Some(t) = l.strip_prefix('*') {
                            table = t.trim().to_string();
                        } else if let Some(r) = l.strip_prefix("-A ") {
                            d.rules.push(format!("{table} {r}"));
                        }
                    }
                }
                other => panic!("state dump: unknown section `{other}`"),
            }
        }
        buf.clear();
    };

    for line in dump.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            flush(&ns, &section, &mut buf);
            let rest = rest.trim();
            if let Some(name) = rest.strip_prefix("ns ") {
                ns = Some(name.trim().to_string());
                section = None;
            } else if rest == "end" {
                ended = true;
                ns = None;
                section = None;
            } else {
                if ns.is_none() {
                    panic!("state dump: section `{rest}` outside a namespace");
                }
                section = Some(rest.to_string());
            }
        } else if section.is_some() {
            buf.push_str(line);
            buf.push('\n');
        } else if !line.trim().is_empty() {
            panic!("state dump: stray line `{line}`");
        }
    }
    flush(&ns, &section, &mut buf);
    if !ended {
        panic!("state dump is truncated (no `### end` marker):\n{dump}");
    }
    for (name, d) in &out {
        if d.links.is_empty() {
            panic!("state dump: namespace {name} has no links section");
        }
        if d.ip_forward.as_deref().unwrap_or("").is_empty() {
            panic!("state dump: namespace {name} has no ip_forward value");
        }
    }
    out
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn u(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// Finds `NS/IFNAME` of a veth's peer, or `?` if it cannot be determined.
fn veth_peer(dumps: &BTreeMap<String, NsDump>, ns: &str, link: &Value) -> String {
    let my_index = u(link, "ifindex");
    let Some(peer_nsid) = u(link, "link_netnsid") else {
        // Peer in the same namespace: iproute2 prints its name as `link`.
        return match s(link, "link") {
            Some(name) => format!("{ns}/{name}"),
            None => "?".to_string(),
        };
    };
    let Some(peer_index) = u(link, "link_index") else {
        return "?".to_string();
    };
    // Map the nsid (local to `ns`) to a name; ids without a name can only be
    // namespaces outside /run/netns, i.e. the sandbox root `-` here.
    let entry = dumps[ns]
        .nsids
        .iter()
        .find(|e| u(e, "nsid") == Some(peer_nsid));
    let candidates: Vec<&str> = match entry.and_then(|e| s(e, "name")) {
        Some(name) => vec![name],
        None if ns != "-" => vec!["-"],
        None => vec![],
    };
    let mut found = Vec::new();
    for cand in candidates {
        let Some(d) = dumps.get(cand) else { continue };
        for l in &d.links {
            let is_veth = l
                .get("linkinfo")
                .and_then(|li| s(li, "info_kind"))
                .is_some_and(|k| k == "veth");
            if is_veth
                && u(l, "ifindex") == Some(peer_index)
                && u(l, "link_index") == my_index
                && l.get("link_netnsid").is_some()
            {
                if let Some(name) = s(l, "ifname") {
                    found.push(format!("{cand}/{name}"));
                }
            }
        }
    }
    if found.len() == 1 {
        found.pop().unwrap()
    } else {
        "?".to_string()
    }
}

fn route_line(ns: &str, r: &Value) -> String {
    fn gw(v: &Value) -> Option<String> {
        if let Some(g) = s(v, "gateway") {
            return Some(g.to_string());
        }
        // RFC 5549 style: "via": {"family": "inet6", "host": "..."}
        v.get("via")
            .and_then(|via| s(via, "host"))
            .map(str::to_string)
    }
    let mut line = format!("{ns} route");
    if let Some(t) = s(r, "type") {
        if t != "unicast" {
            line.push(' ');
            line.push_str(t);
        }
    }
    line.push(' ');
    line.push_str(s(r, "dst").unwrap_or("?"));
    if let Some(g) = gw(r) {
        line.push_str(&format!(" via {g}"));
    }
    if let Some(dev) = s(r, "dev") {
        line.push_str(&format!(" dev {dev}"));
    }
    if let Some(hops) = r.get("nexthops").and_then(Value::as_array) {
        for h in hops {
            line.push_str(" nexthop");
            if let Some(g) = gw(h) {
                line.push_str(&format!(" via {g}"));
            }
            if let Some(dev) = s(h, "dev") {
                line.push_str(&format!(" dev {dev}"));
            }
        }
    }
    line
}

/// Turns a [`DUMP_STATE`] dump into sorted one-fact-per-line text:
///
/// ```text
/// NS link NAME kind=KIND master=MASTER state=up|down[ peer=PEERNS/PEERIF]
/// NS addr IFNAME CIDR
/// NS route [TYPE ]DST[ via GW][ dev IF][ nexthop via GW dev IF]...
/// NS sysctl ip_forward=V
/// NS rule TABLE CHAIN SPEC
/// ```
///
/// NS is `-` for the sandbox root namespace. ifindexes, MACs, counters,
/// link-local IPv6 and everything on `lo` (addresses) are ignored.
/// `peer=` is only printed for veths (`?` if the peer is not found).
pub fn normalize_state(dump: &str) -> String {
    let dumps = parse_dump(dump);
    let mut lines = BTreeSet::new();
    for (ns, d) in &dumps {
        for l in &d.links {
            let name = s(l, "ifname").unwrap_or("?");
            let kind = l
                .get("linkinfo")
                .and_then(|li| s(li, "info_kind"))
                .unwrap_or("-");
            let master = s(l, "master").unwrap_or("-");
            let up = l
                .get("flags")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("UP")));
            let state = if up { "up" } else { "down" };
            let mut line = format!("{ns} link {name} kind={kind} master={master} state={state}");
            if kind == "veth" {
                line.push_str(&format!(" peer={}", veth_peer(&dumps, ns, l)));
            }
            lines.insert(line);
        }
        for a in &d.addrs {
            let name = s(a, "ifname").unwrap_or("?");
            let infos = a.get("addr_info").and_then(Value::as_array);
            for i in infos.into_iter().flatten() {
                let family = s(i, "family").unwrap_or("");
                let keep = match family {
                    "inet" => true,
                    "inet6" => s(i, "scope") != Some("link"),
                    _ => false,
                };
                if !keep {
                    continue;
                }
                let local = s(i, "local").unwrap_or("?");
                // lo's own addresses are always there; others on lo are the lab's.
                if name == "lo" && (local == "127.0.0.1" || local == "::1") {
                    continue;
                }
                let plen = u(i, "prefixlen").map_or("?".to_string(), |p| p.to_string());
                lines.insert(format!("{ns} addr {name} {local}/{plen}"));
            }
        }
        for r in &d.routes {
            lines.insert(route_line(ns, r));
        }
        for r in &d.rules {
            lines.insert(format!("{ns} rule {r}"));
        }
        let fwd = d.ip_forward.as_deref().unwrap_or("?");
        lines.insert(format!("{ns} sysctl ip_forward={fwd}"));
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Returns only the lines of a normalized state that belong to namespace `ns`.
pub fn state_of_ns(state: &str, ns: &str) -> String {
    let prefix = format!("{ns} ");
    state
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn clean_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Compares trimmed non-empty lines (order matters); on mismatch panics with
/// a diff: `-` only in expected, `+` only in actual, ` ` common.
pub fn assert_lines_eq(expected: &str, actual: &str) {
    let exp = clean_lines(expected);
    let act = clean_lines(actual);
    if exp == act {
        return;
    }
    // LCS-based line diff; inputs are small.
    let (n, m) = (exp.len(), act.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if exp[i] == act[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut diff = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && exp[i] == act[j] {
            diff.push_str(&format!("  {}\n", exp[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            diff.push_str(&format!("- {}\n", exp[i]));
            i += 1;
        } else {
            diff.push_str(&format!("+ {}\n", act[j]));
            j += 1;
        }
    }
    panic!(
        "lines differ (- expected only, + actual only):\n{diff}\n--- full actual ---\n{}",
        act.join("\n")
    );
}

/// Bash: run a one-connection TCP listener in namespace $1 on port $2 (background), wait until
/// it listens, connect from namespace $3 to $4:$5, and print the peer address the listener saw.
pub const PROBE: &str = r#"
probe() {
  local lns=$1 lport=$2 cns=$3 addr=$4 port=$5 out=/tmp/netsh-probe.$$
  [ -x "$TCP_LISTEN" ] || { echo "no $TCP_LISTEN: cargo test builds it (cargo build --examples)"; return 1; }
  rm -f "$out.ready"
  ip netns exec "$lns" timeout 10 "$TCP_LISTEN" "$lport" "$out.ready" > "$out" &
  local pid=$!
  for i in $(seq 1 50); do
    [ -e "$out.ready" ] && break
    sleep 0.1
  done
  ip netns exec "$cns" timeout 5 bash -c "exec 3<>/dev/tcp/$addr/$port; echo hi >&3" 2>&1 || echo "connect failed (waited $i)"
  wait "$pid"
  echo "seen: $(cat "$out")"
  rm -f "$out" "$out.ready"
}
"#;

/// A folder an unprivileged user can read, with a copy of the netsh binary and of scripts/:
/// the checkout (and so `target/`) may sit under a home that user cannot enter, as it may in CI.
/// Made once per test process; commands as nobody run with it as their working directory.
pub fn nobody_dir() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("netsh-nobody-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("scripts")).expect("make the nobody folder");
        std::fs::copy(netsh_bin(), dir.join("netsh")).expect("copy netsh");
        for e in std::fs::read_dir("scripts").expect("scripts/").flatten() {
            std::fs::copy(e.path(), dir.join("scripts").join(e.file_name()))
                .expect("copy a script");
        }
        for p in [dir.clone(), dir.join("scripts")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    })
    .clone()
}

/// Waits (bounded) until the kernel has dismantled deleted namespaces, then prints what is left.
pub const LEFT: &str = r#"
for i in $(seq 1 50); do
  [ "$(ip -o link show type veth | wc -l)" = 0 ] && [ -z "$(ip netns list)" ] && break
  sleep 0.1
done
echo "links: $(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')"
echo "netns: $(ip netns list | tr '\n' ' ')"
echo "journals: $(ls /run/netsh | tr '\n' ' ')"
echo "rules: $(iptables-save | grep -c 'netsh:')"
"#;

/// Starts `script` in a fresh sandbox and returns at once, its stdout piped, for a test that
/// talks to what the script runs. The child leads its own process group: kill the group
/// (`kill_sandbox`) when done.
pub fn sandbox_child(script: &str) -> std::process::Child {
    let full = format!("{PRELUDE}\n{script}\n");
    Command::new(UNSHARE[0])
        .args(&UNSHARE[1..])
        .arg("bash")
        .arg("-c")
        .arg(&full)
        .env("NETSH", netsh_bin())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("cannot create test sandbox (integration tests need root and unshare)")
}

/// Ends a sandbox started by [`sandbox_child`] and everything it started.
pub fn kill_sandbox(child: &mut std::process::Child) {
    kill_process_group(child.id());
    let _ = child.wait();
}
