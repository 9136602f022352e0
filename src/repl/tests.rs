//! The REPL's evaluation without root: lines run against the `Record` backend.

use super::evaluator::Evaluator;
use super::plan_mode::PlanMode;
use crate::api::{Session, Shared};
use crate::lab::Journal;
use crate::plan::record::Record;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

fn session() -> (Evaluator, Rc<RefCell<Vec<String>>>) {
    let rec = Record::default();
    let log = rec.out.clone();
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        Box::new(rec),
        Journal::in_memory("test"),
        BTreeMap::new(),
    )));
    (Evaluator::new(&shared), log)
}

#[test]
fn every_registered_function_has_a_doc_entry() {
    // The REPL's own engine: what a script can call is what the reference must cover.
    let (ev, _) = session();
    let reading = crate::api::doc::read(&ev.engine);
    assert!(reading.faults.is_empty(), "{:#?}", reading.faults);
    assert_eq!(reading.docs, crate::api::doc::docs());
}

#[test]
fn variables_and_functions_persist_across_lines() {
    let (mut ev, log) = session();
    assert_eq!(ev.eval("let a = ns(\"a\");"), Ok(None));
    assert_eq!(ev.eval("fn twice(x) {\n    x * 2\n}"), Ok(None));
    assert_eq!(ev.eval("twice(21)"), Ok(Some("42".into())));
    assert_eq!(ev.eval("a.name"), Ok(Some("\"a\"".into())));
    assert_eq!(ev.eval("a"), Ok(Some("ns(\"a\")".into())));
    assert_eq!(log.borrow()[0], "ip netns add a");
    assert_eq!(
        ev.eval("[a, 1]"),
        Ok(Some("[\n  ns(\"a\"),\n  1,\n]".into()))
    );
    assert_eq!(ev.eval("[\"x\"]"), Ok(Some("[\"x\"]".into())));
}

#[test]
fn a_failed_line_is_undone_and_not_saved() {
    let (mut ev, log) = session();
    ev.eval("let a = ns(\"a\");").unwrap();
    let d = ev.eval("let b = ns(\"b\"); bogus(1)").unwrap_err();
    assert_eq!(d.code, "netsh::unknown-function");
    assert_eq!(ev.eval("b").unwrap_err().code, "netsh::unknown-variable");
    assert!(!ev.shared.borrow().model.namespaces.contains_key("b"));
    assert!(!log.borrow().iter().any(|l| l.contains("netns add b")));
    ev.eval("ns(\"b\")").unwrap();
    assert!(log.borrow().iter().any(|l| l == "ip netns add b"));
    assert_eq!(
        ev.script(usize::MAX, false),
        "// saved by the netsh REPL\nlet a = ns(\"a\");\nns(\"b\");\n"
    );
}

#[test]
fn a_failed_line_removes_what_it_already_applied() {
    let (mut ev, log) = session();
    // links() flushes: ns b reaches the kernel before the line fails.
    ev.eval("ns(\"b\").links(); bogus()").unwrap_err();
    let log = log.borrow();
    let add = log.iter().position(|l| l == "ip netns add b");
    let del = log.iter().position(|l| l == "ip netns del b");
    assert!(add.is_some() && del > add, "{log:?}");
    assert!(ev.shared.borrow().journal.entries.is_empty());
}

#[test]
fn planned_lines_change_nothing_until_applied() {
    let (mut ev, log) = session();
    ev.eval("let a = ns(\"a\");").unwrap();
    let before = log.borrow().len();
    let plan = PlanMode::begin(&mut ev);
    ev.eval("let br = bridge(\"br0\");").unwrap();
    ev.eval("a.bridge(\"br1\")").unwrap();
    assert_eq!(log.borrow().len(), before, "{:?}", log.borrow());
    let lines = plan.end(&mut ev);
    assert_eq!(lines, ["let br = bridge(\"br0\");", "a.bridge(\"br1\")"]);
    for l in &lines {
        ev.eval(l).unwrap();
    }
    let after: Vec<String> = log.borrow()[before..].to_vec();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[0].contains("br0"), "{after:?}");
}

#[test]
fn help_is_short_and_by_category() {
    let text = super::shell::help_text();
    assert!(text.lines().count() <= 25, "{text}");
    for part in [
        "checks",
        "firewall",
        ":sh NS [CMD]",
        ":save [--asserts] FILE",
    ] {
        assert!(text.contains(part), "no {part} in {text}");
    }
}
