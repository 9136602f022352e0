//! A router on a tunnel's underlay whose nat POSTROUTING rewrites the outer source (a catch-all
//! MASQUERADE): the far VTEP learns the inner sender's MAC behind the router's address and
//! sends its frames there, where no VTEP listens, so the path dies quietly one way.

use super::kernel::Kernel;
use super::masq_source::masq_source;
use super::report::Report;
use super::rule_match::Seen;
use super::traverse::{traverse, At};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The outer UDP datagram as a router forwards it: in and out links, VTEP addresses, port.
pub(crate) struct Outer<'a> {
    pub(crate) in_dev: Option<&'a str>,
    pub(crate) out_dev: &'a str,
    /// The gateway it leaves by (`None`: `dst` is on the out link).
    pub(crate) via: Option<IpAddr>,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) dport: u16,
}

/// The rule of `ns`'s nat POSTROUTING that rewrites the outer source of `o`, and the source
/// it gives (MASQUERADE: the address of its out link, src/why/masq_source.rs).
pub(crate) fn rewritten(k: &mut dyn Kernel, ns: &Netns, o: &Outer) -> Option<(At, IpAddr)> {
    let seen = Seen {
        in_dev: o.in_dev.map(str::to_string),
        out_dev: Some(o.out_dev.to_string()),
        src: o.src,
        dst: o.dst,
        icmp_type: 0,
        state: "NEW",
        dst_local: false,
        src_local: false,
        udp_dport: Some(o.dport),
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire: Default::default(),
    };
    // Untracked in raw, the datagram skips NAT (that is the fix below).
    let mut pre = seen.clone();
    pre.out_dev = None;
    let raw = traverse(k, ns, "raw", "PREROUTING", &pre);
    if raw
        .and_then(|o| o.by)
        .is_some_and(|b| b.spec.ends_with("-j NOTRACK") || b.spec.contains("-j CT --notrack"))
    {
        return None;
    }
    let out = traverse(k, ns, "nat", "POSTROUTING", &seen)?;
    let new = match out.target.as_str() {
        // From the link the datagram really leaves by, as the walk takes it (not main's lookup).
        "MASQUERADE" => masq_source(k, ns, o.out_dev, o.via.unwrap_or(o.dst), o.dst)?,
        "SNAT" | "NETMAP" => out.to_source?,
        _ => return None,
    };
    Some((out.by?, new))
}

/// Name the rule at `ns` that rewrites the outer source of `o` (whose inner frames come from
/// `inner`, learned by `far`'s VXLAN `dev`). The fix untracks the tunnel's datagrams in raw:
/// a nat exemption or the rule's deletion spares new flows only, while the conntrack entries
/// already NATed (a VXLAN's source port is fixed per inner flow) go on rewriting; either way
/// `far` forgets what it learned wrong (its learned entries would keep the frames at r).
pub(crate) fn blame(
    r: &mut Report,
    ns: &Netns,
    (rule, new): (&At, IpAddr),
    o: &Outer,
    (inner, far, dev): (&str, &Netns, &str),
) {
    let forget = call(
        far,
        &format!("sh(\"bridge fdb flush dev {dev} self dynamic\")"),
    );
    let args = format!(
        "-t raw -I PREROUTING 1 -s {} -d {} -p udp --dport {} -j NOTRACK",
        o.src, o.dst, o.dport
    );
    // The host's own stack has no `iptables` of its own in the DSL: a shell command there.
    let exempt = match ns {
        Netns::Root => format!("sh(\"iptables {args}\")"),
        _ => format!("iptables(\"{args}\")"),
    };
    r.block(
        ns,
        format!(
            "{ns}'s nat POSTROUTING rule `-A POSTROUTING {}` rewrites the tunnel's outer source \
             {} to {new}, so {far} learns {inner}'s MAC behind {new} and sends its frames there",
            rule.spec, o.src
        ),
        Some(format!("{}; {forget}", call(ns, &exempt))),
    );
    let spec = rule.spec.replace('"', "\\\"");
    let del = call(
        ns,
        &format!("sh(\"iptables -t nat -D POSTROUTING {spec}\")"),
    );
    r.other_way = Some(format!("{del}; {forget}"));
}
