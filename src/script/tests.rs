//! The DSL without root: scripts run against the `Record` backend, which stores the steps that
//! would reach the kernel.

use super::diagnostic::Diag;
use crate::api::{Session, Shared};
use crate::lab::Journal;
use crate::plan::record::Record;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

fn record_with(src: &str, params: &[(&str, &str)]) -> (Result<(), Diag>, Vec<String>) {
    let rec = Record::default();
    let log = rec.out.clone();
    let params: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        Box::new(rec),
        Journal::in_memory("test"),
        params,
    )));
    let r = super::run(&shared, src, None);
    let steps = log.borrow().clone();
    (r, steps)
}

fn record(src: &str) -> Vec<String> {
    let (r, steps) = record_with(src, &[]);
    if let Err(d) = r {
        panic!("{}", d.render("test.rhai", Some(src)));
    }
    steps
}

#[test]
fn veth_into_a_namespace_is_created_in_place_with_master_and_up() {
    let steps = record(
        r#"
        let n = ns("ns1");
        let br = bridge("bridge0").addr("10.1.1.1/24").up();
        let v = veth("veth1", "vethb1");
        v.peer().master(br).up();
        v.into(n).addr("10.1.1.2/24").up();
        n.route("default", "10.1.1.1");
        "#,
    );
    assert_eq!(
        steps,
        [
            "ip netns add ns1",
            "ip -n ns1 link set dev lo up",
            "ip link add name bridge0 address 02:a3:ad:4b:de:cf up type bridge",
            "ip addr add 10.1.1.1/24 dev bridge0",
            "ip link add name vethb1 master bridge0 up type veth peer name veth1 netns ns1",
            "ip -n ns1 addr add 10.1.1.2/24 dev veth1",
            "ip -n ns1 link set dev veth1 up",
            "ip -n ns1 route add default via 10.1.1.1",
        ]
    );
}

#[test]
fn constructors_return_the_same_object_when_called_again() {
    let steps = record(
        r#"
        let a = veth("v1", "v2");
        let b = veth("v1", "v2");
        if a != b { throw "not the same link"; }
        bridge("br0"); bridge("br0");
        ns("ns1"); ns("ns1");
        "#,
    );
    assert_eq!(
        steps,
        [
            "ip netns add ns1",
            "ip -n ns1 link set dev lo up",
            "ip link add name v1 type veth peer name v2",
            "ip link add name br0 address 02:1a:68:e2:0b:84 type bridge",
        ]
    );
}

#[test]
fn a_check_flushes_the_plan_before_it_reads() {
    let steps = record(
        r#"
        let n = ns("ns1");
        assert_ping(n, "127.0.0.1");
        bridge("br0");
        "#,
    );
    assert_eq!(
        steps,
        [
            "ip netns add ns1",
            "ip -n ns1 link set dev lo up",
            "ping 127.0.0.1 from ns1 (Expect)",
            "ip link add name br0 address 02:1a:68:e2:0b:84 type bridge",
        ]
    );
}

#[test]
fn parameters_take_the_type_of_their_default() {
    let src = r#"
        let n = param("n", 10);
        for i in 1..=n { ns(`ns${i}`); }
        let s = param("subnet", "10.1.1.0/24");
        bridge("br0").addr(subnet_addr(s, 1));
    "#;
    let (r, steps) = record_with(src, &[("n", "2"), ("subnet", "10.9.0.0/24")]);
    assert!(r.is_ok());
    assert_eq!(
        steps,
        [
            "ip netns add ns1",
            "ip -n ns1 link set dev lo up",
            "ip netns add ns2",
            "ip -n ns2 link set dev lo up",
            "ip link add name br0 address 02:1a:68:e2:0b:84 type bridge",
            "ip addr add 10.9.0.1/24 dev br0",
        ]
    );
}

#[test]
fn a_mistake_renders_at_its_call_and_nothing_is_recorded() {
    let src = "let br = bridge(\"br0\");\nbr.addr(\"10.1.1.2\");\n";
    let (r, steps) = record_with(src, &[]);
    assert!(steps.is_empty());
    assert_eq!(
        r.unwrap_err().render("lab.rhai", Some(src)),
        "netsh::address

  × address \"10.1.1.2\" has no prefix length (for br0 on host)
   ╭─[lab.rhai:2:4]
 1 │ let br = bridge(\"br0\");
 2 │ br.addr(\"10.1.1.2\");
   ·    ────────┬───────
   ·            ╰── here
   ╰────
  help: write it with its prefix, e.g. \"10.1.1.2/24\"
"
    );
}

#[test]
fn print_goes_through_the_backend() {
    let steps = record("print(\"hello\");");
    assert_eq!(steps, ["print hello"]);
}

#[test]
fn a_step_applies_what_came_before_it_and_marks_its_place() {
    let steps = record("ns(\"a\");\nstep(\"B. The LAN\");\nns(\"b\");\n");
    assert_eq!(
        steps,
        [
            "ip netns add a",
            "ip -n a link set dev lo up",
            "step B. The LAN",
            "ip netns add b",
            "ip -n b link set dev lo up",
        ]
    );
}
