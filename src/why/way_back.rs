//! The reply's way back: the reverse route from the destination, and conntrack at each router.

use super::chain::decide;
use super::crossed::Crossed;
use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The reply: the destination needs a route back to the (possibly rewritten) source, and every
/// router crossed must let the reply through FORWARD (conntrack ESTABLISHED).
pub(crate) fn way_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[Crossed],
) {
    let Some(src) = src else { return };
    if at.to_string() == r.src {
        return;
    }
    match k.route_get(at, src) {
        Ok(rt) => {
            let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
            r.hop(
                at,
                format!("the way back: route to {src}{via} dev {}", rt.dev),
            );
        }
        Err(e) => {
            let fix = match crossed.last() {
                Some(c) => {
                    let subnet = k.view(&c.ns).and_then(|v| {
                        v.addrs
                            .iter()
                            .find(|(l, _)| *l == c.in_dev)
                            .map(|(_, a)| a.trunc())
                    });
                    let s = subnet
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| src.to_string());
                    call(
                        &c.ns,
                        &format!("masquerade(#{{ src: \"{s}\", out: \"!{}\" }})", c.in_dev),
                    )
                }
                None => call(at, &format!("route(\"{src}/32\", \"GATEWAY\")")),
            };
            let why = if crossed.is_empty() {
                String::new()
            } else {
                " (no MASQUERADE on the way: the reply has no way back)".to_string()
            };
            r.block(
                at,
                format!("{at} has no route back to {src}{why}: {e}"),
                Some(fix),
            );
            return;
        }
    }
    for c in crossed.iter().rev() {
        let p = Packet {
            in_dev: Some(c.out_dev.clone()),
            out_dev: c.in_dev.clone(),
            src: dst,
            dst: src,
            state: "ESTABLISHED",
        };
        if let Some(ch) = k.chain(&c.ns, "filter", "FORWARD") {
            let d = decide(&ch, &p);
            if d.target != "ACCEPT" && d.target != "RETURN" {
                let by = d
                    .rule
                    .map(|x| format!("rule `{x}`"))
                    .unwrap_or_else(|| format!("policy {}", d.target));
                r.block(
                    &c.ns,
                    format!(
                        "{}'s FORWARD chain drops the replies {} → {} ({by})",
                        c.ns, c.out_dev, c.in_dev
                    ),
                    Some(call(
                        &c.ns,
                        &format!(
                            "forward(#{{ out: \"{}\", state: \"RELATED,ESTABLISHED\" }})",
                            c.in_dev
                        ),
                    )),
                );
                return;
            }
            r.hop(
                &c.ns,
                format!("FORWARD lets the replies back {} → {}", c.out_dev, c.in_dev),
            );
        }
    }
}
