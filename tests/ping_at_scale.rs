//! Checks on a big lab right after its build (issue 19): the first `assert_ping` of star-1000
//! passes at once, build after build, and `pingall()` sweeps a star without filling the
//! kernel's neighbour table. Each runs in a sandbox and reads the outcome from netsh's own
//! report (`--timings`) and from the matrix it returns.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::sandbox_with_timeout;

/// `verify_ms=` of a `--timings` line.
fn verify_ms(line: &str) -> Option<f64> {
    let v = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("verify_ms="))?;
    v.parse().ok()
}

/// The tests here measure time: one at a time, not beside each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn star_1000_built_twenty_times_answers_its_ping_every_time() {
    // The benchmark's workload: build star-1000, one assert_ping from ns1 to ns1000, remove.
    // Before the fix one run in four failed after 10 s, and the others took seconds.
    const RUNS: usize = 20;
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let t = Instant::now();
    let out = sandbox_with_timeout(
        &format!(
            "for i in $(seq {RUNS}); do\n\
             \"$NETSH\" run --rm --timings benches/star.rhai -p n=1000 2>&1 | grep '^timings:' || echo \"run $i failed\"\n\
             done"
        ),
        Duration::from_secs(600),
    );
    out.assert_success();
    let verifies: Vec<f64> = out.stdout.lines().filter_map(verify_ms).collect();
    assert_eq!(
        verifies.len(),
        RUNS,
        "every run reports its timings:\n{out}"
    );
    let slowest = verifies.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "{RUNS} builds of star-1000 in {:?}; verify_ms: {verifies:?}",
        t.elapsed()
    );
    // The echo waits for no ARP retry (1 s apart): the path is brought up and its neighbour
    // resolved before the first echo.
    assert!(slowest < 2500.0, "a first ping took {slowest} ms:\n{out}");
}

#[test]
fn pingall_sweeps_star_200_within_its_bound_and_every_pair_answers() {
    // 201 stacks, 40,200 pairs on one bridge: two neighbour entries each, in a kernel table
    // every namespace shares (1024 entries younger than 5 s). Once the sweep filled it, pairs
    // went unanswered for 2 s each; pinged one pair at a time, star-200 took a minute, the
    // matrix's bound. Rows are pinged at once now, and their entries dropped after each.
    let script = "let n = 200;\n\
         let br = bridge(\"br0\").addr(\"10.1.0.1/16\").up();\n\
         for i in 1..=n { connect(ns(`ns${i}`), br, `10.1.0.${i + 1}/16`); }\n\
         let m = pingall();\n\
         print(`pairs ${m.len()}, ok ${m.filter(|p| p.ok).len()}`);";
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let t = Instant::now();
    let out = sandbox_with_timeout(
        &format!(
            "cat > /run/star.rhai <<'EOF'\n{script}\nEOF\n\"$NETSH\" run --rm /run/star.rhai | tail -1"
        ),
        Duration::from_secs(180),
    );
    out.assert_success();
    assert_eq!(out.stdout, "pairs 40200, ok 40200\n", "{out}");
    assert!(!out.stderr.contains("not tried"), "{out}");
    eprintln!("star-200 built, swept and removed in {:?}", t.elapsed());
}

#[test]
fn pingall_returns_no_more_pairs_than_a_script_value_may_hold() {
    // 521 stacks are 270,920 pairs; at 4 entries each they pass the engine's 2^20 map entries,
    // which used to fail the whole script ("Size of object map too large"). The dry run needs
    // no kernel: its pings answer, the matrix is only counted.
    let dir = std::env::temp_dir().join(format!("netsh-pingall-cap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("cap.rhai");
    std::fs::write(
        &script,
        "let br = bridge(\"br0\").addr(\"10.1.0.1/16\").up();\n\
         for i in 1..=520 { connect(ns(`n${i}`), br, `10.1.${i / 250}.${i % 250 + 2}/16`); }\n\
         print(`records ${pingall().len()}`);\n",
    )
    .unwrap();
    let out = std::process::Command::new(support::netsh_bin())
        .args(["run", "--dry-run"])
        .arg(&script)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("'records 262144'"), "{stdout}");
}
