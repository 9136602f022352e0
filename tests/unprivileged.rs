//! As an ordinary user (nobody, through setpriv): `run` without `--sandbox` fails with the root
//! hint and touches nothing (`down`, `show`, `why` and `repl` each with the hint that fits it);
//! `check`, `run --dry-run` and `run --sandbox` (through a user namespace) succeed, the last with
//! its pings passing. CI is root, so setpriv works there; a machine where it does not is a
//! failure, not a skip.

mod support;

use std::process::{Command, Output};

fn as_nobody(args: &[&str]) -> Output {
    let dir = support::nobody_dir();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(dir.join("netsh"))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("setpriv (util-linux) must be installed: .ci/run installs it");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("setpriv:"),
        "setpriv failed (tests must run as root, as CI does): {stderr}"
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
#[ignore = "needs iproute2"]
fn run_without_sandbox_says_it_needs_root() {
    let out = as_nobody(&["run", "scripts/chapter4.rhai"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "netsh::permission

  × netsh run needs root (CAP_NET_ADMIN) to change the kernel's network configuration
  help: use --sandbox (no root needed), sudo, or --dry-run
"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
#[ignore = "needs iproute2"]
fn each_subcommand_without_root_says_what_fits_it() {
    let sandboxed = "a lab built with --sandbox is seen only from inside";
    for (args, words) in [
        (
            &["down", "--lab", "chapter1"][..],
            "run it as root (sudo netsh down ...); a lab built with --sandbox is gone already",
        ),
        (&["show"][..], sandboxed),
        (&["why", "ns1", "10.1.1.3"][..], sandboxed),
        (&["repl"][..], "use --sandbox (no root needed) or sudo"),
        (&["agent"][..], "must log in to this machine as root"),
    ] {
        let out = as_nobody(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        // miette wraps the help at the terminal's width: compare it as one line.
        let err = text(&out.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(
            !err.contains("--dry-run"),
            "{args:?} has no --dry-run: {err}"
        );
    }
    let out = as_nobody(&["why", "ns1", "10.1.1.3"]);
    let err = text(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        err.contains("netsh run --sandbox --inspect FILE, then ns(\"ns1\").why(\"10.1.1.3\")"),
        "{err}"
    );
}

#[test]
#[ignore = "needs iproute2"]
fn check_and_dry_run_need_no_root() {
    for c in ["chapter1", "chapter2", "chapter3", "chapter4"] {
        let f = format!("scripts/{c}.rhai");
        let out = as_nobody(&["check", &f]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "");
        let out = as_nobody(&["run", "--dry-run", &f]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with("#!/usr/bin/env bash\n"));
        assert!(text(&out.stdout).contains("ip netns add ns1\n"));
    }
}

#[test]
#[ignore = "needs iproute2"]
fn sandbox_runs_every_chapter_without_root() {
    for c in ["chapter1", "chapter2", "chapter3", "chapter4"] {
        let out = as_nobody(&["run", "--sandbox", &format!("scripts/{c}.rhai")]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{c}: {err}");
        assert!(err.contains(&format!("lab {c}: ")), "{err}");
        assert!(!err.contains(" 0 created"), "{c} built nothing: {err}");
    }
}
