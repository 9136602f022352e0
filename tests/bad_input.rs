//! Bad input: every script in tests/bad/ fails with exit 1 and exactly the diagnostic pinned in
//! its `.stderr` file, and leaves the kernel as it was. A case may have `.args` (extra command
//! line), `.setup` (bash run in the sandbox first, to make something the script collides
//! with) and `.env` (variables netsh runs with). `NETSH_BLESS=1 cargo test --test bad_input` rewrites the `.stderr` files.

mod support;

use std::path::Path;
use support::{normalize_state, sandbox, DUMP_STATE};

fn section<'a>(out: &'a str, name: &str, next: &str) -> &'a str {
    let start = out
        .find(name)
        .unwrap_or_else(|| panic!("no {name} in:\n{out}"))
        + name.len();
    let end = out[start..]
        .find(next)
        .map(|i| start + i)
        .unwrap_or(out.len());
    &out[start..end]
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn every_bad_script_fails_at_its_call_and_changes_nothing() {
    let dir = Path::new("tests/bad");
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "only {} bad cases", cases.len());
    let bless = std::env::var_os("NETSH_BLESS").is_some();
    let mut failures = vec![];
    for case in &cases {
        let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{case}.{ext}"))).ok();
        let args = read("args").unwrap_or_default();
        let setup = read("setup").unwrap_or_default();
        let env = read("env").unwrap_or_default();
        let out = sandbox(&format!(
            "set -e\n{setup}\nset +e\necho '### before'\n{DUMP_STATE}\n\
             env {} \"$NETSH\" run tests/bad/{case}.rhai {} 2>/tmp/netsh-bad.$$ >/dev/null; echo \"### rc $?\"\n\
             echo '### after'\n{DUMP_STATE}\necho '### stderr'; cat /tmp/netsh-bad.$$; rm -f /tmp/netsh-bad.$$",
            env.trim(),
            args.trim()
        ));
        out.assert_success();
        let before = normalize_state(section(&out.stdout, "### before\n", "### rc"));
        let rc = section(&out.stdout, "### rc ", "\n").trim().to_string();
        let after = normalize_state(section(&out.stdout, "### after\n", "### stderr"));
        let stderr = section(&out.stdout, "### stderr\n", "\u{0}").to_string();
        if rc != "1" {
            failures.push(format!("{case}: exit {rc}, not 1\n{stderr}"));
        }
        if before != after {
            failures.push(format!(
                "{case}: the kernel state changed:\n--- before\n{before}\n--- after\n{after}"
            ));
        }
        let pinned = dir.join(format!("{case}.stderr"));
        if bless {
            std::fs::write(&pinned, &stderr).unwrap();
        } else {
            match std::fs::read_to_string(&pinned) {
                Ok(want) if want == stderr => {}
                Ok(want) => failures.push(format!(
                    "{case}: the diagnostic differs\n--- pinned\n{want}\n--- got\n{stderr}"
                )),
                Err(_) => failures.push(format!("{case}: no {}", pinned.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
