//! A foreign table's rules followed as nf_tables runs them for one new flow's packet: `jump`,
//! `goto` and `return` through its chains, `lookup` in its sets and verdict maps, the packet's
//! mark set and tested, `ct state` (new for a request, established for a reply), and the NAT
//! a rule asks for (`dnat to`, `snat to`, `masquerade`). A rule whose matches are not all
//! understood is "may match": never taken, but it makes the outcome unsure.

use super::expr::{verdict_of, Expr, NFT_GOTO, NFT_JUMP, NFT_RETURN, NF_ACCEPT, NF_DROP};
use super::foreign::ForeignChain;
use super::foreign_judge::{bitwise, compare, load, store, Frame, Hit, Regs};
use super::foreign_sets::{Data, Elem, Set, Table};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One rule crossed: its chain and handle, and the map element it went by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) chain: String,
    pub(crate) handle: u64,
    /// (map, key, ` : goto chain`) as nft writes them.
    pub(crate) element: Option<(String, String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NatKind {
    Dnat,
    Snat,
    Masquerade,
    Redirect,
}

/// The translation a rule asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Nat {
    pub(crate) kind: NatKind,
    pub(crate) addr: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) by: Step,
}

/// What the base chains at one hook do to the packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Dropped or rejected: the base chain, and the rules from it to the one that drops
    /// (empty: its policy).
    pub(crate) dropped: Option<(ForeignChain, Vec<Step>)>,
    pub(crate) nat: Option<(ForeignChain, Nat, Vec<Step>)>,
    /// The mark as the hook leaves it (`None`: not known), and the rule that last set it.
    pub(crate) mark: Option<u32>,
    pub(crate) mark_by: Option<Step>,
    /// Rules that may have acted (matches not understood): the outcome is not sure.
    pub(crate) maybe: Vec<(ForeignChain, Step)>,
    /// A `return` that passed over a NAT rule of its chain: (the return, its test in words
    /// and the mark bits it tests, the NAT rule).
    pub(crate) passed_nat: Option<(Step, (String, Option<u32>), Step)>,
    /// Filter chains that accepted the packet by a rule: the chain and the rules from it to
    /// the one that accepts (the walk names them, as iptables' accepting rule is named).
    pub(crate) accepted: Vec<(ForeignChain, Vec<Step>)>,
}

enum Fate {
    Accept,
    Drop,
    Return,
}

struct Run<'a> {
    t: &'a Table,
    f: &'a Frame,
    /// The `ct state` bits the packet has (NEW 8, ESTABLISHED 2, INVALID 1).
    ct: u32,
    out: Outcome,
    path: Vec<Step>,
    maybe: Vec<Step>,
    nat: Option<Nat>,
}

/// The base chains of one hook (`chains`, in priority order) run on `f` with the mark the
/// packet brings (`mark`); `new` for a connection's first packet.
pub(crate) fn at_hook(chains: &[ForeignChain], f: &Frame, mark: Option<u32>, new: bool) -> Outcome {
    at_hook_ct(chains, f, mark, if new { CT_NEW } else { CT_ESTABLISHED })
}

pub(crate) const CT_INVALID: u32 = 1;
pub(crate) const CT_ESTABLISHED: u32 = 2;
pub(crate) const CT_NEW: u32 = 8;

/// `at_hook` for a packet whose `ct state` is `ct` (a reply a router never saw the request
/// of is INVALID there).
pub(crate) fn at_hook_ct(
    chains: &[ForeignChain],
    f: &Frame,
    mark: Option<u32>,
    ct: u32,
) -> Outcome {
    let new = ct == CT_NEW;
    let mut out = Outcome {
        mark,
        ..Outcome::default()
    };
    for c in chains {
        // NAT is set up once per connection: on its first packet, by the first nat chain
        // that translates it.
        if c.kind == "nat" && (!new || out.nat.is_some()) {
            continue;
        }
        let mut r = Run {
            t: &c.table_of,
            f,
            ct,
            out: std::mem::take(&mut out),
            path: vec![],
            maybe: vec![],
            nat: None,
        };
        let fate = r.rules(&c.name, &c.listed, 0);
        out = r.out;
        out.maybe
            .extend(r.maybe.into_iter().map(|s| (c.clone(), s)));
        if let Some(n) = r.nat {
            out.nat = Some((c.clone(), n, r.path.clone()));
        }
        match fate {
            Fate::Drop => {
                out.dropped = Some((c.clone(), r.path));
                return out;
            }
            Fate::Accept if c.kind == "filter" && !r.path.is_empty() => {
                out.accepted.push((c.clone(), r.path));
            }
            Fate::Return if c.drops => {
                out.dropped = Some((c.clone(), vec![]));
                return out;
            }
            _ => {}
        }
    }
    out
}

/// What one rule comes to.
enum Ruled {
    /// Its matches do not hold (or may not: then it is in `maybe`).
    Skip,
    /// It matched and ends with no verdict: the next rule.
    Next,
    Verdict(u32, Option<String>, Option<(String, String, String)>),
}

const DEPTH: usize = 16;

impl Run<'_> {
    fn rules(&mut self, chain: &str, rules: &[(u64, Vec<Expr>)], depth: usize) -> Fate {
        for (i, (h, exprs)) in rules.iter().enumerate() {
            let step = Step {
                chain: chain.to_string(),
                handle: *h,
                element: None,
            };
            let (code, to, element) = match self.rule(exprs, &step) {
                Ruled::Skip | Ruled::Next => continue,
                Ruled::Verdict(c, to, e) => (c, to, e),
            };
            let step = Step { element, ..step };
            match code {
                NF_ACCEPT | NF_DROP => {
                    self.path.push(step);
                    return if code == NF_ACCEPT {
                        Fate::Accept
                    } else {
                        Fate::Drop
                    };
                }
                NFT_RETURN => {
                    self.returned(&step, exprs, &rules[i + 1..]);
                    return Fate::Return;
                }
                NFT_JUMP | NFT_GOTO => {
                    let target = to.unwrap_or_default();
                    let Some(next) = self.t.chains.get(&target).filter(|_| depth < DEPTH) else {
                        self.maybe.push(step);
                        continue;
                    };
                    self.path.push(step);
                    match self.rules(&target, next, depth + 1) {
                        Fate::Return => {
                            self.path.pop();
                            if code == NFT_GOTO {
                                return Fate::Return;
                            }
                        }
                        fate => return fate,
                    }
                }
                _ => {}
            }
        }
        Fate::Return
    }

    /// A `return`: a NAT rule after it in its chain is noted as passed over.
    fn returned(&mut self, step: &Step, exprs: &[Expr], rest: &[(u64, Vec<Expr>)]) {
        let nat = rest
            .iter()
            .find(|(_, e)| e.iter().any(|e| e.name == "masq" || e.name == "nat"));
        if let (Some((h, _)), None) = (nat, &self.out.passed_nat) {
            let by = Step {
                chain: step.chain.clone(),
                handle: *h,
                element: None,
            };
            self.out.passed_nat = Some((step.clone(), mark_test(exprs), by));
        }
    }

    /// One rule's expressions in order, their effects applied when its matches hold.
    fn rule(&mut self, exprs: &[Expr], step: &Step) -> Ruled {
        let mut regs: Regs = [None; 80];
        let mut hit = Hit::Yes;
        let mut element = None;
        let mut verdict = None;
        for e in exprs {
            let ok = match e.name.as_str() {
                "meta" => self.meta(e, &mut regs, hit, step),
                "payload" => self.payload(e, &mut regs),
                "cmp" => match compare(e, &regs) {
                    Hit::No => return Ruled::Skip,
                    h => h == Hit::Yes,
                },
                "bitwise" => bitwise(e, &mut regs),
                "ct" => self.ct(e, &mut regs),
                "immediate" if e.u32(1) == Some(0) => {
                    verdict = verdict_of(e);
                    true
                }
                "immediate" => e.value(2).is_some_and(|v| {
                    let v: Vec<Option<u8>> = v.iter().copied().map(Some).collect();
                    store(&mut regs, e.u32(1), &v)
                }),
                "lookup" => match self.lookup(e, &mut regs) {
                    Some((Hit::No, _)) => return Ruled::Skip,
                    Some((h, found)) => {
                        if let Some((el, v)) = found {
                            element = Some(el);
                            verdict = v.or(verdict);
                        }
                        h == Hit::Yes
                    }
                    None => false,
                },
                "nat" | "masq" | "redir" => {
                    if hit == Hit::Yes {
                        self.nat = nat_of(e, &regs, self.f, step);
                        verdict = Some((NF_ACCEPT, None));
                    }
                    hit == Hit::Yes
                }
                "reject" => {
                    verdict = Some((NF_DROP, None));
                    true
                }
                "counter" | "log" | "notrack" => true,
                _ => false,
            };
            if !ok {
                hit = Hit::Maybe;
            }
        }
        if hit == Hit::Maybe {
            // Not taken, but it might have been.
            let acts = verdict.is_some() || exprs.iter().any(|e| e.name == "meta");
            if acts {
                self.maybe.push(step.clone());
            }
            return Ruled::Skip;
        }
        match verdict {
            Some((code, to)) => Ruled::Verdict(code, to, element),
            None => Ruled::Next,
        }
    }

    /// `meta KEY` into a register, or `meta mark set` from one.
    fn meta(&mut self, e: &Expr, regs: &mut Regs, hit: Hit, step: &Step) -> bool {
        const MARK: u32 = 3;
        let key = e.u32(2);
        if let Some(sreg) = e.u32(3) {
            if key != Some(MARK) {
                return true;
            }
            let v =
                load(regs, Some(sreg), 4).and_then(|b| b.into_iter().collect::<Option<Vec<u8>>>());
            if hit == Hit::Yes {
                self.out.mark = v.and_then(|b| Some(u32::from_ne_bytes(b.try_into().ok()?)));
                self.out.mark_by = Some(step.clone());
            }
            return hit == Hit::Yes;
        }
        let v = match key {
            Some(MARK) => match self.out.mark {
                Some(m) => m.to_ne_bytes().map(Some).to_vec(),
                None => vec![None; 4],
            },
            Some(k) => self.f.meta(k).unwrap_or_else(|| vec![None; 16]),
            None => return false,
        };
        store(regs, e.u32(1), &v)
    }

    fn payload(&self, e: &Expr, regs: &mut Regs) -> bool {
        let (Some(base), Some(off), Some(len)) = (e.u32(2), e.u32(3), e.u32(4)) else {
            return false;
        };
        if e.u32(1).is_none() {
            // A payload write (mangling): not modelled, and it matches nothing.
            return true;
        }
        store(
            regs,
            e.u32(1),
            &self.f.payload(base, off as usize, len as usize),
        )
    }

    /// `ct state`: new for a connection's first packet, established for its replies.
    fn ct(&self, e: &Expr, regs: &mut Regs) -> bool {
        if e.u32(4).is_some() {
            return true; // ct … set: not modelled, matches nothing
        }
        let v = match (e.u32(2), e.u32(3)) {
            (Some(0), None) => Some(self.ct),
            _ => None,
        };
        let bytes = match v {
            Some(v) => v.to_ne_bytes().map(Some).to_vec(),
            None => vec![None; 16],
        };
        store(regs, e.u32(1), &bytes)
    }

    /// `lookup`: whether the key is in the set, and the element with its verdict or value
    /// (stored in the data register). `None` when the set or key is not known.
    #[allow(clippy::type_complexity)]
    fn lookup(
        &self,
        e: &Expr,
        regs: &mut Regs,
    ) -> Option<(Hit, Option<(Element, Option<(u32, Option<String>)>)>)> {
        let name = e.get(1).map(super::wire::cstr)?;
        let set = self.t.sets.get(&name)?;
        let key = load(regs, e.u32(2), set.key_len)?;
        let inv = e.u32(5).is_some_and(|f| f & 1 != 0);
        let key: Option<Vec<u8>> = key.into_iter().collect();
        let Some(key) = key else {
            return (set.elems.is_empty()).then_some((if inv { Hit::Yes } else { Hit::No }, None));
        };
        let found = set.elems.iter().find(|el| holds(el, &key));
        match (found, inv) {
            (None, false) | (Some(_), true) => Some((Hit::No, None)),
            (None, true) => Some((Hit::Yes, None)),
            (Some(el), false) => {
                let words = element_words(&name, set, el);
                let verdict = match (&el.data, e.u32(3)) {
                    (Some(Data::Verdict(c, to)), Some(0)) => Some((*c, to.clone())),
                    (Some(Data::Value(v)), Some(d)) => {
                        let v: Vec<Option<u8>> = v.iter().copied().map(Some).collect();
                        store(regs, Some(d), &v);
                        None
                    }
                    _ => None,
                };
                Some((Hit::Yes, Some((words, verdict))))
            }
        }
    }
}

fn holds(el: &Elem, key: &[u8]) -> bool {
    match &el.end {
        Some(end) => el.key.as_slice() <= key && key <= end.as_slice(),
        None => el.key == key,
    }
}

type Element = (String, String, String);

/// (`no-endpoint-services`, `10.96.0.10`, ` : goto reject-chain`).
fn element_words(set: &str, s: &Set, el: &Elem) -> Element {
    let v4 = |b: &[u8]| <[u8; 4]>::try_from(b).ok().map(u32::from_be_bytes);
    let key = match (v4(&el.key), el.end.as_deref().and_then(v4)) {
        (Some(a), Some(z)) if s.key_len == 4 && z > a => range_words(a, z),
        (Some(a), _) if s.key_len == 4 => Ipv4Addr::from(a).to_string(),
        _ => el.key.iter().map(|b| format!("{b:02x}")).collect(),
    };
    let data = match &el.data {
        Some(Data::Verdict(c, to)) => {
            let word = match *c {
                NFT_JUMP => "jump",
                NFT_GOTO => "goto",
                NF_ACCEPT => "accept",
                NF_DROP => "drop",
                _ => "verdict",
            };
            let to = to.as_ref().map(|t| format!(" {t}")).unwrap_or_default();
            format!(" : {word}{to}")
        }
        _ => String::new(),
    };
    (set.to_string(), key, data)
}

/// An interval set's element as nft writes it: `203.0.113.0/25`, else `A-B`.
fn range_words(a: u32, z: u32) -> String {
    let size = u64::from(z - a) + 1;
    if size.is_power_of_two() && u64::from(a) % size == 0 {
        format!("{}/{}", Ipv4Addr::from(a), 32 - size.trailing_zeros())
    } else {
        format!("{}-{}", Ipv4Addr::from(a), Ipv4Addr::from(z))
    }
}

/// A `meta mark & M == V` test in nft's words (what a `return` tested), else `its matches`;
/// and M.
fn mark_test(exprs: &[Expr]) -> (String, Option<u32>) {
    let meta = exprs
        .iter()
        .any(|e| e.name == "meta" && e.u32(2) == Some(3));
    let mask = exprs
        .iter()
        .find(|e| e.name == "bitwise")
        .and_then(|e| e.value(4))
        .and_then(|m| Some(u32::from_ne_bytes(m.try_into().ok()?)));
    let cmp = exprs.iter().find(|e| e.name == "cmp");
    let val = cmp
        .and_then(|e| e.value(3))
        .and_then(|m| Some(u32::from_ne_bytes(m.try_into().ok()?)));
    let op = match cmp.and_then(|e| e.u32(2)) {
        Some(0) => "==",
        Some(1) => "!=",
        _ => "?",
    };
    match (meta, mask, val) {
        (true, Some(m), Some(v)) => (format!("meta mark & {m:#010x} {op} {v:#010x}"), Some(m)),
        (true, None, Some(v)) => (format!("meta mark {op} {v:#010x}"), None),
        _ => ("its matches".to_string(), None),
    }
}

/// The translation of a `nat`, `masq` or `redir` expression.
fn nat_of(e: &Expr, regs: &Regs, f: &Frame, by: &Step) -> Option<Nat> {
    let kind = match (e.name.as_str(), e.u32(1)) {
        ("masq", _) => NatKind::Masquerade,
        ("redir", _) => NatKind::Redirect,
        (_, Some(0)) => NatKind::Snat,
        _ => NatKind::Dnat,
    };
    // NFTA_NAT_REG_ADDR_MIN, NFTA_NAT_REG_PROTO_MIN; NFTA_MASQ_REG_PROTO_MIN; NFTA_REDIR_…
    let (addr_reg, port_reg) = match e.name.as_str() {
        "nat" => (e.u32(3), e.u32(5)),
        "masq" => (None, e.u32(2)),
        _ => (None, e.u32(1)),
    };
    let bytes = |reg: Option<u32>, n: usize| -> Option<Vec<u8>> {
        load(regs, Some(reg?), n)?.into_iter().collect()
    };
    let addr = match f.dst {
        IpAddr::V4(_) => {
            bytes(addr_reg, 4).and_then(|b| Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)))
        }
        IpAddr::V6(_) => bytes(addr_reg, 16)
            .and_then(|b| Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?)))),
    };
    let port = bytes(port_reg, 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    Some(Nat {
        kind,
        addr,
        port,
        by: by.clone(),
    })
}

#[cfg(test)]
mod range_tests {
    #[test]
    fn interval_elements_in_nfts_words() {
        let ip = |s: &str| u32::from(s.parse::<std::net::Ipv4Addr>().unwrap());
        assert_eq!(
            super::range_words(ip("203.0.113.0"), ip("203.0.113.127")),
            "203.0.113.0/25"
        );
        assert_eq!(
            super::range_words(ip("10.0.0.5"), ip("10.0.0.9")),
            "10.0.0.5-10.0.0.9"
        );
    }
}
