//! A namespace's policy rules and the routes of every table, as `ip rule` and
//! `ip route show table all` list them: what names the rule and route behind a lookup.

use super::route_get::RouteKind;
use ipnet::IpNet;
use std::net::IpAddr;

pub const TABLE_MAIN: u32 = 254;
pub const TABLE_LOCAL: u32 = 255;

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleAction {
    #[default]
    Lookup,
    Goto,
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
    Other,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FibRule {
    pub priority: u32,
    pub src: Option<IpNet>,
    pub dst: Option<IpNet>,
    pub iif: Option<String>,
    pub oif: Option<String>,
    /// (mark, mask).
    pub fwmark: Option<(u32, u32)>,
    pub tos: u8,
    /// `not`: the selectors are inverted.
    pub invert: bool,
    /// `ipproto` (0: any), and the `sport` and `dport` ranges.
    pub ipproto: u8,
    pub sport: Option<(u16, u16)>,
    pub dport: Option<(u16, u16)>,
    /// `uidrange` (first, last): the sending socket's uid.
    pub uid: Option<(u32, u32)>,
    /// A selector this reading does not judge (uid range, tunnel id...): never taken to match.
    pub other: bool,
    pub action: RuleAction,
    pub table: u32,
    pub goto: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FibRoute {
    pub table: u32,
    pub dst: IpNet,
    pub kind: RouteKind,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    /// Its metric (`ip route … metric N`), which names it among routes of one prefix.
    pub metric: Option<u32>,
    /// A multipath route's nexthops (via, dev), as `nexthop via G dev X` lists them.
    pub hops: Vec<(Option<IpAddr>, String)>,
    /// Its preferred source (`src S`), kept when a fix replaces the route.
    pub src: Option<IpAddr>,
    /// Its scope as the kernel numbers it (0 global, 253 link, 254 host).
    pub scope: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fib {
    pub rules: Vec<FibRule>,
    pub routes: Vec<FibRoute>,
}

/// `main`, `local`, `default`, or the number, as `ip` names a table.
pub(crate) fn table_name(t: u32) -> String {
    match t {
        TABLE_MAIN => "main".into(),
        TABLE_LOCAL => "local".into(),
        253 => "default".into(),
        n => n.to_string(),
    }
}

fn net_word(n: &IpNet) -> String {
    if n.prefix_len() == 0 {
        "default".into()
    } else if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// ` ipproto tcp dport 80`, as `ip rule` prints a rule's flow selectors.
fn flow_words(proto: u8, sport: Option<(u16, u16)>, dport: Option<(u16, u16)>) -> String {
    let mut s = match proto {
        0 => String::new(),
        1 => " ipproto icmp".into(),
        6 => " ipproto tcp".into(),
        17 => " ipproto udp".into(),
        p => format!(" ipproto {p}"),
    };
    for (word, range) in [("sport", sport), ("dport", dport)] {
        match range {
            Some((a, b)) if a == b => s += &format!(" {word} {a}"),
            Some((a, b)) => s += &format!(" {word} {a}-{b}"),
            None => {}
        }
    }
    s
}

impl FibRule {
    /// The rule as `ip rule` prints it: `100: from 10.1.1.0/24 lookup 100`.
    pub(crate) fn text(&self) -> String {
        let mut s = format!("{}:", self.priority);
        if self.invert {
            s += " not";
        }
        s += &format!(
            " from {}",
            self.src.map(|n| net_word(&n)).unwrap_or("all".into())
        );
        if let Some(d) = &self.dst {
            s += &format!(" to {}", net_word(d));
        }
        if let Some((m, k)) = self.fwmark {
            s += &format!(" fwmark {m:#x}/{k:#x}");
        }
        if let Some(i) = &self.iif {
            s += &format!(" iif {i}");
        }
        if let Some(o) = &self.oif {
            s += &format!(" oif {o}");
        }
        if let Some((a, b)) = self.uid {
            s += &format!(" uidrange {a}-{b}");
        }
        s += &flow_words(self.ipproto, self.sport, self.dport);
        s += &match self.action {
            RuleAction::Lookup => format!(" lookup {}", table_name(self.table)),
            RuleAction::Goto => format!(" goto {}", self.goto.unwrap_or_default()),
            RuleAction::Nop => " nop".into(),
            RuleAction::Blackhole => " blackhole".into(),
            RuleAction::Unreachable => " unreachable".into(),
            RuleAction::Prohibit => " prohibit".into(),
            RuleAction::Other => " (unknown action)".into(),
        };
        s
    }

    /// The rule picks packets by something (source, destination, a link, a mark, a port...),
    /// unlike a catch-all `from all lookup T`.
    pub(crate) fn selects(&self) -> bool {
        self.src.is_some_and(|n| n.prefix_len() > 0)
            || self.dst.is_some_and(|n| n.prefix_len() > 0)
            || self.iif.is_some()
            || self.oif.is_some()
            || self.fwmark.is_some()
            || self.tos != 0
            || self.ipproto != 0
            || self.sport.is_some()
            || self.dport.is_some()
            || self.uid.is_some()
    }

    /// One of the three rules every namespace starts with (local, main, default).
    pub(crate) fn stock(&self) -> bool {
        matches!(
            (self.priority, self.table),
            (0, TABLE_LOCAL) | (32766, TABLE_MAIN) | (32767, 253)
        ) && self.src.is_none()
            && self.dst.is_none()
            && self.iif.is_none()
    }
}

impl FibRoute {
    /// The route as `ip route` prints it: `blackhole 10.9.0.0/24`, `10.2.0.0/24 via 10.1.0.2 dev e1`
    /// (its table is said beside it).
    pub(crate) fn text(&self) -> String {
        let mut s = match self.kind {
            RouteKind::Unicast => String::new(),
            k => format!("{} ", k.word()),
        };
        s += &net_word(&self.dst);
        if let Some(g) = self.via {
            s += &format!(" via {g}");
        }
        if let Some(d) = &self.dev {
            s += &format!(" dev {d}");
        }
        s
    }
}
