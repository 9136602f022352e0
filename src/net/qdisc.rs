//! The tc queueing disciplines of one link, as `tc qdisc show dev X` lists them, and its NOARP
//! flag: what `why` names when the packets vanish at a link that has one.

use futures::TryStreamExt;
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
use rtnetlink::packet_route::tc::{TcAttribute, TcHandle};
use rtnetlink::Handle;

/// Each qdisc of link `index` that is not a default one: (kind, `root`, `ingress` or `child`).
pub(crate) async fn qdiscs(
    handle: &Handle,
    index: u32,
) -> Result<Vec<(String, &'static str)>, rtnetlink::Error> {
    let mut out = vec![];
    let mut all = handle.qdisc().get().index(index as i32).execute();
    while let Some(m) = all.try_next().await? {
        if m.header.index != index as i32 {
            continue;
        }
        let kind = m.attributes.iter().find_map(|a| match a {
            TcAttribute::Kind(k) => Some(k.clone()),
            _ => None,
        });
        let Some(kind) = kind else { continue };
        // What a link gets by default: not something somebody added.
        if matches!(
            kind.as_str(),
            "noqueue" | "pfifo_fast" | "fq_codel" | "mq" | "noop"
        ) {
            continue;
        }
        let at = match m.header.parent {
            TcHandle::ROOT => "root",
            TcHandle::INGRESS => "ingress",
            _ => "child",
        };
        out.push((kind, at));
    }
    Ok(out)
}

/// Whether `dev` has ARP turned off (`ip link set DEV arp off`); a link without a MAC (a tun,
/// `link/none`) is NOARP by nature, not turned off.
pub(crate) async fn noarp(handle: &Handle, dev: &str) -> Result<bool, rtnetlink::Error> {
    let mut links = handle.link().get().match_name(dev.to_string()).execute();
    let mac = |a: &LinkAttribute| matches!(a, LinkAttribute::Address(b) if b.len() == 6);
    Ok(links
        .try_next()
        .await?
        .is_some_and(|l| l.header.flags.contains(LinkFlags::Noarp) && l.attributes.iter().any(mac)))
}
