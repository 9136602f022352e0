//! `--sandbox` as root contains what a script runs: a command cannot enter the stack netsh was
//! started from (its own user namespace), and a process it leaves behind dies with netsh (its
//! own PID namespace). Each run sits inside a test sandbox of its own, whose stack stands in
//! for the host's.

mod support;

use std::process::Command;
use support::sandbox;

/// The links of the test process's own stack (the real host's), read with `ip -br link`.
fn own_links() -> Vec<String> {
    let out = Command::new("ip")
        .args(["-br", "link"])
        .output()
        .expect("ip");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect()
}

#[test]
#[ignore = "needs iproute2 util-linux"]
fn a_command_in_the_sandbox_cannot_enter_the_stacks_outside() {
    // pid 1, netsh's parent as the script sees it, and the outer shell by its pid from outside.
    let script = r#"let outer = param("outer", 0);
for cmd in ["nsenter -t 1 -n ip -br link",
            "nsenter -t $(awk '/^PPid/ { print $2 }' /proc/$PPID/status) -n ip -br link",
            `nsenter -t ${outer} -n ip -br link`,
            "ls /sys/class/net"] {
    let r = exec(cmd);
    print(`${cmd}: ${r.out}${r.err}`);
}"#;
    let out = sandbox(&format!(
        "ip link add outer0 type bridge || exit 1\n\
         ip -br link show outer0 | grep -c outer0\n\
         cat > /tmp/esc.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --sandbox /tmp/esc.$$.rhai -p outer=$$ || exit 1"
    ));
    out.assert_success();
    let (marker, seen) = out.stdout.split_once('\n').unwrap();
    assert_eq!(marker, "1", "the outer stack has its marker link");
    // No link of the stacks outside is seen; the sandbox's own stack (lo) is.
    let mut outside = own_links();
    assert!(
        outside.len() > 1,
        "the host has links besides lo: {outside:?}"
    );
    outside.push("outer0".into());
    for name in outside.iter().filter(|n| *n != "lo") {
        assert!(
            !seen.contains(name.as_str()),
            "{name} seen from inside:\n{seen}"
        );
    }
    assert!(seen.contains("nsenter -t 1 -n ip -br link: lo "), "{seen}");
}

#[test]
#[ignore = "needs iproute2 util-linux"]
fn a_process_a_script_leaves_behind_dies_with_netsh() {
    // The sleeper's command line carries the outer shell's pid, to be found from outside.
    let script = "let tag = param(\"tag\", 0);\n\
                  exec(`sleep 300.${tag} >/dev/null 2>&1 &`);\n\
                  exec(\"sleep 3\");";
    let out = sandbox(&format!(
        "cat > /tmp/bg.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --sandbox /tmp/bg.$$.rhai -p tag=$$ 2>/dev/null & netsh=$!\n\
         find() {{ for p in /proc/[0-9]*; do\n\
           [ \"$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\" = \"sleep 300.$$ \" ] && echo ${{p#/proc/}}\n\
         done; }}\n\
         for i in $(seq 1 50); do pid=$(find); [ -n \"$pid\" ] && break; sleep 0.1; done\n\
         [ -n \"$pid\" ] && echo found || {{ echo 'not found'; exit 1; }}\n\
         wait $netsh; echo \"rc $?\"\n\
         for i in $(seq 1 20); do [ -d /proc/$pid ] || break; sleep 0.1; done\n\
         if [ -d /proc/$pid ]; then echo alive; kill $pid; else echo gone; fi"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "found\nrc 0\ngone\n", "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2 util-linux"]
fn netsh_reaps_the_processes_a_command_left_behind() {
    // The sleep outlives its shell, so netsh (pid 1) inherits it; it has ended by the last call.
    let script = "exec(\"sleep 0.2 >/dev/null 2>&1 &\");\n\
                  exec(\"sleep 1\");\n\
                  print(exec(\"grep -l '^State:.*zombie' /proc/[0-9]*/status | wc -l\").out);";
    let out = sandbox(&format!(
        "cat > /tmp/z.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --sandbox /tmp/z.$$.rhai"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "0\n\n", "zombies; {}", out.stderr);
}
