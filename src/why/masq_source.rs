//! The source MASQUERADE gives a packet, as the kernel picks it: from the out link of the
//! route the packet really took (a policy rule's table as much as main), never from another
//! lookup of the destination. IPv4 (`inet_select_addr(out, next hop, scope universe)`): the
//! first primary global address of that link whose network holds the next hop (a peer's, for
//! a point-to-point address), else its first primary global address, else the first of the
//! namespace's. IPv6: the link's own source choice for the destination.

use super::if_addr::IfAddr;
use super::kernel::Kernel;
use super::route_get::Lookup;
use crate::sys::Netns;
use std::net::IpAddr;

/// The address MASQUERADE at `ns` gives a packet to `dst` leaving by `dev` towards `next`
/// (its gateway, or `dst` itself on link). `None`: none to give (the kernel drops it).
pub(crate) fn masq_source(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    next: IpAddr,
    dst: IpAddr,
) -> Option<IpAddr> {
    let main = |k: &mut dyn Kernel| k.route_get(ns, &Lookup::to(dst)).ok()?.src;
    if dst.is_ipv6() {
        let q = Lookup {
            oif: Some(dev.to_string()),
            ..Lookup::to(dst)
        };
        return k
            .route_get(ns, &q)
            .ok()
            .and_then(|r| r.src)
            .or_else(|| main(k));
    }
    let addrs = k.if_addrs(ns);
    if addrs.is_empty() {
        // The addresses could not be read: the route's own choice is the best word left.
        return main(k);
    }
    chosen(&addrs, dev, next)
}

/// `inet_select_addr`'s choice among `addrs` (the kernel's order) for `dev` and `next`.
fn chosen(addrs: &[IfAddr], dev: &str, next: IpAddr) -> Option<IpAddr> {
    let usable = |a: &&IfAddr| a.local.is_ipv4() && !a.secondary && a.scope == 0;
    let on_dev: Vec<&IfAddr> = addrs
        .iter()
        .filter(|a| a.link == dev)
        .filter(usable)
        .collect();
    on_dev
        .iter()
        .find(|a| holds(a, next))
        .or_else(|| on_dev.first())
        .map(|a| a.local)
        .or_else(|| addrs.iter().find(usable).map(|a| a.local))
}

/// The address's network (its peer's, for a point-to-point one) holds `ip`.
fn holds(a: &IfAddr, ip: IpAddr) -> bool {
    let base = a.peer.unwrap_or(a.local);
    ipnet::IpNet::new(base, a.prefix).is_ok_and(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(link: &str, addr: &str, scope: u8, secondary: bool) -> IfAddr {
        let (ip, len) = addr.split_once('/').unwrap();
        let (local, peer) = match ip.split_once(" peer ") {
            Some((l, p)) => (l.parse().unwrap(), Some(p.parse().unwrap())),
            None => (ip.parse().unwrap(), None),
        };
        IfAddr {
            link: link.into(),
            local,
            prefix: len.parse().unwrap(),
            peer,
            scope,
            secondary,
            dadfailed: false,
            tentative: false,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_out_links_address_on_the_gateways_network_is_taken() {
        let lo = a("lo", "127.0.0.1/8", 254, false);
        let mgmt = a("mgmt", "10.50.0.2/24", 0, false);
        let cases: &[(&str, Vec<IfAddr>, &str, &str)] = &[
            // The policy route's link, not main's: wan's address.
            (
                "wan",
                vec![
                    lo.clone(),
                    mgmt.clone(),
                    a("wan", "198.51.100.2/30", 0, false),
                ],
                "198.51.100.1",
                "198.51.100.2",
            ),
            // Several primaries: the one whose network holds the gateway, not the first.
            (
                "wan",
                vec![
                    a("wan", "192.0.2.2/24", 0, false),
                    a("wan", "198.51.100.2/30", 0, false),
                ],
                "198.51.100.1",
                "198.51.100.2",
            ),
            // No network holds it: the first primary global address.
            (
                "wan",
                vec![
                    a("wan", "192.0.2.2/24", 0, false),
                    a("wan", "198.51.100.6/30", 0, false),
                ],
                "198.51.100.1",
                "192.0.2.2",
            ),
            // A secondary is never taken, even on the gateway's network.
            (
                "wan",
                vec![
                    a("wan", "192.0.2.2/24", 0, false),
                    a("wan", "192.0.2.9/24", 0, true),
                    a("wan", "198.51.100.2/30", 0, true),
                ],
                "198.51.100.1",
                "192.0.2.2",
            ),
            // A /32 with a peer: its network is the peer's.
            (
                "ppp0",
                vec![
                    a("ppp0", "100.64.0.7 peer 100.64.0.1/32", 0, false),
                    a("ppp0", "100.64.9.9/32", 0, false),
                ],
                "100.64.0.1",
                "100.64.0.7",
            ),
            (
                "ppp0",
                vec![
                    a("ppp0", "100.64.9.9/32", 0, false),
                    a("ppp0", "100.64.0.7 peer 100.64.0.1/32", 0, false),
                ],
                "100.64.0.1",
                "100.64.0.7",
            ),
            // Link scope is not for MASQUERADE: the link has none, another link's is taken.
            (
                "wan",
                vec![lo, mgmt, a("wan", "169.254.0.2/16", 253, false)],
                "169.254.0.1",
                "10.50.0.2",
            ),
        ];
        for (dev, addrs, next, want) in cases {
            assert_eq!(
                chosen(addrs, dev, ip(next)),
                Some(ip(want)),
                "{dev} {next} {addrs:?}"
            );
        }
    }

    #[test]
    fn no_global_address_at_all_gives_none() {
        let addrs = [
            a("lo", "127.0.0.1/8", 254, false),
            a("wan", "169.254.0.2/16", 253, false),
        ];
        assert_eq!(chosen(&addrs, "wan", ip("169.254.0.1")), None);
    }
}
