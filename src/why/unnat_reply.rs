//! The reply that comes back from the DNAT target, not from the address the probe asked (NAT
//! loopback, a DMZ DNAT without `-i wan`, a Service without its masquerade, br_netfilter off):
//! the target answers the client by a way that skips the NAT's conntrack, so the reply is never
//! un-DNATed. A ping prints it (`DIFFERENT ADDRESS!`); TCP and UDP clients drop it.

use super::evidence::Evidence;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_get::Lookup;
use super::sighting::Sighting;
use super::trail::End;
use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The reply reached `src` from another address than `dst`, the one its request was DNATed to
/// on the way: who DNATed it, why the reply skipped it, and the repair.
pub(crate) fn unnatted(
    k: &mut dyn Kernel,
    r: &Report,
    ev: &Evidence,
    (src, dst): (&Netns, IpAddr),
    tcp: Option<u16>,
) -> Option<Vanished> {
    let rep = ev.reply.as_ref()?;
    match &rep.end {
        End::Arrived { ns, .. } if ns == src => {}
        _ => return None,
    }
    let came = rep.seen.iter().rev().find(|s| !s.out)?;
    if came.src == dst {
        return None;
    }
    // The namespace where the request's destination changed to the address the reply came from.
    let first = ev.request.seen.iter().position(|s| s.dst != dst)?;
    let at: &Sighting = &ev.request.seen[first];
    let nat = at.ns.clone();
    if at.dst != came.src || nat == *src || ev.request.seen[..first].iter().all(|s| s.ns != nat) {
        return None;
    }
    let target = at.dst;
    let client = ev.request.seen.first()?.src;
    let End::Arrived { ns: server, .. } = &ev.request.end else {
        return None;
    };
    let (asked, what, drop) = match tcp {
        Some(port) => (format!("{dst}:{port}"), "SYN", "its TCP stack drops it"),
        None => (dst.to_string(), "echo request", "TCP/UDP clients drop it"),
    };
    let (to, rule) = dnat_rule(r, &nat, &asked, target);
    let head = format!("{src}'s {what} to {asked} was DNATed by {nat} to {to}{rule}");
    let tail = format!("so it is never un-DNATed: {src} sees it from {to}, not {asked} ({drop})");
    let out = k.route_get(&nat, &Lookup::to(target)).ok()?.dev;
    let through = rep.seen.iter().any(|s| s.ns == nat);
    let brnf = k.sysctl(&nat, "net.bridge.bridge-nf-call-iptables");
    let (cause, fix) = if !through {
        // The target's way back to the client does not lead through the NAT: masquerade there,
        // so the target answers the NAT, which turns the reply back (kube-proxy's mark for
        // outside clients does this for a Service).
        let fix = format!(
            "sh(\"iptables -t nat -I POSTROUTING 1 -d {target} -o {out} -m conntrack --ctstate DNAT -j MASQUERADE\")"
        );
        (
            format!("{head}, but {server}'s reply goes to {src} without passing {nat}, {tail}"),
            fix,
        )
    } else if brnf.as_deref() == Some("1") {
        return None;
    } else if owner(k, dst).is_none() {
        // An address held by nobody (a Service's virtual IP): the bridged reply needs
        // br_netfilter to meet the conntrack entry, as Kubernetes requires.
        let cause = format!(
            "{head}, but {server}'s reply to {src} is switched by {nat}'s bridge {out} without \
             passing iptables (net.bridge.bridge-nf-call-iptables is {}), {tail}",
            brnf.as_deref()
                .unwrap_or("absent: br_netfilter is not loaded")
        );
        let fix = "sh(\"sysctl -w net.bridge.bridge-nf-call-iptables=1\")".to_string();
        (cause, fix)
    } else {
        // NAT loopback: client and target share the link; masquerading the client makes the
        // target answer the NAT instead of the client.
        let net = k
            .addr_scopes(&nat)
            .into_iter()
            .find(|(d, n, _)| *d == out && n.contains(&client))
            .map(|(_, n, _)| n.trunc().to_string())
            .unwrap_or_else(|| client.to_string());
        let cause = format!(
            "{head}, but {server}'s reply goes straight to {src} on {out}, not back through \
             {nat}, {tail}"
        );
        let fix = format!(
            "sh(\"iptables -t nat -I POSTROUTING 1 -s {net} -d {target} -o {out} -j MASQUERADE\")"
        );
        (cause, fix)
    };
    Some(Vanished {
        fix: Some(call(&nat, &fix)),
        ns: nat,
        cause,
    })
}

/// What the walk said `nat` DNATs `asked` to (`192.168.1.20:80`; `target` when it said
/// nothing), and ` (rule `…`)`: the rule that does it.
fn dnat_rule(r: &Report, nat: &Netns, asked: &str, target: IpAddr) -> (String, String) {
    let said = format!("DNAT: destination {asked} becomes ");
    let at = nat.to_string();
    let found = r.hops.iter().filter(|h| h.at == at).find_map(|h| {
        let rest = &h.text[h.text.find(&said)? + said.len()..];
        let to = rest.split(' ').next()?.to_string();
        let rule = rest
            .find("(rule `")
            .map(|i| &rest[i + 7..])
            .and_then(|r| Some(format!(" (rule `{}`)", &r[..r.find('`')?])));
        Some((to, rule.unwrap_or_default()))
    });
    found.unwrap_or_else(|| (target.to_string(), String::new()))
}
