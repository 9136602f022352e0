//! The matches of an iptables rule that accepts one flow and nothing more, shared by the fixes
//! that open a chain for it (hooks.rs) and those that replace a policy (drops.rs).

use super::rule_match::Seen;

/// The matches of the rule that lets this packet (and only this path's) through `chain`: for a
/// request its links and addresses; for a reply, conntrack's ESTABLISHED (not in raw, where
/// conntrack has not looked yet).
pub(crate) fn flow_matches(table: &str, chain: &str, p: &Seen) -> String {
    let mut m = vec![];
    // iptables takes no -i where the packet is leaving, no -o where it has just come in.
    let leaving = matches!(chain, "OUTPUT" | "POSTROUTING");
    let arriving = matches!(chain, "PREROUTING" | "INPUT");
    if let Some(i) = p.in_dev.as_ref().filter(|_| !leaving) {
        m.push(format!("-i {i}"));
    }
    if let Some(o) = p.out_dev.as_ref().filter(|_| !arriving) {
        m.push(format!("-o {o}"));
    }
    if p.request() || table == "raw" {
        m.push(format!(
            "-s {} -d {} {}",
            p.src,
            p.dst,
            super::l4::proto_match(p)
        ));
    } else {
        m.push("-m conntrack --ctstate RELATED,ESTABLISHED".into());
    }
    m.join(" ")
}
