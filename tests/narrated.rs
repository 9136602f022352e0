//! Narrated runs: `netsh run` announces each `step("…")` and prints one line per check, with the
//! commands under them at `-v` and only the summary at `-q`; `--step` waits for Enter before each
//! section. The narrated output of chapters 1–4 is pinned in tests/golden/chapterN.out
//! (`NETSH_BLESS=1 cargo test --test narrated -- --include-ignored` rewrites them). The summary
//! counts objects, so a replay counts what the first run created, and says what "adopted" means
//! the first time something is.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::{netsh_bin, sandbox};

/// `netsh run --sandbox ARGS…` with `stdin` fed in, then closed.
fn run_sandboxed(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(netsh_bin())
        .args(["run", "--sandbox"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run netsh");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "netsh run --sandbox {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The run's timing, and the packet counters iptables prints, which vary from run to run.
fn masked(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.split_once(" in ") {
            Some((head, tail)) if line.starts_with("lab ") => {
                let rest = tail.split_once(" ms").map_or("", |(_, r)| r);
                format!("{head} in N ms{rest}")
            }
            _ => line.to_string(),
        };
        let line = match line.split_once(" packets, ") {
            Some((head, tail)) => {
                let policy = head.rsplit_once(' ').map_or(head, |(p, _)| p);
                let rest = tail.split_once(" bytes").map_or("", |(_, r)| r);
                format!("{policy} N packets, N bytes{rest}")
            }
            None => line,
        };
        // A rule's row: its packet and byte counters first.
        let words: Vec<&str> = line.split_whitespace().collect();
        let line = match words.as_slice() {
            [p, b, ..] if line.starts_with(' ') && is_count(p) && is_count(b) => {
                let after_p = line.trim_start()[p.len()..].trim_start();
                format!("    N     N{}", &after_p[b.len()..])
            }
            _ => line,
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn is_count(w: &str) -> bool {
    !w.is_empty()
        && w.trim_end_matches(['K', 'M', 'G'])
            .chars()
            .all(|c| c.is_ascii_digit())
}

/// `text` equals the golden file `name`, or (NETSH_BLESS=1) becomes it.
fn assert_golden(name: &str, text: &str) {
    let path = Path::new("tests/golden").join(name);
    if std::env::var_os("NETSH_BLESS").is_some() {
        std::fs::create_dir_all("tests/golden").unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (NETSH_BLESS=1 writes it)", path.display()));
    assert_eq!(
        want,
        text,
        "{} differs (NETSH_BLESS=1 rewrites it)",
        path.display()
    );
}

fn both(out: &Output) -> String {
    format!(
        "{}--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs iproute2 iptables"]
fn chapters_tell_their_sections_and_checks_as_pinned() {
    for n in 1..=4 {
        let out = run_sandboxed(&[&format!("scripts/chapter{n}.rhai")], "");
        assert_golden(&format!("chapter{n}.out"), &masked(&both(&out)));
    }
}

#[test]
#[ignore = "needs iproute2 iptables"]
fn verbose_puts_the_commands_under_their_section_and_quiet_prints_the_summary_only() {
    // One stream, in the order written: each flush's `+` lines (stderr) come before the check
    // that flushed them (stdout).
    let out = Command::new("sh")
        .arg("-c")
        .arg("\"$0\" run --sandbox -v scripts/chapter1.rhai 2>&1")
        .arg(netsh_bin())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    assert_golden("chapter1.verbose.out", &masked(&both(&out)));
    let out = run_sandboxed(&["-q", "scripts/chapter1.rhai"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        masked(&String::from_utf8_lossy(&out.stderr)),
        "lab chapter1: 8 created, 0 unchanged, 0 adopted in N ms (3 made and removed on the way)\n"
    );
}

#[test]
#[ignore = "needs iproute2 iptables"]
fn step_waits_for_enter_before_each_section_until_stdin_ends() {
    // chapter3 has four sections: one Enter, then stdin ends and the run goes on alone.
    let out = run_sandboxed(&["--step", "scripts/chapter3.rhai"], "\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("[Enter: run this step]").count(),
        2,
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("── ").count(), 4, "{stdout}");
    assert!(stdout.contains("✓ ns2 → 10.10.10.2"), "{stdout}");
}

#[test]
#[ignore = "needs iproute2"]
fn a_replay_counts_the_objects_the_first_run_created() {
    // chapter4's first run used to say "33 created, 2 unchanged, 1 adopted" (two `nomaster`
    // calls on new links, and the lo of the simulated `isp`) and its replay "48 unchanged"
    // (every call, not every object).
    let out = sandbox(
        "\"$NETSH\" run -q scripts/chapter4.rhai || exit 1\n\
         \"$NETSH\" run -q scripts/chapter4.rhai 2>&1 >/dev/null | grep '^lab' || exit 1",
    );
    out.assert_success();
    let first = masked(&out.stderr);
    assert_eq!(
        first.lines().last().unwrap_or(""),
        "lab chapter4: 42 created, 0 unchanged, 1 adopted in N ms (2 made and removed on the way); \
         adopted: found as asked before this run (made by someone else, or the kernel's default); \
         the lab uses it and `netsh down` leaves it",
        "{out}"
    );
    assert_eq!(
        masked(&out.stdout),
        "lab chapter4: 0 created, 42 unchanged, 1 adopted in N ms (2 made and removed on the way)\n",
        "{out}"
    );
}

#[test]
#[ignore = "needs iproute2"]
fn the_first_run_that_adopts_says_what_adopted_means() {
    let out = sandbox(
        "ip link add br0 type bridge || exit 1\n\
         echo 'bridge(\"br0\"); ns(\"n1\");' > /tmp/adopt.$$.rhai\n\
         for i in 1 2; do \"$NETSH\" run -q --lab adopt /tmp/adopt.$$.rhai 2>&1 | grep '^lab'; done\n\
         rm -f /tmp/adopt.$$.rhai",
    );
    out.assert_success();
    // n1's own lo is part of n1, not adopted; br0 is someone else's.
    assert_eq!(
        masked(&out.stdout),
        "lab adopt: 1 created, 0 unchanged, 1 adopted in N ms; adopted: found as asked before this \
         run (made by someone else, or the kernel's default); the lab uses it and `netsh down` \
         leaves it\n\
         lab adopt: 0 created, 1 unchanged, 1 adopted in N ms\n",
        "{out}"
    );
}

#[test]
fn the_mask_hides_timings_and_counters_only() {
    assert_eq!(
        masked("lab x: 1 created in 12 ms (dry run)\nChain INPUT (policy ACCEPT 7 packets, 588 bytes)\n   12  1008 DROP  1 --  *  *\n    0     0 SNAT  6 --  *  eth0\nnum   pkts bytes target\n"),
        "lab x: 1 created in N ms (dry run)\nChain INPUT (policy ACCEPT N packets, N bytes)\n    N     N DROP  1 --  *  *\n    N     N SNAT  6 --  *  eth0\nnum   pkts bytes target\n"
    );
}
