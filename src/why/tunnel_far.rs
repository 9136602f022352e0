//! A VXLAN's far side beyond its parameters: the FDB entries of a mesh (a device with no
//! remote floods to its all-zeros entries), the underlay route to the remote, each host's
//! INPUT chain for the tunnel's UDP port, and the MTU the outer packets need.

use super::kernel::Kernel;
use super::link_detail::VxlanInfo;
use super::link_l2::ZEROS;
use super::mtu::tunnel_fits;
use super::owner::owner;
use super::report::Report;
use super::route_get::Lookup;
use super::udp_input::{input, Udp};
use super::underlay_path::{reaches, Leg};
use super::vtep::vtep_address;
use super::words::{call, link_call};
use crate::sys::Netns;
use std::net::IpAddr;

/// The all-zeros (flood) destinations of `dev` in `ns`.
pub(crate) fn floods(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> Vec<IpAddr> {
    k.fdb_entries(ns)
        .into_iter()
        .filter(|(d, mac, _)| d == dev && mac == ZEROS)
        .map(|(_, _, ip)| ip)
        .collect()
}

fn fdb_fix(ns: &Netns, dev: &str, dst: IpAddr) -> String {
    link_call(ns, dev, &format!("fdb(#{{ dst: \"{dst}\" }})"))
}

/// A VXLAN with no remote: the flood entry that leads to `far`, as its remote; `None` when
/// none does (said in `r`).
pub(crate) fn fdb_remote(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    name: &str,
    far: &Netns,
) -> Option<IpAddr> {
    let dsts = floods(k, at, name);
    let theirs: Vec<IpAddr> = k
        .view(far)
        .map(|v| v.addrs.iter().map(|(_, a)| a.addr()).collect())
        .unwrap_or_default();
    if let Some(d) = dsts.iter().find(|d| theirs.contains(d)) {
        return Some(*d);
    }
    let listed = if dsts.is_empty() {
        "it has none".to_string()
    } else {
        let w: Vec<String> = dsts.iter().map(ToString::to_string).collect();
        format!("they go to {}", w.join(", "))
    };
    let to = vtep_address(k, at, far);
    let at_far = to.map(|a| format!(" at {a}")).unwrap_or_default();
    r.block(
        at,
        format!("{name} in {at} has no remote and no FDB entry ({ZEROS}) for {far}{at_far}: {listed}, so frames for {far} are not sent there"),
        to.map(|a| fdb_fix(at, name, a)),
    );
    None
}

/// The far VXLAN has no remote either: its flood entries must lead back to `local`.
pub(crate) fn fdb_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    far: &Netns,
    dev: &str,
    at: &Netns,
    local: IpAddr,
) -> bool {
    // With learning on (the default) the far end learns our VTEP from what we send.
    let learns = k
        .l2(far)
        .iter()
        .find(|l| l.name == dev)
        .and_then(|l| l.learning);
    // An entry it learned (or was given) for any MAC at our VTEP carries the replies too.
    let any = k
        .fdb_entries(far)
        .into_iter()
        .any(|(d, _, ip)| d == dev && ip == local);
    if learns != Some(false) || any {
        return true;
    }
    r.block(
        far,
        format!("{dev} in {far} has no remote and no FDB entry ({ZEROS}) for {at} at {local}: with learning off, the replies are not sent back"),
        Some(fdb_fix(far, dev, local)),
    );
    false
}

/// The underlay from `at` to `remote` (in `far`): a route, the way router by router each way,
/// each end's INPUT chain for the UDP port, the MTU of the outer packets.
#[allow(clippy::too_many_arguments)]
pub(crate) fn underlay(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    name: &str,
    v: &VxlanInfo,
    remote: IpAddr,
    far: &Netns,
    far_port: u16,
    (sender, target, far_dev): (&str, &str, &str),
) -> bool {
    let rt = match k.route_get(at, &Lookup::to(remote)) {
        Ok(rt) => rt,
        Err(e) => {
            r.block(
                at,
                format!(
                    "{name} in {at} has no underlay route to its remote {remote} ({})",
                    e.words
                ),
                None,
            );
            return false;
        }
    };
    let local = v.local.or(rt.src).unwrap_or(remote);
    let Some((_, far_link)) = owner(k, remote) else {
        return true;
    };
    if !super::underlay_up::underlay_up(k, r, at, name, &rt.dev, remote, far, &far_link) {
        return false;
    }
    // The learned frames go by the plain route, the floods out of `dev` (tunnel_send); the
    // far end answers the frames it learned from us by its plain route back.
    let to = |what: String, oif: Option<String>| Leg {
        what,
        from: at,
        local,
        remote,
        to: far,
        oif,
        port: far_port,
        inner: sender.to_string(),
        far_dev: far_dev.to_string(),
        back: false,
    };
    let mut legs = vec![to(
        format!("{name}'s underlay packets to its remote {remote}"),
        None,
    )];
    if let Some(d) = v.dev.as_ref().filter(|d| **d != rt.dev) {
        legs.push(to(
            format!("{name}'s floods to {remote} (out of {d})"),
            Some(d.clone()),
        ));
    }
    legs.push(Leg {
        what: format!("the tunnel's underlay packets back to {local}"),
        from: far,
        local: remote,
        remote: local,
        to: at,
        oif: None,
        port: v.port,
        inner: target.to_string(),
        far_dev: name.to_string(),
        back: true,
    });
    if !legs.iter().all(|leg| reaches(k, r, leg)) {
        return false;
    }
    let there = Udp {
        in_dev: &far_link,
        src: local,
        dst: remote,
        dport: v.port,
    };
    let back = Udp {
        in_dev: &rt.dev,
        src: remote,
        dst: local,
        dport: far_port,
    };
    for (ns, u, who) in [(far, &there, "to"), (at, &back, "back to")] {
        if !input_admits(k, r, ns, u, (who, name)) {
            return false;
        }
    }
    tunnel_fits(k, r, at, name, &rt.dev, far, &far_link)
}

/// Whether `ns`'s INPUT chain lets the tunnel's UDP datagram `u` in (`who`: "to" or "back
/// to", `name`: the VXLAN): false when it drops or rejects it (said in `r`, with the fix).
fn input_admits(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    u: &Udp,
    (who, name): (&str, &str),
) -> bool {
    let Some((target, by)) = input(k, ns, u) else {
        return true;
    };
    if target == "ACCEPT" {
        return true;
    }
    // An IPv6 underlay's datagrams meet ip6tables' INPUT chain.
    let prog = if u.dst.is_ipv6() {
        "ip6tables"
    } else {
        "iptables"
    };
    let (what, fix) = match &by {
        Some((chain, rule)) => (
            format!(
                "rule `{rule}`{}",
                if chain == "INPUT" {
                    String::new()
                } else {
                    format!(" in chain {chain}")
                }
            ),
            format!("sh(\"{prog} -D {chain} {rule}\")"),
        ),
        None if u.dst.is_ipv6() => (
            format!("policy {target}"),
            format!(
                "sh(\"ip6tables -I INPUT -p udp --dport {} -j ACCEPT\")",
                u.dport
            ),
        ),
        None => (
            format!("policy {target}"),
            format!(
                "iptables(\"-I INPUT -p udp --dport {} -j ACCEPT\")",
                u.dport
            ),
        ),
    };
    let chain = if u.dst.is_ipv6() {
        "ip6tables INPUT"
    } else {
        "INPUT"
    };
    r.block(
        ns,
        format!("{ns}'s {chain} chain {} the tunnel's UDP {who} {} port {} from {} ({what}): {name}'s frames do not get through", super::traverse::verb(&target), u.dst, u.dport, u.src),
        Some(call(ns, &fix)),
    );
    false
}
