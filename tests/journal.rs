//! The lab journal under stress: runs that share a host's stack take turns (a lock in
//! /run/netsh), and a journal lost, emptied, cut short, replaced by a directory or left unwritten
//! by a full /run/netsh gets a true message and a way out.

mod support;

use support::{sandbox, LEFT};

/// After `LEFT`: the sysctl a damaged journal must still restore.
const FORWARD: &str = "echo \"ip_forward: $(cat /proc/sys/net/ipv4/ip_forward)\"\n";

/// Starts `$NETSH run --lab $1 $2` in the background (its stderr in /tmp/$1.$$.err) and waits,
/// bounded, until namespace $3 exists: the run then holds the host's lock, sleeping in an exec.
const START: &str = r#"
start() {
  "$NETSH" run --lab "$1" "$2" 2>/tmp/"$1".$$.err & pid=$!
  for i in $(seq 1 100); do [ -e /run/netns/"$3" ] && break; sleep 0.05; done
}
"#;

#[test]
#[ignore = "needs iproute2, iptables"]
fn two_labs_sharing_a_bridge_take_turns() {
    let a = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"a1\"), br, \"10.1.1.11/24\");\nns(\"a1\").exec(\"sleep 1\");";
    let b = "let br = bridge(\"br0\").addr(\"10.1.1.2/24\").up();\nconnect(ns(\"b1\"), br, \"10.1.1.12/24\");";
    let out = sandbox(&format!(
        "cat > /tmp/a.$$.rhai <<'EOF'\n{a}\nEOF\ncat > /tmp/b.$$.rhai <<'EOF'\n{b}\nEOF\n{START}\n\
         start a /tmp/a.$$.rhai a1\n\
         \"$NETSH\" run --lab b /tmp/b.$$.rhai 2>/tmp/b.$$.err; echo \"b: rc $?\"\n\
         wait $pid; echo \"a: rc $?\"\n\
         echo \"br0: $(ip -4 -o addr show dev br0 | awk '{{print $4}}' | sort | tr '\\n' ' ')$(ip -d link show br0 | grep -o 'alias .*')\"\n\
         \"$NETSH\" down --lab b 2>/dev/null && \"$NETSH\" down --lab a 2>/dev/null || echo 'down failed'\n{LEFT}{FORWARD}\n\
         cat /tmp/a.$$.err /tmp/b.$$.err >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "b: rc 0\na: rc 0\nbr0: 10.1.1.1/24 10.1.1.2/24 alias netsh:a\n\
         links: lo \nnetns: \njournals: \nrules: 0\nip_forward: 0\n",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("waiting for lab a (pid "),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn the_same_lab_started_twice_takes_turns_and_down_finds_it_whole() {
    let x = "let br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"x1\"), br, \"10.1.1.11/24\");\nns(\"x1\").exec(\"sleep 1\");";
    let out = sandbox(&format!(
        "cat > /tmp/x.$$.rhai <<'EOF'\n{x}\nEOF\n{START}\n\
         start x /tmp/x.$$.rhai x1\n\
         \"$NETSH\" run --lab x /tmp/x.$$.rhai 2>/tmp/x2.$$.err; echo \"second: rc $?\"\n\
         wait $pid; echo \"first: rc $?\"\n\
         \"$NETSH\" down --lab x 2>/tmp/down.$$.err; echo \"down: rc $?\"\n{LEFT}{FORWARD}\n\
         cat /tmp/x.$$.err /tmp/x2.$$.err /tmp/down.$$.err >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "second: rc 0\nfirst: rc 0\ndown: rc 0\n\
         links: lo \nnetns: \njournals: \nrules: 0\nip_forward: 0\n",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("waiting for lab x (pid "),
        "{}",
        out.stderr
    );
    assert!(
        // The five objects the first run created (settings such as up are part of them).
        out.stderr.contains("lab x: 0 created, 5 unchanged"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("lab x: 5 objects removed"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_lock_held_too_long_is_named_and_nothing_is_changed() {
    let out = sandbox(
        "flock /run/netsh/.lock sleep 10 & holder=$!\n\
         for i in $(seq 1 50); do flock -n /run/netsh/.lock true || break; sleep 0.05; done\n\
         echo 'ns(\"n1\");' > /tmp/n.$$.rhai\n\
         NETSH_LOCK_WAIT=1 \"$NETSH\" run --lab n /tmp/n.$$.rhai 2>/tmp/err.$$; echo \"rc $?\"\n\
         kill $holder\n\
         echo \"netns: $(ip netns list)\"\ncat /tmp/err.$$ >&2",
    );
    out.assert_success();
    assert_eq!(out.stdout, "rc 1\nnetns: \n", "{}", out.stderr);
    assert!(
        out.stderr.contains("waiting for another netsh to finish…"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "× this host's network stack is in use by another netsh: gave up waiting for it"
        ),
        "{}",
        out.stderr
    );
}

/// A lab with a namespace, a bridge, firewall rules and ip_forward.
const LAB: &str = "ip_forward(true);\nlet br = bridge(\"br0\").addr(\"10.1.1.1/24\").up();\nconnect(ns(\"j1\"), br, \"10.1.1.2/24\");\nnat(br);";

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_lost_emptied_or_cut_journal_is_named_and_force_removes_the_lab_and_its_sysctls() {
    let mut script = format!("cat > /tmp/j.$$.rhai <<'EOF'\n{LAB}\nEOF\nJ=/run/netsh/j.jsonl\n");
    for damage in [
        "rm $J",
        ": > $J",
        "head -c $(( $(head -1 $J | wc -c) + 30 )) $J > /tmp/cut.$$; cp /tmp/cut.$$ $J",
    ] {
        script.push_str(&format!(
            "\"$NETSH\" run --lab j /tmp/j.$$.rhai 2>/dev/null || exit 1\n{damage}\n\
             \"$NETSH\" down --lab j 2>>/tmp/err.$$; echo \"down: rc $?\"\n\
             \"$NETSH\" down --lab j --force 2>>/tmp/err.$$; echo \"force: rc $?\"\n{LEFT}{FORWARD}\n"
        ));
    }
    script.push_str("cat /tmp/err.$$ >&2");
    let out = sandbox(&script);
    out.assert_success();
    let clean =
        "down: rc 1\nforce: rc 0\nlinks: lo \nnetns: \njournals: \nrules: 0\nip_forward: 0\n";
    assert_eq!(out.stdout, clean.repeat(3), "{}", out.stderr);
    let stands = ", but the lab still stands: namespace j1, link br0 on host, a filter FORWARD rule on host, a filter FORWARD rule on host, a nat POSTROUTING rule on host, sysctl net.ipv4.ip_forward on host (was 0)\n\
                  \x20 help: `netsh down --lab j --force` removes what carries its tag (netsh:j) and restores the sysctls it set\n";
    for how in ["is missing", "is empty", "was cut short"] {
        let want = format!("error: the journal of lab j {how}{stands}");
        assert!(out.stderr.contains(&want), "{want}\n{}", out.stderr);
    }
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_directory_in_the_journals_place_is_named_and_force_clears_it() {
    let out = sandbox(&format!(
        "cat > /tmp/j.$$.rhai <<'EOF'\n{LAB}\nEOF\n\
         \"$NETSH\" run --lab j /tmp/j.$$.rhai 2>/dev/null || exit 1\n\
         rm /run/netsh/j.jsonl; mkdir /run/netsh/j.jsonl\n\
         \"$NETSH\" run --lab j /tmp/j.$$.rhai 2>/tmp/err.$$; echo \"run: rc $?\"\n\
         \"$NETSH\" down --lab j 2>>/tmp/err.$$; echo \"down: rc $?\"\n\
         \"$NETSH\" down --lab j --force 2>/dev/null; echo \"force: rc $?\"\n\
         \"$NETSH\" run --lab j /tmp/j.$$.rhai 2>/dev/null; echo \"run again: rc $?\"\n\
         \"$NETSH\" down --lab j 2>/dev/null; echo \"down: rc $?\"\n{LEFT}{FORWARD}\ncat /tmp/err.$$ >&2"
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "run: rc 1\ndown: rc 1\nforce: rc 0\nrun again: rc 0\ndown: rc 0\n\
         links: lo \nnetns: \njournals: \nrules: 0\nip_forward: 0\n",
        "{}",
        out.stderr
    );
    for want in [
        "× cannot open the journal of lab j: /run/netsh/j.jsonl is a directory, not a journal\n  help: `netsh down --lab j --force`",
        "× cannot read the journal of lab j: /run/netsh/j.jsonl is a directory, not a journal\n  help: `netsh down --lab j --force`",
    ] {
        assert!(out.stderr.contains(want), "{want}\n{}", out.stderr);
    }
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_full_run_dir_fails_the_run_and_down_finds_nothing_to_remove() {
    // 8k of tmpfs, 4k taken: the journal's first batch (star-10, some 8k) does not fit in what
    // is left once the locks have their page.
    let out = sandbox(
        "mount -t tmpfs -o size=8k none /run/netsh\n\
         dd if=/dev/zero of=/run/netsh/fill bs=1k count=4 2>/dev/null\n\
         \"$NETSH\" run benches/star.rhai -p n=10 >/dev/null 2>/tmp/err.$$; echo \"run: rc $?\"\n\
         \"$NETSH\" down --lab star 2>>/tmp/err.$$; echo \"down: rc $?\"\n\
         echo \"netns: $(ip netns list)\"; echo \"files: $(ls /run/netsh)\"\ncat /tmp/err.$$ >&2",
    );
    out.assert_success();
    assert_eq!(
        out.stdout, "run: rc 1\ndown: rc 0\nnetns: \nfiles: fill\n",
        "{}",
        out.stderr
    );
    for want in [
        "× cannot write the lab journal: No space left on device (os error 28)",
        "help: /run/netsh is full: free some space there (df /run/netsh), then run again",
        "lab star: failed; nothing was applied",
        "lab star: nothing to remove",
    ] {
        assert!(out.stderr.contains(want), "{want}\n{}", out.stderr);
    }
}
