//! IPv6 neighbour discovery: a next hop that never answers the neighbour solicitations of the
//! router before it. The likeliest cause a person meets is the holder's own ip6tables INPUT
//! chain: a policy DROP that lets only the echo (and ESTABLISHED) in drops the solicitation,
//! which conntrack never tracks (state INVALID).

use super::kernel::Kernel;
use super::owner::owner;
use super::seen::Seen;
use super::traverse::traverse;
use super::wire::Wire;
use super::words::call;
use crate::sys::Netns;
use std::net::{IpAddr, Ipv6Addr};

const SOLICITATION: u8 = 135;

/// The solicited-node multicast address of `ip` (ff02::1:ffXX:XXXX), where solicitations go.
fn solicited(ip: Ipv6Addr) -> Ipv6Addr {
    let o = ip.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// `ip` (IPv6) left unresolved by `ns` on `dev`: the holder's INPUT rule or policy that drops
/// the solicitation, as (where, cause, fix); `None` when its chain lets it in.
pub(crate) fn nd_dropped(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String, String)> {
    let IpAddr::V6(ip6) = ip else { return None };
    let (holder, link) = owner(k, ip)?;
    let asker = k
        .view(ns)
        .and_then(|v| {
            v.addrs
                .iter()
                .find(|(l, a)| *l == dev && a.addr().is_ipv6())
                .map(|(_, a)| a.addr())
        })
        .unwrap_or(ip);
    let s = Seen {
        in_dev: Some(link.clone()),
        out_dev: None,
        src: asker,
        dst: IpAddr::V6(solicited(ip6)),
        icmp_type: SOLICITATION,
        state: "INVALID",
        dst_local: true,
        src_local: false,
        udp_dport: None,
        tcp_port: None,
        mark: None,
        physdev: None,
        dnat: false,
        wire: Wire::default(),
    };
    let o = traverse(k, &holder, "filter", "INPUT", &s)?;
    if !o.drops() {
        return None;
    }
    let cause = format!(
        "{holder}'s ip6tables INPUT chain drops the neighbour solicitations for {ip} arriving \
         on {link} ({}), so {ns} cannot resolve {ip} (neighbour discovery fails)",
        o.by_words()
    );
    let fix = ["neighbour-solicitation", "neighbour-advertisement"]
        .map(|t| {
            call(
                &holder,
                &format!("sh(\"ip6tables -I INPUT -p ipv6-icmp --icmpv6-type {t} -j ACCEPT\")"),
            )
        })
        .join("; ");
    Some((holder, cause, fix))
}

#[cfg(test)]
mod tests {
    #[test]
    fn solicited_node_address() {
        let ip = "2001:db8:2::10".parse().unwrap();
        assert_eq!(super::solicited(ip).to_string(), "ff02::1:ff00:10");
    }
}
