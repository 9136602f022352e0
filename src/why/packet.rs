//! The packet as a firewall rule sees it at one router.

use super::kernel::Kernel;
use super::rule_match::Seen;
use crate::sys::Netns;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Packet {
    pub(crate) in_dev: Option<String>,
    pub(crate) out_dev: String,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// The conntrack state: NEW for the request, ESTABLISHED for the reply.
    pub(crate) state: &'static str,
}

impl Packet {
    /// The request as `src` sends it to `dst` (its route's link and source): what its own
    /// output chains and policies judge.
    pub(crate) fn sent(k: &mut dyn Kernel, src: &Netns, dst: IpAddr) -> Option<Packet> {
        let out = k.route_get(src, &super::route_get::Lookup::to(dst)).ok()?;
        Some(Packet {
            in_dev: None,
            out_dev: out.dev,
            src: out.src?,
            dst,
            state: "NEW",
        })
    }

    /// The packet as a rule in `ns` judges it (an ICMP echo, or the TCP segment `why` asks
    /// about: the request when NEW, else the reply), with whether its addresses are `ns`'s own.
    pub(crate) fn seen(&self, k: &mut dyn Kernel, ns: &Netns) -> Seen {
        let local = |k: &mut dyn Kernel, ip| k.view(ns).is_some_and(|v| v.addr_owner(ip).is_some());
        // The service's port, toward the address that serves it (after a DNAT, its own).
        let service = if self.state == "NEW" {
            self.dst
        } else {
            self.src
        };
        let tcp_port = k.tcp_port(service);
        let s = Seen {
            in_dev: self.in_dev.clone(),
            out_dev: Some(self.out_dev.clone()).filter(|o| !o.is_empty()),
            src: self.src,
            dst: self.dst,
            icmp_type: if self.state == "NEW" { 8 } else { 0 },
            state: self.state,
            dst_local: local(k, self.dst),
            src_local: local(k, self.src),
            udp_dport: None,
            tcp_port,
            mark: (self.state == "NEW").then(|| k.mark_in(ns)),
            physdev: None,
            dnat: false,
            wire: super::wire_facts::facts(
                k,
                ns,
                (
                    self.in_dev.is_some(),
                    self.in_dev.is_some() && !self.out_dev.is_empty(),
                ),
                self.state == "NEW",
                tcp_port.is_some(),
            ),
        };
        // Raw untracked it: no `--ctstate` NEW or ESTABLISHED matches it from here on.
        match super::untracked_state::untracking(k, ns, &s) {
            Some(_) => Seen {
                state: "UNTRACKED",
                ..s
            },
            None => s,
        }
    }
}
