//! The policy rules walked as the kernel walks them, to name the rule and route behind a
//! lookup the kernel already answered (the kernel's answer stays the verdict).

use super::fib::{Fib, FibRoute, FibRule, RuleAction};
use super::route_get::{Lookup, RouteKind};
use std::net::IpAddr;

/// Which rule decided a lookup, the route it found (none for a rule that refuses by itself),
/// and the rules before it that sent the packet to a table with no route for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Decided {
    pub(crate) rule: Option<FibRule>,
    pub(crate) route: Option<FibRoute>,
    pub(crate) empty: Vec<FibRule>,
    /// The first `throw` route met, and the rule that led to its table: the kernel goes on to
    /// the next rule past it, as if the table had no route.
    pub(crate) thrown: Option<(FibRule, FibRoute)>,
}

/// Whether a rule's selectors match the packet. A locally sent packet comes in on `lo`; a
/// forwarded one has no output link yet (a sender bound to one, `oif`, has), and neither has a
/// mark or a TOS here.
pub(crate) fn matches(r: &FibRule, q: &Lookup) -> bool {
    if r.other {
        return false;
    }
    let src = q.src.unwrap_or(match q.dst {
        IpAddr::V4(_) => IpAddr::V4(0.into()),
        IpAddr::V6(_) => IpAddr::V6(0.into()),
    });
    let iif = q.iif.as_deref().unwrap_or("lo");
    let hit = r.src.is_none_or(|n| n.contains(&src))
        && r.dst.is_none_or(|n| n.contains(&q.dst))
        && r.iif.as_deref().is_none_or(|i| i == iif)
        && r.oif.as_deref().is_none_or(|o| q.oif.as_deref() == Some(o))
        && r.fwmark.is_none_or(|(m, k)| (q.mark ^ m) & k == 0)
        && r.tos == 0
        && (r.ipproto == 0 || r.ipproto == q.proto)
        && port_in(r.sport, q.sport)
        && port_in(r.dport, q.dport)
        && r.uid.is_none_or(|(a, b)| (a..=b).contains(&uid(q)));
    hit != r.invert
}

/// The uid a lookup is made for: the sender's, or (the kernel's input path) uid 0 for a
/// packet that arrives; netsh runs as root when the lookup does not say.
fn uid(q: &Lookup) -> u32 {
    match q.iif {
        Some(_) => 0,
        None => q.uid.unwrap_or(0),
    }
}

/// A rule's port range holds the packet's port (a packet with no port matches no range).
fn port_in(range: Option<(u16, u16)>, port: Option<u16>) -> bool {
    match (range, port) {
        (None, _) => true,
        (Some((a, b)), Some(p)) => (a..=b).contains(&p),
        (Some(_), None) => false,
    }
}

/// The longest prefix of `table` that holds `dst`.
pub(crate) fn longest(fib: &Fib, table: u32, dst: IpAddr) -> Option<&FibRoute> {
    // On a tie the first listed wins: the dump lists a prefix's routes by metric.
    let mut best: Option<&FibRoute> = None;
    for r in fib
        .routes
        .iter()
        .filter(|r| r.table == table && r.dst.contains(&dst))
    {
        if best.is_none_or(|b| r.dst.prefix_len() > b.dst.prefix_len()) {
            best = Some(r);
        }
    }
    best
}

/// The rules in priority order, from the first that matches to the one that decides.
pub(crate) fn decide(fib: &Fib, q: &Lookup) -> Decided {
    let mut rules: Vec<&FibRule> = fib.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    let mut d = Decided::default();
    let mut skip_to: Option<u32> = None;
    for r in rules {
        if skip_to.is_some_and(|t| r.priority < t) || !matches(r, q) {
            continue;
        }
        skip_to = None;
        match r.action {
            RuleAction::Lookup => match longest(fib, r.table, q.dst) {
                Some(rt) if rt.kind != RouteKind::Throw => {
                    d.rule = Some(r.clone());
                    d.route = Some(rt.clone());
                    return d;
                }
                Some(rt) => {
                    if d.thrown.is_none() {
                        d.thrown = Some((r.clone(), rt.clone()));
                    }
                    d.empty.push(r.clone())
                }
                None => d.empty.push(r.clone()),
            },
            RuleAction::Goto => skip_to = r.goto,
            RuleAction::Blackhole | RuleAction::Unreachable | RuleAction::Prohibit => {
                d.rule = Some(r.clone());
                return d;
            }
            RuleAction::Nop | RuleAction::Other => {}
        }
    }
    d
}

/// The type the decided rule and route give: what the kernel's answer must agree with.
pub(crate) fn kind(d: &Decided) -> Option<RouteKind> {
    if let Some(rt) = &d.route {
        return Some(rt.kind);
    }
    match d.rule.as_ref()?.action {
        RuleAction::Blackhole => Some(RouteKind::Blackhole),
        RuleAction::Unreachable => Some(RouteKind::Unreachable),
        RuleAction::Prohibit => Some(RouteKind::Prohibit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uidrange_rule_matches_the_senders_uid_and_uid_0_when_forwarding() {
        let r = FibRule {
            priority: 100,
            uid: Some((1000, 1000)),
            table: 300,
            ..FibRule::default()
        };
        let dst = "10.0.2.2".parse().unwrap();
        let as_uid = |uid| Lookup {
            uid,
            ..Lookup::to(dst)
        };
        assert!(matches(&r, &as_uid(Some(1000))));
        assert!(!matches(&r, &as_uid(Some(0))));
        assert!(!matches(&r, &as_uid(None)), "netsh runs as root");
        let root = FibRule {
            uid: Some((0, 0)),
            ..r.clone()
        };
        let forwarded = Lookup {
            iif: Some("left".into()),
            ..as_uid(Some(1000))
        };
        assert!(matches(&root, &forwarded));
        assert_eq!(root.text(), "100: from all uidrange 0-0 lookup 300");
    }
}
