//! A veth end that was moved out of its bridge's namespace (`ip link set vethb2 netns ns3`):
//! the kernel takes it off the bridge, downs it and drops its addresses on the way, so it sits
//! bare in a namespace where nothing uses it, and the namespace at its other end is cut off.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::report::Report;
use crate::sys::{LinkKind, Netns};

/// `end` (in `ns`) is the other end of `cable` and belongs on bridge `home`: when it is a port
/// of nothing and holds no address in another namespace, it was moved there. Records the break
/// with the fix that moves it back; false when that is not the case.
pub(crate) fn moved(
    k: &mut dyn Kernel,
    r: &mut Report,
    home: (&Netns, &str),
    (ns, end): (&Netns, &LinkDetail),
    cable: (&str, &Netns),
) -> bool {
    let (hns, br) = home;
    if ns == hns || end.master.is_some() || end.kind != Some(LinkKind::Veth) {
        return false;
    }
    let is_bridge = |l: &LinkDetail| l.name == br && l.kind == Some(LinkKind::Bridge);
    if !k.links(hns).iter().any(is_bridge) {
        return false;
    }
    // A cable that ends in a namespace which uses it (an address on it) is routed, not moved;
    // an IPv6 link-local address comes by itself with `up`.
    let link_local =
        |a: &ipnet::IpNet| matches!(a, ipnet::IpNet::V6(v6) if v6.addr().is_unicast_link_local());
    let used = k.view(ns).is_some_and(|v| {
        v.addrs
            .iter()
            .any(|(l, a)| *l == end.name && !link_local(a))
    });
    if used {
        return false;
    }
    let (link, to) = cable;
    let state = if end.up { "" } else { " and down" };
    r.block(
        hns,
        format!(
            "{} (the other end of {link} in {to}) is in {ns}, not in {hns} where {br} is: moved \
             out of the bridge's namespace, it is a port of nothing there{state}, so {to} is cut \
             off from {br}",
            end.name
        ),
        move_back(ns, &end.name, hns, br),
    );
    true
}

/// `ip link set X netns ..` back into the bridge's namespace, then the port made again: run
/// from the host, whose shell's own pid (`$$`) names the host's namespace. Only for stacks of
/// this machine.
fn move_back(from: &Netns, end: &str, to: &Netns, br: &str) -> Option<String> {
    let ip = |ns: &Netns| match ns {
        Netns::Root => Some("ip".to_string()),
        Netns::Named(n) if ns.machine().is_none() => Some(format!("ip -n {n}")),
        _ => None,
    };
    let target = match to {
        Netns::Root => "$$".to_string(),
        Netns::Named(n) if to.machine().is_none() => n.clone(),
        _ => return None,
    };
    Some(format!(
        "sh(\"{} link set {end} netns {target} && {} link set {end} master {br} up\")",
        ip(from)?,
        ip(to)?
    ))
}
