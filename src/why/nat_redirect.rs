//! nat's REDIRECT: the connection goes to this namespace itself (the first address of the
//! link it came in on) and to the rule's `--to-ports`, as a transparent proxy takes it. The
//! walk follows it there; a RST from the port it was sent to is the rule's doing when nothing
//! listens there, and above all when it takes the connection before the DNAT meant for it.

use super::kernel::Kernel;
use super::nat_near::reachable;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::{At, Outcome};
use crate::sys::Netns;
use std::net::IpAddr;

/// The packet `p`, taken by the REDIRECT `o` in `ns`'s nat PREROUTING (`name`, the chain in
/// words; `said`, the rule): sent on to `ns`'s own
/// address on the link it came in on (said as a hop in `r`); false (said) when that link has
/// no address, where the kernel drops it.
pub(crate) fn redirected(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    (name, said): (&str, &str),
    p: &mut Seen,
    o: &Outcome,
) -> bool {
    let Some(dev) = p.in_dev.clone() else {
        return true;
    };
    let to = k.view(ns).and_then(|v| {
        v.addrs
            .iter()
            .find(|(l, a)| *l == dev && a.addr().is_ipv4() == p.dst.is_ipv4())
            .map(|(_, a)| a.addr())
    });
    let Some(to) = to else {
        r.block(
            ns,
            format!(
                "{ns}'s {name} chain redirects the packet to {ns} itself ({said}), but {dev}, the link it came in on, has no address: the kernel drops it"
            ),
            o.by.as_ref().map(|at| at.deleted(ns, p.dst.is_ipv6())),
        );
        return false;
    };
    let (was, now) = match (p.tcp_port, o.by.as_ref()) {
        (Some(old), Some(at)) => {
            let new = to_ports(&at.spec).unwrap_or(old);
            r.dnat_by = Some((ns.clone(), at.clone(), old, new));
            p.tcp_port = Some(new);
            k.tcp_dnat(to, new);
            (format!(":{old}"), format!(":{new}"))
        }
        _ => (String::new(), String::new()),
    };
    r.hop(
        ns,
        format!(
            "{name} REDIRECT: destination {}{was} becomes {to}{now}, {ns} itself ({said})",
            p.dst
        ),
    );
    p.dst = to;
    p.dst_local = true;
    r.dnat_to = Some(to);
    true
}

/// The first port of a rule's `--to-ports PORT[-PORT]`.
fn to_ports(spec: &str) -> Option<u16> {
    let mut w = spec.split_whitespace();
    w.find(|x| *x == "--to-ports")?;
    w.next()?.split('-').next()?.parse().ok()
}

/// A RST from the port a REDIRECT sent the connection to, where nothing listens (`nothing`,
/// in words): the rule is named, before the DNAT it takes the connection from if there is one
/// (`p`: the request as nat PREROUTING saw it; `to`: where it was sent), and deleted where that DNAT, or a listener on
/// the port asked for, serves the connection without it. False when no REDIRECT took it.
pub(crate) fn refused(
    k: &mut dyn Kernel,
    r: &mut Report,
    (p, to): (Option<&Seen>, IpAddr),
    nothing: &str,
    asked: &[u16],
) -> bool {
    let Some((ns, rule, old, new)) = r.dnat_by.clone() else {
        return false;
    };
    if !rule.spec.contains("-j REDIRECT") {
        return false;
    }
    let shadowed = p.and_then(|p| dnat_after(k, &ns, &rule, p));
    let del = Some(rule.deleted(&ns, to.is_ipv6()));
    let (cause, fix) = match shadowed {
        Some(d) => (
            format!(
                "{ns}'s rule `{}` takes TCP port {old} to port {new} of {ns} itself, where nothing listens, before its DNAT `{}`: {ns} answers the SYN with a RST",
                rule.text(),
                d.text()
            ),
            del,
        ),
        None => (
            format!(
                "{nothing}, where `{}` sends TCP port {old}: it answered the SYN with a RST",
                rule.text()
            ),
            del.filter(|_| asked.contains(&old)),
        ),
    };
    r.block(&ns, cause, fix);
    true
}

/// A DNAT of `ns`'s nat PREROUTING (user chains followed) after `redirect` that holds for `p`.
fn dnat_after(k: &mut dyn Kernel, ns: &Netns, redirect: &At, p: &Seen) -> Option<At> {
    let rules = reachable(k, ns, "nat", "PREROUTING");
    rules
        .into_iter()
        .skip_while(|(c, _, s)| !(*c == redirect.chain && *s == redirect.spec))
        .skip(1)
        .find(|(_, _, s)| s.contains("-j DNAT") && judge(s, p).hold == Hold::Yes)
        .map(|(chain, _, spec)| At {
            table: "nat".into(),
            chain,
            spec,
        })
}
