//! The typed rule as `iptables-save` prints it after `-A CHAIN`: the same words, order and
//! quoting (iptables 1.8.7 to 1.8.11 print these forms alike), so a listing reads the same
//! whichever driver made it.

use super::model::*;

pub(crate) fn render(s: &Spec) -> String {
    let mut w: Vec<String> = vec![];
    let neg = |w: &mut Vec<String>, not: bool, opt: &str, v: String| {
        if not {
            w.push("!".into());
        }
        w.push(opt.into());
        w.push(v);
    };
    if let Some(n) = &s.src {
        neg(&mut w, n.not, "-s", n.v.to_string());
    }
    if let Some(n) = &s.dst {
        neg(&mut w, n.not, "-d", n.v.to_string());
    }
    if let Some(n) = &s.iif {
        neg(&mut w, n.not, "-i", n.v.clone());
    }
    if let Some(n) = &s.oif {
        neg(&mut w, n.not, "-o", n.v.clone());
    }
    if let Some(n) = &s.proto {
        neg(&mut w, n.not, "-p", proto_name(n.v));
    }
    for m in &s.matches {
        match_words(&mut w, m);
    }
    if let Some(t) = &s.target {
        target_words(&mut w, t);
    }
    w.join(" ")
}

pub(crate) fn proto_name(p: u8) -> String {
    PROTOCOLS
        .iter()
        .find(|(_, n)| *n == p)
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| p.to_string())
}

fn push_neg(w: &mut Vec<String>, not: bool, words: &[&str]) {
    if not {
        w.push("!".into());
    }
    w.extend(words.iter().map(|s| s.to_string()));
}

fn match_words(w: &mut Vec<String>, m: &Match) {
    match m {
        Match::Comment(c) => {
            w.extend(["-m".into(), "comment".into(), "--comment".into()]);
            w.push(save_string(c));
        }
        Match::Conntrack(c) => {
            w.extend(["-m".into(), "conntrack".into()]);
            if c.v != 0 {
                push_neg(w, c.not, &["--ctstate", &ct_state_names(c.v)]);
            }
        }
        Match::Tcp(p) | Match::Udp(p) => {
            w.extend([
                "-m".into(),
                if matches!(m, Match::Tcp(_)) {
                    "tcp"
                } else {
                    "udp"
                }
                .into(),
            ]);
            for (opt, ports) in [("--sport", &p.sport), ("--dport", &p.dport)] {
                if let Some(n) = ports {
                    push_neg(w, n.not, &[opt, &port_text(n.v, ":")]);
                }
            }
        }
        Match::Addrtype(a) => {
            w.extend(["-m".into(), "addrtype".into()]);
            for (opt, t) in [("--src-type", &a.src), ("--dst-type", &a.dst)] {
                if let Some(t) = t {
                    let names: Vec<&str> = (0..ADDR_TYPES.len())
                        .filter(|i| t.v & 1 << i != 0)
                        .map(|i| ADDR_TYPES[i])
                        .collect();
                    push_neg(w, t.not, &[opt, &names.join(",")]);
                }
            }
        }
        Match::Icmp(i) => {
            w.extend(["-m".into(), "icmp".into()]);
            let t = i.v;
            if (t.ty, t.code) != (0xff, (0, 0xff)) {
                let mut v = t.ty.to_string();
                if t.code != (0, 0xff) {
                    v.push_str(&format!("/{}", t.code.0));
                }
                push_neg(w, i.not, &["--icmp-type", &v]);
            }
        }
    }
}

pub(crate) fn ct_state_names(mask: u16) -> String {
    CT_STATES
        .iter()
        .filter(|(_, bit)| mask & bit != 0)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

fn port_text(p: Ports, sep: &str) -> String {
    if p.lo == p.hi {
        p.lo.to_string()
    } else {
        format!("{}{sep}{}", p.lo, p.hi)
    }
}

fn nat_text(t: &NatTo) -> String {
    let mut s = t.lo.to_string();
    if t.hi != t.lo {
        s.push_str(&format!("-{}", t.hi));
    }
    if let Some(p) = t.ports {
        s.push_str(&format!(":{}", port_text(p, "-")));
    }
    s
}

fn target_words(w: &mut Vec<String>, t: &Target) {
    let mut j = |words: &[&str]| w.extend(words.iter().map(|s| s.to_string()));
    match t {
        Target::Accept => j(&["-j", "ACCEPT"]),
        Target::Drop => j(&["-j", "DROP"]),
        Target::Return => j(&["-j", "RETURN"]),
        Target::Jump(c) => j(&["-j", c]),
        Target::Goto(c) => j(&["-g", c]),
        Target::Reject(with) => {
            let name = REJECT_WITH
                .iter()
                .find(|(_, _, i)| i == with)
                .map(|(n, _, _)| *n)
                .unwrap_or("icmp-port-unreachable");
            j(&["-j", "REJECT", "--reject-with", name])
        }
        Target::Masquerade(p) | Target::Redirect(p) => {
            let name = if matches!(t, Target::Masquerade(_)) {
                "MASQUERADE"
            } else {
                "REDIRECT"
            };
            j(&["-j", name]);
            if let Some(p) = p {
                j(&["--to-ports", &port_text(*p, "-")]);
            }
        }
        Target::Snat(to) => j(&["-j", "SNAT", "--to-source", &nat_text(to)]),
        Target::Dnat(to) => j(&["-j", "DNAT", "--to-destination", &nat_text(to)]),
    }
}

/// xtables_save_string: bare when only letters, digits, `_` and `-`; else in double quotes with
/// `"`, `\` and `'` escaped.
fn save_string(v: &str) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !v.is_empty() && v.chars().all(bare) {
        return v.to_string();
    }
    let mut s = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '\'') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}
