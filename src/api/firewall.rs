//! The firewall verbs: `forward`, `masquerade`, `snat`, `dnat`, `nat(br)` and `iptables("...")`
//! (its command line: iptables.rs), on the host or as methods of a stack. Each returns a rule
//! handle with `.remove()`; every rule carries `-m comment --comment netsh:<lab>`. `rules()`
//! lists the lab's rules.

use super::addr::{parse_cidr, parse_ip};
use super::adopted::adopted;
use super::error::{at, fail, DslError, R};
use super::link::Link;
use super::model::ModelKind;
use super::named::Named;
use super::names::check_ifname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::firewall::Rule;
use crate::plan::OpKind;
use crate::sys::{At, Netns};
use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};

/// A rule the script added, on the stack it was added to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FwRule {
    pub(crate) ns: Netns,
    pub(crate) rule: Rule,
}

pub(super) const CODE: &str = "netsh::firewall";

pub(super) fn bad(message: impl Into<String>, help: impl Into<String>) -> DslError {
    DslError::new(CODE, message, help)
}

pub(super) const TABLES: [(&str, &[&str]); 5] = [
    ("filter", &["INPUT", "FORWARD", "OUTPUT"]),
    ("nat", &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]),
    (
        "mangle",
        &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    ),
    ("raw", &["PREROUTING", "OUTPUT"]),
    ("security", &["INPUT", "FORWARD", "OUTPUT"]),
];

/// Options of a verb, read and checked one by one; unknown keys are mistakes.
struct Opts<'a> {
    verb: &'a str,
    map: Map,
    allowed: &'a [&'a str],
}

impl<'a> Opts<'a> {
    fn new(verb: &'a str, map: Map, allowed: &'a [&'a str]) -> Result<Self, DslError> {
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad(
                format!("{verb} has no option \"{k}\""),
                format!("its options are {}", allowed.join(", ")),
            ));
        }
        Ok(Opts { verb, map, allowed })
    }

    fn string(&self, key: &str, s: &Session) -> Result<Option<String>, DslError> {
        debug_assert!(self.allowed.contains(&key));
        match self.map.get(key) {
            None => Ok(None),
            Some(v) if v.is_string() => Ok(Some(v.clone().into_string().unwrap())),
            Some(v) if v.is::<Link>() => {
                let l = v.clone().cast::<Link>();
                Ok(Some(s.model.links[l.id].name.clone()))
            }
            Some(v) => {
                let example = match key {
                    "proto" => "\"tcp\"",
                    "src" | "dst" => "\"10.1.1.0/24\"",
                    "state" => "\"RELATED,ESTABLISHED\"",
                    "to" => "\"172.31.131.149\"",
                    "action" => "\"ACCEPT\"",
                    _ => "\"bridge0\"",
                };
                let t = match v.type_name() {
                    "i64" => "an integer",
                    "f64" => "a number",
                    "bool" => "a bool",
                    other => other,
                };
                Err(bad(
                    format!("{} option {key} must be a string, not {t}", self.verb),
                    format!("write it in quotes, e.g. {key}: {example}"),
                ))
            }
        }
    }

    fn port(&self, key: &str) -> Result<Option<u16>, DslError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => match v.as_int() {
                Ok(p) if (1..=65535).contains(&p) => Ok(Some(p as u16)),
                Ok(p) => Err(bad(
                    format!("port {p} is out of range (1-65535)"),
                    format!("give {key} a port from 1 to 65535, e.g. {key}: 8080"),
                )),
                Err(t) => Err(bad(
                    format!("{} option {key} must be an integer, not {t}", self.verb),
                    format!("e.g. {key}: 8080"),
                )),
            },
        }
    }
}

/// `-i bridge0`, or `! -i bridge0` for "!bridge0", the value checked by `check`.
fn negatable(
    flag: &str,
    v: &str,
    check: impl Fn(&str) -> Result<(), DslError>,
) -> Result<Vec<String>, DslError> {
    let (neg, value) = match v.strip_prefix('!') {
        Some(n) => (true, n),
        None => (false, v),
    };
    check(value)?;
    let mut out = vec![];
    if neg {
        out.push("!".to_string());
    }
    out.push(flag.to_string());
    out.push(value.to_string());
    Ok(out)
}

fn iface(flag: &str, v: &str) -> Result<Vec<String>, DslError> {
    negatable(flag, v, |name| check_ifname(name, "interface"))
}

fn addr_arg(flag: &str, v: &str) -> Result<Vec<String>, DslError> {
    negatable(flag, v, |a| {
        if a.contains('/') {
            parse_cidr(a).map(|_| ())
        } else {
            parse_ip(a, "address").map(|_| ())
        }
    })
}

fn proto(p: &str) -> Result<String, DslError> {
    match p {
        "tcp" | "udp" | "icmp" | "sctp" | "all" => Ok(p.to_string()),
        _ => Err(bad(
            format!("unknown protocol \"{p}\""),
            "use tcp, udp, sctp, icmp or all",
        )),
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// The common matches, in the order iptables users write them: -p, -s, -d, -i, -o, --dport.
fn matches(o: &Opts, s: &Session, port_needs_proto: bool) -> Result<Vec<String>, DslError> {
    let mut a = vec![];
    let p = o.string("proto", s)?;
    if let Some(p) = &p {
        a.push("-p".to_string());
        a.push(proto(p)?);
    }
    for (key, flag) in [("src", "-s"), ("dst", "-d")] {
        if o.allowed.contains(&key) {
            if let Some(v) = o.string(key, s)? {
                a.extend(addr_arg(flag, &v)?);
            }
        }
    }
    for (key, flag) in [("in", "-i"), ("out", "-o")] {
        if o.allowed.contains(&key) {
            if let Some(v) = o.string(key, s)? {
                a.extend(iface(flag, &v)?);
            }
        }
    }
    if o.allowed.contains(&"dport") {
        if let Some(port) = o.port("dport")? {
            match p.as_deref() {
                Some("tcp" | "udp" | "sctp") => {}
                _ if port_needs_proto => {
                    return Err(bad(
                        "a port needs a protocol",
                        "add proto: \"tcp\" (or udp, sctp)",
                    ))
                }
                _ => {}
            }
            a.push("--dport".to_string());
            a.push(port.to_string());
        }
    }
    Ok(a)
}

impl Session {
    /// Appends `args` to `chain` of `table`.
    fn add_rule(
        &mut self,
        st: &Stack,
        table: &str,
        chain: &str,
        args: Vec<String>,
        at: At,
    ) -> Result<FwRule, DslError> {
        let rule = Rule {
            table: table.into(),
            chain: chain.into(),
            args,
        };
        self.put_rule(st, rule, None, at)
    }

    /// Appended, or inserted at `insert` (from 1).
    pub(super) fn put_rule(
        &mut self,
        st: &Stack,
        rule: Rule,
        insert: Option<usize>,
        at: At,
    ) -> Result<FwRule, DslError> {
        self.alive(st)?;
        let rule = rule.tagged(&self.journal.lab);
        self.push(
            OpKind::RuleAdd {
                ns: st.ns.clone(),
                rule: rule.clone(),
                insert,
            },
            at,
        );
        Ok(FwRule {
            ns: st.ns.clone(),
            rule,
        })
    }

    pub(crate) fn forward(&mut self, st: &Stack, m: Map, at: At) -> Result<FwRule, DslError> {
        let o = Opts::new(
            "forward",
            m,
            &[
                "in", "out", "src", "dst", "proto", "dport", "state", "action",
            ],
        )?;
        let mut a = matches(&o, self, true)?;
        if let Some(state) = o.string("state", self)? {
            for s in state.split(',') {
                if !["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"].contains(&s) {
                    return Err(bad(
                        format!("unknown conntrack state \"{s}\""),
                        "the states are NEW, ESTABLISHED, RELATED, INVALID and UNTRACKED, e.g. state: \"RELATED,ESTABLISHED\"",
                    ));
                }
            }
            a.extend(words("-m conntrack --ctstate"));
            a.push(state);
        }
        let action = o.string("action", self)?.unwrap_or_else(|| "ACCEPT".into());
        if !["ACCEPT", "DROP", "REJECT", "RETURN"].contains(&action.as_str()) {
            return Err(bad(
                format!("unknown action \"{action}\""),
                "forward's actions are ACCEPT, DROP, REJECT and RETURN",
            ));
        }
        a.push("-j".into());
        a.push(action);
        self.add_rule(st, "filter", "FORWARD", a, at)
    }

    pub(crate) fn masquerade(&mut self, st: &Stack, m: Map, at: At) -> Result<FwRule, DslError> {
        let o = Opts::new("masquerade", m, &["src", "dst", "out", "proto"])?;
        let mut a = matches(&o, self, true)?;
        a.extend(words("-j MASQUERADE"));
        self.add_rule(st, "nat", "POSTROUTING", a, at)
    }

    pub(crate) fn snat(&mut self, st: &Stack, m: Map, at: At) -> Result<FwRule, DslError> {
        let o = Opts::new("snat", m, &["src", "dst", "out", "proto", "to"])?;
        let mut a = matches(&o, self, true)?;
        let Some(to) = o.string("to", self)? else {
            return Err(bad(
                "snat needs to: the source address to write",
                "e.g. snat(#{ src: \"10.1.1.0/24\", out: \"!bridge0\", to: \"172.31.131.149\" })",
            ));
        };
        parse_ip(&to, "snat address")?;
        a.extend(words("-j SNAT --to-source"));
        a.push(to);
        self.add_rule(st, "nat", "POSTROUTING", a, at)
    }

    pub(crate) fn dnat(&mut self, st: &Stack, m: Map, at: At) -> Result<FwRule, DslError> {
        let mut m = m;
        if !m.contains_key("proto") {
            m.insert("proto".into(), "tcp".into());
        }
        let o = Opts::new("dnat", m, &["proto", "dport", "in", "dst", "to"])?;
        if o.port("dport")?.is_none() {
            return Err(bad(
                "dnat needs dport: the port to map",
                "e.g. dnat(#{ proto: \"tcp\", dport: 8080, to: \"10.1.1.2:80\" })",
            ));
        }
        let mut a = matches(&o, self, true)?;
        let Some(to) = o.string("to", self)? else {
            return Err(bad(
                "dnat needs to: the address (and port) to send to",
                "e.g. to: \"10.1.1.2:80\"",
            ));
        };
        let (ip, port) = match to.rsplit_once(':') {
            Some((ip, port)) if !ip.contains(':') => (ip.to_string(), Some(port.to_string())),
            _ => (to.clone(), None),
        };
        parse_ip(&ip, "dnat address")?;
        if let Some(p) = port {
            match p.parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => {}
                _ => {
                    return Err(bad(
                        format!("port {p} in \"{to}\" is out of range (1-65535)"),
                        format!("e.g. to: \"{ip}:80\""),
                    ))
                }
            }
        }
        a.extend(words("-j DNAT --to-destination"));
        a.push(to);
        self.add_rule(st, "nat", "PREROUTING", a, at)
    }

    /// `nat(br)`: what Docker sets up for a bridge network — ip_forward, forwarding out of the
    /// bridge, replies back in, and MASQUERADE of the bridge's subnet leaving by another link.
    pub(crate) fn nat(&mut self, st: &Stack, br: &Link, at: At) -> Result<Array, DslError> {
        let b = self.model.links[br.id].clone();
        if b.kind == ModelKind::Veth {
            return Err(bad(
                format!("{} is a veth, not a bridge", b.name),
                "nat(br) takes the bridge whose subnet goes out, e.g. nat(bridge(\"bridge0\"))",
            ));
        }
        let Some(net) = b.addrs.first() else {
            return Err(bad(
                format!(
                    "the bridge {} has no address, so its subnet is unknown",
                    b.name
                ),
                format!(
                    "give it one first: bridge(\"{}\").addr(\"10.1.1.1/24\")",
                    b.name
                ),
            ));
        };
        let subnet = net.trunc().to_string();
        let not_br = format!("!{}", b.name);
        let mk = |pairs: &[(&str, &str)]| -> Map {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), Dynamic::from(v.to_string())))
                .collect()
        };
        self.sysctl(st, "net.ipv4.ip_forward", &Dynamic::from(true), at)?;
        let r1 = self.forward(st, mk(&[("in", &b.name), ("out", &not_br)]), at)?;
        let r2 = self.forward(
            st,
            mk(&[("out", &b.name), ("state", "RELATED,ESTABLISHED")]),
            at,
        )?;
        let r3 = self.masquerade(st, mk(&[("src", &subnet), ("out", &not_br)]), at)?;
        Ok(vec![
            Dynamic::from(r1),
            Dynamic::from(r2),
            Dynamic::from(r3),
        ])
    }

    /// `adopted`: the script said it may delete someone else's identical rule.
    pub(crate) fn remove_rule(&mut self, r: &FwRule, at: At, adopted: bool) {
        let del = OpKind::RuleDel {
            ns: r.ns.clone(),
            rule: r.rule.clone(),
        };
        self.push_del(del, at, adopted);
    }

    /// The lab's rules, live, on the host and every namespace the script made.
    pub(crate) fn lab_rules(&mut self) -> Result<Array, DslError> {
        self.flush()?;
        let tag = crate::firewall::rule::tag(&self.journal.lab);
        let mut stacks = vec![Netns::Root];
        stacks.extend(
            self.model
                .namespaces
                .keys()
                .map(|n| Netns::Named(n.clone())),
        );
        let mut out = Array::new();
        for ns in stacks {
            let listed = self.backend.rules(&ns).map_err(|f| DslError {
                code: "netsh::firewall",
                message: format!("cannot list the rules of {ns}: {}", f.message),
                help: f.help,
                at: None,
            })?;
            for l in listed {
                if !l
                    .spec
                    .split_whitespace()
                    .any(|w| w.trim_matches('"') == tag)
                {
                    continue;
                }
                let mut m = Map::new();
                // The machine: this host, or the simulated host a namespace belongs to.
                let host = match &ns {
                    Netns::Named(n) if self.model.is_host(&ns) => n.clone(),
                    Netns::Named(_) => ns.machine().unwrap_or("host").to_string(),
                    Netns::Root | Netns::Adopted(_) => "host".to_string(),
                };
                m.insert("host".into(), host.into());
                m.insert("ns".into(), ns.to_string().into());
                m.insert("table".into(), l.table.into());
                m.insert("chain".into(), l.chain.into());
                m.insert("spec".into(), l.spec.into());
                out.push(m.into());
            }
        }
        Ok(out)
    }
}

/// `remove` on a rule, on a list of rules and on an fdb entry share one entry.
pub(crate) const REMOVE_DOC: [&str; 2] = [
    "/// rule.remove() / rules.remove() / fdb.remove()",
    "/// delete a firewall rule (or several), or an fdb entry",
];

/// The entry of `remove` with options, shared by rules and fdb entries.
pub(crate) const REMOVE_ADOPTED_DOC: [&str; 2] = [
    "/// rule.remove(#{ adopted: true }) / fdb.remove(#{ adopted: true })",
    "/// delete it even though the lab did not add it (someone else's identical rule or entry)",
];

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    engine.register_type_with_name::<FwRule>("Rule");
    engine.register_fn("to_string", |r: &mut FwRule| {
        format!(
            "-t {} -A {} {} (on {})",
            r.rule.table,
            r.rule.chain,
            r.rule.spec(),
            r.ns
        )
    });
    let host = || Stack { ns: Netns::Root };
    type Verb = fn(&mut Session, &Stack, Map, At) -> Result<FwRule, DslError>;
    // Each with its entry on a stack, then on the host.
    let verbs: [(&str, Verb, [&str; 2], [&str; 2]); 4] = [
        (
            "forward",
            Session::forward,
            [
                "/// stack.forward(#{ ... }) -> Rule",
                "/// a FORWARD ACCEPT rule in a namespace or host",
            ],
            [
                "/// forward(#{ in, out, src, dst, proto, dport, state, action }) -> Rule",
                "/// a FORWARD ACCEPT rule on the host (quote \"in\")",
            ],
        ),
        (
            "masquerade",
            Session::masquerade,
            [
                "/// stack.masquerade(#{ src, out }) -> Rule",
                "/// a MASQUERADE rule in a namespace or host",
            ],
            [
                "/// masquerade(#{ src, out }) -> Rule",
                "/// a nat POSTROUTING MASQUERADE rule on the host",
            ],
        ),
        (
            "snat",
            Session::snat,
            [
                "/// stack.snat(#{ src, out, to }) -> Rule",
                "/// an SNAT rule in a namespace or host",
            ],
            [
                "/// snat(#{ src, out, to }) -> Rule",
                "/// a nat POSTROUTING SNAT rule on the host",
            ],
        ),
        (
            "dnat",
            Session::dnat,
            [
                "/// stack.dnat(#{ proto, dport, to }) -> Rule",
                "/// a port mapping in a namespace or host",
            ],
            [
                "/// dnat(#{ proto, dport, to }) -> Rule",
                "/// a port mapping: nat PREROUTING DNAT on the host",
            ],
        ),
    ];
    for (name, f, on_stack, on_host) in verbs {
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_stack)
            .register_named(
                engine,
                ["stack", "opts"],
                move |ctx: NativeCallContext, st: &mut Stack, m: Map| -> R<FwRule> {
                    let r = f(&mut s.borrow_mut(), st, m, at(&ctx));
                    r.or_else(|e| fail(&ctx, e))
                },
            );
        let s = shared.clone();
        FuncRegistration::new(name)
            .with_comments(on_host)
            .register_named(
                engine,
                ["opts"],
                move |ctx: NativeCallContext, m: Map| -> R<FwRule> {
                    let r = f(&mut s.borrow_mut(), &host(), m, at(&ctx));
                    r.or_else(|e| fail(&ctx, e))
                },
            );
    }
    register_nat(engine, shared);
    register_removal(engine, shared);
}

/// `nat(bridge)` and `iptables(rule)`, on a stack and on the host.
fn register_nat(engine: &mut Engine, shared: &Shared) {
    let host = || Stack { ns: Netns::Root };
    let s = shared.clone();
    FuncRegistration::new("nat")
        .with_comments([
            "/// stack.nat(bridge) -> array",
            "/// Docker's bridge rules on a simulated host",
        ])
        .register_named(
            engine,
            ["stack", "bridge"],
            move |ctx: NativeCallContext, st: &mut Stack, br: Link| -> R<Array> {
                let r = s.borrow_mut().nat(st, &br, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("nat")
        .with_comments([
            "/// nat(bridge) -> array",
            "/// Docker's bridge rules for the bridge's subnet: forwarding and MASQUERADE",
        ])
        .register_named(
            engine,
            ["bridge"],
            move |ctx: NativeCallContext, br: Link| -> R<Array> {
                // The bridge's own stack: nat(h150.bridge(..)) sets up NAT on h150.
                let st = Stack {
                    ns: s.borrow().model.links[br.id].ns.clone(),
                };
                let r = s.borrow_mut().nat(&st, &br, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("iptables")
        .with_comments([
            "/// stack.iptables(rule) -> Rule",
            "/// any iptables rule in a namespace or host; also -I, -P and -N",
        ])
        .register_named(
            engine,
            ["stack", "rule"],
            move |ctx: NativeCallContext, st: &mut Stack, line: &str| -> R<Dynamic> {
                let r = s.borrow_mut().iptables(st, line, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    let s = shared.clone();
    FuncRegistration::new("iptables")
        .with_comments([
            "/// iptables(rule) -> Rule",
            "/// any iptables rule on the host, e.g. \"-t nat -A PREROUTING ...\"; also -I, -P, -N",
        ])
        .register_named(
            engine,
            ["rule"],
            move |ctx: NativeCallContext, line: &str| -> R<Dynamic> {
                let r = s.borrow_mut().iptables(&host(), line, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}

/// Taking rules back, and listing the lab's.
fn register_removal(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("remove")
        .with_comments(REMOVE_DOC)
        .register_named(
            engine,
            ["rule"],
            move |ctx: NativeCallContext, r: &mut FwRule| {
                s.borrow_mut().remove_rule(r, at(&ctx), false);
            },
        );
    let s = shared.clone();
    FuncRegistration::new("remove")
        .with_comments(REMOVE_ADOPTED_DOC)
        .register_named(
            engine,
            ["rule", "opts"],
            move |ctx: NativeCallContext, r: &mut FwRule, m: Map| -> R<()> {
                let adopted = adopted("remove", &m).or_else(|e| fail(&ctx, e))?;
                s.borrow_mut().remove_rule(r, at(&ctx), adopted);
                Ok(())
            },
        );
    let s = shared.clone();
    FuncRegistration::new("remove")
        .with_comments(REMOVE_DOC)
        .register_named(
            engine,
            ["rules"],
            move |ctx: NativeCallContext, rs: &mut Array| {
                for r in rs.iter() {
                    if let Some(r) = r.clone().try_cast::<FwRule>() {
                        s.borrow_mut().remove_rule(&r, at(&ctx), false);
                    }
                }
            },
        );
    let s = shared.clone();
    FuncRegistration::new("rules")
        .with_comments([
            "/// rules() -> array",
            "/// the lab's firewall rules: #{ host, table, chain, spec }",
        ])
        .register_named(engine, [], move |ctx: NativeCallContext| -> R<Array> {
            let r = s.borrow_mut().lab_rules();
            r.or_else(|e| fail(&ctx, e))
        });
}
