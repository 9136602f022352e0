//! `Rule.args` (the words after `-A CHAIN`) → the typed model, or what the native driver does
//! not know, named so that the caller can say which match or option needs the iptables program.

use super::icmp::icmp_type;
use super::model::*;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A word of the rule outside what the native driver writes: "the limit match (-m limit)".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) String);

type R<T> = Result<T, Unsupported>;

fn no(what: impl Into<String>) -> Unsupported {
    Unsupported(what.into())
}

struct Words<'a> {
    args: &'a [String],
    i: usize,
}

impl<'a> Words<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let a = self.args.get(self.i)?;
        self.i += 1;
        Some(a)
    }

    fn value(&mut self, opt: &str) -> R<&'a str> {
        self.next()
            .ok_or_else(|| no(format!("{opt} without a value")))
    }
}

pub(crate) fn parse(args: &[String]) -> R<Spec> {
    let mut s = Spec::default();
    let mut nat_to = false;
    let mut w = Words { args, i: 0 };
    while let Some(word) = w.next() {
        let not = word == "!";
        let opt = if not { w.value("!")? } else { word };
        match opt {
            "-s" | "--source" => s.src = addr(not, w.value(opt)?)?,
            "-d" | "--destination" => s.dst = addr(not, w.value(opt)?)?,
            "-i" | "--in-interface" => s.iif = Some(Neg::new(not, iface(w.value(opt)?)?)),
            "-o" | "--out-interface" => s.oif = Some(Neg::new(not, iface(w.value(opt)?)?)),
            "-p" | "--protocol" => s.proto = proto(not, w.value(opt)?)?,
            "-m" | "--match" if !not => s.matches.push(new_match(w.value(opt)?)?),
            "-j" | "--jump" if !not => s.target = Some(target(w.value(opt)?)),
            "-g" | "--goto" if !not => s.target = Some(Target::Goto(w.value(opt)?.into())),
            "--comment" if !not => match s.matches.last_mut() {
                Some(Match::Comment(c)) => c.push_str(comment(w.value(opt)?)?),
                _ => return Err(no("--comment outside -m comment")),
            },
            "--ctstate" => {
                let states = ct_states(w.value(opt)?)?;
                match s.matches.last_mut() {
                    Some(Match::Conntrack(c)) => *c = Neg::new(not, states),
                    _ => return Err(no("--ctstate outside -m conntrack")),
                }
            }
            "--sport" | "--source-port" | "--dport" | "--destination-port" => {
                let ports = Neg::new(not, ports(w.value(opt)?)?);
                let m = port_match(&mut s)?;
                if opt.starts_with("--s") {
                    m.sport = Some(ports);
                } else {
                    m.dport = Some(ports);
                }
            }
            "--icmp-type" => {
                let t = Neg::new(
                    not,
                    icmp_type(w.value(opt)?).ok_or_else(|| no("that --icmp-type"))?,
                );
                match last_or_implicit(&mut s, 1, || Match::Icmp(Neg::new(false, ANY_ICMP)))? {
                    Match::Icmp(i) => *i = t,
                    _ => unreachable!("the implicit match of icmp is icmp"),
                }
            }
            "--src-type" | "--dst-type" => {
                let t = Neg::new(not, addr_types(w.value(opt)?)?);
                match s.matches.last_mut() {
                    Some(Match::Addrtype(a)) if opt == "--src-type" => a.src = Some(t),
                    Some(Match::Addrtype(a)) => a.dst = Some(t),
                    _ => return Err(no(format!("{opt} outside -m addrtype"))),
                }
            }
            "--reject-with" if !not => reject_with(&mut s, w.value(opt)?)?,
            "--to-ports" if !not => to_ports(&mut s, w.value(opt)?)?,
            "--to-source" | "--to-destination" if !not => {
                to_address(&mut s, opt, w.value(opt)?)?;
                nat_to = true;
            }
            other if not => return Err(no(format!("! {other}"))),
            other => return Err(no(format!("the option {other}"))),
        }
    }
    if matches!(s.target, Some(Target::Snat(_) | Target::Dnat(_))) && !nat_to {
        return Err(no("SNAT or DNAT without --to-source/--to-destination"));
    }
    Ok(s)
}

const ANY_ICMP: IcmpType = IcmpType {
    ty: 0xff,
    code: (0, 0xff),
};

fn net(v: &str) -> R<Ipv4Net> {
    let n = if v.contains('/') {
        v.parse::<Ipv4Net>().ok()
    } else {
        v.parse::<Ipv4Addr>().ok().map(Ipv4Net::from)
    };
    n.map(|n| n.trunc())
        .ok_or_else(|| no(format!("the address \"{v}\"")))
}

/// An address or network; 0.0.0.0/0 is no match at all (iptables writes nothing for it).
fn addr(not: bool, v: &str) -> R<Option<Neg<Ipv4Net>>> {
    match net(v)? {
        n if n.prefix_len() == 0 && not => Err(no(format!("! {v}"))),
        n if n.prefix_len() == 0 => Ok(None),
        n => Ok(Some(Neg::new(not, n))),
    }
}

fn iface(v: &str) -> R<String> {
    let ok = !v.is_empty() && v.len() < 16 && v != "+" && !v[..v.len() - 1].contains('+');
    if ok {
        Ok(v.to_string())
    } else {
        Err(no(format!("the interface \"{v}\"")))
    }
}

fn proto(not: bool, v: &str) -> R<Option<Neg<u8>>> {
    if v == "all" && !not {
        return Ok(None);
    }
    PROTOCOLS
        .iter()
        .find(|(n, num)| *n == v || num.to_string() == v)
        .map(|(_, num)| Some(Neg::new(not, *num)))
        .ok_or_else(|| no(format!("the protocol {v} (-p {v})")))
}

fn new_match(name: &str) -> R<Match> {
    Ok(match name {
        "comment" => Match::Comment(String::new()),
        "conntrack" => Match::Conntrack(Neg::new(false, 0)),
        "tcp" => Match::Tcp(PortMatch::default()),
        "udp" => Match::Udp(PortMatch::default()),
        "icmp" => Match::Icmp(Neg::new(false, ANY_ICMP)),
        "addrtype" => Match::Addrtype(AddrType::default()),
        other => return Err(no(format!("the {other} match (-m {other})"))),
    })
}

fn comment(v: &str) -> R<&str> {
    // struct xt_comment_info holds 256 bytes with the NUL.
    if v.len() < 256 && !v.contains('\0') {
        Ok(v)
    } else {
        Err(no("a comment of 256 bytes or more"))
    }
}

/// `LOCAL` or `UNICAST,BROADCAST`: a mask of `ADDR_TYPES` bits.
fn addr_types(v: &str) -> R<u16> {
    v.split(',').try_fold(0u16, |mask, t| {
        ADDR_TYPES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(t))
            .map(|i| mask | 1 << i)
            .ok_or_else(|| no(format!("the address type {t}")))
    })
}

fn ct_states(v: &str) -> R<u16> {
    v.split(',').try_fold(0u16, |mask, s| {
        CT_STATES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, bit)| mask | bit)
            .ok_or_else(|| no(format!("the conntrack state {s}")))
    })
}

fn ports(v: &str) -> R<Ports> {
    let port = |p: &str, default: u16| -> Option<u16> {
        if p.is_empty() {
            Some(default)
        } else {
            p.parse().ok()
        }
    };
    let r = match v.split_once(':') {
        Some((lo, hi)) => port(lo, 0).zip(port(hi, 65535)),
        None => port(v, 0).filter(|_| !v.is_empty()).map(|p| (p, p)),
    };
    match r {
        Some((lo, hi)) if lo <= hi => Ok(Ports { lo, hi }),
        _ => Err(no(format!("the port \"{v}\""))),
    }
}

/// The last match of the protocol's kind, or the one `-p` brings in implicitly (as iptables
/// loads it at the first option it does not know otherwise).
fn last_or_implicit(s: &mut Spec, proto: u8, make: impl Fn() -> Match) -> R<&mut Match> {
    let same = |m: &Match| std::mem::discriminant(m) == std::mem::discriminant(&make());
    if !s.matches.iter().any(same) {
        if s.proto != Some(Neg::new(false, proto)) {
            return Err(no("a port or icmp type without its -p (or with ! -p)"));
        }
        s.matches.push(make());
    }
    Ok(s.matches.iter_mut().rev().find(|m| same(m)).unwrap())
}

fn port_match(s: &mut Spec) -> R<&mut PortMatch> {
    let m = match s.proto {
        Some(Neg { not: false, v: 17 }) => {
            last_or_implicit(s, 17, || Match::Udp(PortMatch::default()))?
        }
        _ => last_or_implicit(s, 6, || Match::Tcp(PortMatch::default()))?,
    };
    match m {
        Match::Tcp(p) | Match::Udp(p) => Ok(p),
        _ => unreachable!("a port match is tcp or udp"),
    }
}

fn target(name: &str) -> Target {
    match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "RETURN" => Target::Return,
        "REJECT" => Target::Reject(3),
        "MASQUERADE" => Target::Masquerade(None),
        "REDIRECT" => Target::Redirect(None),
        "SNAT" | "DNAT" => {
            let to = NatTo {
                lo: Ipv4Addr::UNSPECIFIED,
                hi: Ipv4Addr::UNSPECIFIED,
                ports: None,
            };
            if name == "SNAT" {
                Target::Snat(to)
            } else {
                Target::Dnat(to)
            }
        }
        // A user chain, or an extension target: the driver tells them apart by the chains
        // the table has.
        chain => Target::Jump(chain.to_string()),
    }
}

fn reject_with(s: &mut Spec, v: &str) -> R<()> {
    let with = REJECT_WITH
        .iter()
        .find(|(name, alias, _)| *name == v || *alias == v)
        .map(|(_, _, i)| *i)
        .ok_or_else(|| no(format!("--reject-with {v}")))?;
    match &mut s.target {
        Some(Target::Reject(w)) => *w = with,
        _ => return Err(no("--reject-with outside -j REJECT")),
    }
    Ok(())
}

fn port_range(v: &str) -> R<Ports> {
    ports(&v.replace('-', ":")).map_err(|_| no(format!("the ports \"{v}\"")))
}

fn to_ports(s: &mut Spec, v: &str) -> R<()> {
    let p = port_range(v)?;
    match &mut s.target {
        Some(Target::Masquerade(x) | Target::Redirect(x)) => *x = Some(p),
        _ => return Err(no("--to-ports outside -j MASQUERADE or REDIRECT")),
    }
    Ok(())
}

fn to_address(s: &mut Spec, opt: &str, v: &str) -> R<()> {
    let bad = || no(format!("{opt} {v}"));
    let (addrs, ports) = match v.split_once(':') {
        Some((a, p)) => (a, Some(port_range(p)?)),
        None => (v, None),
    };
    let (lo, hi) = addrs.split_once('-').unwrap_or((addrs, addrs));
    let lo: Ipv4Addr = lo.parse().map_err(|_| bad())?;
    let hi: Ipv4Addr = hi.parse().map_err(|_| bad())?;
    let to = NatTo { lo, hi, ports };
    match (&mut s.target, opt) {
        (Some(Target::Snat(t)), "--to-source") | (Some(Target::Dnat(t)), "--to-destination") => {
            *t = to
        }
        _ => return Err(no(format!("{opt} outside -j SNAT/DNAT"))),
    }
    Ok(())
}
