//! A mark that sends a whole network another way: a mangle rule marks every packet from a
//! link's network (`-s 10.1.0.0/24 -j MARK --set-mark 0x2`, or every packet in on the link),
//! and a policy rule (`fwmark 0x2 lookup 200`) sends marked packets by a table whose route
//! leads where the packet is lost. The policy rule and its table may be meant (a backup
//! uplink, a VPN's table); the mark on traffic that never asked for it is the fault, and its
//! rule is deleted.

use super::broad_mark::{broad, marker};
use super::fib::FibRule;
use super::kernel::Kernel;
use super::route_get::Lookup;
use super::traverse::At;
use crate::firewall::rule::shell_words;
use crate::sys::Netns;
use ipnet::IpNet;

/// The mangle rule that gave the forwarded packet `q` the mark `rule` looks for, when it marks
/// everything from the network of the link the packet came in on: (the rule, its deletion).
pub(crate) fn whole_net(
    k: &mut dyn Kernel,
    at: &Netns,
    q: &Lookup,
    rule: &FibRule,
) -> Option<(At, String)> {
    if rule.fwmark.is_none() || rule.invert || q.mark == 0 {
        return None;
    }
    let iif = q.iif.as_deref()?;
    let by = marker(k, at, q)?;
    if !broad(&by.spec) && !covers_link(k, at, iif, &by.spec) {
        return None;
    }
    let fix = by.deleted(at, false);
    Some((by, fix))
}

/// Whether `spec` matches by nothing but a `-s` holding the whole network of `link` (and what
/// `broad` allows): every host behind the link is marked.
fn covers_link(k: &mut dyn Kernel, at: &Netns, link: &str, spec: &str) -> bool {
    let w = shell_words(spec).unwrap_or_default();
    let Some(i) = w.iter().position(|x| x == "-s" || x == "--source") else {
        return false;
    };
    if i > 0 && w[i - 1] == "!" {
        return false;
    }
    let Ok(net) = w[i + 1].parse::<IpNet>() else {
        return false;
    };
    let mut rest = w.clone();
    rest.drain(i..i + 2);
    let nets: Vec<IpNet> = k
        .view(at)
        .map(|v| {
            v.addrs
                .iter()
                .filter(|(l, _)| l == link)
                .map(|(_, a)| a.trunc())
                .collect()
        })
        .unwrap_or_default();
    broad(&rest.join(" ")) && nets.iter().any(|n| net.contains(n))
}
