//! The encoder and decoder pinned, without root, against what iptables 1.8.9 wrote for each rule
//! form (testdata/forms.txt, made by testdata/forms.sh): the kernel's dump of every rule and
//! iptables-save's line for it.

use super::chains::builtin;
use super::decode::decode;
use super::encode::encode;
use super::expr::Expr;
use super::parse::parse;
use super::render::render;
use crate::firewall::rule::shell_words;

const FORMS: &str = include_str!("testdata/forms.txt");

struct Dumped {
    table: String,
    chain: String,
    /// Chains: HOOK's (hook, priority) and TYPE; rules: the expressions.
    hook: Option<(u32, i32)>,
    ty: Option<String>,
    exprs: Vec<Expr>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn quoted(line: &str) -> String {
    line.split('\'').nth(1).unwrap().to_string()
}

/// The RAW section: (chains, rules), in dump order.
fn dumped() -> (Vec<Dumped>, Vec<Dumped>) {
    let raw = FORMS.split("=== RAW\n").nth(1).unwrap();
    let (mut chains, mut rules) = (vec![], vec![]);
    let mut cur: Option<(bool, Dumped)> = None;
    let mut flush = |cur: Option<(bool, Dumped)>| match cur {
        Some((true, d)) => rules.push(d),
        Some((false, d)) => chains.push(d),
        None => {}
    };
    for line in raw.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("msg type=") {
            flush(cur.take());
            let kind = &rest[..5];
            if kind == "0xa03" || kind == "0xa06" {
                let d = Dumped {
                    table: String::new(),
                    chain: String::new(),
                    hook: None,
                    ty: None,
                    exprs: vec![],
                };
                cur = Some((kind == "0xa06", d));
            }
            continue;
        }
        let Some((_, d)) = cur.as_mut() else { continue };
        if t.starts_with("TABLE=") {
            d.table = quoted(t);
        } else if t.starts_with("NAME=") || t.starts_with("CHAIN=") {
            d.chain = quoted(t);
        } else if t.starts_with("TYPE=") {
            d.ty = Some(quoted(t));
        } else if let Some(h) = t.strip_prefix("HOOK len=16: ") {
            let b = hex(h);
            let num = u32::from_be_bytes(b[4..8].try_into().unwrap());
            let prio = i32::from_be_bytes(b[12..16].try_into().unwrap());
            d.hook = Some((num, prio));
        } else if t == "expr:" {
            d.exprs.push(Expr {
                name: String::new(),
                data: vec![],
            });
        } else if let Some(n) = t.strip_prefix("name ") {
            d.exprs.last_mut().unwrap().name = n.to_string();
        } else if t.starts_with("name[1] ") {
            let name = crate::firewall::nft::wire::cstring(&quoted(t));
            d.exprs.last_mut().unwrap().data.push((1, name));
        } else if let Some(rest) = t.strip_prefix("attr").or_else(|| t.strip_prefix("info[")) {
            let ty: u16 = rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap()]
                .parse()
                .unwrap();
            let bytes = hex(rest.split(": ").nth(1).unwrap());
            d.exprs.last_mut().unwrap().data.push((ty, bytes));
        }
    }
    flush(cur);
    (chains, rules)
}

/// iptables-save's rules: (table, chain, spec), in its order.
fn saved() -> Vec<(String, String, String)> {
    let save = FORMS.split("=== RAW\n").next().unwrap();
    let mut table = String::new();
    let mut out = vec![];
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let (chain, spec) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push((table.clone(), chain.to_string(), spec.to_string()));
        }
    }
    out
}

/// Each dumped rule with iptables-save's line for it (the n-th rule of a chain in both).
fn pairs() -> Vec<(Dumped, String)> {
    let (_, rules) = dumped();
    let saved = saved();
    let mut out = vec![];
    let mut seen: Vec<(String, String)> = vec![];
    for r in rules {
        let key = (r.table.clone(), r.chain.clone());
        let n = seen.iter().filter(|k| **k == key).count();
        seen.push(key);
        let spec = saved
            .iter()
            .filter(|(t, c, _)| *t == r.table && *c == r.chain)
            .nth(n)
            .unwrap_or_else(|| panic!("no saved rule {n} of {} {}", r.table, r.chain))
            .2
            .clone();
        out.push((r, spec));
    }
    assert_eq!(out.len(), saved.len());
    assert!(out.len() >= 40, "only {} rule forms", out.len());
    out
}

#[test]
fn every_rule_iptables_wrote_reads_back_as_iptables_save_prints_it() {
    for (r, spec) in pairs() {
        let d = decode(&r.exprs);
        assert!(d.unknown.is_empty(), "{spec}: {:?}", d.unknown);
        assert_eq!(render(&d.spec), spec, "{} {}", r.table, r.chain);
    }
}

/// Ports are the one form written differently: the x_tables tcp/udp match rather than
/// iptables 1.8.9's payload (which 1.8.7 lists without the ports). The same rule either way.
#[test]
fn every_rule_form_encodes_to_the_expressions_iptables_writes() {
    let mut exact = 0;
    for (r, spec) in pairs() {
        let model = parse(&shell_words(&spec).unwrap()).unwrap_or_else(|u| panic!("{spec}: {u:?}"));
        let ours: Vec<Expr> = encode(&model).exprs.iter().map(Expr::plain).collect();
        let native_ports = r.exprs.iter().any(|e| {
            e.name == "payload" && e.u32(2) == Some(super::expr::NFT_PAYLOAD_TRANSPORT_HEADER)
        });
        if native_ports {
            assert_eq!(decode(&ours).spec, decode(&r.exprs).spec, "{spec}");
            assert!(ours.iter().any(|e| e.name == "match"), "{spec}");
        } else {
            assert_eq!(ours, r.exprs, "{spec}");
            exact += 1;
        }
    }
    assert!(exact >= 30, "only {exact} forms byte for byte");
}

#[test]
fn built_in_chains_have_iptables_hooks_priorities_and_types() {
    let (chains, _) = dumped();
    let mut n = 0;
    for c in chains.iter().filter(|c| c.hook.is_some()) {
        let b = builtin(&c.table, &c.chain).unwrap();
        assert_eq!(Some((b.hook, b.prio)), c.hook, "{} {}", c.table, c.chain);
        assert_eq!(Some(b.ty), c.ty.as_deref(), "{} {}", c.table, c.chain);
        n += 1;
    }
    assert_eq!(n, 17, "every built-in chain is in the fixture");
}

/// The x_tables tcp match as iptables 1.8.7 wrote it for `-p tcp --dport 8080` (struct xt_tcp:
/// spts 0..65535, dpts 8080..8080, no flags), with the comment before it.
#[test]
fn a_port_is_the_xt_tcp_match() {
    let model = parse(
        &shell_words(
            "-m comment --comment x -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80",
        )
        .unwrap(),
    )
    .unwrap();
    let e = encode(&model);
    let tcp = e.exprs.iter().find(|x| x.get(1) == Some(b"tcp\0")).unwrap();
    let mut want = vec![0u8, 0, 0xff, 0xff];
    want.extend(8080u16.to_ne_bytes());
    want.extend(8080u16.to_ne_bytes());
    want.extend([0u8; 8]);
    assert_eq!(tcp.get(3), Some(want.as_slice()));
    assert_eq!((e.proto, e.proto_inverted), (6, false));
    let names: Vec<&str> = e.exprs.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        ["meta", "cmp", "match", "match", "counter", "target"]
    );
}
