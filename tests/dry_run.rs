//! `--dry-run` prints a bash script that means what netsh does, whatever the names: each word
//! is quoted where bash would misread it, and each name follows its `name` / `dev` keyword where
//! iproute2 would read a bare word as a keyword (`b` is `broadcast`). shellcheck reads every
//! chapter's dry-run and a hostile lab's (tests/hostile/names.rhai); bash runs the hostile one in
//! a sandbox and builds exactly its names, running nothing on the way.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use support::{assert_lines_eq, netsh_bin, sandbox, state_in_sandbox};

const HOSTILE: &str = "tests/hostile/names.rhai";

/// chapter1 with parameters a shell, `ip` or an option parser would misread.
const HOSTILE_PARAMS: [&str; 6] = [
    "-p",
    "ns1=a$(touch${IFS}PWNED)",
    "-p",
    "ns2=-n",
    "-p",
    "bridge=b",
];

fn dry_run(script: &str, params: &[&str]) -> String {
    dry_run_as("--dry-run", script, params)
}

/// The dry run in a form: `--dry-run` or `--dry-run=steps`.
fn dry_run_as(form: &str, script: &str, params: &[&str]) -> String {
    let out = Command::new(netsh_bin())
        .args(["run", form, script])
        .args(params)
        .output()
        .expect("run netsh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "dry run of {script} failed:\n{stderr}"
    );
    String::from_utf8(out.stdout).expect("a dry run prints text")
}

#[test]
#[ignore = "needs shellcheck"]
fn every_dry_run_is_clean_bash_for_shellcheck() {
    let mut cases: Vec<(String, Vec<&str>)> = (1..=4)
        .map(|n| (format!("scripts/chapter{n}.rhai"), vec![]))
        .collect();
    cases.push(("scripts/chapter1.rhai".into(), HOSTILE_PARAMS.to_vec()));
    cases.push((HOSTILE.into(), vec![]));
    // Policies, user chains and inserts (tests/chains.rs runs it).
    cases.push(("tests/chains.rhai".into(), vec![]));
    // And each chapter as the tutorials write it, one change per command.
    let steps: Vec<(String, Vec<&str>)> = (1..=4)
        .map(|n| (format!("scripts/chapter{n}.rhai"), vec!["steps"]))
        .collect();
    cases.extend(steps);
    for (script, params) in cases {
        let text = match params.as_slice() {
            ["steps"] => dry_run_as("--dry-run=steps", &script, &[]),
            _ => dry_run(&script, &params),
        };
        // SC2016 ("expressions don't expand in single quotes") is the point: a name like
        // 'a$(touch x)' is single-quoted so that it stays a name.
        let mut sc = Command::new("shellcheck")
            .args(["--shell=bash", "--exclude=SC2016", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("shellcheck must be installed: .ci/run installs it");
        sc.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = sc.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "shellcheck on the dry run of {script} {params:?}:\n{}\n--- the script ---\n{text}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// What tests/hostile/names.rhai builds: every name as the script spells it.
const HOSTILE_STATE: &str = r#"
- addr b 10.7.0.1/24
- link 'q" kind=veth master=- state=up peer=-n/*
- link `touch${IFS}P` kind=veth master=b state=up peer=a$(touch${IFS}PWNED)/d
- link b kind=bridge master=- state=up
- link lo kind=- master=- state=up
- link x;touch${IFS}P kind=veth master=b state=up peer=-n/help
- route 10.7.0.0/24 dev b
- rule filter FORWARD -m comment --comment "netsh:names" -m comment --comment "it\'s $(touch PWNED) \"quoted\"" -j ACCEPT
- sysctl ip_forward=0
-n addr help 10.7.0.3/24
-n link * kind=veth master=- state=down peer=-/'q"
-n link help kind=veth master=- state=up peer=-/x;touch${IFS}P
-n link lo kind=- master=- state=up
-n route 10.7.0.0/24 dev help
-n sysctl ip_forward=0
a$(touch${IFS}PWNED) addr d 10.7.0.2/24
a$(touch${IFS}PWNED) link d kind=veth master=- state=up peer=-/`touch${IFS}P`
a$(touch${IFS}PWNED) link lo kind=- master=- state=up
a$(touch${IFS}PWNED) route 10.7.0.0/24 dev d
a$(touch${IFS}PWNED) sysctl ip_forward=0
"#;

/// Bash: the files the commands made in the current folder, and the sysctl the script set.
const AFTERMATH: &str = "echo \"files: [$(ls -A)]\"\n\
    echo \"ports: $(ip netns exec 'a$(touch${IFS}PWNED)' cat /proc/sys/net/ipv4/ip_local_port_range)\"";
const CLEAN: &str = "files: []\nports: 20000\t30000";

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_hostile_lab_built_by_its_dry_run_has_exactly_its_names_and_runs_nothing() {
    let script = quoted(&format!("{}/{HOSTILE}", env!("CARGO_MANIFEST_DIR")));
    // In an empty folder of the sandbox's own /run: a `touch PWNED` that ran would show there.
    let (out, state) = state_in_sandbox(&format!(
        "set -e; cd \"$(mktemp -d /run/pwned.XXXXXX)\"\n\
         \"$NETSH\" run --dry-run {script} > /run/dry.sh\n\
         bash /run/dry.sh >/dev/null\n{AFTERMATH}"
    ));
    out.assert_success();
    assert_eq!(out.stdout.trim(), CLEAN, "{out}");
    assert_lines_eq(HOSTILE_STATE, &state);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn netsh_builds_replays_and_removes_the_hostile_lab() {
    let script = quoted(&format!("{}/{HOSTILE}", env!("CARGO_MANIFEST_DIR")));
    let (out, state) = state_in_sandbox(&format!(
        "set -e; cd \"$(mktemp -d /run/pwned.XXXXXX)\"\n\
         \"$NETSH\" run {script} >/dev/null\n\
         \"$NETSH\" run {script} >/dev/null\n{AFTERMATH}"
    ));
    out.assert_success();
    assert_eq!(out.stdout.trim(), CLEAN, "{out}");
    assert!(
        out.stderr.contains("lab names: 0 created, "),
        "the replay created something:\n{out}"
    );
    assert_lines_eq(HOSTILE_STATE, &state);
    // down finds every object by the names it journaled: the rule with its quoted comment too.
    let out = sandbox(&format!(
        "set -e\n\"$NETSH\" run {script} >/dev/null 2>&1\n\"$NETSH\" down --lab names\n\
         ip netns list; iptables-save | grep -e '^-A' || true\n\
         # a deleted namespace's veth ends go with it, a moment later\n\
         for i in $(seq 1 50); do [ \"$(ip -o link | wc -l)\" = 1 ] && break; sleep 0.1; done\n\
         ip -o link | grep -v ': lo:' || true"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "", "down left something:\n{out}");
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn chapter1_with_hostile_parameters_builds_the_same_names_from_netsh_and_from_bash() {
    let params = HOSTILE_PARAMS
        .iter()
        .map(|p| quoted(p))
        .collect::<Vec<_>>()
        .join(" ");
    let (out, by_netsh) = state_in_sandbox(&format!(
        "set -e; \"$NETSH\" run scripts/chapter1.rhai {params} >/dev/null"
    ));
    out.assert_success();
    let (out, by_bash) = state_in_sandbox(&format!(
        "set -e; \"$NETSH\" run --dry-run scripts/chapter1.rhai {params} > /tmp/netsh-dry.$$.sh\n\
         (cd \"$(mktemp -d /run/pwned.XXXXXX)\" && bash /tmp/netsh-dry.$$.sh >/dev/null && echo \"files: [$(ls -A)]\")\n\
         rm -f /tmp/netsh-dry.$$.sh"
    ));
    out.assert_success();
    assert_eq!(out.stdout.trim(), "files: []", "{out}");
    assert_lines_eq(&by_netsh, &by_bash);
    for name in [
        "a$(touch${IFS}PWNED) addr eth0 10.1.2.2/24",
        "-n addr eth0 10.1.2.3/24",
        "- link b kind=bridge",
    ] {
        assert!(by_bash.contains(name), "no {name:?} in:\n{by_bash}");
    }
}

/// The line after `comment` in `text`.
fn line_after<'a>(text: &'a str, comment: &str) -> &'a str {
    let mut lines = text.lines().skip_while(|l| *l != comment);
    assert!(lines.next().is_some(), "no {comment:?} in:\n{text}");
    lines.next().unwrap_or("")
}

#[test]
fn a_dry_run_carries_the_scripts_sections_where_they_begin() {
    // chapter4 marks its sections with step("…"); a `// ---- … ----` line marks one too.
    let four = dry_run("scripts/chapter4.rhai", &[]);
    for (comment, first) in [
        (
            "# ── A. Local: namespaces on one host, and the host itself",
            "ip netns add ns1",
        ),
        (
            "# ── D. Namespaces on different hosts, over VXLAN",
            "ip netns add h150.ns1",
        ),
    ] {
        assert_eq!(line_after(&four, comment), first, "{four}");
    }
    let dir = std::env::temp_dir().join(format!("netsh-sections-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let marked = dir.join("marked.rhai");
    std::fs::write(
        &marked,
        "ns(\"a\");\n// ---- B. The second one ----\nns(\"b\");\n",
    )
    .unwrap();
    let text = dry_run(marked.to_str().unwrap(), &[]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        line_after(&text, "# ── B. The second one"),
        "ip netns add b",
        "{text}"
    );
    let one = dry_run_as("--dry-run=steps", "scripts/chapter1.rhai", &[]);
    assert_eq!(
        line_after(&one, "# ── 1. Two namespaces joined by one cable"),
        "ip netns add ns1",
        "{one}"
    );
}

#[test]
fn steps_write_the_articles_sequence_without_a_pinned_mac() {
    let text = dry_run_as("--dry-run=steps", "scripts/chapter4.rhai", &[]);
    let veth = "ip link add name vethb1 type veth peer name veth1\n\
                ip link set dev vethb1 master bridge0\n\
                ip link set dev veth1 netns ns1\n\
                ip link set dev vethb1 up\n";
    assert!(text.contains(veth), "{text}");
    assert!(
        text.contains("ip link add name bridge0 type bridge\n"),
        "{text}"
    );
    assert!(!text.contains(" address "), "a MAC pinned:\n{text}");
    // The default stays the merged form netsh applies.
    let merged = dry_run("scripts/chapter4.rhai", &[]);
    assert!(
        merged.contains(
            "ip link add name vethb1 master bridge0 up type veth peer name veth1 netns ns1\n"
        ),
        "{merged}"
    );
}

#[test]
fn a_dry_run_pasted_into_a_shell_ends_its_subshell_not_the_shell() {
    let dir = std::env::temp_dir().join(format!("netsh-paste-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fails.rhai");
    std::fs::write(
        &file,
        "print(\"before\");\nexec(\"false\");\nprint(\"after\");\n",
    )
    .unwrap();
    for form in ["--dry-run", "--dry-run=steps"] {
        let text = dry_run_as(form, file.to_str().unwrap(), &[]);
        // As pasted: the script, then what the user types next, in one shell.
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("{text}\necho \"the shell goes on ($?)\""))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "before\nthe shell goes on (1)\n",
            "{text}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn the_steps_build_what_netsh_builds() {
    for n in 1..=4 {
        let script = format!("scripts/chapter{n}.rhai");
        let (out, by_netsh) =
            state_in_sandbox(&format!("set -e; \"$NETSH\" run {script} >/dev/null"));
        out.assert_success();
        let (out, by_bash) = state_in_sandbox(&format!(
            "set -e; \"$NETSH\" run --dry-run=steps {script} > /tmp/netsh-steps.$$.sh\n\
             bash /tmp/netsh-steps.$$.sh >/dev/null; rm -f /tmp/netsh-steps.$$.sh"
        ));
        out.assert_success();
        assert_lines_eq(&by_netsh, &by_bash);
    }
}
