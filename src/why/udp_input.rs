//! Whether a host's INPUT chain lets a tunnel's UDP in (a VXLAN's port): the same traversal as
//! every other chain, with the datagram as the rules see it.

use super::kernel::Kernel;
use super::rule_match::Seen;
use super::traverse::traverse;
use crate::sys::Netns;
use std::net::IpAddr;

/// The UDP datagram as INPUT sees it.
pub(crate) struct Udp<'a> {
    pub(crate) in_dev: &'a str,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) dport: u16,
}

/// The verdict of `ns`'s filter INPUT chain for `u` and the chain and rule that gave it
/// (`None`: the policy); user chains followed, a rule not understood assumed not to match.
pub(crate) fn input(
    k: &mut dyn Kernel,
    ns: &Netns,
    u: &Udp,
) -> Option<(String, Option<(String, String)>)> {
    let seen = Seen {
        in_dev: Some(u.in_dev.to_string()),
        out_dev: None,
        src: u.src,
        dst: u.dst,
        icmp_type: 0,
        state: "NEW",
        dst_local: true,
        src_local: false,
        udp_dport: Some(u.dport),
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire: Default::default(),
    };
    let o = traverse(k, ns, "filter", "INPUT", &seen)?;
    Some((o.target, o.by.map(|at| (at.chain, at.spec))))
}
