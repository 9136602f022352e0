//! IPv6 proxy NDP: a host (a VPS's, say) answers neighbour solicitations on its uplink for an
//! address it routes elsewhere (a container's), by a proxy entry (`ip -6 neigh add proxy`)
//! that works only while `proxy_ndp` is 1 on that link (or on all).

use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::words::call;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// The namespace and link at the other end of `dev`'s cable (a veth) with a proxy entry for
/// `ip`.
pub(crate) fn proxied(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String)> {
    if !ip.is_ipv6() {
        return None;
    }
    let d = find(k, cur, dev).filter(|d| d.kind == Some(LinkKind::Veth))?;
    let (pns, p) = peer(k, cur, &d)?;
    let held = k
        .ndp_proxies(&pns)
        .iter()
        .any(|(l, a)| *l == p.name && *a == ip);
    (pns != *cur && held).then_some((pns, p.name))
}

/// `ip` unresolved by `ns` on `dev`, proxied at the cable's other end with proxy_ndp off:
/// (where, cause, fix).
pub(crate) fn proxy_off(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String, String)> {
    let (pns, p) = proxied(k, ns, dev, ip)?;
    let key = |l: &str| format!("net.ipv6.conf.{l}.proxy_ndp");
    if [key("all"), key(&p)]
        .iter()
        .any(|k2| k.sysctl(&pns, k2).as_deref() == Some("1"))
    {
        return None;
    }
    let cause = format!(
        "{pns} holds a proxy entry for {ip} on {p} (ip -6 neigh add proxy), but {} is 0, so \
         {pns} does not answer {ns}'s neighbour solicitations for {ip}",
        key(&p)
    );
    let fix = call(&pns, &format!("sh(\"sysctl -w {}=1\")", key(&p)));
    Some((pns, cause, fix))
}
