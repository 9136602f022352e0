//! A SNAT source nobody holds: the replies come back to an address no interface answers ARP
//! for, so they never reach the router whose conntrack would turn them back. Fixed by the
//! router's own address on that side (or MASQUERADE, which takes it).

use super::crossed::Crossed;
use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The reply to `to` leaves `cur` on `dev` and no namespace holds `to`: when a router on the
/// way gave the request that source, say so (in `r`) and return true.
pub(crate) fn nowhere(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    to: IpAddr,
    crossed: &[Crossed],
) -> bool {
    let Some(c) = crossed
        .iter()
        .find(|c| c.snat.is_some_and(|(_, s)| s == to))
    else {
        return false;
    };
    let Some(v) = k.view(&c.ns) else {
        return false;
    };
    if v.addr_owner(to).is_some() {
        return false;
    }
    // The router's own address beside the one it gave: where the replies would come back.
    let real = v
        .addrs
        .iter()
        .find(|(_, a)| a.contains(&to))
        .map(|(l, a)| (l.clone(), a.addr()));
    let rule = k.chain(&c.ns, "nat", "POSTROUTING").and_then(|ch| {
        ch.rules
            .into_iter()
            .find(|x| x.contains(&format!("--to-source {to}")) || super::netmap::gives(x, to))
    });
    let netmap = rule.as_ref().is_some_and(|x| super::netmap::gives(x, to));
    let fix = match (&rule, &real) {
        // A NETMAP maps a whole network: the map itself is the mistake, removed.
        (Some(rule), _) if netmap => Some(call(
            &c.ns,
            &format!("sh(\"iptables -t nat -D POSTROUTING {rule}\")"),
        )),
        (Some(rule), Some((out, a))) => {
            let src = opt(rule, "-s")
                .map(|s| format!("src: \"{s}\", "))
                .unwrap_or_default();
            Some(format!(
                "{}; {}",
                call(
                    &c.ns,
                    &format!("sh(\"iptables -t nat -D POSTROUTING {rule}\")")
                ),
                call(
                    &c.ns,
                    &format!("snat(#{{ {src}out: \"{out}\", to: \"{a}\" }})")
                ),
            ))
        }
        _ => None,
    };
    let by = rule.map(|x| format!(" (rule `{x}`)")).unwrap_or_default();
    r.block(
        &c.ns,
        format!("{}'s {} gives the request the source {to}{by}, which no interface of {} holds: the replies to {to} {}", c.ns, if netmap { "NETMAP" } else { "SNAT" }, c.ns, if dev == "its default" { format!("find no route back in {cur}") } else { format!("go out of {cur} on {dev} and nobody answers ARP for them") }),
        fix,
    );
    true
}

/// The word after `flag` in an iptables rule (`-s 10.0.0.0/24`).
fn opt<'a>(rule: &'a str, flag: &str) -> Option<&'a str> {
    let w: Vec<&str> = rule.split_whitespace().collect();
    w.iter()
        .position(|x| *x == flag)
        .and_then(|i| w.get(i + 1).copied())
}
