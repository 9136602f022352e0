//! `why` continued on the machine a tunnel leads to (the agent's side of `Request::Why`): the
//! frame arrives on the VXLAN that holds the tunnel's remote, crosses its bridge to the
//! namespace that holds the destination, is delivered there (PREROUTING, INPUT, the reply's
//! OUTPUT), and the reply has a route back. The steps are why's own (src/why).

use super::proto::{FarHop, FarReport, FarWhy, Reply};
use crate::net::Netlink;
use crate::sys::Netns;
use crate::why::cached::Cached;
use crate::why::hook_points::{arrive, deliver};
use crate::why::kernel::Kernel;
use crate::why::owner::owner;
use crate::why::route_get::Lookup;
use crate::why::udp_input::{input, Udp};
use crate::why::words::{call, link_call};
use crate::why::Report;

/// The agent's answer: this machine's part of the walk; `failed` when the remote is not here.
pub(crate) fn why_here(w: &FarWhy) -> Reply {
    let mut backend = match Netlink::new("why") {
        Ok(b) => b,
        Err(e) => {
            return Reply::Failed {
                message: format!("cannot start the netlink backend: {e}"),
            }
        }
    };
    let mut k = Cached::new(&mut backend);
    if owner(&mut k, w.remote).is_none() {
        return Reply::Failed {
            message: format!("no stack on this machine holds {}", w.remote),
        };
    }
    Reply::Why(far_report(far_walk(&mut k, w)))
}

/// A report's hops, break and fix, for the wire.
pub(crate) fn far_report(r: Report) -> FarReport {
    FarReport {
        hops: r
            .hops
            .into_iter()
            .map(|h| FarHop {
                at: h.at,
                text: h.text,
                ok: h.ok,
                unsure: h.unsure,
                then: h.then,
            })
            .collect(),
        broken: r.broken,
        fix: r.fix,
    }
}

/// The walk from the tunnel's end here to the destination, and the reply's first step back.
pub(crate) fn far_walk(k: &mut dyn Kernel, w: &FarWhy) -> Report {
    let mut r = Report {
        src: w.src.to_string(),
        dst: w.dst.to_string(),
        evaluated: true,
        ..Report::default()
    };
    let Some((vns, under)) = owner(k, w.remote) else {
        r.block(
            &Netns::Root,
            format!("no stack here holds {}", w.remote),
            None,
        );
        return r;
    };
    let Some((vx, br)) = tunnel_end(k, &mut r, &vns, &under, w) else {
        return r;
    };
    let Some((ons, olink)) = owner(k, w.dst) else {
        r.block(
            &vns,
            format!("no namespace on this machine holds {}", w.dst),
            None,
        );
        return r;
    };
    if !crate::why::l2::reach(k, &mut r, (&vns, &br), &ons, &olink, None) {
        return r;
    }
    if arrive(k, &mut r, &ons, &olink, w.src, w.dst).is_none() {
        return r;
    }
    r.hop(&ons, format!("{} is local here (on {olink})", w.dst));
    if !deliver(k, &mut r, &ons, &olink, w.src, w.dst) {
        return r;
    }
    let back = Lookup {
        src: Some(w.dst),
        ..Lookup::to(w.src)
    };
    match k.route_get(&ons, &back) {
        Ok(rt) => {
            let via = rt.via.map(|v| format!(" via {v}")).unwrap_or_default();
            r.hop(
                &ons,
                format!(
                    "the reply to {} leaves by {}{via} ({vx} tunnels it back)",
                    w.src, rt.dev
                ),
            );
        }
        Err(e) => r.block(
            &ons,
            format!("{ons} has no route back to {} ({})", w.src, e.words),
            Some(call(
                &ons,
                &format!("route(\"{}/32\", #{{ dev: \"{olink}\" }})", w.src),
            )),
        ),
    }
    r
}

/// The VXLAN here of the tunnel's VNI and port, up, its UDP let in, a port of a bridge:
/// (its name, the bridge).
fn tunnel_end(
    k: &mut dyn Kernel,
    r: &mut Report,
    vns: &Netns,
    under: &str,
    w: &FarWhy,
) -> Option<(String, String)> {
    let Some(vx) = k.links(vns).into_iter().find(|l| {
        l.vxlan
            .as_ref()
            .is_some_and(|v| v.id == w.vni && v.port == w.port)
    }) else {
        r.block(
            vns,
            format!(
                "{vns} at {} has no VXLAN with VNI {} port {}: the tunnel ends nowhere",
                w.remote, w.vni, w.port
            ),
            None,
        );
        return None;
    };
    if !vx.up {
        r.block(
            vns,
            format!("{} in {vns} (the tunnel's far end) is down", vx.name),
            Some(link_call(vns, &vx.name, "up()")),
        );
        return None;
    }
    let udp = Udp {
        in_dev: under,
        src: w.from,
        dst: w.remote,
        dport: w.port,
    };
    if let Some((target, by)) = input(k, vns, &udp).filter(|(t, _)| t != "ACCEPT") {
        let what = by.map_or(format!("policy {target}"), |(c, rule)| {
            format!("rule `{rule}` in {c}")
        });
        r.block(
            vns,
            format!(
                "{vns}'s INPUT chain drops the tunnel's UDP to {} port {} from {} ({what})",
                w.remote, w.port, w.from
            ),
            Some(call(
                vns,
                &format!("iptables(\"-I INPUT -p udp --dport {} -j ACCEPT\")", w.port),
            )),
        );
        return None;
    }
    let Some(br) = vx.master.clone() else {
        r.block(
            vns,
            format!("{} in {vns} is not a port of any bridge", vx.name),
            None,
        );
        return None;
    };
    r.hop(
        vns,
        format!(
            "{} (VNI {}, port {}) takes the frames from {}: a port of {br}",
            vx.name, w.vni, w.port, w.from
        ),
    );
    Some((vx.name, br))
}
