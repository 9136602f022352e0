//! A VXLAN's remote held by nobody, where the far VXLAN of the same VNI sends from a link with
//! no address of the remote's family: the far VTEP lost its underlay address (rather than our
//! remote being wrong). The fix gives it back, with the prefix of our own underlay subnet.

use super::kernel::Kernel;
use super::link_detail::VxlanInfo;
use super::route_get::Lookup;
use super::words::link_call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// Whether an address can be a VTEP's: neither link-local nor loopback.
pub(crate) fn routable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => !a.is_link_local() && !a.is_loopback(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) != 0xfe80 && !a.is_loopback(),
    }
}

/// The far link the far VXLAN sends from: its `dev`, or the far end of our underlay cable.
fn far_underlay(
    k: &mut dyn Kernel,
    far: &Netns,
    dev: Option<String>,
    out: Option<&str>,
    at: &Netns,
) -> Option<String> {
    if dev.is_some() {
        return dev;
    }
    let l = k
        .links(at)
        .into_iter()
        .find(|l| Some(l.name.as_str()) == out)?;
    let pns = l.peer_ns.clone()?;
    if pns != *far {
        return None;
    }
    let pi = l.peer_index?;
    k.links(far)
        .into_iter()
        .find(|x| x.index == pi)
        .map(|x| x.name)
}

/// (cause, fix) when `remote` (held by nobody) is the address `far`'s VXLAN lost.
pub(crate) fn lost_address(
    k: &mut dyn Kernel,
    at: &Netns,
    v: &VxlanInfo,
    name: &str,
    far: &Netns,
    remote: IpAddr,
) -> Option<(String, Option<String>)> {
    let m = k.links(far).into_iter().find(|l| {
        l.vxlan
            .as_ref()
            .is_some_and(|f| f.id == v.id && f.port == v.port)
    })?;
    let out = k.route_get(at, &Lookup::to(remote)).ok().map(|rt| rt.dev);
    let dev = m.vxlan.as_ref().and_then(|f| f.dev.clone());
    let link = far_underlay(k, far, dev, out.as_deref(), at)?;
    let fam = |a: &IpNet| a.addr().is_ipv4() == remote.is_ipv4() && routable(a.addr());
    let has = k
        .view(far)
        .is_some_and(|vw| vw.addrs.iter().any(|(l, a)| *l == link && fam(a)));
    if has {
        return None;
    }
    let net = out.and_then(|o| {
        k.view(at)?
            .addrs
            .into_iter()
            .find(|(l, a)| *l == o && a.contains(&remote))
            .map(|(_, a)| a)
    });
    let fix = net
        .and_then(|n| IpNet::new(remote, n.prefix_len()).ok())
        .map(|a| link_call(far, &link, &format!("addr(\"{a}\")")));
    let family = if remote.is_ipv4() { "IPv4" } else { "IPv6" };
    Some((
        format!(
            "the L2 path over the tunnel ends at {name} in {at}: its remote {remote} is held by no namespace, and {link} in {far}, under {far}'s {}, has no {family} address (the far VTEP's address is gone)",
            m.name
        ),
        fix,
    ))
}
