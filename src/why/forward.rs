//! A router on the way: FORWARD must let the packet through, and POSTROUTING may NAT it; the
//! reply crosses PREROUTING, FORWARD and POSTROUTING again as ESTABLISHED.

use super::ct_zone::{split, ZoneSplit};
use super::hooks::{accept_path, by, cross, unsure};
use super::kernel::Kernel;
use super::nat_near::{near_miss, NearMiss};
use super::packet::Packet;
use super::report::Report;
use super::rule_match::Seen;
use super::traverse::traverse;
use super::untracked::{skipped_snat, Untracked};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// filter FORWARD: false when it drops `p` (said in `r`). A policy is answered with the
/// DSL's narrow `forward()` rule (appended, which is enough before a policy); a rule with an
/// accept put before it.
fn filter_forward(k: &mut dyn Kernel, r: &mut Report, cur: &Netns, p: &Packet, s: &Seen) -> bool {
    let s = s.clone();
    let Some(o) = traverse(k, cur, "filter", "FORWARD", &s) else {
        return true;
    };
    r.crossed_chains
        .push((cur.clone(), "filter".into(), "FORWARD".into(), s.clone()));
    unsure(r, cur, &o);
    let verb = o.verb();
    let (i, out) = (p.in_dev.clone().unwrap_or_default(), &p.out_dev);
    let reply = p.state != "NEW";
    let untracked =
        super::untracked_state::dropped_untracked(k, cur, ("filter", "FORWARD"), &s, &o);
    if let Some((words, fix)) = untracked {
        let what = if reply { "the replies " } else { "" };
        r.block(
            cur,
            format!(
                "{cur}'s FORWARD chain {verb} {what}{i} → {out} ({}): {words}",
                by(&o)
            ),
            Some(fix),
        );
        return false;
    }
    let queued = o.by.as_ref().filter(|_| o.drops());
    if let Some((words, fix)) = queued.and_then(|a| super::nfqueue::unread_queue(k, cur, a)) {
        let what = super::hooks::what(&s);
        r.block(
            cur,
            format!("{cur}'s FORWARD chain queues {what} {i} → {out} {words}"),
            Some(fix),
        );
        return false;
    }
    let listed = o
        .drops()
        .then(|| super::ipset_drop::by_set(k, cur, ("filter", "FORWARD"), &s, &o))
        .flatten();
    if let Some((words, fix)) = listed {
        let what = if reply { "the replies " } else { "" };
        let said = format!(
            "{cur}'s FORWARD chain {verb} {what}{i} → {out} ({}){words}",
            by(&o)
        );
        r.block(cur, said, Some(fix));
        return false;
    }
    if let Some(q) = o.spent.first().filter(|_| o.drops()) {
        let what = if reply { "the replies " } else { "" };
        let said = format!(
            "{cur}'s FORWARD chain {verb} {what}{i} → {out} ({}){}",
            by(&o),
            q.words()
        );
        r.block(cur, said, Some(q.fix(cur)));
        return false;
    }
    // An ACCEPT the request needed before a DROP policy, naming a link `cur` lacks.
    let near = (o.drops() && o.by.is_none() && o.gone.is_none() && !reply)
        .then(|| near_miss(k, cur, ("filter", "FORWARD"), &s, &["ACCEPT"]))
        .flatten();
    if let Some(n) = near {
        r.block(
            cur,
            format!(
                "{cur}'s FORWARD chain {verb} {i} → {out} ({}): {}",
                by(&o),
                n.words("accept it")
            ),
            n.fix(k)
                .or_else(|| Some(accept_path(k, cur, "filter", "FORWARD", &s))),
        );
        return false;
    }
    // An ACCEPT meant for the request that misses it by one match: that rule is the fault.
    let one_off = (o.drops() && !reply)
        .then(|| super::near_accept::find(k, cur, ("filter", "FORWARD"), &s, &o))
        .flatten();
    if let Some(n) = one_off {
        let what = super::near_accept::what(&s);
        let said = format!(
            "{cur}'s FORWARD chain {verb} {what}{i} → {out} ({}): {}",
            by(&o),
            n.words()
        );
        r.block(cur, said, Some(n.fix()));
        return false;
    }
    if o.drops() {
        let fix = if o.by.is_some() || o.gone.is_some() {
            accept_path(k, cur, "filter", "FORWARD", &s)
        } else {
            policy_fix(k, cur, &s, (&i, out), reply)
        };
        let what = match (reply, s.tcp_port) {
            (true, _) => "the replies ".to_string(),
            (false, Some(port)) => format!("the TCP SYN to port {port}, "),
            (false, None) => String::new(),
        };
        r.block(
            cur,
            format!(
                "{cur}'s FORWARD chain {verb} {what}{i} → {out} ({})",
                by(&o)
            ),
            Some(fix),
        );
        return false;
    }
    if reply {
        r.hop(cur, format!("FORWARD lets the replies back {i} → {out}"));
    } else {
        let how = match (&o.by, o.via.is_empty()) {
            (Some(a), true) => format!("rule `{}`", a.spec),
            _ => by(&o),
        };
        r.hop(cur, format!("FORWARD {i} → {out} accepted ({how})"));
    }
    true
}

/// The fix for FORWARD's DROP policy: the DSL's `forward()` rule (appended, which is enough
/// before a policy) for this flow only: the request's links, addresses and protocol; for the
/// replies, those of the connection (ESTABLISHED) out of their link. An IPv6 policy gets
/// ip6tables' rule (the DSL's forward() writes iptables rules).
fn policy_fix(
    k: &mut dyn Kernel,
    cur: &Netns,
    s: &Seen,
    (i, out): (&str, &str),
    reply: bool,
) -> String {
    if s.dst.is_ipv6() {
        return accept_path(k, cur, "filter", "FORWARD", s);
    }
    if reply {
        let rule = format!("out: \"{out}\", state: \"RELATED,ESTABLISHED\"");
        return call(cur, &format!("forward(#{{ {rule} }})"));
    }
    call(
        cur,
        &format!(
            "forward(#{{ \"in\": \"{i}\", out: \"{out}\", {} }})",
            flow_opts(s)
        ),
    )
}

/// The request's addresses and protocol as the DSL's options: `src: "…", dst: "…", proto:
/// "icmp"` (`proto: "tcp", dport: N` for a TCP SYN).
pub(crate) fn flow_opts(s: &Seen) -> String {
    let proto = match s.tcp_port {
        Some(port) => format!("proto: \"tcp\", dport: {port}"),
        None => "proto: \"icmp\"".to_string(),
    };
    format!("src: \"{}\", dst: \"{}\", {proto}", s.src, s.dst)
}

/// What a router did to the request: whether it got through (`false`: blocked, said in the
/// report), the source POSTROUTING gave it, or what kept it from being NATed.
#[derive(Default)]
pub(crate) struct Routed {
    pub(crate) ok: bool,
    pub(crate) snat: Option<IpAddr>,
    /// The raw rule that keeps it from being NATed.
    pub(crate) untracked: Option<Untracked>,
    /// A SNAT or MASQUERADE rule that names a link the router does not have.
    pub(crate) near: Option<NearMiss>,
    /// NATed in one conntrack zone, its replies arriving in another.
    pub(crate) zone: Option<ZoneSplit>,
    /// A nat POSTROUTING rule that ends the chain before the MASQUERADE or SNAT.
    pub(crate) exempt: Option<super::nat_exempt::Exempt>,
}

/// The packet through `cur` (`masq`: the address MASQUERADE picks on the way out).
#[allow(clippy::too_many_arguments)]
pub(crate) fn router(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    i: &str,
    out: &str,
    src_ip: IpAddr,
    dst: IpAddr,
    masq: Option<IpAddr>,
    dnat: bool,
) -> Routed {
    if dst.is_ipv6() {
        r.hop(cur, format!("{} is 1", super::ipv6::FORWARDING));
    } else {
        r.hop(cur, "ip_forward is 1");
    }
    let p = Packet {
        in_dev: Some(i.to_string()),
        out_dev: out.to_string(),
        src: src_ip,
        dst,
        state: "NEW",
    };
    let s = Seen {
        dnat,
        ..p.seen(k, cur)
    };
    if cross(k, r, cur, &[("mangle", "FORWARD")], &s).is_none()
        || !filter_forward(k, r, cur, &p, &s)
        || cross(k, r, cur, &[("mangle", "POSTROUTING")], &s).is_none()
    {
        return Routed::default();
    }
    if let Some(u) = skipped_snat(k, cur, &s) {
        r.hop(
            cur,
            format!(
                "raw `{}` untracks the packet: `{}` does not apply",
                u.notrack.text(),
                u.nat.text()
            ),
        );
        return Routed {
            ok: true,
            untracked: Some(u),
            ..Routed::default()
        };
    }
    if let Some(o) = traverse(k, cur, "nat", "POSTROUTING", &s) {
        let new = match o.target.as_str() {
            "MASQUERADE" => masq,
            "SNAT" | "NETMAP" => o.to_source,
            _ => None,
        };
        if let Some(n) = new {
            r.hop(
                cur,
                format!("POSTROUTING {}: source {src_ip} becomes {n}", o.target),
            );
            let mut pre = s.clone();
            pre.out_dev = None;
            let mut back = s.reply();
            (back.dst, back.out_dev, back.dst_local) = (n, None, true);
            return Routed {
                ok: true,
                snat: Some(n),
                zone: split(k, cur, &pre, &back).map(|z| ZoneSplit {
                    nat: o.target.clone(),
                    ..z
                }),
                ..Routed::default()
            };
        }
    }
    Routed {
        ok: true,
        near: near_miss(k, cur, ("nat", "POSTROUTING"), &s, &["MASQUERADE", "SNAT"]),
        exempt: super::nat_exempt::exempted(k, cur, &s),
        ..Routed::default()
    }
}

/// The reply crossing a router: PREROUTING, FORWARD (conntrack ESTABLISHED), POSTROUTING.
pub(crate) fn reply(k: &mut dyn Kernel, r: &mut Report, at: &Netns, p: &Packet) -> bool {
    let s = p.seen(k, at);
    let mut pre = s.clone();
    pre.out_dev = None;
    if super::ct_zone::replies_unmatched(k, r, at, (&pre, &s)) {
        return false;
    }
    cross(
        k,
        r,
        at,
        &[("raw", "PREROUTING"), ("mangle", "PREROUTING")],
        &pre,
    )
    .is_some()
        && cross(k, r, at, &[("mangle", "FORWARD")], &s).is_some()
        && filter_forward(k, r, at, p, &s)
        && cross(k, r, at, &[("mangle", "POSTROUTING")], &s).is_some()
}
