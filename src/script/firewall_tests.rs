//! `iptables("-P …")`, `("-N …")` and `("-I …")` without root: the steps they record, as the
//! dry run prints them, and the diagnostics of what they refuse.

use super::diagnostic::Diag;
use crate::api::{Session, Shared};
use crate::lab::Journal;
use crate::plan::record::Record;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The script's steps, or its diagnostic.
fn record(src: &str) -> Result<Vec<String>, Diag> {
    let rec = Record::default();
    let log = rec.out.clone();
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        Box::new(rec),
        Journal::in_memory("t"),
        BTreeMap::new(),
    )));
    let r = super::run(&shared, src, None);
    let steps = log.borrow().clone();
    match r {
        Ok(()) => Ok(steps),
        Err(d) => {
            assert!(steps.is_empty(), "{steps:?}");
            Err(d)
        }
    }
}

#[test]
fn policy_chain_and_insert_record_the_commands_iptables_takes() {
    let steps = record(
        r#"iptables(host(), "-P FORWARD DROP");
iptables("-t nat -P POSTROUTING ACCEPT");
let n = ns("n1");
n.iptables("-N MINE");
n.iptables("-A FORWARD -i lo -j MINE");
n.iptables("-A MINE -p tcp --dport 22 -j ACCEPT");
n.iptables("-I MINE -j RETURN");
n.iptables("-I FORWARD 2 -o lo -j DROP");
iptables("-t nat -N DOCKER");
iptables("-t nat --insert PREROUTING -j DOCKER");
"#,
    )
    .unwrap();
    assert_eq!(
        steps,
        [
            "ip netns add n1",
            "ip -n n1 link set dev lo up",
            "iptables -P FORWARD DROP",
            "iptables -t nat -P POSTROUTING ACCEPT",
            "ip netns exec n1 iptables -N MINE",
            "ip netns exec n1 iptables -A FORWARD -m comment --comment netsh:t -i lo -j MINE",
            "ip netns exec n1 iptables -A MINE -m comment --comment netsh:t -p tcp --dport 22 -j ACCEPT",
            "ip netns exec n1 iptables -I MINE 1 -m comment --comment netsh:t -j RETURN",
            "ip netns exec n1 iptables -I FORWARD 2 -m comment --comment netsh:t -o lo -j DROP",
            "iptables -t nat -N DOCKER",
            "iptables -t nat -I PREROUTING 1 -m comment --comment netsh:t -j DOCKER",
        ]
    );
}

#[test]
fn the_same_chain_policy_or_insert_twice_is_done_once() {
    let steps = record(
        r#"iptables("-N MINE");
iptables("-N MINE");
iptables("-P INPUT DROP");
iptables("-P INPUT DROP");
iptables("-I INPUT -j MINE");
iptables("-I INPUT -j MINE");
"#,
    )
    .unwrap();
    assert_eq!(
        steps,
        [
            "iptables -N MINE",
            "iptables -P INPUT DROP",
            "iptables -I INPUT 1 -m comment --comment netsh:t -j MINE",
        ]
    );
}

/// The diagnostic's message and help, located at a call (tests/bad/ pins the rendered frame).
fn refused(src: &str) -> String {
    let d = record(src).unwrap_err();
    assert_eq!(d.code, "netsh::firewall");
    assert!(d.at.is_some(), "{d:?}");
    format!("× {}\nhelp: {}", d.message, d.help.unwrap_or_default())
}

#[test]
fn a_policy_only_on_a_built_in_chain_and_only_accept_or_drop() {
    assert_eq!(
        refused("iptables(\"-N MINE\");\niptables(\"-P MINE DROP\");"),
        "× MINE is a user chain: only a built-in chain has a policy\nhelp: the filter table's built-in chains are INPUT, FORWARD, OUTPUT; at the end of a user chain packets return to the chain that jumped there (append a last rule -j DROP to drop them instead)"
    );
    assert_eq!(
        refused("iptables(\"-t nat -P FORWARD DROP\");"),
        "× the nat table has no chain \"FORWARD\"\nhelp: its built-in chains, the ones with a policy, are PREROUTING, INPUT, OUTPUT, POSTROUTING"
    );
    assert_eq!(
        refused("iptables(\"-P FORWARD REJECT\");"),
        "× a chain's policy is ACCEPT or DROP, not \"REJECT\"\nhelp: e.g. iptables(\"-P FORWARD DROP\"); to reject, append a last rule: iptables(\"-A FORWARD -j REJECT\")"
    );
    assert_eq!(
        refused("iptables(\"-P FORWARD\");"),
        "× iptables(\"-P FORWARD\") is not a policy: -P takes a chain and ACCEPT or DROP\nhelp: e.g. iptables(\"-P FORWARD DROP\")"
    );
}

#[test]
fn a_user_chain_has_a_name_of_its_own_and_is_made_before_its_rules() {
    assert_eq!(
        refused("iptables(\"-N FORWARD\");"),
        "× FORWARD is a built-in chain of the filter table: it is there already\nhelp: pick another name for a user chain, or append to FORWARD with -A"
    );
    assert_eq!(
        refused("iptables(\"-N RETURN\");"),
        "× \"RETURN\" cannot name a chain\nhelp: a chain name has at most 28 characters, does not start with - or !, and is none of ACCEPT, DROP, QUEUE and RETURN"
    );
    assert_eq!(
        refused("iptables(\"-N MINE -j x\");"),
        "× iptables(\"-N MINE -j x\") is not a new chain: -N takes only its name\nhelp: e.g. iptables(\"-N MYCHAIN\"), then iptables(\"-A MYCHAIN ...\")"
    );
    // Made on another stack, or in another table, it is not this one's.
    assert_eq!(
        refused("ns(\"n1\").iptables(\"-N MINE\");\niptables(\"-t nat -N MINE\");\niptables(\"-A MINE -j ACCEPT\");"),
        "× the filter table has no chain \"MINE\"\nhelp: its chains are INPUT, FORWARD, OUTPUT; a user chain is made (or an existing one adopted) first with iptables(\"-N MINE\")"
    );
}

#[test]
fn an_insert_counts_from_one() {
    assert_eq!(
        refused("iptables(\"-I FORWARD 0 -j ACCEPT\");"),
        "× -I FORWARD 0: rules are numbered from 1\nhelp: insert at 1 (the first rule), e.g. iptables(\"-I FORWARD 1 ...\")"
    );
    assert_eq!(
        refused("iptables(\"-F FORWARD\");"),
        "× iptables(\"-F FORWARD\") neither adds (-A, -I), deletes (-D) a rule, sets a policy (-P) nor makes a chain (-N)\nhelp: netsh adds rules with -A or -I and removes them with -D or .remove(); read the tables with rules() or exec(\"iptables -S\")"
    );
}
