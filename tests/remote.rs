//! Real machines over SSH, simulated: each machine is a network and mount namespace of its own
//! running sshd on a LAN inside the test's sandbox (tests/support/machines.rs).

mod support;

use support::machines::MACHINES;
use support::{sandbox, sandbox_with_timeout, SandboxOutput};

/// The names of the links in `ip -j link` output.
fn link_names(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json.trim())
        .unwrap_or_else(|e| panic!("not ip -j link output ({e}): {json}"));
    let mut names: Vec<String> = v
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|l| l["ifname"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The harness itself: two machines answer over ssh, each with its own links only.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn each_machine_answers_over_ssh_with_its_own_links() {
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         machine h151 192.0.2.151 || exit 3\n\
         ip link add only-controller type bridge\n\
         on h150 ip link add only-h150 type bridge || exit 4\n\
         ssh -F \"$SSH_CONFIG\" root@192.0.2.150 ip -j link || exit 5\n\
         echo '###'\n\
         on h151 ip -j link || exit 6\n"
    ));
    out.assert_success();
    let (h150, h151) = out.stdout.split_once("###").expect("two answers");
    assert_eq!(link_names(h150), ["eth0", "lo", "only-h150"], "{out}");
    assert_eq!(link_names(h151), ["eth0", "lo"], "{out}");
}

fn req(v: serde_json::Value) -> String {
    // Single quotes around JSON in bash: the JSON here holds none.
    format!("echo '{v}'\n")
}

/// A namespace with an address, as the plan's ops (the form `netsh agent` reads).
fn ns_ops() -> serde_json::Value {
    let at = serde_json::json!({ "line": 1, "col": 1, "file": 0 });
    serde_json::json!([
        { "kind": { "NetnsAdd": { "name": "ns1" } }, "at": at },
        { "kind": { "AddrAdd": { "ns": { "Named": "ns1" }, "link": "lo", "addr": "10.7.0.1/32" } },
          "at": at },
    ])
}

/// The text after `marker` up to the next `###`.
fn after<'a>(stdout: &'a str, marker: &str) -> &'a str {
    let (_, r) = stdout
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker} missing: {stdout}"));
    r.split("###").next().unwrap().trim()
}

/// The transport end to end: a machine without netsh gets a copy of ours in its own
/// ~/.cache/netsh, its agent builds there (and only there), keeps the journal in its /run/netsh,
/// and a second connection uses the copy and removes the lab.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn a_machine_without_netsh_gets_a_copy_and_builds_with_it() {
    use serde_json::json;
    let open = json!({ "req": "open", "lab": "far", "script": null });
    let build: String = [open.clone(), json!({ "req": "apply", "ops": ns_ops() })]
        .into_iter()
        .map(req)
        .collect();
    let down: String = [open, json!({ "req": "down" })]
        .into_iter()
        .map(req)
        .collect();
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         echo '### cache before'; on h150 'ls ~/.cache/netsh 2>&1 | wc -l'\n\
         {{\n{build}}} | \"$NETSH\" agent --ssh root@192.0.2.150 --netsh /nowhere/netsh > $MACHINES_DIR/r1 || exit 3\n\
         echo '### replies'; cat $MACHINES_DIR/r1\n\
         echo '### cache'; on h150 'ls ~/.cache/netsh'\n\
         echo '### far netns'; on h150 ip netns list | cut -d' ' -f1\n\
         echo '### far addr'; on h150 ip -n ns1 -o -4 addr show dev lo | awk '{{print $4}}' | grep 10.7\n\
         echo '### far journal'; on h150 ls /run/netsh | grep -c far.jsonl\n\
         echo '### here'; ip netns list | wc -l; ls /run/netsh | grep -c far.jsonl\n\
         {{\n{down}}} | \"$NETSH\" agent --ssh root@192.0.2.150 --netsh /nowhere/netsh > $MACHINES_DIR/r2 || exit 4\n\
         echo '### down'; sed -n 3p $MACHINES_DIR/r2\n\
         echo '### far after'; on h150 ip netns list | wc -l\n\
         echo '### end'\n"
    ));
    out.assert_success();
    assert_eq!(after(&out.stdout, "### cache before\n"), "1", "{out}");
    let replies: Vec<serde_json::Value> = after(&out.stdout, "### replies\n")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies.len(), 3, "{out}");
    assert_eq!(replies[0]["reply"], "hello", "{out}");
    assert_eq!(replies[0]["version"], env!("CARGO_PKG_VERSION"), "{out}");
    assert_eq!(replies[2]["tally"]["created"], 2, "{out}");
    let version = env!("CARGO_PKG_VERSION");
    // Named by protocol too: a same-version copy of an older protocol is replaced.
    let protocol = &replies[0]["protocol"];
    assert_eq!(
        after(&out.stdout, "### cache\n"),
        format!("netsh-{version}-p{protocol}")
    );
    assert_eq!(after(&out.stdout, "### far netns\n"), "ns1", "{out}");
    assert_eq!(after(&out.stdout, "### far addr\n"), "10.7.0.1/32", "{out}");
    assert_eq!(after(&out.stdout, "### far journal\n"), "1", "{out}");
    assert_eq!(after(&out.stdout, "### here\n"), "0\n0", "{out}");
    let down: serde_json::Value = serde_json::from_str(after(&out.stdout, "### down\n")).unwrap();
    assert_eq!(down["reply"], "down", "{out}");
    assert_eq!(down["removed"], 2, "{out}");
    assert_eq!(after(&out.stdout, "### far after\n"), "0", "{out}");
}

/// A machine ssh cannot reach is named, with ssh's words and the command to try.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn an_unreachable_machine_is_named_with_what_to_try() {
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         echo '{{\"req\":\"bye\"}}' | \"$NETSH\" agent --ssh root@192.0.2.150 --port 2222\n"
    ));
    assert_eq!(out.code, 1, "{out}");
    // miette wraps at the terminal's width, with a rule at the left: compare as one line.
    says(
        &out,
        &out.stderr,
        &[
            "cannot reach root@192.0.2.150 over ssh (ssh exit 255): ssh: connect to host 192.0.2.150 port 2222: Connection refused",
            "help: check `ssh -p 2222 root@192.0.2.150 true`",
        ],
    );
}

/// A machine lost mid-session ends the relay with an error naming it.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn a_machine_lost_mid_session_is_named() {
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         trap '' PIPE\n\
         mkfifo $MACHINES_DIR/in\n\
         \"$NETSH\" agent --ssh root@192.0.2.150 --netsh \"$NETSH\" < $MACHINES_DIR/in > $MACHINES_DIR/out 2> $MACHINES_DIR/err &\n\
         relay=$!\n\
         exec 7> $MACHINES_DIR/in\n\
         echo '{{\"req\":\"open\",\"lab\":\"x\",\"script\":null}}' >&7\n\
         for i in $(seq 1 100); do [ \"$(wc -l < $MACHINES_DIR/out)\" -ge 2 ] && break; sleep 0.1; done\n\
         machine_stop h150\n\
         echo '{{\"req\":\"show\"}}' >&7\n\
         exec 7>&-\n\
         timeout 30 tail --pid=$relay -f /dev/null\n\
         wait $relay; echo \"exit $?\"\n\
         echo '### replies'; cut -c1-40 $MACHINES_DIR/out\n\
         echo '### err'; cat $MACHINES_DIR/err\n"
    ));
    out.assert_success();
    assert!(out.stdout.starts_with("exit 1\n"), "{out}");
    assert!(
        out.stdout.contains("{\"reply\":\"opened\",\"entries\":0}"),
        "{out}"
    );
    says(
        &out,
        &out.stdout,
        &[
            "× lost the connection to root@192.0.2.150 over ssh",
            "help: check `ssh root@192.0.2.150 true`",
        ],
    );
}

/// Two machines, a namespace on each behind a bridge, and a VXLAN between them over the LAN.
/// `NETSH_FAR` is h150's `netsh` option: a path there, or one that is not (the copy).
const TWO: &str = r#"
let a = host("h150", #{ ssh: "root@192.0.2.150", netsh: "NETSH_FAR" });
let b = host("h151", #{ ssh: "root@192.0.2.151", port: 22, netsh: "NETSH_HERE" });
for m in [[a, "192.0.2.151", "10.9.0.1/24"], [b, "192.0.2.150", "10.9.0.2/24"]] {
    let h = m[0];
    let n = h.ns("ns1");
    h.link("eth0");
    let br = h.bridge("br0").up();
    h.vxlan("vx0", #{ id: 42, remote: m[1], dev: "eth0", port: 4789 }).master(br).up();
    let v = h.veth("vns1", "e1");
    v.master(br).up();
    v.peer().into(n).addr(m[2]).up();
}
"#;

/// Bash lines: the LAN, machines h150 and h151, and the script above as $MACHINES_DIR/two.rhai
/// (h150 told its netsh is `far`).
fn two_machines(far: &str) -> String {
    let netsh = support::netsh_bin();
    let script = TWO.replace("NETSH_FAR", far).replace("NETSH_HERE", &netsh);
    format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         machine h151 192.0.2.151 || exit 3\n\
         cat > $MACHINES_DIR/two.rhai <<'RHAI'\n{script}\nRHAI\n\
         state() {{ for m in h150 h151; do echo \"$m: $(on $m ip -o link show | awk -F': ' '{{print $2}}' | cut -d@ -f1 | sort | tr '\\n' ' ')| $(on $m ip netns list | cut -d' ' -f1 | tr '\\n' ' ')\"; done; }}\n"
    )
}

/// One script across two real machines: each builds its part (h150 with a copy of our netsh,
/// it has none), a packet crosses the VXLAN between them, the controller's journal lists the
/// machines, and `netsh down` on the controller removes exactly what was made on each.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iputils-ping"]
fn a_lab_across_two_machines_pings_across_and_goes_down_from_here() {
    let out = sandbox(&format!(
        "{}\
         echo '### before'; state\n\
         \"$NETSH\" run -q $MACHINES_DIR/two.rhai || exit 4\n\
         echo '### built'; state\n\
         echo '### ping'; on h150 ip netns exec ns1 ping -c1 -W5 10.9.0.2 > /dev/null && echo crossed\n\
         echo '### copy'; on h150 'ls ~/.cache/netsh'\n\
         echo '### here'; ip netns list | wc -l; grep -o '\"remote\":\"h15[01]\"' /run/netsh/two.jsonl\n\
         \"$NETSH\" down --lab two || exit 5\n\
         echo '### after'; state\n\
         echo '### journals'; ls /run/netsh | grep -c jsonl; on h150 ls /run/netsh | grep -c jsonl\n\
         echo '### end'\n",
        two_machines("/nowhere/netsh")
    ));
    out.assert_success();
    let before = "h150: eth0 lo | \nh151: eth0 lo |";
    assert_eq!(after(&out.stdout, "### before\n"), before, "{out}");
    assert_eq!(
        after(&out.stdout, "### built\n"),
        "h150: br0 eth0 lo vns1 vx0 | ns1 \nh151: br0 eth0 lo vns1 vx0 | ns1",
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### ping\n"), "crossed", "{out}");
    let version = env!("CARGO_PKG_VERSION");
    let copy = after(&out.stdout, "### copy\n");
    assert!(copy.starts_with(&format!("netsh-{version}-p")), "{out}");
    assert_eq!(
        after(&out.stdout, "### here\n"),
        "0\n\"remote\":\"h150\"\n\"remote\":\"h151\"",
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### after\n"), before, "{out}");
    assert_eq!(after(&out.stdout, "### journals\n"), "0\n0", "{out}");
}

/// stderr as one line (miette wraps at the terminal's width, with a rule at the left).
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run bash `lines` on the two machines (h150 told its netsh is ours), then print how many
/// namespaces this machine holds (`### here`) and the run's stderr (`### err`, from
/// $MACHINES_DIR/err). Asserts the sandbox ran and that nothing is left here.
fn on_two(lines: &str) -> SandboxOutput {
    let out = sandbox(&format!(
        "{}{lines}\
         echo '### here'; ip netns list | wc -l\n\
         echo '### err'; cat $MACHINES_DIR/err\n",
        two_machines(&support::netsh_bin())
    ));
    out.assert_success();
    assert_eq!(after(&out.stdout, "### here\n"), "0", "{out}");
    out
}

/// `text` (of `out`), as one line, says each of `says`.
fn says(out: &SandboxOutput, text: &str, says: &[&str]) {
    let text = one_line(text);
    for s in says {
        assert!(text.contains(s), "{s}\n{out}");
    }
}

/// The run's stderr (`### err`) says each of `phrases`.
fn err_says(out: &SandboxOutput, phrases: &[&str]) {
    says(out, after(&out.stdout, "### err\n"), phrases);
}

/// A conflict on the far machine is reported before any change anywhere: this machine and
/// h150 (judged fine) are read back as they were.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn a_conflict_on_a_far_machine_stops_the_run_before_any_change() {
    let out = on_two(
        "echo 'ns(\"here\");' >> $MACHINES_DIR/two.rhai\n\
         on h151 ip link add vns1 type bridge || exit 4\n\
         \"$NETSH\" run -q $MACHINES_DIR/two.rhai 2> $MACHINES_DIR/err; echo \"exit $?\"\n\
         echo '### after'; state\n",
    );
    assert!(out.stdout.starts_with("exit 1\n"), "{out}");
    assert_eq!(
        after(&out.stdout, "### after\n"),
        "h150: eth0 lo | \nh151: eth0 lo vns1 |",
        "{out}"
    );
    err_says(
        &out,
        &[
            "on h151 (root@192.0.2.151): ",
            "vns1",
            "failed; nothing was applied",
        ],
    );
}

/// h151's sshd killed mid-run: the run ends with an error naming h151, what it made on h150
/// and here is rolled back (read back), and the note says `netsh down` finishes on h151.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn a_machine_lost_mid_run_rolls_back_the_others() {
    let out = on_two(
        "printf 'ns(\"here\");\\nshell();\\nns(\"here2\");\\nhost(\"h151\").ns(\"ns2\");\\nhost(\"h150\").ns(\"ns2\");\\n' >> $MACHINES_DIR/two.rhai\n\
         printf '#!/bin/sh\\ntouch %s/paused\\nfor i in $(seq 1 300); do [ -e %s/go ] && exit 0; sleep 0.1; done\\n' $MACHINES_DIR $MACHINES_DIR > $MACHINES_DIR/pause\n\
         chmod +x $MACHINES_DIR/pause\n\
         SHELL=$MACHINES_DIR/pause \"$NETSH\" run -q $MACHINES_DIR/two.rhai < /dev/null > /dev/null 2> $MACHINES_DIR/err &\n\
         run=$!\n\
         for i in $(seq 1 300); do [ -e $MACHINES_DIR/paused ] && break; sleep 0.1; done\n\
         echo '### mid'; state; ip netns list | wc -l\n\
         machine_stop h151\n\
         touch $MACHINES_DIR/go\n\
         timeout 60 tail --pid=$run -f /dev/null\n\
         wait $run; echo \"### exit $?\"\n\
         echo '### h150'; on h150 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\\n' ' '; on h150 ip netns list | wc -l\n",
    );
    assert_eq!(
        after(&out.stdout, "### mid\n"),
        "h150: br0 eth0 lo vns1 vx0 | ns1 \nh151: br0 eth0 lo vns1 vx0 | ns1 \n1",
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### exit "), "1", "{out}");
    assert_eq!(after(&out.stdout, "### h150\n"), "eth0 lo 0", "{out}");
    err_says(
        &out,
        &[
            "lost the connection to h151 (root@192.0.2.151) over ssh",
            "rolled back the 5 objects this run created on h150 (root@192.0.2.150)",
            "what this run made on h151 (root@192.0.2.151) stands; `netsh down --lab two` removes it once the machine answers",
        ],
    );
}

/// `--dry-run` across machines (no root, no machine reached): this machine's bash, then one
/// section per machine, runnable from here as `ssh … bash -s`.
#[test]
fn a_dry_run_prints_a_section_per_machine() {
    let dir = std::env::temp_dir().join(format!("netsh-remote-dry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("two.rhai");
    std::fs::write(
        &file,
        "let a = host(\"h150\", #{ ssh: \"root@192.0.2.150\", port: 2222 });\n\
         a.ns(\"ns1\");\n\
         ns(\"here\");\n",
    )
    .unwrap();
    let out = std::process::Command::new(support::netsh_bin())
        .args(["run", "--dry-run"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = "#!/usr/bin/env bash\n# generated by netsh --dry-run: run as root in a fresh network namespace\n(\nset -e\n";
    assert_eq!(
        stdout,
        format!(
            "{head}ip netns add here\nip -n here link set dev lo up\n)\n\n\
             # ---- on h150 (root@192.0.2.150) ----\n\
             ssh -p 2222 root@192.0.2.150 bash -s <<'EOF'\n\
             {head}ip netns add ns1\nip -n ns1 link set dev lo up\n)\nEOF\n"
        )
    );
}

/// `show` spans the machines: `--json` lists each (name, ssh target, reachable) with its
/// namespaces and links as that machine has them; the text names each machine; a machine that
/// cannot be reached is named with ssh's words and the others are still shown.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn show_spans_the_machines_of_a_lab() {
    let out = sandbox(&format!(
        "{}\
         \"$NETSH\" run -q $MACHINES_DIR/two.rhai || exit 4\n\
         echo '### json'; \"$NETSH\" show --lab two --json || exit 5\n\
         echo '### text'; \"$NETSH\" show --lab two | grep -v '^  firewall' || exit 6\n\
         machine_stop h151\n\
         echo '### lost'; \"$NETSH\" show --lab two --json || exit 7\n\
         echo '### lost text'; \"$NETSH\" show --lab two | grep -v '^ ' || exit 8\n\
         echo '### end'\n",
        two_machines(&support::netsh_bin())
    ));
    out.assert_success();
    let json = |marker: &str| -> serde_json::Value {
        serde_json::from_str(after(&out.stdout, marker)).unwrap_or_else(|e| panic!("{e}: {out}"))
    };
    let shown = json("### json\n");
    assert_eq!(shown["lab"], "two", "{out}");
    assert_eq!(shown["stacks"], serde_json::json!([]), "{out}");
    let machines = shown["machines"].as_array().expect("machines");
    for (m, addr, (mine, theirs)) in [
        ("h150", "192.0.2.150", ("10.9.0.1/24", "192.0.2.151")),
        ("h151", "192.0.2.151", ("10.9.0.2/24", "192.0.2.150")),
    ] {
        let got = machines.iter().find(|x| x["name"] == m).expect(m);
        assert_eq!(got["ssh"], format!("root@{addr}"), "{out}");
        assert_eq!(got["reachable"], true, "{out}");
        let stacks: Vec<&str> = got["stacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(stacks, ["host", "ns1"], "{out}");
        let link = |stack: usize, name: &str| {
            got["stacks"][stack]["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["name"] == name)
                .unwrap_or_else(|| panic!("{m}: no {name}: {out}"))
                .clone()
        };
        assert_eq!(link(0, "vx0")["vxlan"]["remote"], theirs, "{out}");
        assert_eq!(link(0, "vx0")["master"], "br0", "{out}");
        assert_eq!(link(0, "eth0")["addrs"][0], format!("{addr}/24"), "{out}");
        assert_eq!(link(1, "e1")["addrs"][0], mine, "{out}");
        assert_eq!(link(1, "e1")["peer"]["link"], "vns1", "{out}");
    }
    let machine = |name: &str, addr: &str, ip: &str, remote: &str| {
        format!(
            "{name} (machine root@{addr})\n\
             \x20 br0             bridge  up\n\
             \x20 eth0            veth    up   {addr}/24\n\
             \x20 lo              -       up\n\
             \x20 vns1            veth    up   master br0 ↔ {name}.ns1/e1\n\
             \x20 vx0             vxlan   up   master br0 vni 42 remote {remote}\n\
             \x20 route 192.0.2.0/24 dev eth0\n\
             \x20 ip_forward 0\n\
             \x20 policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT\n\
             {name}.ns1 (namespace on {name})\n\
             \x20 e1              veth    up   {ip} ↔ {name}/vns1\n\
             \x20 lo              -       up\n\
             \x20 route 10.9.0.0/24 dev e1\n\
             \x20 ip_forward 0\n\
             \x20 policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT"
        )
    };
    assert_eq!(
        after(&out.stdout, "### text\n"),
        format!(
            "{}\n{}",
            machine("h150", "192.0.2.150", "10.9.0.1/24", "192.0.2.151"),
            machine("h151", "192.0.2.151", "10.9.0.2/24", "192.0.2.150")
        ),
        "{out}"
    );
    let lost = json("### lost\n");
    let lost = lost["machines"].as_array().unwrap();
    assert_eq!(lost[0]["name"], "h150", "{out}");
    assert_eq!(lost[0]["stacks"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(lost[1]["name"], "h151", "{out}");
    assert_eq!(lost[1]["reachable"], false, "{out}");
    let error = lost[1]["error"].as_str().unwrap();
    assert!(
        error.starts_with("cannot reach h151 (root@192.0.2.151) over ssh (ssh exit 255): ssh: connect to host 192.0.2.151 port 22:"),
        "{out}"
    );
    // ssh's last words vary with the ARP timing (refused, no route): the text is pinned to them.
    let text = after(&out.stdout, "### lost text\n");
    let head = "h150 (machine root@192.0.2.150)\nh150.ns1 (namespace on h150)\n\
                h151 (machine root@192.0.2.151): unreachable — cannot reach h151 (root@192.0.2.151) over ssh (ssh exit 255): ssh: connect to host 192.0.2.151 port 22: ";
    assert!(text.starts_with(head), "{out}");
    assert!(!text[head.len()..].contains('\n'), "{out}");
}

/// This machine and h150, a namespace on each behind a bridge, a VXLAN between them.
const CROSS: &str = r#"
let h150 = host("h150", #{ ssh: "root@192.0.2.150", netsh: "NETSH_HERE" });
for m in [[host(), "192.0.2.150", "lan", "10.9.0.1/24"], [h150, "192.0.2.1", "eth0", "10.9.0.2/24"]] {
    let h = m[0];
    let n = h.ns("ns1");
    h.link(m[2]);
    let br = h.bridge("br0").up();
    h.vxlan("vx0", #{ id: 42, remote: m[1], dev: m[2], port: 4789 }).master(br).up();
    let v = h.veth("vns1", "e1");
    v.master(br).up();
    v.peer().into(n).addr(m[3]).up();
}
"#;

/// `why ns1 10.9.0.2` in the cross lab, healthy: the walk into h150 and back.
const CROSS_CLEAR: &str = "why ns1 → 10.9.0.2\n\
         \x20 [ok] ns1: route to 10.9.0.2 dev e1 src 10.9.0.1\n\
         \x20 [ok] ns1: no namespace here holds 10.9.0.2: e1's segment leaves this machine through vx0 in host (VNI 42) to 192.0.2.150, not followed\n\
         \x20 [ok] h150: host: vx0 (VNI 42, port 4789) takes the frames from 192.0.2.1: a port of br0\n\
         \x20 [ok] h150: host: br0 forwards to its port vns1, cable to e1 in ns1\n\
         \x20 [ok] h150: ns1: 10.9.0.2 is local here (on e1)\n\
         \x20 [ok] h150: ns1: the reply to 10.9.0.1 leaves by e1 (vx0 tunnels it back)\n\
         \x20 probe: 10.9.0.2 answers\n\
         verdict: clear\n";

fn cross_lab() -> String {
    let script = CROSS.replace("NETSH_HERE", &support::netsh_bin());
    format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         cat > $MACHINES_DIR/cross.rhai <<'RHAI'\n{script}\nRHAI\n\
         \"$NETSH\" run -q $MACHINES_DIR/cross.rhai || exit 3\n"
    )
}

/// Bash lines: `why ns1 10.9.0.2 --json` into $MACHINES_DIR/NAME.json, its fix applied from
/// this machine in a script bound to h150 (the lab `NAME`), then a real ping across.
fn why_then_fix(name: &str) -> String {
    let bind = format!(
        "let h150 = host(\"h150\", #{{ ssh: \"root@192.0.2.150\", netsh: \"{}\" }});",
        support::netsh_bin()
    );
    format!(
        "echo '### {name}'; \"$NETSH\" why ns1 10.9.0.2 --json > $MACHINES_DIR/{name}.json; echo \"exit $?\"\n\
         cat $MACHINES_DIR/{name}.json\n\
         {{ echo '{bind}'; sed -n 's/^  \"fix\": \"\\(.*\\)\",$/\\1;/p' $MACHINES_DIR/{name}.json | sed 's/\\\\\"/\"/g'; }} > $MACHINES_DIR/{name}.rhai\n\
         echo '### {name} fixed'; \"$NETSH\" run -q $MACHINES_DIR/{name}.rhai 2>&1 | grep -v '^lab {name}:'\n\
         ip netns exec ns1 ping -c1 -W5 10.9.0.2 > /dev/null && echo crossed\n"
    )
}

/// The report of a `why --json` after `marker`.
fn report(stdout: &str, marker: &str) -> serde_json::Value {
    let text = after(stdout, marker);
    let json = text.split_once('\n').map_or("", |(_, j)| j);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// `why` follows the packet across the real VXLAN into h150's namespace: clear with hops on
/// both machines; a fault on h150 (the reply's route deleted, then an iptables DROP in its
/// namespace) is blocked at the far hop, named with its machine, and its fix, applied from
/// this machine, makes the real ping pass.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iputils-ping, iptables"]
fn why_follows_the_packet_across_a_tunnel_into_the_far_machine() {
    let out = sandbox(&format!(
        "{}\
         echo '### clear'; \"$NETSH\" why ns1 10.9.0.2; echo \"exit $?\"\n\
         on h150 ip netns exec ns1 ip route del 10.9.0.0/24 || exit 4\n\
         {}\
         on h150 ip netns exec ns1 iptables -A INPUT -p icmp -j DROP || exit 5\n\
         {}\
         echo '### end'\n",
        cross_lab(),
        why_then_fix("route"),
        why_then_fix("drop")
    ));
    out.assert_success();
    let clear = format!("{CROSS_CLEAR}exit 0");
    assert_eq!(after(&out.stdout, "### clear\n"), clear, "{out}");
    for (name, broken, fix) in [
        (
            "route",
            "on h150: ns1 has no route back to 10.9.0.1 (Network is unreachable)",
            "h150.ns(\"ns1\").route(\"10.9.0.1/32\", #{ dev: \"e1\" })",
        ),
        (
            "drop",
            "on h150: ns1's INPUT chain drops the echo request in on e1 from 10.9.0.1 to 10.9.0.2 (rule `-A INPUT -p icmp -j DROP`)",
            "h150.ns(\"ns1\").iptables(\"-I INPUT 1 -i e1 -s 10.9.0.1 -d 10.9.0.2 -p icmp -j ACCEPT\")",
        ),
    ] {
        let r = report(&out.stdout, &format!("### {name}\n"));
        assert!(after(&out.stdout, &format!("### {name}\n")).starts_with("exit 1\n"), "{out}");
        assert_eq!(r["broken"], broken, "{out}");
        assert_eq!(r["fix"], fix, "{out}");
        assert_eq!(r["probe"], false, "{out}");
        let hops = r["hops"].as_array().unwrap();
        let last = hops.last().unwrap();
        assert_eq!((last["at"].as_str(), last["ok"].as_bool()), (Some("h150: ns1"), Some(false)), "{out}");
        assert!(hops.iter().any(|h| h["at"] == "h150: host"), "{out}");
        assert_eq!(after(&out.stdout, &format!("### {name} fixed\n")), "crossed", "{out}");
    }
}

/// Checks from a far machine's namespace run on that machine: h150's ns1 pings h151's across
/// the VXLAN, `exec` there sees ns1's own address, and a check that must fail there fails (its
/// answer read from h150), the machine and the namespace named.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn checks_from_a_far_namespace_run_on_its_machine() {
    let checks = r#"
assert_ping(a.ns("ns1"), "10.9.0.2");
let r = a.ns("ns1").exec("ip -o -4 addr show dev e1 | awk '{print $4}'; exit 3");
print(`EXEC ${r.code} ${r.out}`);
print(`PROBE ${a.ns("ns1").ping("10.9.0.77")}`);
assert_no_ping(a.ns("ns1"), "10.9.0.78");
assert_ping(a.ns("ns1"), "10.9.0.3");
print("not reached");
"#;
    // No ns1 here (on_two asserts it): the checks cannot have run on this machine.
    let out = on_two(&format!(
        "cat >> $MACHINES_DIR/two.rhai <<'RHAI'\n{checks}\nRHAI\n\
         \"$NETSH\" run $MACHINES_DIR/two.rhai > $MACHINES_DIR/out 2> $MACHINES_DIR/err; echo \"exit $?\"\n\
         echo '### out'; grep -E '^(EXEC|PROBE|not)' $MACHINES_DIR/out\n"
    ));
    assert!(out.stdout.starts_with("exit 1\n"), "{out}");
    assert_eq!(
        after(&out.stdout, "### out\n"),
        "EXEC 3 10.9.0.1/24\nPROBE false",
        "{out}"
    );
    err_says(
        &out,
        &[
            "× h150.ns1 cannot reach 10.9.0.3: no echo reply within 10 s",
            "assert_ping(a.ns(\"ns1\"), \"10.9.0.3\")",
            "help: look at the path on h150: `ip -n ns1 route`",
        ],
    );
}

/// The same bridge on two machines gets two MACs (a bridged L2 across them needs that): each
/// the MAC a dry run plans for that machine, and h150's the one a simulated host h150 gets.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn the_same_bridge_on_two_machines_gets_two_macs() {
    let sim = "host(\"h150\").bridge(\"br0\");";
    let out = sandbox(&format!(
        "{}\
         echo '### dry'; \"$NETSH\" run --dry-run $MACHINES_DIR/two.rhai | grep -o 'br0 address [0-9a-f:]*' | cut -d' ' -f3\n\
         echo '{sim}' > $MACHINES_DIR/sim.rhai\n\
         echo '### sim'; \"$NETSH\" run --dry-run $MACHINES_DIR/sim.rhai | grep -o 'br0 address [0-9a-f:]*' | cut -d' ' -f3\n\
         \"$NETSH\" run -q $MACHINES_DIR/two.rhai || exit 4\n\
         echo '### real'; for m in h150 h151; do on $m ip -j link show br0 | grep -o '\"address\":\"[0-9a-f:]*\"' | cut -d'\"' -f4; done\n\
         echo '### end'\n",
        two_machines(&support::netsh_bin())
    ));
    out.assert_success();
    let real: Vec<&str> = after(&out.stdout, "### real\n").lines().collect();
    assert_eq!(real.len(), 2, "{out}");
    assert_ne!(real[0], real[1], "{out}");
    assert_eq!(after(&out.stdout, "### dry\n"), real.join("\n"), "{out}");
    assert_eq!(after(&out.stdout, "### sim\n"), real[0], "{out}");
}

/// Bash lines, after [`MACHINES`]: the article's LAN (192.0.2.0/24 here) with two machines,
/// h149 and h150, each with its default route by the LAN's router (the controller, .1, which
/// holds "the internet" 203.0.113.10); h149 logs in to h150 as the controller does, and
/// `state` reads a machine's links, routes, namespaces, iptables rules, sysctls and journals.
const ARTICLE_LAN: &str = r#"
lan_up || exit 1
machine h149 192.0.2.149 || exit 2
machine h150 192.0.2.150 || exit 3
ip addr add 203.0.113.10/32 dev lo || exit 4
for m in h149 h150; do on $m ip route add default via 192.0.2.1 || exit 5; done
on h149 "mkdir -p -m 700 /root/.ssh && cp $SSH_CONFIG /root/.ssh/config" || exit 6
cat > $MACHINES_DIR/state <<'SH'
ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\n' ' '; echo
ip route; ip netns list
# Every rule and policy (iptables-save would also list a table's empty shell, left once used).
iptables -S; iptables -t nat -S; iptables -t mangle -S; iptables -t raw -S
sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables 2>/dev/null
ls /run/netsh
SH
state() { for m in "$@"; do echo "== $m"; on $m bash -s < $MACHINES_DIR/state; done; }
"#;

/// Chapter 4 on two machines (`-p h150=root@…`), run on h149: the LAN is the machines' own
/// eth0, adopted; the article's pings are then proven with real packets from h149's and h150's
/// namespaces, and `netsh down` on h149 leaves both machines as they were.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iptables, iputils-ping"]
fn chapter4_runs_on_two_machines_and_goes_down_from_the_controller() {
    let chapter = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/chapter4.rhai");
    let out = sandbox_with_timeout(
        &format!(
            "{MACHINES}\n{ARTICLE_LAN}\n\
             state h149 h150 > $MACHINES_DIR/before\n\
             on h149 \"$NETSH\" run {chapter} -p h150=root@192.0.2.150 -p lan=192.0.2.0/24 -p internet=203.0.113.10 > $MACHINES_DIR/run 2>&1; echo \"exit $?\"\n\
             echo '### built'; on h149 ip -o link show | awk -F': ' '{{print $2}}' | cut -d@ -f1 | sort | tr '\\n' ' '; echo; on h150 ip -o link show | awk -F': ' '{{print $2}}' | cut -d@ -f1 | sort | tr '\\n' ' '; echo\n\
             echo '### pings'\n\
             p() {{ on $1 ip netns exec $2 ping -c1 -W5 $3 > /dev/null && echo \"$1 $2 -> $3\"; }}\n\
             p h149 ns1 10.1.1.3; p h149 ns1 192.0.2.150; p h149 ns1 203.0.113.10; p h149 ns1 10.1.1.5; p h150 ns2 10.1.1.2; p h150 ns1 10.1.2.1\n\
             on h149 \"$NETSH\" down --lab chapter4 > $MACHINES_DIR/down 2>&1 || {{ cat $MACHINES_DIR/down; exit 7; }}\n\
             state h149 h150 > $MACHINES_DIR/after\n\
             echo '### same'; diff $MACHINES_DIR/before $MACHINES_DIR/after && echo same\n\
             echo '### run'; cat $MACHINES_DIR/run\n\
             echo '### before'; cat $MACHINES_DIR/before\n"
        ),
        std::time::Duration::from_secs(240),
    );
    out.assert_success();
    assert!(out.stdout.starts_with("exit 0\n"), "{out}");
    assert_eq!(
        after(&out.stdout, "### built\n"),
        "bridge0 eth0 lo vethb1 vethb2 vxlan1 \nbridge0 eth0 lo vethb1 vethb2 vxlan1",
        "{out}"
    );
    assert_eq!(
        after(&out.stdout, "### pings\n"),
        "h149 ns1 -> 10.1.1.3\nh149 ns1 -> 192.0.2.150\nh149 ns1 -> 203.0.113.10\n\
         h149 ns1 -> 10.1.1.5\nh150 ns2 -> 10.1.1.2\nh150 ns1 -> 10.1.2.1",
        "{out}"
    );
    let run = after(&out.stdout, "### run\n");
    assert!(run.contains("✓ ns1 → 10.1.1.5"), "{out}");
    assert_eq!(after(&out.stdout, "### same\n"), "same", "{out}");
}

/// `topo::vxlan_mesh` across three machines, over their own LAN: every namespace reaches every
/// other (real packets, from each machine), and `netsh down` leaves the three as they were.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iputils-ping"]
fn a_vxlan_mesh_across_three_machines() {
    let script = r#"
import "topo" as topo;
let hs = [];
let under = [];
for i in 0..3 {
    let a = `192.0.2.${150 + i}`;
    hs.push(host(`h${150 + i}`, #{ ssh: `root@${a}` }));
    under.push(a);
}
topo::vxlan_mesh(hs, 42, under);
"#;
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         for i in 0 1 2; do machine h15$i 192.0.2.15$i || exit 2; done\n\
         state() {{ for m in h150 h151 h152; do echo \"$m: $(on $m ip -o link show | awk -F': ' '{{print $2}}' | cut -d@ -f1 | sort | tr '\\n' ' ')| $(on $m ip netns list | cut -d' ' -f1 | tr '\\n' ' ')\"; done; }}\n\
         cat > $MACHINES_DIR/mesh.rhai <<'RHAI'\n{script}\nRHAI\n\
         state > $MACHINES_DIR/before\n\
         \"$NETSH\" run -q $MACHINES_DIR/mesh.rhai || exit 3\n\
         echo '### built'; state\n\
         echo '### pings'\n\
         for i in 0 1 2; do for j in 2 3 4; do on h15$i ip netns exec ns ping -c1 -W5 10.77.0.$j > /dev/null && echo \"h15$i -> 10.77.0.$j\"; done; done\n\
         \"$NETSH\" down --lab mesh || exit 4\n\
         state > $MACHINES_DIR/after\n\
         echo '### same'; diff $MACHINES_DIR/before $MACHINES_DIR/after && echo same\n\
         echo '### end'\n"
    ));
    out.assert_success();
    let built = "br0 eth0 lo vethn vxlan42 | ns ";
    assert_eq!(
        after(&out.stdout, "### built\n"),
        format!("h150: {built}\nh151: {built}\nh152: {built}").trim(),
        "{out}"
    );
    let mut want = vec![];
    for i in 0..3 {
        for j in 2..5 {
            if j != i + 2 {
                want.push(format!("h15{i} -> 10.77.0.{j}"));
            }
        }
    }
    // A namespace pinging its own address is no proof of the mesh: listed, not counted.
    let got: Vec<&str> = after(&out.stdout, "### pings\n")
        .lines()
        .filter(|l| {
            let (h, a) = l.split_once(" -> 10.77.0.").unwrap();
            h[3..].parse::<u32>().unwrap() + 2 != a.parse::<u32>().unwrap()
        })
        .collect();
    assert_eq!(got, want, "{out}");
    assert_eq!(after(&out.stdout, "### same\n"), "same", "{out}");
}

/// Issue 15's speed goal, measured: 3 machines × 100 namespaces against one machine's share (100
/// namespaces) built alone, and 300 on one machine (the machines share one kernel here). Prints
/// the three times (the fastest of two runs each); each build and its `down` must succeed, and
/// the three machines take at most 2× the same 300 namespaces on one machine.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn three_machines_build_in_parallel() {
    let netsh = support::netsh_bin();
    let script = format!(
        r#"
let k = param("k", 3);
let n = param("n", 100);
for i in 0..k {{
    let h = host(`h${{150 + i}}`, #{{ ssh: `root@192.0.2.${{150 + i}}`, netsh: "{netsh}" }});
    let br = h.bridge("br0").up();
    for j in 0..n {{
        let v = h.veth(`v${{j}}`, "e0");
        v.master(br).up();
        v.peer().into(h.ns(`n${{j}}`)).addr(`10.8.${{j % 250}}.${{j / 250 + 1}}/16`).up();
    }}
}}
"#
    );
    let out = sandbox_with_timeout(
        &format!(
            "{MACHINES}\n\
             lan_up || exit 1\n\
             for i in 0 1 2; do machine h15$i 192.0.2.15$i || exit 2; done\n\
             cat > $MACHINES_DIR/big.rhai <<'RHAI'\n{script}\nRHAI\n\
             t() {{ local s=$(date +%s%N); \"$NETSH\" run -q $MACHINES_DIR/big.rhai -p k=$1 -p n=$2 || exit 3; echo $(( ($(date +%s%N) - s) / 1000000 )); \"$NETSH\" down --lab big > /dev/null || exit 4; }}\n\
             echo \"### one $(t 1 100)\"\n\
             echo \"### three $(t 3 100)\"\n\
             echo \"### all $(t 1 300)\"\n\
             echo \"### one $(t 1 100)\"\n\
             echo \"### three $(t 3 100)\"\n\
             echo \"### all $(t 1 300)\"\n\
             echo '### left'; for i in 0 1 2; do on h15$i ip netns list | wc -l; done\n"
        ),
        std::time::Duration::from_secs(600),
    );
    out.assert_success();
    let ms = |what: &str| -> u64 {
        out.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("### {what} ")))
            .map(|n| n.parse::<u64>().unwrap())
            .min()
            .unwrap_or_else(|| panic!("no {what}: {out}"))
    };
    let (one, three) = (ms("one"), ms("three"));
    let all = ms("all");
    eprintln!("3 machines × 100 namespaces: {three} ms; one machine's 100 alone: {one} ms ({:.2}×); 300 on one machine: {all} ms", three as f64 / one as f64);
    assert_eq!(after(&out.stdout, "### left\n"), "0\n0\n0", "{out}");
    // The machines here share one kernel, which makes namespaces and links one at a time (RTNL):
    // three machines' 100 each cannot take less than one machine's 300, whether the machines
    // work in parallel or not. What this run can bound is what the fleet adds on top of that
    // kernel work (an ssh connection, an agent and a journal per machine): measured 1.25–1.5×
    // the same 300 on one machine; a guard at 2×. On real machines each share has a kernel
    // of its own.
    assert!(three > 0 && one > 0 && all > 0, "{out}");
    assert!(
        three as f64 <= 2.0 * all as f64,
        "3 × 100 took {three} ms, 300 on one machine {all} ms: {out}"
    );
}

/// This machine and h150, a namespace on each behind a bridge with an address of its own, a
/// VXLAN between the bridges; each namespace reaches both machines' LAN addresses by the
/// machine's bridge (delivered there, nothing forwarded): every pair of stacks answers.
const MATRIX: &str = r#"
let h150 = host("h150", #{ ssh: "root@192.0.2.150", netsh: "NETSH_HERE" });
for m in [[host(), "192.0.2.150", "lan", "10.9.0.1/24", "10.9.0.101/24"],
          [h150, "192.0.2.1", "eth0", "10.9.0.2/24", "10.9.0.150/24"]] {
    let h = m[0];
    let n = h.ns("ns1");
    h.link(m[2]);
    let br = h.bridge("br0").addr(m[4]).up();
    h.vxlan("vx0", #{ id: 42, remote: m[1], dev: m[2], port: 4789 }).master(br).up();
    let v = h.veth("vns1", "e1");
    v.master(br).up();
    v.peer().into(n).addr(m[3]).up();
    n.route("192.0.2.1/32", "10.9.0.101");
    n.route("192.0.2.150/32", "10.9.0.150");
}
"#;

/// `pingall` across machines: h150's stacks are read and pinged from on h150 (no h150.ns1
/// exists here), named `h150` and `h150.ns1`; every pair answers, across the VXLAN too; after
/// a DROP of echo requests in h150's ns1 (made there by its agent), exactly the three pairs
/// to it fail, as real pings from bash confirm.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iptables, iputils-ping"]
fn pingall_spans_the_machines() {
    let checks = r#"
for r in pingall() { print(`P1 ${r.from} ${r.to} ${r.addr} ${r.ok}`); }
h150.ns("ns1").exec("iptables -A INPUT -p icmp --icmp-type echo-request -j DROP");
for r in pingall() { print(`P2 ${r.from} ${r.to} ${r.ok}`); }
"#;
    let script = MATRIX.replace("NETSH_HERE", &support::netsh_bin());
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         cat > $MACHINES_DIR/matrix.rhai <<'RHAI'\n{script}\n{checks}\nRHAI\n\
         \"$NETSH\" run $MACHINES_DIR/matrix.rhai > $MACHINES_DIR/out 2> $MACHINES_DIR/err || {{ cat $MACHINES_DIR/err; exit 3; }}\n\
         echo '### p1'; grep '^P1 ' $MACHINES_DIR/out | sort\n\
         echo '### p2'; grep '^P2 ' $MACHINES_DIR/out | grep false | sort\n\
         echo '### p2 ok'; grep '^P2 ' $MACHINES_DIR/out | grep -c true\n\
         echo '### table'; grep -m1 '^from ' $MACHINES_DIR/out\n\
         echo '### here'; ip netns list | cut -d' ' -f1\n\
         echo '### far rule'; on h150 ip netns exec ns1 iptables -S INPUT | grep -c -- '--icmp-type 8 -j DROP'\n\
         echo '### real'; ip netns exec ns1 ping -c1 -W2 10.9.0.2 > /dev/null || echo 'ns1 -> 10.9.0.2 fails'\n\
         on h150 ip netns exec ns1 ping -c1 -W2 10.9.0.1 > /dev/null && echo 'h150.ns1 -> 10.9.0.1 answers'\n\
         echo '### end'\n"
    ));
    out.assert_success();
    let p1: Vec<&str> = after(&out.stdout, "### p1\n").lines().collect();
    let stacks = [
        ("host", "192.0.2.1"),
        ("h150", "192.0.2.150"),
        ("h150.ns1", "10.9.0.2"),
        ("ns1", "10.9.0.1"),
    ];
    let mut want = vec![];
    for (from, _) in stacks {
        for (to, addr) in stacks.iter().filter(|(t, _)| *t != from) {
            want.push(format!("P1 {from} {to} {addr} true"));
        }
    }
    want.sort();
    assert_eq!(p1, want, "{out}");
    assert_eq!(
        after(&out.stdout, "### p2\n"),
        "P2 h150 h150.ns1 false\nP2 host h150.ns1 false\nP2 ns1 h150.ns1 false",
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### p2 ok\n"), "9", "{out}");
    assert!(
        after(&out.stdout, "### table\n").contains("h150.ns1 (10.9.0.2)"),
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### here\n"), "ns1", "{out}");
    assert_eq!(after(&out.stdout, "### far rule\n"), "1", "{out}");
    assert_eq!(
        after(&out.stdout, "### real\n"),
        "ns1 -> 10.9.0.2 fails\nh150.ns1 -> 10.9.0.1 answers",
        "{out}"
    );
}

/// `why()` in a script follows the packet across the real tunnel as `netsh why` does: clear
/// with h150's hops; after a DROP in h150's ns1 (made there by its agent), the printed report
/// names the far hop `h150: ns1` and the far fix in the script's terms, which, applied from
/// here, makes the real ping pass.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iputils-ping, iptables"]
fn why_in_a_script_follows_the_packet_into_the_far_machine() {
    let checks = r####"
let r = why(ns("ns1"), "10.9.0.2");
print(`V1 ${r.verdict} ${r.hops.len()}`);
h150.ns("ns1").exec("iptables -A INPUT -p icmp -j DROP");
print("### blocked");
let r = ns("ns1").why("10.9.0.2");
print(`V2 ${r.verdict} | ${r.broken} | ${r.probe}`);
print(`FIX ${r.fix}`);
"####;
    let script = CROSS.replace("NETSH_HERE", &support::netsh_bin());
    let bind = format!(
        "let h150 = host(\"h150\", #{{ ssh: \"root@192.0.2.150\", netsh: \"{}\" }});",
        support::netsh_bin()
    );
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         cat > $MACHINES_DIR/cross.rhai <<'RHAI'\n{script}\n{checks}\nRHAI\n\
         \"$NETSH\" run $MACHINES_DIR/cross.rhai > $MACHINES_DIR/out 2> $MACHINES_DIR/err || {{ cat $MACHINES_DIR/err; exit 3; }}\n\
         echo '### out'; sed -n '/^why ns1/,$p' $MACHINES_DIR/out | grep -v '^lab cross:'\n\
         echo '### real before'; ip netns exec ns1 ping -c1 -W2 10.9.0.2 > /dev/null || echo lost\n\
         {{ echo '{bind}'; sed -n 's/^FIX \\(.*\\)$/\\1;/p' $MACHINES_DIR/out; }} > $MACHINES_DIR/fix.rhai\n\
         \"$NETSH\" run -q $MACHINES_DIR/fix.rhai > /dev/null 2>&1 || exit 4\n\
         echo '### real after'; ip netns exec ns1 ping -c1 -W5 10.9.0.2 > /dev/null && echo crossed\n\
         echo '### end'\n"
    ));
    out.assert_success();
    let text = after(&out.stdout, "### out\n");
    assert!(
        text.starts_with(&format!("{CROSS_CLEAR}V1 clear 6")),
        "{out}"
    );
    let blocked = after(&out.stdout, "### blocked\n");
    let drop = "ns1's INPUT chain drops the echo request in on e1 from 10.9.0.1 to 10.9.0.2 (rule `-A INPUT -p icmp -j DROP`)";
    let fix =
        "h150.ns(\"ns1\").iptables(\"-I INPUT 1 -i e1 -s 10.9.0.1 -d 10.9.0.2 -p icmp -j ACCEPT\")";
    assert!(
        blocked.contains(&format!("  [BROKEN] h150: ns1: {drop}\n  fix: {fix}\n  probe: no reply from 10.9.0.2\nverdict: blocked — on h150: {drop}")),
        "{out}"
    );
    assert!(
        blocked.contains("  [ok] h150: host: vx0 (VNI 42, port 4789)"),
        "{out}"
    );
    assert!(
        blocked.contains(&format!("V2 blocked | on h150: {drop} | false\nFIX {fix}")),
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### real before\n"), "lost", "{out}");
    assert_eq!(after(&out.stdout, "### real after\n"), "crossed", "{out}");
}

/// `why` started in a far machine's namespace (`netsh why h150.ns1 …`, `h150.ns("ns1").why(…)`):
/// h150's agent walks from there, and where the packet leaves h150 through the VXLAN to this
/// machine the walk goes on here. Clear on the healthy lab; after a DROP in this machine's
/// ns1, blocked there with its fix, which makes h150's real ping pass; a machine no lab binds,
/// and one that does not answer, are named.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2, iputils-ping, iptables"]
fn why_from_a_far_namespace_goes_on_on_this_machine() {
    let bind = format!(
        "let h150 = host(\"h150\", #{{ ssh: \"root@192.0.2.150\", netsh: \"{}\" }});",
        support::netsh_bin()
    );
    let script = format!(
        "{bind}\nlet r = h150.ns(\"ns1\").why(\"10.9.0.1\");\nprint(`V ${{r.verdict}} ${{r.hops.len()}}`);\n"
    );
    let out = sandbox(&format!(
        "{}\
         echo '### clear'; \"$NETSH\" why h150.ns1 10.9.0.1; echo \"exit $?\"\n\
         cat > $MACHINES_DIR/s.rhai <<'RHAI'\n{script}\nRHAI\n\
         echo '### script'; \"$NETSH\" run -q $MACHINES_DIR/s.rhai | grep '^V '\n\
         ip netns exec ns1 iptables -A INPUT -p icmp -j DROP || exit 4\n\
         echo '### drop'; \"$NETSH\" why h150.ns1 10.9.0.1 --json > $MACHINES_DIR/drop.json; echo \"exit $?\"\n\
         cat $MACHINES_DIR/drop.json\n\
         echo '### real before'; on h150 ip netns exec ns1 ping -c1 -W2 10.9.0.1 > /dev/null || echo lost\n\
         {{ echo 'let ns1 = ns(\"ns1\");'; sed -n 's/^  \"fix\": \"\\(.*\\)\",$/\\1;/p' $MACHINES_DIR/drop.json | sed 's/\\\\\"/\"/g'; }} > $MACHINES_DIR/fix.rhai\n\
         \"$NETSH\" run -q $MACHINES_DIR/fix.rhai > /dev/null 2>&1 || {{ cat $MACHINES_DIR/fix.rhai; exit 5; }}\n\
         echo '### real after'; on h150 ip netns exec ns1 ping -c1 -W5 10.9.0.1 > /dev/null && echo crossed\n\
         echo '### unbound'; \"$NETSH\" why h151.ns1 10.9.0.1 2>&1; echo \"exit $?\"\n\
         machine_stop h150\n\
         echo '### lost'; \"$NETSH\" why h150.ns1 10.9.0.1 2>&1; echo \"exit $?\"\n\
         echo '### end'\n",
        cross_lab()
    ));
    out.assert_success();
    assert_eq!(
        after(&out.stdout, "### clear\n"),
        "why h150.ns1 → 10.9.0.1\n\
         \x20 [ok] h150: ns1: route to 10.9.0.1 dev e1 src 10.9.0.2\n\
         \x20 [ok] h150: ns1: no namespace here holds 10.9.0.1: e1's segment leaves this machine through vx0 in host (VNI 42) to 192.0.2.1, not followed\n\
         \x20 [ok] host: vx0 (VNI 42, port 4789) takes the frames from 192.0.2.150: a port of br0\n\
         \x20 [ok] host: br0 forwards to its port vns1, cable to e1 in ns1\n\
         \x20 [ok] ns1: 10.9.0.1 is local here (on e1)\n\
         \x20 [ok] ns1: the reply to 10.9.0.2 leaves by e1 (vx0 tunnels it back)\n\
         \x20 probe: 10.9.0.1 answers\n\
         verdict: clear\n\
         exit 0",
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### script\n"), "V clear 6", "{out}");
    let r = report(&out.stdout, "### drop\n");
    assert!(
        after(&out.stdout, "### drop\n").starts_with("exit 1\n"),
        "{out}"
    );
    assert_eq!(
        r["broken"],
        "ns1's INPUT chain drops the echo request in on e1 from 10.9.0.2 to 10.9.0.1 (rule `-A INPUT -p icmp -j DROP`)",
        "{out}"
    );
    assert_eq!(
        r["fix"], "ns1.iptables(\"-I INPUT 1 -i e1 -s 10.9.0.2 -d 10.9.0.1 -p icmp -j ACCEPT\")",
        "{out}"
    );
    assert_eq!(r["probe"], false, "{out}");
    let last = r["hops"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["at"].as_str(), last["ok"].as_bool()),
        (Some("ns1"), Some(false)),
        "{out}"
    );
    assert_eq!(after(&out.stdout, "### real before\n"), "lost", "{out}");
    assert_eq!(after(&out.stdout, "### real after\n"), "crossed", "{out}");
    let unbound = one_line(after(&out.stdout, "### unbound\n"));
    assert!(
        unbound.contains(
            "no namespace \"h151.ns1\" in /run/netns, and no lab here binds a machine \"h151\""
        ),
        "{out}"
    );
    assert!(unbound.contains("the machines bound here: h150"), "{out}");
    assert!(unbound.ends_with("exit 2"), "{out}");
    let lost = one_line(after(&out.stdout, "### lost\n"));
    assert!(
        lost.contains("cannot reach h150 (root@192.0.2.150) over ssh"),
        "{out}"
    );
    assert!(lost.ends_with("exit 1"), "{out}");
}
