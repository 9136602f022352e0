//! `why` across machines, on the controller: the walk here stops where the packet leaves this
//! machine through a tunnel (`Report::tunnel_out`); the machine of the lab that holds the
//! tunnel's remote goes on from its end of the tunnel (`Request::Why`, src/remote/why_far.rs);
//! its hops join the report under its name (`h150: ns1`), its fix in the controller script's
//! terms (`h150.ns("ns1").…`); then the real probe from here settles the verdict.

use super::client::Agent;
use super::error::RemoteError;
use super::hiding::Hiding;
use super::proto::{FarReport, FarWhy, Reply, Request};
use super::ssh::Ssh;
use crate::lab::ssh_options::SshOptions;
use crate::sys::Netns;
use crate::why::kernel::Kernel;
use crate::why::probe::why_sized;
use crate::why::report::Hop;
use crate::why::route_get::Lookup;
use crate::why::Report;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Sends a request to a machine by name: its reply, or how its connection broke.
pub(crate) type Ask<'a> = dyn FnMut(&str, &Request) -> Result<Reply, RemoteError> + 'a;

/// `why src → dst` where the lab has real machines: followed across the tunnel into the
/// machine that holds its remote.
pub(crate) fn why_across(
    k: &mut dyn Kernel,
    src: &Netns,
    dst: IpAddr,
    size: Option<usize>,
    machines: &BTreeMap<String, SshOptions>,
    ask: &mut Ask,
) -> Report {
    let addrs = machines
        .values()
        .filter_map(|o| ssh_host(o).parse().ok())
        .collect();
    let k = &mut Hiding {
        inner: k,
        machines: addrs,
    };
    let mut r = why_sized(Some(&mut *k), src, dst, false, size);
    let Some(t) = r.tunnel_out.clone().filter(|_| !machines.is_empty()) else {
        // Nothing leaves this machine: the whole analysis here, the probe and its evidence.
        return why_sized(Some(k), src, dst, true, size);
    };
    let pkt_src = k
        .route_get(src, &Lookup::to(dst))
        .ok()
        .and_then(|rt| rt.src);
    let from = k
        .route_get(&t.ns, &Lookup::to(t.remote))
        .ok()
        .and_then(|rt| rt.src);
    if let (Some(s), Some(from)) = (pkt_src, from) {
        let req = Request::Why(FarWhy {
            remote: t.remote,
            from,
            vni: t.vni,
            port: t.port,
            src: s,
            dst,
        });
        let mut tried = vec![];
        let reached = order(machines, t.remote).into_iter().find(|m| {
            match ask(m, &req) {
                Ok(Reply::Why(far)) => {
                    stitch(&mut r, m, far);
                    return true;
                }
                Ok(Reply::Failed { message }) => tried.push(format!("{m}: {message}")),
                Ok(other) => tried.push(format!("{m} answered {other:?}")),
                Err(e) => tried.push(e.message),
            }
            false
        });
        if reached.is_none() {
            r.hop(
                &t.ns,
                format!(
                    "{} is none of the lab's machines, not followed ({})",
                    t.remote,
                    tried.join("; ")
                ),
            );
        }
    }
    let got = match size {
        Some(p) => k.ping_df(src, dst, p),
        None => k.ping(src, dst),
    };
    settle(&mut r, src, dst, got);
    r
}

/// The machines to ask, the one whose ssh target is the tunnel's remote first.
pub(crate) fn order(machines: &BTreeMap<String, SshOptions>, remote: IpAddr) -> Vec<String> {
    let (mut first, rest): (Vec<_>, Vec<_>) = machines
        .iter()
        .partition(|(_, o)| ssh_host(o) == remote.to_string());
    first.extend(rest);
    first.into_iter().map(|(n, _)| n.clone()).collect()
}

/// The address (or host name) in a machine's ssh target: `192.0.2.150` of `root@192.0.2.150`.
pub(crate) fn ssh_host(o: &SshOptions) -> &str {
    let h = o.ssh.rsplit('@').next().unwrap_or_default();
    h.trim_start_matches('[').trim_end_matches(']')
}

/// The far hops under the machine's name; its break and fix become the report's.
pub(crate) fn stitch(r: &mut Report, machine: &str, far: FarReport) {
    let stacks: Vec<String> = far.hops.iter().map(|h| h.at.clone()).collect();
    r.hops.extend(far.hops.into_iter().map(|h| Hop {
        at: format!("{machine}: {}", h.at),
        text: h.text,
        ok: h.ok,
        unsure: h.unsure,
        then: h.then,
    }));
    if let Some(b) = far.broken {
        r.broken = Some(format!("on {machine}: {b}"));
        r.fix = far.fix.map(|f| controller_fix(machine, &stacks, &f));
        r.other_way = None;
    }
}

/// A far fix (`ns1.route(…)`, `iptables(…)` for its host) as the controller's script says
/// it: `h150.ns("ns1").route(…)`, `h150.iptables(…)`.
pub(crate) fn controller_fix(machine: &str, stacks: &[String], fix: &str) -> String {
    fix.split("; ")
        .map(|stmt| {
            let ns = stacks
                .iter()
                .filter(|n| n.as_str() != "host")
                .find(|n| stmt.starts_with(&format!("{n}.")));
            match ns {
                Some(n) => format!("{machine}.ns(\"{n}\").{}", &stmt[n.len() + 1..]),
                None => format!("{machine}.{stmt}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The real probe from `src` (`got`: it answered) settles what the analysis on the machines
/// could not see.
pub(crate) fn settle(r: &mut Report, src: &impl ToString, dst: IpAddr, got: bool) {
    r.probe = Some(got);
    match (r.clear(), got) {
        (true, false) => r.block(
            src,
            format!("no reply from {dst}, though every step followed here and beyond the tunnel looks clear"),
            None,
        ),
        (false, true) => {
            r.probe_overrules(src);
        }
        _ => {}
    }
}

/// `netsh why` on the controller: each machine reached when first asked (one ssh master and
/// agent each, dropped at the end).
pub(crate) fn why_reaching(
    k: &mut dyn Kernel,
    src: &Netns,
    dst: IpAddr,
    size: Option<usize>,
    machines: &BTreeMap<String, SshOptions>,
) -> Report {
    let mut ask = on_demand(machines);
    why_across(k, src, dst, size, machines, &mut ask)
}

/// Each machine's agent started on its first use, for a walk that may cross to any of them.
pub(crate) fn on_demand(
    machines: &BTreeMap<String, SshOptions>,
) -> impl FnMut(&str, &Request) -> Result<Reply, RemoteError> + '_ {
    let mut agents: BTreeMap<String, Agent> = BTreeMap::new();
    move |name: &str, req: &Request| {
        if !agents.contains_key(name) {
            let a = Ssh::connect(name, &machines[name]).and_then(Agent::start)?;
            agents.insert(name.to_string(), a);
        }
        agents.get_mut(name).expect("just inserted").call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_fix_is_said_in_the_controller_scripts_terms() {
        let stacks = vec!["host".to_string(), "ns1".to_string()];
        assert_eq!(
            controller_fix(
                "h151",
                &stacks,
                "ns1.route(\"10.9.0.1\", #{ dev: \"e1\" }); iptables(\"-F\")"
            ),
            "h151.ns(\"ns1\").route(\"10.9.0.1\", #{ dev: \"e1\" }); h151.iptables(\"-F\")"
        );
    }

    #[test]
    fn the_machine_whose_address_is_the_remote_is_asked_first() {
        let o = |s: &str| SshOptions {
            ssh: s.into(),
            port: None,
            identity: None,
            netsh: None,
        };
        let m = BTreeMap::from([
            ("a".to_string(), o("root@192.0.2.150")),
            ("b".to_string(), o("root@192.0.2.151")),
        ]);
        assert_eq!(order(&m, "192.0.2.151".parse().unwrap()), ["b", "a"]);
    }
}
