//! The sender's own address held by another host it talks to: the next hop's kernel takes an
//! ARP request from one of its own addresses as a martian and does not answer it, and a
//! third host on the segment holding it answers ARP for it in the sender's place.

use super::arp_sender::sender_ip;
use super::duplicate::{holders, segment, Holder};
use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

fn del_copy(h: &Holder) -> String {
    call(
        &h.ns,
        &format!(
            "link(\"{}\").del_addr(\"{}\", #{{ adopted: true }})",
            h.link, h.net
        ),
    )
}

/// `false` (said in `r`) when the address `cur` sends from on `dev` is also held by `nns` or by
/// another host on `dev`'s segment.
pub(crate) fn own_copy(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
    nns: &Netns,
) -> bool {
    let Some(sip) = sender_ip(k, cur, dev, next) else {
        return true;
    };
    let all = holders(k, sip);
    if all.len() < 2 {
        return true;
    }
    let seg = segment(k, cur, dev);
    let mut copies = vec![];
    for h in all {
        if h.ns != *cur && (h.ns == *nns || segment(k, &h.ns, &h.link) == seg) {
            copies.push(h);
        }
    }
    if copies.is_empty() {
        return true;
    }
    let mut named = vec![];
    for h in &copies {
        named.push(format!(
            "{} ({} {})",
            h.ns,
            h.link,
            k.mac(&h.ns, &h.link).unwrap_or_else(|| "no MAC".into())
        ));
    }
    let mine = format!(
        "{cur} ({dev} {})",
        k.mac(cur, dev).unwrap_or_else(|| "no MAC".into())
    );
    let why = if copies.iter().any(|h| h.ns == *nns) {
        format!("{nns} takes ARP requests from {sip} as its own and does not answer them")
    } else {
        format!("the replies to {sip} may go to the other host")
    };
    let mut fix: Vec<String> = copies.iter().map(del_copy).collect();
    // A host that cached the copy's MAC for the sender keeps it until it ages out.
    if !copies.iter().any(|h| h.ns == *nns) {
        fix.push(call(nns, &format!("sh(\"ip neigh flush to {sip}\")")));
    }
    r.block(
        cur,
        format!(
            "{cur}'s own address {sip} is also held by {} besides {mine} (a duplicate address): {why}",
            named.join(" and ")
        ),
        Some(fix.join("; ")),
    );
    r.firm = true;
    false
}
