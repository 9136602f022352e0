//! A PMTU black hole: a DF packet too big for a router's out link is dropped there by design,
//! and the router tells the sender with an ICMP "fragmentation needed" (type 3 code 4), after
//! which the sender sends smaller packets. When the router's own OUTPUT drops that ICMP, the
//! sender never learns: the fault is the rule, not the small link.

use super::hooks::{by, chain_words};
use super::kernel::Kernel;
use super::mtu::{packet, wanted};
use super::mtu_fix::{fix, mtu_of, raised};
use super::report::Report;
use super::route_get::Lookup;
use super::rule_match::Seen;
use super::seen::FRAG_NEEDED;
use super::traverse::traverse;
use super::words::call;
use crate::sys::Netns;

/// The chains a locally made packet crosses before routing's output, in the kernel's order
/// (nat OUTPUT does not see an ICMP error: it is RELATED to the probe's connection).
const STEPS: [(&str, &str); 3] = [
    ("raw", "OUTPUT"),
    ("mangle", "OUTPUT"),
    ("filter", "OUTPUT"),
];

/// `link` in the router `ns` is too small for the probe: `true` (said in `r`) when `ns`'s
/// OUTPUT drops the "fragmentation needed" it sends the sender; `false` leaves the MTU's break.
pub(crate) fn hole(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, link: &str) -> bool {
    let p = packet(k);
    let Some(m) = mtu_of(k, ns, link).filter(|m| *m < p) else {
        return false;
    };
    // The sender sends no ICMP to itself: its own link too small is the MTU's fault.
    if ns.to_string() == r.src {
        return false;
    }
    // The probe as this router forwarded it: whom the ICMP goes to.
    let Some(sender) = r
        .crossed_chains
        .iter()
        .rev()
        .find(|(n, _, _, s)| n == ns && s.request() && !s.src_local)
        .map(|(_, _, _, s)| s.src)
    else {
        return false;
    };
    let Ok(back) = k.route_get(ns, &Lookup::to(sender)) else {
        return false;
    };
    let Some(from) = back.src else {
        return false;
    };
    let icmp = Seen {
        in_dev: None,
        out_dev: Some(back.dev.clone()),
        src: from,
        dst: sender,
        icmp_type: FRAG_NEEDED,
        state: "RELATED",
        dst_local: false,
        src_local: true,
        udp_dport: None,
        tcp_port: None,
        mark: None,
        physdev: None,
        dnat: false,
        wire: Default::default(),
    };
    for (table, chain) in STEPS {
        let Some(o) = traverse(k, ns, table, chain, &icmp) else {
            continue;
        };
        if !o.drops() {
            continue;
        }
        let t = match table {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        // The rule that drops it goes; a DROP policy lets this ICMP out first.
        let cmd = match &o.by {
            Some(at) => format!("iptables {t}-D {} {}", at.chain, at.spec),
            None => format!(
                "iptables {t}-I {chain} 1 -p icmp --icmp-type fragmentation-needed -j ACCEPT"
            ),
        };
        let who = super::owner::owner(k, sender)
            .map(|(n, _)| n.to_string())
            .unwrap_or_else(|| sender.to_string());
        let text = format!(
            "{ns} cannot tell {who} that the path MTU is {m}: its {} {} drops the ICMP \"fragmentation needed\" (a PMTU black hole)",
            chain_words(table, chain),
            by(&o)
        );
        r.block(
            ns,
            text,
            Some(call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")))),
        );
        let links = raised(k, ns, link, wanted(p));
        r.other_way = Some(fix(k, &r.src.clone(), &links));
        return true;
    }
    false
}
