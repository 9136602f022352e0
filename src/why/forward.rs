//! A router on the way: FORWARD must let the packet through, and POSTROUTING may NAT it.

use super::chain::decide;
use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// Whether the packet gets through `cur` (`false`: blocked, said in `r`), and the source
/// POSTROUTING gives it when it NATs (`masq`: the address MASQUERADE picks on the way out).
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
) -> (bool, Option<IpAddr>) {
    r.hop(cur, "ip_forward is 1");
    let p = Packet {
        in_dev: Some(i.to_string()),
        out_dev: out.to_string(),
        src: src_ip,
        dst,
        state: "NEW",
    };
    if let Some(c) = k.chain(cur, "filter", "FORWARD") {
        let d = decide(&c, &p);
        let by = d
            .rule
            .as_ref()
            .map(|x| format!("rule `{x}`"))
            .unwrap_or_else(|| format!("policy {}", d.target));
        if d.target != "ACCEPT" && d.target != "RETURN" {
            r.block(
                cur,
                format!("{cur}'s FORWARD chain drops {i} → {out} ({by})"),
                Some(call(
                    cur,
                    &format!("forward(#{{ \"in\": \"{i}\", out: \"{out}\" }})"),
                )),
            );
            return (false, None);
        }
        r.hop(cur, format!("FORWARD {i} → {out} accepted ({by})"));
    }
    if let Some(c) = k.chain(cur, "nat", "POSTROUTING") {
        let d = decide(&c, &p);
        let new = match d.target.as_str() {
            "MASQUERADE" => masq,
            "SNAT" => d.to_source,
            _ => None,
        };
        if let Some(n) = new {
            r.hop(
                cur,
                format!("POSTROUTING {}: source {src_ip} becomes {n}", d.target),
            );
            return (true, Some(n));
        }
    }
    (true, None)
}

/// The reply crossing a router: FORWARD must let it through (conntrack ESTABLISHED).
pub(crate) fn reply(k: &mut dyn Kernel, r: &mut Report, at: &Netns, p: &Packet) -> bool {
    let Some(ch) = k.chain(at, "filter", "FORWARD") else {
        return true;
    };
    let (i, o) = (p.in_dev.clone().unwrap_or_default(), &p.out_dev);
    let d = decide(&ch, p);
    if d.target != "ACCEPT" && d.target != "RETURN" {
        let by = d
            .rule
            .map(|x| format!("rule `{x}`"))
            .unwrap_or_else(|| format!("policy {}", d.target));
        r.block(
            at,
            format!("{at}'s FORWARD chain drops the replies {i} → {o} ({by})"),
            Some(call(
                at,
                &format!("forward(#{{ out: \"{o}\", state: \"RELATED,ESTABLISHED\" }})"),
            )),
        );
        return false;
    }
    r.hop(at, format!("FORWARD lets the replies back {i} → {o}"));
    true
}
