//! The lab's lifecycle in the kernel: `--rm` and `down` remove everything the lab made and
//! nothing else; `down` is idempotent; adopted objects survive it.

mod support;

use support::{sandbox, LEFT};

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn rm_leaves_nothing_behind() {
    let out = sandbox(&format!(
        "\"$NETSH\" run -q --rm scripts/chapter4.rhai || exit 1\n{LEFT}"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "links: lo \nnetns: \njournals: \nrules: 0\n");
    assert!(out.stderr.contains("; removed (--rm)"), "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn down_removes_the_lab_and_is_idempotent() {
    let out = sandbox(&format!(
        "\"$NETSH\" run -q scripts/chapter1.rhai || exit 1\n\
         \"$NETSH\" down scripts/chapter1.rhai || exit 1\n\
         \"$NETSH\" down --lab chapter1 || exit 1\n{LEFT}"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "links: lo \nnetns: \njournals: \nrules: 0\n");
    assert!(
        out.stderr.contains("lab chapter1: nothing to remove"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn adopted_objects_survive_down() {
    let script = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"ns1\"), br, \"10.1.1.2/24\");\n";
    let out = sandbox(&format!(
        "ip link add br0 type bridge\n\
         cat > /tmp/adopt.$$.rhai <<'EOF'\n{script}EOF\n\
         \"$NETSH\" run --lab adopt /tmp/adopt.$$.rhai || exit 1\n\
         \"$NETSH\" down --lab adopt || exit 1\n\
         rm -f /tmp/adopt.$$.rhai\n{LEFT}\n\
         echo \"br0 addrs: $(ip -4 -o addr show dev br0 | wc -l)\""
    ));
    assert_eq!(
        out.stdout, "links: lo br0 \nnetns: \njournals: \nrules: 0\nbr0 addrs: 0\n",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 adopted"), "{}", out.stderr);
}

/// SIGKILL netsh at ten points while it builds star-50; after each, `down` leaves nothing of
/// the lab: no namespace, no link but lo, no rule.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn down_cleans_up_after_a_sigkill_anywhere_in_a_build() {
    let mut script = String::new();
    for (i, ms) in [1, 3, 6, 10, 15, 20, 30, 45, 60, 90].iter().enumerate() {
        script.push_str(&format!(
            "\"$NETSH\" run benches/star.rhai -p n=50 >/dev/null 2>&1 & pid=$!\n\
             sleep 0.{ms:03}; kill -9 $pid; wait $pid 2>/dev/null\n\
             \"$NETSH\" down --lab star >/dev/null 2>/tmp/down.$$ || {{ echo \"down {i} failed\"; cat /tmp/down.$$; }}\n\
             {LEFT}\n"
        ));
    }
    let out = sandbox(&script);
    out.assert_success();
    let want = "links: lo \nnetns: \njournals: \nrules: 0\n".repeat(10);
    assert_eq!(out.stdout, want, "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn down_of_one_lab_leaves_the_other_whole() {
    let a = "let br = bridge(\"bra\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"a1\"), br, \"10.1.1.2/24\");\nnat(br);";
    let b = "let br = bridge(\"brb\").addr(\"10.2.2.1/24\").up();\nconnect(ns(\"b1\"), br, \"10.2.2.2/24\");\nnat(br);";
    let out = sandbox(&format!(
        "cat > /tmp/a.$$.rhai <<'EOF'\n{a}\nEOF\ncat > /tmp/b.$$.rhai <<'EOF'\n{b}\nEOF\n\
         \"$NETSH\" run --lab a /tmp/a.$$.rhai 2>/dev/null && \"$NETSH\" run --lab b /tmp/b.$$.rhai 2>/dev/null || exit 1\n\
         \"$NETSH\" down --lab a 2>/dev/null || exit 1\n\
         for i in $(seq 1 50); do [ -z \"$(ip -o link show type veth | grep -v vethb)\" ] && break; sleep 0.1; done\n\
         ip -o link | awk -F': ' '{{print $2}}' | sed 's/@.*//' | sort | tr '\\n' ' '; echo\n\
         ip netns list | awk '{{print $1}}'\n\
         iptables-save | grep -c 'netsh:b'\n\
         iptables-save | grep -c 'netsh:a' || true\n\
         ip netns exec b1 ping -c 1 -W 1 10.2.2.1 >/dev/null && echo 'b works'"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout, "b1-brb brb lo \nb1\n3\n0\nb works\n",
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_adopted_bridge_and_an_untagged_rule_survive_down() {
    let script = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nforward(#{ \"in\": \"br0\", out: \"!br0\" });\nconnect(ns(\"ns1\"), br, \"10.1.1.2/24\");";
    let out = sandbox(&format!(
        "ip link add br0 type bridge\niptables -A FORWARD -i br0 ! -o br0 -j ACCEPT\n\
         cat > /tmp/x.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --lab x /tmp/x.$$.rhai || exit 1\n\
         \"$NETSH\" down --lab x 2>/dev/null || exit 1\n{LEFT}\n\
         iptables -S FORWARD | grep -- '-i br0'"
    ));
    assert_eq!(
        out.stdout,
        "links: lo br0 \nnetns: \njournals: \nrules: 0\n-A FORWARD -i br0 ! -o br0 -j ACCEPT\n",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("2 adopted"), "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_script_that_fails_at_its_seventh_operation_leaves_the_kernel_as_it_was() {
    // Six operations apply (two namespaces and their lo up, a bridge and its address), then the
    // seventh (a route via a gateway the kernel has no path to, judged in a later flush after a
    // read) fails: the run rolls back all six.
    let script = "ns(\"ns1\"); ns(\"ns2\");\nlet br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nlinks();\n\
                  ns(\"ns1\").route(\"default\", \"10.9.9.9\");";
    let out = sandbox(&format!(
        "echo '### before'\n{dump}\ncat > /tmp/f.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --lab f /tmp/f.$$.rhai >/dev/null 2>/tmp/err.$$; echo \"### rc $?\"\n\
         echo '### after'\n{dump}\ncat /tmp/err.$$ >&2",
        dump = support::DUMP_STATE
    ));
    out.assert_success();
    let (before, rest) = out.stdout.split_once("### rc ").unwrap();
    let (rc, after) = rest.split_once("### after\n").unwrap();
    assert_eq!(rc.trim(), "1");
    assert_eq!(
        support::normalize_state(before.trim_start_matches("### before\n")),
        support::normalize_state(after)
    );
    assert!(
        out.stderr.contains("rolled back the 4 objects"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_corrupt_journal_is_diagnosed_and_force_removes_the_lab_by_its_tags() {
    let out = sandbox(&format!(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         head -c 300 /run/netsh/chapter4.jsonl > /tmp/j.$$; echo '{{\"key\": ' >> /tmp/j.$$; cp /tmp/j.$$ /run/netsh/chapter4.jsonl\n\
         \"$NETSH\" down --lab chapter4 2>/tmp/err.$$; echo \"rc $?\"\n\
         \"$NETSH\" down --lab chapter4 --force >/dev/null 2>&1 || exit 1\n{LEFT}\n\
         cat /tmp/err.$$ >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout, "rc 1\nlinks: lo \nnetns: \njournals: \nrules: 0\n",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("help: `netsh down --lab chapter4 --force` removes the lab by its tags (netsh:chapter4)"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_lab_name_belongs_to_its_script() {
    let out = sandbox(
        "cp scripts/chapter3.rhai /tmp/other.rhai\n\
         \"$NETSH\" run scripts/chapter3.rhai >/dev/null 2>&1 || exit 1\n\
         \"$NETSH\" run /tmp/other.rhai --lab chapter3 >/dev/null 2>/tmp/err.$$; echo \"rc $?\"\n\
         sed 's|/tmp/other.rhai|OTHER|; s|'\"$PWD\"'|ROOT|' /tmp/err.$$ | grep -E '×|help'",
    );
    out.assert_success();
    assert_eq!(
        out.stdout,
        "rc 1\n  × lab chapter3 is in use by another script, ROOT/scripts/chapter3.rhai\n  help: name this run's lab with --lab NAME, or remove the other with `netsh down --lab chapter3`\n"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_sysctl_two_labs_set_stays_until_the_last_one_is_down() {
    let a = "ip_forward(true);\nns(\"a1\");";
    let b = "ip_forward(true);\nns(\"b1\");";
    let out = sandbox(&format!(
        "cat > /tmp/a.$$.rhai <<'EOF'\n{a}\nEOF\ncat > /tmp/b.$$.rhai <<'EOF'\n{b}\nEOF\n\
         \"$NETSH\" run --lab a /tmp/a.$$.rhai 2>/dev/null && \"$NETSH\" run --lab b /tmp/b.$$.rhai 2>/dev/null || exit 1\n\
         \"$NETSH\" down --lab a 2>/dev/null; cat /proc/sys/net/ipv4/ip_forward\n\
         \"$NETSH\" down --lab b 2>/dev/null; cat /proc/sys/net/ipv4/ip_forward"
    ));
    out.assert_success();
    assert_eq!(out.stdout, "1\n0\n", "{}", out.stderr);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn keep_leaves_a_failed_run_for_inspection_and_down_removes_it() {
    let script = "let n = ns(\"ns1\");\nbridge(\"br0\").addr(\"10.1.1.1/24\").up();\nassert_ping(n, \"10.1.1.9\");";
    let out = sandbox(&format!(
        "cat > /tmp/k.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --keep --lab k /tmp/k.$$.rhai 2>/tmp/err.$$; echo \"rc $?\"\n\
         ip netns list | awk '{{print $1}}'; ip -o link show br0 | grep -c br0\n\
         \"$NETSH\" down --lab k 2>/dev/null || exit 1\n{LEFT}\n\
         grep 'lab k:' /tmp/err.$$ >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout, "rc 1\nns1\n1\nlinks: lo \nnetns: \njournals: \nrules: 0\n",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("lab k: failed; kept 3 objects for inspection (--keep); `netsh down --lab k` removes them"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn ctrl_c_stops_a_run_and_rolls_it_back() {
    // links() flushes: ns1 exists in the kernel while the loop runs. The signal is sent once
    // its lo is up, the last step of the build, so that it lands in the loop.
    let script = "ns(\"ns1\");\nlinks();\nlet i = 0;\nloop { i += 1; }";
    let out = sandbox(&format!(
        "cat > /tmp/c.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run --lab c /tmp/c.$$.rhai 2>/tmp/err.$$ & pid=$!\n\
         for i in $(seq 1 50); do ip -n ns1 -o link show lo 2>/dev/null | grep -q ',UP' && break; sleep 0.1; done\n\
         kill -INT $pid; wait $pid; echo \"rc $?\"\n{LEFT}\n\
         grep -E '×|lab c:' /tmp/err.$$ >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout, "rc 130\nlinks: lo \nnetns: \njournals: \nrules: 0\n",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("× interrupted (Ctrl-C)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("lab c: failed; rolled back the 1 object this run created"),
        "{}",
        out.stderr
    );
}

/// Signals, their exit codes (128 + signal) and their words in the diagnostic.
const STOPS: [(&str, i32, &str); 3] = [
    ("INT", 130, "Ctrl-C"),
    ("TERM", 143, "SIGTERM"),
    ("HUP", 129, "SIGHUP"),
];

/// Bash: wait (bounded) until the stack of process `$1`'s child has 20 namespaces, as the
/// 1000-namespace star builds them; `$2` is `child` for a --sandbox run (the lab is inside its
/// child), or empty.
const BUILDING: &str = r#"
building() {
  for i in $(seq 1 600); do
    if [ "$2" = child ]; then c=$(tr -d ' ' < /proc/$1/task/$1/children); d=/proc/$c/root/run/netns
    else d=/run/netns; fi
    [ "$(ls "$d" 2>/dev/null | wc -l)" -gt 20 ] && return 0
    sleep 0.1
  done
  echo "never built"; return 1
}
"#;

/// The stopped run's stderr names the signal (`words`) and the rollback of lab star.
fn said_interrupted_and_rolled_back(stderr: &str, words: &str) {
    assert!(
        stderr.contains(&format!(": interrupted ({words})")),
        "{stderr}"
    );
    assert!(
        stderr.contains("lab star: failed; rolled back the "),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs iproute2 iptables util-linux"]
fn a_signal_stops_a_build_between_waves_and_rolls_it_back() {
    for (sig, code, words) in STOPS {
        // A second Ctrl-C during the rollback does not cut it short.
        let out = sandbox(&format!(
            "{BUILDING}\"$NETSH\" run benches/star.rhai -p n=1000 2>/tmp/err.$$ & pid=$!\n\
             building $pid || exit 1\n\
             kill -{sig} $pid; for i in 1 2 3 4 5; do sleep 0.05; kill -INT $pid 2>/dev/null; done\n\
             wait $pid; echo \"rc $?\"\n{LEFT}\n\
             grep -E '×|lab star:' /tmp/err.$$ >&2"
        ));
        out.assert_success();
        assert_eq!(
            out.stdout,
            format!("rc {code}\nlinks: lo \nnetns: \njournals: \nrules: 0\n"),
            "SIG{sig}: {}",
            out.stderr
        );
        said_interrupted_and_rolled_back(&out.stderr, words);
    }
}

#[test]
#[ignore = "needs iproute2 util-linux"]
fn a_signal_to_a_sandboxed_run_reaches_it_and_sets_its_exit_code() {
    for (sig, code, words) in STOPS {
        let out = sandbox(&format!(
            "{BUILDING}\"$NETSH\" run --sandbox benches/star.rhai -p n=1000 2>/tmp/err.$$ & pid=$!\n\
             building $pid child || exit 1\n\
             kill -{sig} $pid; wait $pid; echo \"rc $?\"\n\
             grep -E '×|lab star:' /tmp/err.$$ >&2"
        ));
        out.assert_success();
        assert_eq!(
            out.stdout,
            format!("rc {code}\n"),
            "SIG{sig}: {}",
            out.stderr
        );
        said_interrupted_and_rolled_back(&out.stderr, words);
    }
}

#[test]
fn a_run_right_after_rm_of_a_big_lab_makes_every_link_anew() {
    // `--rm` deletes the namespaces and returns: the kernel dismantles them in the background,
    // and the bridge ends of their veths linger a moment. The next run waits for those ends
    // instead of taking them for its own links (then finding them gone).
    let out = support::sandbox_with_timeout(
        "for i in 1 2 3; do \"$NETSH\" run --rm benches/star.rhai -p n=400 || exit 1; done",
        std::time::Duration::from_secs(300),
    );
    out.assert_success();
    let runs: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("lab star: "))
        .collect();
    assert_eq!(runs.len(), 3, "{out}");
    for r in runs {
        assert!(
            r.starts_with("lab star: 1606 created, 0 unchanged, 0 adopted in "),
            "{out}"
        );
    }
}

/// Killed between making a link and tagging it (the kernel takes no alias in RTM_NEWLINK), a
/// run leaves an untagged link its journal names in a batch never noted as applied: `down`
/// removes it. Once the batch is noted as applied, an untagged link of that name is someone
/// else's (ours was deleted and another made), and stays.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn down_removes_a_link_made_but_not_yet_tagged_and_leaves_a_stranger() {
    let script = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"ns1\"), br, \"10.1.1.2/24\");";
    let out = sandbox(&format!(
        "cat > /tmp/t.$$.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run -q --lab t /tmp/t.$$.rhai || exit 1\n\
         grep -c '\"applied\"' /run/netsh/t.jsonl\n\
         ip link set dev br0 alias ''\n\
         \"$NETSH\" down --lab t 2>&1 | sed 's/ in [0-9]* ms//'\n\
         ip -o link show br0 >/dev/null 2>&1 && echo 'br0 stays'\n\
         ip link del br0\n\
         \"$NETSH\" run -q --lab t /tmp/t.$$.rhai || exit 1\n\
         ip link set dev br0 alias ''\n\
         sed -i '/\"applied\"/d' /run/netsh/t.jsonl\n\
         \"$NETSH\" down --lab t 2>&1 | sed 's/ in [0-9]* ms//'\n\
         rm -f /tmp/t.$$.rhai\n{LEFT}"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "1\n\
         note: left br0 on host: it does not carry netsh:t, so it is not this lab's any more\n\
         lab t: 4 objects removed\n\
         br0 stays\n\
         lab t: 5 objects removed\n\
         links: lo \nnetns: \njournals: \nrules: 0\n",
        "{}",
        out.stderr
    );
}
