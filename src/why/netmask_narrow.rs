//! A netmask too narrow: a host's address on a link is narrower than the segment's subnet
//! (a /32 where the bridge holds a /24), so it has no connected route to the segment and no
//! gateway it can reach: it has no route anywhere. Fixed by the segment's prefix.

use super::ends::ends;
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::route_add;
use super::words::call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `at` has no route to `to` (the kernel said `words`): `true` (said in `r`) when one of its
/// addresses is narrower than what its segment's other ends hold for the same subnet.
pub(crate) fn too_narrow(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    to: IpAddr,
    what: &str,
    words: &str,
) -> bool {
    let Some(v) = k.view(at) else { return false };
    for (dev, mine) in v.addrs.iter().filter(|(l, _)| l != "lo") {
        let Some((holder, theirs, router)) = wider_on_segment(k, at, dev, *mine) else {
            continue;
        };
        let with = IpNet::new(mine.addr(), theirs.prefix_len()).unwrap_or(theirs);
        // IPv4 holds both prefixes of one address at once, so the wider comes first and the
        // link never goes without it; IPv6 knows an address by itself (adding it again is
        // refused), so the narrow one goes first, and the wide one needs no DAD: it was ours.
        let fix = match mine.addr().is_ipv4() {
            true => format!(
                "{}; {}",
                call(at, &format!("sh(\"ip addr add {with} dev {dev}\")")),
                call(at, &format!("sh(\"ip addr del {mine} dev {dev}\")"))
            ),
            false => call(
                at,
                &format!(
                    "sh(\"ip addr del {mine} dev {dev} && ip addr add {with} dev {dev} nodad\")"
                ),
            ),
        };
        // The narrow address took the default route through the segment's router with it
        // (IPv4 drops routes whose gateway leaves the link's subnets): the fix gives it back.
        let no_default = !v
            .routes
            .iter()
            .any(|rt| rt.dst.prefix_len() == 0 && rt.dst.addr().is_ipv4() == to.is_ipv4());
        let forwards = k.sysctl(&router, "net.ipv4.ip_forward").as_deref() == Some("1");
        let fix = match (
            no_default && forwards && to.is_ipv4() && !with.contains(&to),
            IpNet::new(to, 0),
        ) {
            (true, Ok(default)) => {
                format!("{fix}; {}", route_add(at, &default.trunc(), theirs.addr()))
            }
            _ => fix,
        };
        r.block(
            at,
            format!(
                "{at} has no route for {what} to {to} ({words}): its address {mine} on {dev} is \
                 narrower than its segment's {} ({holder} holds {theirs}), so it has no route \
                 into the segment nor through its gateway",
                theirs.trunc()
            ),
            Some(fix),
        );
        return true;
    }
    false
}

/// An address of another end of `dev`'s segment whose wider prefix holds `mine`.
fn wider_on_segment(
    k: &mut dyn Kernel,
    at: &Netns,
    dev: &str,
    mine: IpNet,
) -> Option<(String, IpNet, Netns)> {
    let (all, _) = ends(k, at, dev);
    for e in all.iter().filter(|e| e.ns != *at) {
        let Some(v) = k.view(&e.ns) else { continue };
        let found = v.addrs.iter().find(|(l, a)| {
            *l == e.link && a.prefix_len() < mine.prefix_len() && a.contains(&mine.addr())
        });
        if let Some((l, a)) = found {
            return Some((format!("{}'s {l}", e.ns), *a, e.ns.clone()));
        }
    }
    None
}
