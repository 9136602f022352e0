//! `why` started in a far machine's stack (`netsh why h150.ns1 DST`, `h150.ns("ns1").why(…)`):
//! that machine's agent walks from there (`Request::WhyFrom`) and probes; where the packet
//! leaves it through a tunnel, the controller goes on on the machine that holds the tunnel's
//! remote — this one (why_far's walk, on this kernel) or another of the lab's (`Request::Why`)
//! — and stitches the hops as `why_across` does.

use super::error::RemoteError;
use super::hiding::Hiding;
use super::proto::{FarWhy, Reply, Request, WhyStart, WhyStarted};
use super::why_across::on_demand;
use super::why_across::{controller_fix, order, settle, ssh_host, stitch, Ask};
use super::why_far::{far_report, far_walk};
use crate::lab::ssh_options::SshOptions;
use crate::net::Netlink;
use crate::sys::Netns;
use crate::why::kernel::Kernel;
use crate::why::owner::owner;
use crate::why::probe::why_sized;
use crate::why::route_get::Lookup;
use crate::why::Report;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The agent's side: the walk from `w.ns` on this machine, up to where it leaves through a
/// tunnel no stack here ends, and the real probe.
pub(crate) fn why_from_here(w: &WhyStart) -> Reply {
    let mut backend = match Netlink::new("why") {
        Ok(b) => b,
        Err(e) => {
            return Reply::Failed {
                message: format!("cannot start the netlink backend: {e}"),
            }
        }
    };
    let k = &mut Hiding {
        inner: &mut backend,
        machines: w.machines.clone(),
    };
    let r = why_sized(Some(&mut *k), &w.ns, w.dst, false, w.size);
    let Some(t) = r.tunnel_out.clone() else {
        // Nothing leaves this machine: the whole analysis here, the probe and its evidence.
        let r = why_sized(Some(k), &w.ns, w.dst, true, w.size);
        let probe = r.probe.unwrap_or(false);
        let other_way = r.other_way.clone();
        return Reply::WhyFrom(WhyStarted {
            report: far_report(r),
            other_way,
            tunnel: None,
            probe,
        });
    };
    let src = k.route_get(&w.ns, &Lookup::to(w.dst)).ok();
    let from = k.route_get(&t.ns, &Lookup::to(t.remote)).ok();
    let tunnel = match (src.and_then(|s| s.src), from.and_then(|f| f.src)) {
        (Some(src), Some(from)) => Some(FarWhy {
            remote: t.remote,
            from,
            vni: t.vni,
            port: t.port,
            src,
            dst: w.dst,
        }),
        _ => None,
    };
    let probe = match w.size {
        Some(p) => k.ping_df(&w.ns, w.dst, p),
        None => k.ping(&w.ns, w.dst),
    };
    let other_way = r.other_way.clone();
    Reply::WhyFrom(WhyStarted {
        report: far_report(r),
        other_way,
        tunnel,
        probe,
    })
}

/// The controller's side: `why` from stack `ns` (its name there) of machine `m`, to `dst`.
/// `k` is this machine's kernel, where the walk may go on; an error names a machine that
/// cannot be reached.
pub(crate) fn why_from_far(
    k: &mut dyn Kernel,
    (m, ns): (&str, &Netns),
    dst: IpAddr,
    size: Option<usize>,
    machines: &BTreeMap<String, SshOptions>,
    ask: &mut Ask,
) -> Result<Report, RemoteError> {
    // Seen from m, this machine and the lab's others are not its stacks.
    let mut others: Vec<IpAddr> = k
        .view(&Netns::Root)
        .map(|v| v.addrs.iter().map(|(_, a)| a.addr()).collect())
        .unwrap_or_default();
    let addrs: Vec<IpAddr> = machines
        .values()
        .filter_map(|o| ssh_host(o).parse().ok())
        .collect();
    let own: Option<IpAddr> = machines.get(m).and_then(|o| ssh_host(o).parse().ok());
    others.extend(addrs.iter().filter(|a| Some(**a) != own));
    let req = Request::WhyFrom(WhyStart {
        ns: ns.clone(),
        dst,
        size,
        machines: others,
    });
    let started = match ask(m, &req)? {
        Reply::WhyFrom(s) => s,
        Reply::Failed { message } => {
            return Err(RemoteError::new(
                format!("on {m}: {message}"),
                format!("check that {ns} exists on {m}: netsh show --lab NAME lists its stacks"),
            ))
        }
        other => {
            return Err(RemoteError::new(
                format!("{m} answered {other:?} to why"),
                format!(
                    "use the same netsh version on both sides ({})",
                    env!("CARGO_PKG_VERSION")
                ),
            ))
        }
    };
    let at = format!("{m}: {ns}");
    let mut r = Report {
        src: Netns::named(&format!("{m}.{ns}")).to_string(),
        dst: dst.to_string(),
        evaluated: true,
        ..Report::default()
    };
    if ns == &Netns::Root {
        r.src = m.to_string();
    }
    let far_broken = started.report.broken.is_some();
    let stacks: Vec<String> = started.report.hops.iter().map(|h| h.at.clone()).collect();
    stitch(&mut r, m, started.report);
    if far_broken {
        r.other_way = started.other_way.map(|o| controller_fix(m, &stacks, &o));
    }
    if let Some(t) = started.tunnel.filter(|_| !far_broken) {
        go_on(k, &mut r, m, &t, (machines, &addrs), ask);
    }
    settle(&mut r, &at, dst, started.probe);
    Ok(r)
}

/// The walk from where the packet leaves `from` through tunnel `t`: on this machine when a
/// stack here holds its remote, else on the machine of the lab that does.
fn go_on(
    k: &mut dyn Kernel,
    r: &mut Report,
    from: &str,
    t: &FarWhy,
    (machines, addrs): (&BTreeMap<String, SshOptions>, &[IpAddr]),
    ask: &mut Ask,
) {
    let k = &mut Hiding {
        inner: k,
        machines: addrs.to_vec(),
    };
    if owner(k, t.remote).is_some() {
        let here = far_walk(k, t);
        r.hops.extend(here.hops);
        if here.broken.is_some() {
            r.broken = here.broken;
            r.fix = here.fix;
            r.other_way = None;
        }
        return;
    }
    let mut tried = vec![];
    let reached = order(machines, t.remote)
        .into_iter()
        .filter(|n| n != from)
        .find(|n| match ask(n, &Request::Why(t.clone())) {
            Ok(Reply::Why(far)) => {
                stitch(r, n, far);
                true
            }
            Ok(Reply::Failed { message }) => {
                tried.push(format!("{n}: {message}"));
                false
            }
            Ok(other) => {
                tried.push(format!("{n} answered {other:?}"));
                false
            }
            Err(e) => {
                tried.push(e.message);
                false
            }
        });
    if reached.is_none() {
        let mut text = format!(
            "{} is neither this machine nor one of the lab's, not followed",
            t.remote
        );
        if !tried.is_empty() {
            text += &format!(" ({})", tried.join("; "));
        }
        r.hop(&format!("{from}: host"), text);
    }
}

/// `netsh why h150.ns1 DST` on the controller: each machine reached when first asked (one ssh
/// master and agent each, dropped at the end).
pub(crate) fn why_starting(
    k: &mut dyn Kernel,
    (m, ns): (&str, &Netns),
    dst: IpAddr,
    size: Option<usize>,
    machines: &BTreeMap<String, SshOptions>,
) -> Result<Report, RemoteError> {
    let mut ask = on_demand(machines);
    why_from_far(k, (m, ns), dst, size, machines, &mut ask)
}
