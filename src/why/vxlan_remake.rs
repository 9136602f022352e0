//! A VXLAN device made again: a VNI, remote or dev cannot be changed in place. What the old
//! device had and the fix does not mean to change goes into the new one: its `local`, `ttl`,
//! `nolearning`, group, port, master and up state, and its FDB's head-end entries.

use super::kernel::Kernel;
use super::link_detail::{LinkDetail, VxlanInfo};
use super::words::{call, link_call, link_ref};
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// The device `old` in `ns` deleted and made again with `v` (VNI, remote or group, local, dev,
/// port, ttl, learning), a port of `old`'s master again and up when it was. The FDB entries
/// with a remote go with the device: those it had are put back (with learning on, only the
/// all-zeros flood list: its MACs it learns again). The fix may run in another lab than the
/// one that made the device: it says `adopted: true`.
pub(crate) fn recreate(k: &mut dyn Kernel, ns: &Netns, old: &LinkDetail, v: &VxlanInfo) -> String {
    let entries: Vec<(String, IpAddr)> = k
        .fdb_entries(ns)
        .into_iter()
        .filter(|(dev, ..)| *dev == old.name)
        .map(|(_, mac, dst)| (mac, dst))
        .collect();
    let old_remote = old.vxlan.as_ref().and_then(|o| o.remote);
    let (addrs, routes) = held(k, ns, &old.name);
    let mut out = vec![
        link_call(ns, &old.name, "del(#{ adopted: true })"),
        call(ns, &made(ns, old, v, &addrs)),
    ];
    out.extend(
        kept(&entries, (old_remote, v.remote), v.nolearning)
            .into_iter()
            .map(|e| link_call(ns, &old.name, &format!("fdb(#{{ {e} }})"))),
    );
    out.extend(routes.into_iter().map(|r| call(ns, &r)));
    out.join("; ")
}

/// What an L3 device `name` holds and goes with it: its addresses (not the IPv6 link-local
/// one the kernel makes) and the routes through it (not those the kernel makes for its
/// addresses), as `route()` calls.
fn held(k: &mut dyn Kernel, ns: &Netns, name: &str) -> (Vec<IpNet>, Vec<String>) {
    let Some(view) = k.view(ns) else {
        return (vec![], vec![]);
    };
    let link_local = |a: IpAddr| matches!(a, IpAddr::V6(x) if x.segments()[0] & 0xffc0 == 0xfe80);
    let addrs: Vec<IpNet> = view
        .addrs
        .iter()
        .filter(|(l, a)| l == name && !link_local(a.addr()))
        .map(|(_, a)| *a)
        .collect();
    let routes = view
        .routes
        .iter()
        .filter(|r| r.dev.as_deref() == Some(name))
        .filter(|r| !link_local(r.dst.addr()) && !r.dst.addr().is_multicast())
        .filter(|r| r.via.is_some() || !addrs.iter().any(|a| a.trunc() == r.dst))
        .map(|r| {
            let dst = match r.dst.prefix_len() {
                0 => "default".to_string(),
                _ => r.dst.to_string(),
            };
            let via = r.via.map(|g| format!("via: \"{g}\", ")).unwrap_or_default();
            format!("route(\"{dst}\", #{{ {via}dev: \"{name}\" }})")
        })
        .collect();
    (addrs, routes)
}

/// `vxlan("vx0", #{ … }).master(…).addr(…).up()`: the device as the DSL makes it.
fn made(ns: &Netns, old: &LinkDetail, v: &VxlanInfo, addrs: &[IpNet]) -> String {
    let mut o = vec![format!("id: {}", v.id)];
    match v.remote {
        Some(g) if g.is_multicast() => o.push(format!("group: \"{g}\"")),
        Some(r) => o.push(format!("remote: \"{r}\"")),
        None => {}
    }
    if let Some(l) = v.local {
        o.push(format!("local: \"{l}\""));
    }
    if let Some(d) = &v.dev {
        o.push(format!("dev: \"{d}\""));
    }
    o.push(format!("port: {}", v.port));
    if v.ttl != 0 {
        o.push(format!("ttl: {}", v.ttl));
    }
    if v.nolearning {
        o.push("learning: false".into());
    }
    let master = old
        .master
        .as_ref()
        .map(|m| format!(".master({})", link_ref(ns, m)))
        .unwrap_or_default();
    let addr: String = addrs.iter().map(|a| format!(".addr(\"{a}\")")).collect();
    let up = if old.up { ".up()" } else { "" };
    format!(
        "vxlan(\"{}\", #{{ {} }}){master}{addr}{up}",
        old.name,
        o.join(", ")
    )
}

/// The FDB entries to put back, as `fdb()`'s options: each once, the remote's own flood entry
/// (old or new: the kernel makes it with the device) left out; learned MACs left to learning.
fn kept(
    entries: &[(String, IpAddr)],
    (old, new): (Option<IpAddr>, Option<IpAddr>),
    nolearning: bool,
) -> Vec<String> {
    use super::link_l2::ZEROS;
    let mut out: Vec<String> = vec![];
    for (mac, dst) in entries {
        let flood = mac == ZEROS;
        if (flood && (Some(*dst) == old || Some(*dst) == new)) || (!flood && !nolearning) {
            continue;
        }
        let e = match flood {
            true => format!("dst: \"{dst}\""),
            false => format!("mac: \"{mac}\", dst: \"{dst}\""),
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_setting_the_old_device_had_is_made_again() {
        let old = LinkDetail {
            name: "vx42".into(),
            master: Some("br0".into()),
            up: true,
            ..LinkDetail::default()
        };
        let v = VxlanInfo {
            id: 42,
            local: Some(ip("192.0.2.1")),
            dev: Some("ul".into()),
            port: 8472,
            ttl: 9,
            nolearning: true,
            ..VxlanInfo::default()
        };
        let ns = Netns::Named("v1".into());
        assert_eq!(
            made(&ns, &old, &v, &[]),
            r#"vxlan("vx42", #{ id: 42, local: "192.0.2.1", dev: "ul", port: 8472, ttl: 9, learning: false }).master(v1.link("br0")).up()"#
        );
        let group = VxlanInfo {
            remote: Some(ip("239.1.1.1")),
            ..v.clone()
        };
        let down = LinkDetail {
            up: false,
            master: None,
            ..old
        };
        assert!(made(&ns, &down, &group, &[]).ends_with(r#"learning: false })"#));
        assert!(made(&ns, &down, &group, &[]).contains(r#"group: "239.1.1.1""#));
        // An L3 device (no master, its addresses on it) gets them back before it is up.
        let l3 = LinkDetail {
            master: None,
            up: true,
            ..down
        };
        let a: IpNet = "10.200.0.2/24".parse().unwrap();
        assert!(
            made(&ns, &l3, &v, &[a]).ends_with(r#"learning: false }).addr("10.200.0.2/24").up()"#)
        );
    }

    #[test]
    fn the_flood_list_is_kept_without_the_remotes_own_entry() {
        let z = crate::why::link_l2::ZEROS.to_string();
        let m = "02:00:00:00:00:09".to_string();
        let entries = [
            (z.clone(), ip("192.0.2.2")),
            (z.clone(), ip("192.0.2.3")),
            (z, ip("192.0.2.9")),
            (m, ip("192.0.2.2")),
        ];
        let got = kept(&entries, (Some(ip("192.0.2.9")), None), false);
        assert_eq!(got, [r#"dst: "192.0.2.2""#, r#"dst: "192.0.2.3""#]);
        let got = kept(&entries, (None, Some(ip("192.0.2.3"))), true);
        assert_eq!(
            got,
            [
                r#"dst: "192.0.2.2""#,
                r#"dst: "192.0.2.9""#,
                r#"mac: "02:00:00:00:00:09", dst: "192.0.2.2""#
            ]
        );
    }
}
