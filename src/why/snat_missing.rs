//! A source NAT missing or wrong at the edge router: a private source (RFC 1918 or CGN)
//! talking to a public address leaves the last router before the hop that lost the reply by
//! a link whose subnet does not hold it, and that hop has no network of the source's private
//! block. Nobody out there routes private space back: the fault is the NAT at that router
//! (none, too narrow, or to an address of another link), not the next router's routes.

use super::crossed::Crossed;
use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use ipnet::{IpNet, Ipv4Net};
use std::net::{IpAddr, Ipv4Addr};

/// The private block `ip` is in (10/8, 172.16/12, 192.168/16, 100.64/10), if any.
fn private_block(ip: IpAddr) -> Option<IpNet> {
    let IpAddr::V4(v4) = ip else { return None };
    [
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
        (Ipv4Addr::new(100, 64, 0, 0), 10),
    ]
    .into_iter()
    .filter_map(|(a, l)| Ipv4Net::new(a, l).ok())
    .find(|n| n.contains(&v4))
    .map(IpNet::V4)
}

/// The word after `flag` in an iptables rule, and whether a `!` comes before the flag.
fn opt<'a>(rule: &'a str, flag: &str) -> Option<(&'a str, bool)> {
    let w: Vec<&str> = rule.split_whitespace().collect();
    let i = w.iter().position(|x| *x == flag)?;
    let neg = i > 0 && w[i - 1] == "!";
    w.get(i + 1).map(|v| (*v, neg))
}

/// A MASQUERADE or SNAT rule.
fn nat(rule: &str) -> bool {
    rule.contains("-j MASQUERADE") || rule.contains("-j SNAT")
}

/// The rule applies to packets leaving by `out` (its `-o`, plain or negated, or none).
fn leaves_by(rule: &str, out: &str) -> bool {
    match opt(rule, "-o") {
        Some((o, neg)) => (o == out) != neg,
        None => true,
    }
}

/// The rule's `-s` covers `ip` (a rule without `-s` covers all).
fn covers(rule: &str, ip: IpAddr) -> bool {
    match opt(rule, "-s") {
        Some((s, neg)) => {
            let net = s
                .parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from));
            net.is_ok_and(|n| n.contains(&ip) != neg)
        }
        None => true,
    }
}

/// Why no rule of `rules` NATs `to` out `out`, in words: none covers it, or the one that does
/// is for another link (`its MASQUERADE is for mgmt, not wan`).
fn elsewhere(rules: &[String], to: IpAddr, out: &str) -> String {
    let other = rules
        .iter()
        .filter(|x| nat(x) && covers(x, to))
        .find_map(|x| match opt(x, "-o") {
            Some((o, false)) if o != out => Some((x, o)),
            _ => None,
        });
    match other {
        Some((x, o)) => {
            let what = if x.contains("-j SNAT") {
                "SNAT"
            } else {
                "MASQUERADE"
            };
            format!("its nat POSTROUTING's {what} for {to} is for {o}, not {out}")
        }
        None => "its nat POSTROUTING has no MASQUERADE or SNAT for it".to_string(),
    }
}

/// An iptables rule made safe inside a DSL string.
fn quoted(rule: &str) -> String {
    rule.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `at` has no route back to `to` (`words`): when the router before it should have NATed
/// `to` (see the module), blame that router's NAT (in `r`), the route at `at` as the other
/// way, and return true. `source` is `to`'s subnet where its owner holds it.
pub(crate) fn blame(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    (to, words): (IpAddr, &str),
    crossed: &[Crossed],
    source: Option<IpNet>,
    route: &Option<String>,
) -> bool {
    let Some(block) = private_block(to) else {
        return false;
    };
    // Traffic among private networks may be meant to be routed (one operator's routers).
    if r.dst
        .parse::<IpAddr>()
        .map_or(true, |d| private_block(d).is_some())
    {
        return false;
    }
    let c = match crossed.iter().position(|c| c.ns == *at) {
        Some(0) => return false,
        Some(i) => &crossed[i - 1],
        None => match crossed.last() {
            Some(c) => c,
            None => return false,
        },
    };
    let Some(there) = k.view(at) else {
        return false;
    };
    if there.addrs.iter().any(|(_, a)| block.contains(&a.addr())) {
        return false;
    }
    let Some(v) = k.view(&c.ns) else {
        return false;
    };
    let out = c.out_dev.as_str();
    let mine: Vec<&IpNet> = v
        .addrs
        .iter()
        .filter(|(l, _)| l == out)
        .map(|(_, a)| a)
        .collect();
    if mine.is_empty() || mine.iter().any(|a| a.contains(&to)) {
        return false;
    }
    let link = mine
        .iter()
        .find(|a| a.addr().is_ipv4())
        .map_or_else(|| mine[0].trunc(), |a| a.trunc());
    let here = mine
        .iter()
        .find(|a| a.addr().is_ipv4())
        .map_or_else(|| mine[0].addr(), |a| a.addr());
    let rules = k
        .chain(&c.ns, "nat", "POSTROUTING")
        .map(|ch| ch.rules)
        .unwrap_or_default();
    let ns = &c.ns;
    let lost = format!("{at} has no route back to {to} ({words})");
    let (cause, fix) = match c.snat {
        Some((from, s)) if s == to => {
            let Some(held) = v.addr_owner(to).map(|(l, _)| l.to_string()) else {
                return false;
            };
            match wrong_snat(ns, &rules, (out, here), (from, to), &held, &lost) {
                Some(x) => x,
                None => return false,
            }
        }
        Some(_) => return false,
        None => {
            let narrow = rules
                .iter()
                .find(|x| nat(x) && leaves_by(x, out) && !covers(x, to));
            match narrow {
                Some(rule) => {
                    let s = source.map_or_else(|| to.to_string(), |n| n.to_string());
                    let cause = format!(
                        "{ns}'s rule `-t nat -A POSTROUTING {rule}` does not cover {to}, so {ns} forwards it out {out} ({link}) with its private source unchanged: {lost}"
                    );
                    let add = format!(
                        "sh(\"iptables -t nat -A POSTROUTING -s {s} -o {out} -j MASQUERADE\")"
                    );
                    let covered = |a: IpAddr| {
                        rules
                            .iter()
                            .any(|x| nat(x) && leaves_by(x, out) && covers(x, a))
                    };
                    let said = (lost.as_str(), call(ns, &add));
                    if super::sender_gateway::blame(
                        k,
                        r,
                        (ns, rule),
                        to,
                        &covered,
                        (said.0, &said.1),
                    ) {
                        return true;
                    }
                    (cause, said.1)
                }
                None => {
                    let cause = format!(
                        "{ns} forwards {to} out {out} ({link}) with its private source unchanged: {}, so {lost}",
                        elsewhere(&rules, to, out)
                    );
                    // Only the flow's own network: a catch-all would NAT the rest too.
                    let s = source.map_or_else(|| to.to_string(), |n| n.to_string());
                    let add = format!(
                        "sh(\"iptables -t nat -A POSTROUTING -s {s} -o {out} -j MASQUERADE\")"
                    );
                    (cause, call(ns, &add))
                }
            }
        }
    };
    r.block(ns, cause, Some(fix));
    r.other_way = route.clone();
    true
}

/// The SNAT rule of `rules` that gave `to` (an address of `ns` on `held`, not on `out` where
/// `ns` has `here`) to the request from `from`: the cause and the fix, which deletes it (and
/// masquerades out `out` when no later rule NATs `from` there).
fn wrong_snat(
    ns: &Netns,
    rules: &[String],
    (out, here): (&str, IpAddr),
    (from, to): (IpAddr, IpAddr),
    held: &str,
    lost: &str,
) -> Option<(String, String)> {
    let rule = rules
        .iter()
        .find(|x| x.contains(&format!("--to-source {to}")))?;
    let del = call(
        ns,
        &format!("sh(\"iptables -t nat -D POSTROUTING {}\")", quoted(rule)),
    );
    // Deleted, a later rule may NAT the source rightly; else MASQUERADE out the link.
    let rest = rules
        .iter()
        .skip_while(|x| *x != rule)
        .skip(1)
        .any(|x| nat(x) && leaves_by(x, out) && covers(x, from));
    let fix = match rest {
        true => del,
        false => format!(
            "{del}; {}",
            call(
                ns,
                &format!("sh(\"iptables -t nat -A POSTROUTING -o {out} -j MASQUERADE\")")
            )
        ),
    };
    let cause = format!(
        "{ns}'s SNAT rule `-t nat -A POSTROUTING {rule}` gives the request the source {to}, {ns}'s address on {held}, not its address {here} on {out}, the link it leaves by: {lost}"
    );
    Some((cause, fix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nat_rule_for_another_link_is_said_as_such() {
        let to: IpAddr = "172.20.0.5".parse().unwrap();
        let cases: &[(&[&str], &str)] = &[
            (&[], "its nat POSTROUTING has no MASQUERADE or SNAT for it"),
            (
                &["-s 172.20.0.0/24 -o mgmt -j MASQUERADE"],
                "its nat POSTROUTING's MASQUERADE for 172.20.0.5 is for mgmt, not wan",
            ),
            (
                &["-o mgmt -j SNAT --to-source 10.50.0.2"],
                "its nat POSTROUTING's SNAT for 172.20.0.5 is for mgmt, not wan",
            ),
            // Another network's rule, or one that excludes a link, is not said to be for it.
            (
                &[
                    "-s 10.9.0.0/24 -o mgmt -j MASQUERADE",
                    "! -o wan -j MASQUERADE",
                ],
                "its nat POSTROUTING has no MASQUERADE or SNAT for it",
            ),
        ];
        for (rules, want) in cases {
            let rules: Vec<String> = rules.iter().map(|x| x.to_string()).collect();
            assert_eq!(elsewhere(&rules, to, "wan"), *want, "{rules:?}");
        }
    }
}
