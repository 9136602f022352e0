//! `iptables("-P …")`, `("-N …")` and `("-I …")` in the kernel, read back with the iptables
//! program: a policy is set and `down` (or the rollback of a failing run) restores the one
//! before; a user chain the lab made is jumped to, filled and deleted after its rules, one that
//! was there is adopted and left; an insert goes where `-I` puts it and goes with `down`; the
//! dry run's bash builds the same iptables-save as netsh; `-v` and `show` name the driver.

mod support;

use support::sandbox;

/// A sandbox that writes `script` as lab `lab` (/tmp/lab.rhai), after `setup`, then runs `body`.
fn with_lab(lab: &str, script: &str, setup: &str, body: &str) -> support::SandboxOutput {
    let out = sandbox(&format!(
        "set -e\n{setup}\nmkdir -p /tmp/{lab}\ncat > /tmp/{lab}/{lab}.rhai <<'EOF'\n{script}\nEOF\n\
         L=/tmp/{lab}/{lab}.rhai\n{body}"
    ));
    out.assert_success();
    out
}

/// The text between `### name` and the next `###` (or the end).
fn part<'a>(out: &'a str, name: &str) -> &'a str {
    let head = format!("### {name}\n");
    let start = out
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in:\n{out}"))
        + head.len();
    let end = out[start..].find("### ").map_or(out.len(), |i| start + i);
    &out[start..end]
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_policy_is_set_and_down_restores_the_one_before() {
    let script = "iptables(host(), \"-P FORWARD DROP\");\n\
                  iptables(\"-P INPUT DROP\");\n\
                  ns(\"p1\").iptables(\"-P OUTPUT DROP\");";
    // INPUT is DROP already: unchanged, and down leaves it so.
    let out = with_lab(
        "pol",
        script,
        "iptables -P INPUT DROP",
        "\"$NETSH\" run \"$L\" 2>&1 | tail -1\n\
         echo '### during'; iptables -S | grep '^-P'; ip netns exec p1 iptables -S OUTPUT\n\
         echo '### journal'; grep -o '\"key\":\"policy [^\"]*\"[^}]*}' /run/netsh/pol.jsonl\n\
         echo '### replay'; \"$NETSH\" run \"$L\" 2>&1 | tail -1\n\
         \"$NETSH\" down --lab pol\n\
         echo '### after'; iptables -S | grep '^-P'",
    );
    assert_eq!(
        part(&out.stdout, "during"),
        "-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-P OUTPUT DROP\n"
    );
    assert_eq!(
        part(&out.stdout, "journal"),
        "\"key\":\"policy host/filter/FORWARD\",\"ns\":\"Root\",\"peer_ns\":null,\"undo\":{\"Policy\":{\"ns\":\"Root\",\"table\":\"filter\",\"chain\":\"FORWARD\",\"policy\":\"ACCEPT\"}\n\
         \"key\":\"policy host/filter/INPUT\",\"ns\":\"Root\",\"peer_ns\":null,\"undo\":null,\"adopted\":true}\n\
         \"key\":\"policy p1/filter/OUTPUT\",\"ns\":{\"Named\":\"p1\"}\n"
    );
    assert!(
        // The objects the first run created (two policies and p1), counted as objects: p1's lo
        // set up is part of p1.
        part(&out.stdout, "replay").starts_with("lab pol: 0 created, 3 unchanged, 1 adopted in"),
        "a replay changes nothing:\n{out}"
    );
    assert_eq!(
        part(&out.stdout, "after"),
        "-P INPUT DROP\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    );
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_failing_run_rolls_its_policy_back() {
    let script = "iptables(\"-P FORWARD DROP\");\nrules();\nthrow \"stop here\";";
    let out = with_lab(
        "rb",
        script,
        "",
        "\"$NETSH\" run \"$L\" 2>/tmp/rb/err && exit 1\n\
         echo '### stderr'; tail -1 /tmp/rb/err\n\
         echo '### after'; iptables -S FORWARD",
    );
    assert_eq!(
        part(&out.stdout, "stderr"),
        "lab rb: failed; rolled back the 1 object this run created\n"
    );
    assert_eq!(part(&out.stdout, "after"), "-P FORWARD ACCEPT\n");
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_user_chain_is_made_used_and_removed_and_an_existing_one_is_left() {
    let script = "iptables(\"-N MINE\");\n\
                  iptables(\"-A FORWARD -i lo -j MINE\");\n\
                  iptables(\"-A MINE -p tcp --dport 22 -j ACCEPT\");\n\
                  iptables(\"-N THEIRS\");\n\
                  iptables(\"-A THEIRS -j RETURN\");\n\
                  ns(\"u1\").iptables(\"-t nat -N MINE\");";
    let setup = "iptables -N THEIRS\niptables -A THEIRS -s 10.9.9.9/32 -j DROP\n\
                 iptables -A FORWARD -j THEIRS\necho '### before'; iptables -S";
    let out = with_lab(
        "uc",
        script,
        setup,
        "echo '### run'; \"$NETSH\" run \"$L\" 2>&1 | tail -1\n\
         echo '### during'; iptables -S; ip netns exec u1 iptables -t nat -S MINE\n\
         \"$NETSH\" down --lab uc\n\
         echo '### after'; iptables -S",
    );
    let before = part(&out.stdout, "before");
    assert_eq!(
        before,
        "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N THEIRS\n\
         -A FORWARD -j THEIRS\n-A THEIRS -s 10.9.9.9/32 -j DROP\n"
    );
    assert_eq!(
        part(&out.stdout, "during"),
        "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N MINE\n-N THEIRS\n\
         -A FORWARD -j THEIRS\n\
         -A FORWARD -i lo -m comment --comment \"netsh:uc\" -j MINE\n\
         -A MINE -p tcp -m comment --comment \"netsh:uc\" -m tcp --dport 22 -j ACCEPT\n\
         -A THEIRS -s 10.9.9.9/32 -j DROP\n\
         -A THEIRS -m comment --comment \"netsh:uc\" -j RETURN\n\
         -N MINE\n"
    );
    // THEIRS was there: adopted.
    assert!(
        part(&out.stdout, "run").starts_with("lab uc: 6 created, 0 unchanged, 1 adopted in"),
        "{out}"
    );
    // Its rules, then its chain: THEIRS stays as it was.
    assert_eq!(part(&out.stdout, "after"), before);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn an_insert_goes_where_i_puts_it_and_down_removes_it() {
    let script = "iptables(\"-I INPUT -p icmp -j ACCEPT\");\n\
                  iptables(\"-I INPUT 3 -s 10.0.0.3 -j DROP\");\n\
                  iptables(\"-I INPUT -p icmp -j ACCEPT\");";
    let setup =
        "iptables -A INPUT -s 10.0.0.1/32 -j DROP\niptables -A INPUT -s 10.0.0.2/32 -j DROP";
    let out = with_lab(
        "ins",
        script,
        setup,
        "\"$NETSH\" run \"$L\" 2>&1 | tail -1\n\
         echo '### during'; iptables -S INPUT\n\
         \"$NETSH\" down --lab ins\n\
         echo '### after'; iptables -S INPUT",
    );
    assert_eq!(
        part(&out.stdout, "during"),
        "-P INPUT ACCEPT\n\
         -A INPUT -p icmp -m comment --comment \"netsh:ins\" -j ACCEPT\n\
         -A INPUT -s 10.0.0.1/32 -j DROP\n\
         -A INPUT -s 10.0.0.3/32 -m comment --comment \"netsh:ins\" -j DROP\n\
         -A INPUT -s 10.0.0.2/32 -j DROP\n"
    );
    assert_eq!(
        part(&out.stdout, "after"),
        "-P INPUT ACCEPT\n-A INPUT -s 10.0.0.1/32 -j DROP\n-A INPUT -s 10.0.0.2/32 -j DROP\n"
    );
}

/// Every table of the host and of each namespace, as iptables-save prints it (no counters).
const SAVE_ALL: &str = r###"
for ns in "" $(ip netns list | awk '{print $1}' | LC_ALL=C sort); do
  echo "## ${ns:-host}"
  if [ -z "$ns" ]; then iptables-save; else ip netns exec "$ns" iptables-save; fi \
    | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
done
"###;

#[test]
#[ignore = "needs iproute2, iptables"]
fn the_dry_runs_bash_builds_the_iptables_save_netsh_builds() {
    let by_netsh = sandbox(&format!(
        "set -e\n\"$NETSH\" run tests/chains.rhai >/dev/null 2>&1\necho '### save'\n{SAVE_ALL}"
    ));
    by_netsh.assert_success();
    let by_bash = sandbox(&format!(
        "set -e\n\"$NETSH\" run --dry-run tests/chains.rhai > /tmp/chains.$$.sh\n\
         bash /tmp/chains.$$.sh\nrm -f /tmp/chains.$$.sh\necho '### save'\n{SAVE_ALL}"
    ));
    by_bash.assert_success();
    let (netsh, bash) = (
        part(&by_netsh.stdout, "save"),
        part(&by_bash.stdout, "save"),
    );
    support::assert_lines_eq(netsh, bash);
    for form in [
        ":FORWARD DROP",
        ":INPUT DROP",
        ":MINE -\n",
        "-A INPUT -i lo -m comment --comment \"netsh:chains\" -j MINE",
        "-A MINE -p icmp -m comment --comment \"netsh:chains\" -j ACCEPT\n-A MINE -p tcp",
        ":DOCKER -\n",
        "-A DOCKER -i docker0 -m comment --comment \"netsh:chains\" -j RETURN",
    ] {
        assert!(netsh.contains(form), "no {form:?} in:\n{netsh}");
    }
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn run_v_and_show_name_each_stacks_firewall_driver() {
    let script = "iptables(\"-P FORWARD DROP\");\niptables(\"-A INPUT -j ACCEPT\");\n\
                  ns(\"d1\").iptables(\"-A INPUT -j ACCEPT\");\nns(\"d2\");";
    let out = with_lab(
        "drv",
        script,
        "",
        "\"$NETSH\" run -v \"$L\" 2>&1 | grep '^# firewall'\n\
         echo '### show'; \"$NETSH\" show | grep -E '^[^ ]|firewall'\n\
         echo '### json'; \"$NETSH\" show --json | grep '\"firewall\"'\n\
         \"$NETSH\" down --lab drv",
    );
    assert!(
        out.stdout.starts_with(
            "# firewall on host: native nf_tables\n# firewall on d1: native nf_tables\n###"
        ),
        "{out}"
    );
    assert_eq!(
        part(&out.stdout, "show"),
        "host (host)\n  firewall native nf_tables\n\
         d1 (namespace on host)\n  firewall native nf_tables\n\
         d2 (namespace on host)\n  firewall native nf_tables\n"
    );
    assert_eq!(
        part(&out.stdout, "json"),
        // ip_forward and the policies follow it.
        "      \"firewall\": \"nf_tables\",\n".repeat(3)
    );
}
