//! A router with no route to a destination on a segment it is cabled to: its link there lost
//! the address the destination's side routes by. Told from the destination's side: its address
//! on that segment gives the subnet, its route via an address nobody holds gives the address.

use super::ends::ends;
use super::kernel::Kernel;
use super::owner::owner;
use super::v6_off;
use super::words::link_call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// (the cause, the fix) when `at`'s link on `dst`'s segment has no address in its subnet and
/// the destination routes via an address of that subnet that nobody holds.
/// `held`: the destination's holder and its link, as `owner` found them.
pub(crate) fn lost_addr(
    k: &mut dyn Kernel,
    at: &Netns,
    dst: IpAddr,
    held: (Netns, String),
) -> Option<(String, String)> {
    let (tns, tdev) = held;
    let tv = k.view(&tns)?;
    let tnet = tv
        .addrs
        .iter()
        .find(|(l, a)| *l == tdev && a.addr() == dst)
        .map(|(_, a)| a.trunc())?;
    // The address the destination's side expects its router to hold there.
    let gw = tv
        .routes
        .iter()
        .filter_map(|r| r.via)
        .find(|g| tnet.contains(g) && owner(k, *g).is_none())?;
    let (all, _) = ends(k, &tns, &tdev);
    let mine = all.iter().find(|e| e.ns == *at && !e.bridge)?;
    let av = k.view(at)?;
    if av
        .addrs
        .iter()
        .any(|(l, a)| *l == mine.link && tnet.contains(&a.addr()))
    {
        return None;
    }
    let with = IpNet::new(gw, tnet.prefix_len()).ok()?;
    if let Some(key) = v6_off::off(k, at, &mine.link).filter(|_| dst.is_ipv6()) {
        let off = v6_off::words(at, &mine.link, &key, &with);
        return Some((
            format!("{at} has no route to {dst}: {off} ({tns} routes via {gw})"),
            v6_off::fix(at, &mine.link, &key, &with),
        ));
    }
    Some((
        format!(
            "{at} has no route to {dst}: {} in {at}, on {dst}'s segment, has no address in {tnet} \
             ({tns} routes via {gw}, which nobody holds)",
            mine.link
        ),
        link_call(at, &mine.link, &format!("addr(\"{with}\")")),
    ))
}
