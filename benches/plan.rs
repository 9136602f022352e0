//! The plan and flush path without the kernel: star-N planned, coalesced, judged and rendered
//! through the dry-run backend (what `netsh run --dry-run` does), and coalescing alone.
//!   cargo bench --bench plan

use netsh::api::{Session, Shared};
use netsh::lab::Journal;
use netsh::plan::coalesce::coalesce;
use netsh::plan::{LinkSpec, Op, OpKind};
use netsh::sys::{At, Netns};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

fn main() {
    divan::main();
}

const STAR: &str = include_str!("star.rhai");

#[divan::bench(args = [10, 200, 1000])]
fn star_script_through_dry_run(n: usize) {
    let params = BTreeMap::from([("n".to_string(), n.to_string())]);
    let backend = Box::new(netsh::plan::dry_run::dry_run(
        Box::new(std::io::sink()),
        true,
    ));
    let shared: Shared = Rc::new(RefCell::new(Session::new(
        backend,
        Journal::in_memory("star"),
        params,
    )));
    netsh::script::run(&shared, STAR, None).expect("star plans");
}

/// The ops star-N records, before coalescing.
fn star_ops(n: usize) -> Vec<Op> {
    let at = At::default();
    let op = |kind| Op::new(kind, at);
    let mut ops = vec![op(OpKind::LinkAdd {
        ns: Netns::Root,
        name: "br0".into(),
        kind: LinkSpec::Bridge,
        master: None,
        up: true,
        mtu: None,
    })];
    for i in 1..=n {
        let ns = Netns::Named(format!("ns{i}"));
        ops.push(op(OpKind::NetnsAdd {
            name: format!("ns{i}"),
        }));
        ops.push(op(OpKind::LinkAdd {
            ns: Netns::Root,
            name: format!("veth{i}"),
            kind: LinkSpec::Veth {
                peer: format!("ceth{i}"),
                peer_ns: Netns::Root,
            },
            master: None,
            up: false,
            mtu: None,
        }));
        ops.push(op(OpKind::LinkSetMaster {
            ns: Netns::Root,
            name: format!("veth{i}"),
            master: Some("br0".into()),
        }));
        ops.push(op(OpKind::LinkSetUp {
            ns: Netns::Root,
            name: format!("veth{i}"),
            up: true,
        }));
        ops.push(op(OpKind::LinkSetNs {
            ns: Netns::Root,
            name: format!("ceth{i}"),
            to: ns.clone(),
        }));
        ops.push(op(OpKind::LinkSetUp {
            ns,
            name: format!("ceth{i}"),
            up: true,
        }));
    }
    ops
}

#[divan::bench(args = [200, 1000, 5000])]
fn coalesce_star(bencher: divan::Bencher, n: usize) {
    bencher.with_inputs(|| star_ops(n)).bench_values(coalesce);
}
