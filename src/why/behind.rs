//! Which link of a namespace leads to a given end: the other link whose segment (its cable,
//! its bridge's ports) holds the namespace and link that hold an address. Shared by the checks
//! that name a route out of the wrong link (wrong_link, shadow_link).

use super::ends::{ends, End};
use super::kernel::Kernel;
use super::l2::find;
use crate::sys::Netns;
use ipnet::IpNet;

/// Whether `nlink` in `nns` (or its bridge, when it is a port) is one of the ends.
pub(crate) fn reaches(k: &mut dyn Kernel, all: &[End], nns: &Netns, nlink: &str) -> bool {
    let master = find(k, nns, nlink).and_then(|l| l.master);
    all.iter()
        .any(|e| e.ns == *nns && (e.link == nlink || master.as_deref() == Some(e.link.as_str())))
}

/// The other link of `cur` whose segment holds `nlink` in `nns`, with `cur`'s address there.
pub(crate) fn behind(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    nns: &Netns,
    (nlink, v4): (&str, bool),
) -> Option<(String, Option<IpNet>)> {
    let links: Vec<String> = k
        .links(cur)
        .into_iter()
        .filter(|l| l.name != dev && l.name != "lo" && l.master.is_none())
        .map(|l| l.name)
        .collect();
    for l in links {
        let (all, _) = ends(k, cur, &l);
        if reaches(k, &all, nns, nlink) {
            let addr = k.view(cur).and_then(|v| {
                v.addrs
                    .iter()
                    .find(|(n, a)| *n == l && a.addr().is_ipv4() == v4)
                    .map(|(_, a)| *a)
            });
            return Some((l, addr));
        }
    }
    None
}
