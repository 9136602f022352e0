//! The DSL reference, read back from the registrations: each DSL function carries its entry as
//! doc comments (see `named`), collected here from the engine's metadata in the order of a lab.
//! `netsh doc` and the REPL's `:help` print it; a test keeps every registration documented.

use super::doc_examples::{example, see_also, CATEGORIES};
use super::{register, Session, Shared};
use crate::lab::Journal;
use crate::plan::dry_run::dry_run;
use rhai::Engine;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// One form of a DSL function: its name, how it is called, and what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Doc {
    pub(crate) name: String,
    pub(crate) sig: String,
    pub(crate) doc: String,
}

impl Doc {
    /// Called on a receiver (`stack.ns(name)`, `link.name`) rather than as a function.
    pub(crate) fn is_method(&self) -> bool {
        self.sig
            .split(['(', ' '])
            .next()
            .unwrap_or("")
            .contains('.')
    }
}

/// Rhai keeps no registration order, so the reference takes its order from here: the order of a
/// lab (stacks, links, addresses, routes, checks, firewall). Within a name, functions come before
/// methods and the shorter form first. `get$` names a property.
#[rustfmt::skip]
const ORDER: &[&str] = &[
    // stacks, then links
    "host", "ns", "del", "bridge", "veth", "vxlan", "fdb", "link", "wire", "connect",
    // what a link does, and its properties
    "peer", "into", "master", "nomaster", "addr", "del_addr", "up", "down", "mtu",
    "get$name", "get$ns",
    // routes and sysctls
    "route", "del_route", "sysctl", "ip_forward", "read_sysctl",
    // checks, and reading the kernel
    "step", "why", "pingall", "ping", "assert_ping", "assert_no_ping", "exec", "sh", "shell", "links", "addrs", "routes",
    // parameters and addresses
    "param", "subnet_addr", "ip_of", "disjoint",
    // firewall
    "forward", "masquerade", "snat", "dnat", "nat", "iptables", "remove", "rules",
];

/// Rhai's hooks for printing and comparing: scripts never call them by name.
const HOOKS: &[&str] = &["to_string", "to_debug", "==", "!="];

/// The part of rhai's function metadata the reference reads.
#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    functions: Vec<Function>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Function {
    name: String,
    signature: String,
    #[serde(default)]
    doc_comments: Vec<String>,
}

/// What an engine's registrations say: the reference, and what keeps it from being complete.
pub(crate) struct Reading {
    pub(crate) docs: Vec<Doc>,
    /// Functions without an entry, or with one that has no place in `ORDER`.
    #[cfg_attr(not(test), allow(dead_code))] // read by the completeness test
    pub(crate) faults: Vec<String>,
}

/// The entry a function's comments carry: the first line how it is called, the rest what it does.
fn entry(f: &Function) -> Option<Doc> {
    let mut lines = f
        .doc_comments
        .iter()
        .flat_map(|c| c.lines())
        .map(|l| l.trim().trim_start_matches("///").trim())
        .filter(|l| !l.is_empty());
    let sig = lines.next()?.to_string();
    let doc = lines.collect::<Vec<_>>().join(" ");
    if doc.is_empty() {
        return None;
    }
    let name = f.name.strip_prefix("get$").unwrap_or(&f.name).to_string();
    Some(Doc { name, sig, doc })
}

/// Read the reference from the functions registered on `engine`.
pub(crate) fn read(engine: &Engine) -> Reading {
    // Rhai's JSON is the metadata API it offers without the `internals` feature.
    let json = engine
        .gen_fn_metadata_to_json(false)
        .expect("rhai's function metadata serializes");
    let meta: Metadata = serde_json::from_str(&json).expect("rhai's metadata is JSON");
    let mut faults = vec![];
    let mut keyed = vec![];
    for f in &meta.functions {
        if HOOKS.contains(&f.name.as_str()) {
            continue;
        }
        let Some(doc) = entry(f) else {
            faults.push(format!("{}: no doc comments", f.signature));
            continue;
        };
        let rank = ORDER.iter().position(|n| *n == f.name).unwrap_or_else(|| {
            faults.push(format!("{}: no place in the reference's ORDER", f.name));
            ORDER.len()
        });
        let key = (
            rank,
            doc.is_method(),
            doc.sig.chars().count(),
            doc.sig.clone(),
        );
        keyed.push((key, doc));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    // Forms that share an entry (`remove`) carry the same comments: print it once.
    keyed.dedup_by(|a, b| a.1 == b.1);
    for pair in keyed.windows(2) {
        if pair[0].1.sig == pair[1].1.sig {
            faults.push(format!("{}: two different entries", pair[0].1.sig));
        }
    }
    Reading {
        docs: keyed.into_iter().map(|(_, d)| d).collect(),
        faults,
    }
}

/// An engine with the DSL registered, for its metadata: nothing runs on it, and its session's
/// backend would only render a dry run to nowhere.
fn dsl_engine() -> Engine {
    let backend = Box::new(dry_run(Box::new(std::io::sink()), true));
    let session = Session::new(backend, Journal::in_memory("doc"), BTreeMap::new());
    let shared: Shared = Rc::new(RefCell::new(session));
    let mut engine = Engine::new_raw();
    register(&mut engine, &shared);
    engine
}

/// Every entry, in the order of a lab; read once, so `:help` and completion cost nothing after.
pub(crate) fn docs() -> &'static [Doc] {
    static DOCS: OnceLock<Vec<Doc>> = OnceLock::new();
    DOCS.get_or_init(|| read(&dsl_engine()).docs)
}

/// The entries for `name` (all its forms), or none.
pub(crate) fn lookup(name: &str) -> Vec<&'static Doc> {
    docs().iter().filter(|d| d.name == name).collect()
}

/// The forms of `entries`, aligned: a long signature puts its doc on the next line rather than
/// widening every line.
fn forms(entries: &[&Doc], out: &mut String) {
    const WIDEST: usize = 44;
    let width = entries
        .iter()
        .map(|d| d.sig.chars().count())
        .filter(|w| *w <= WIDEST)
        .max()
        .or_else(|| entries.iter().map(|d| d.sig.chars().count()).max())
        .unwrap_or(0);
    for e in entries {
        let w = e.sig.chars().count();
        if w > width {
            out.push_str(&format!("{}\n{}  {}\n", e.sig, " ".repeat(width), e.doc));
        } else {
            out.push_str(&format!("{}{}  {}\n", e.sig, " ".repeat(width - w), e.doc));
        }
    }
}

/// The reference, or one function's entry (its forms, an example, what to see next), as
/// `netsh doc` and `:help NAME` print it.
pub(crate) fn render(name: Option<&str>) -> Option<String> {
    let Some(name) = name else {
        let mut out = String::new();
        for (title, names) in CATEGORIES {
            out.push_str(&format!("── {title}\n"));
            for n in *names {
                let entries = lookup(n);
                forms(&entries, &mut out);
                if let Some(e) = example(n) {
                    out.push_str(&format!("    e.g. {e}\n"));
                }
            }
        }
        // Anything documented that no category lists is still shown.
        let rest: Vec<&Doc> = docs()
            .iter()
            .filter(|d| !CATEGORIES.iter().any(|(_, n)| n.contains(&d.name.as_str())))
            .collect();
        if !rest.is_empty() {
            out.push_str("── other\n");
            forms(&rest, &mut out);
        }
        return Some(out);
    };
    let entries = lookup(name);
    if entries.is_empty() {
        return None;
    }
    let mut out = String::new();
    forms(&entries, &mut out);
    if let Some(e) = example(name) {
        out.push_str(&format!("example: {e}\n"));
    }
    let also = see_also(name);
    if !also.is_empty() {
        out.push_str(&format!("see also: {}\n", also.join(", ")));
    }
    Some(out)
}

/// `:help` without a name: the functions by category, a line each, wrapped at `width`.
pub(crate) fn summary(width: usize) -> String {
    let mut out = String::new();
    for (title, names) in CATEGORIES {
        let mut line = format!("  {title:<10}");
        for n in *names {
            if line.chars().count() + n.len() + 1 > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(12);
            }
            line.push_str(n);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The distance between two names, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The names closest to `name`, for "did you mean": those it is part of, then those a typo or
/// two away.
pub(crate) fn near(name: &str) -> Vec<&'static str> {
    let mut names: Vec<&str> = docs().iter().map(|d| d.name.as_str()).collect();
    names.dedup();
    let mut out: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with(name) || name.starts_with(*n) || n.contains(name))
        .collect();
    let typos = names
        .iter()
        .copied()
        .filter(|n| !out.contains(n) && distance(n, name) <= 2.min(name.len() / 2))
        .collect::<Vec<_>>();
    out.extend(typos);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_prints_all_its_forms_aligned() {
        assert_eq!(
            render(Some("up")).unwrap(),
            "link.up() -> Link  bring the link up\nexample: v.up();\n\
             see also: peer, into, master, nomaster, addr, del_addr, down, mtu, name\n"
        );
        assert_eq!(
            render(Some("vxlan")).unwrap().lines().next(),
            Some(
                "vxlan(name, #{ id, remote, dev, port }) -> Link        a VXLAN device on the host"
            )
        );
        assert!(render(Some("frob")).is_none());
        assert_eq!(near("vet"), ["veth"]);
        assert_eq!(near("brige"), ["bridge"]);
        assert_eq!(near("asert_ping"), ["assert_ping"]);
    }

    #[test]
    fn the_reference_reads_in_the_order_of_a_lab() {
        let sigs = |name| {
            lookup(name)
                .iter()
                .map(|d| d.sig.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(docs()[0].sig, "host() -> Stack");
        assert_eq!(docs().last().unwrap().name, "rules");
        assert_eq!(
            sigs("ns"),
            [
                "ns(name) -> Stack",
                "stack.ns(name) -> Stack",
                "link.ns -> Stack"
            ]
        );
        assert_eq!(
            sigs("del"),
            [
                "stack.del()",
                "link.del() -> Link",
                "stack.del(#{ adopted: true })",
                "link.del(#{ adopted: true }) -> Link"
            ]
        );
        // Three registrations share one entry; the two with options another.
        assert_eq!(
            sigs("remove"),
            [
                "rule.remove() / rules.remove() / fdb.remove()",
                "rule.remove(#{ adopted: true }) / fdb.remove(#{ adopted: true })"
            ]
        );
    }

    #[test]
    fn every_function_has_a_category_and_an_example() {
        for d in docs() {
            let n = d.name.as_str();
            assert!(
                CATEGORIES.iter().any(|(_, names)| names.contains(&n)),
                "{n} is in no category of :help"
            );
            assert!(example(n).is_some(), "{n} has no example");
        }
        // :help stays short: a line a category.
        assert!(summary(100).lines().count() <= 10, "{}", summary(100));
    }

    #[test]
    fn a_registration_without_an_entry_is_a_fault() {
        let mut engine = dsl_engine();
        engine.register_fn("frob", |x: i64| x);
        rhai::FuncRegistration::new("twiddle")
            .with_comments(["/// twiddle()", "/// nothing in particular"])
            .register_into_engine(&mut engine, || 1_i64);
        let reading = read(&engine);
        assert_eq!(
            reading.faults,
            [
                "frob(_: i64) -> i64: no doc comments",
                "twiddle: no place in the reference's ORDER"
            ]
        );
        // Still listed, last, so nothing documented is lost.
        assert_eq!(reading.docs.last().unwrap().sig, "twiddle()");
    }
}
