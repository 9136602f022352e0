//! The tc queueing disciplines of one link, as `tc qdisc show dev X` lists them, and its NOARP
//! flag: what `why` names when the packets vanish at a link that has one.

use futures::TryStreamExt;
use rtnetlink::packet_core::Nla;
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
use rtnetlink::packet_route::tc::{TcAttribute, TcHandle, TcOption};
use rtnetlink::Handle;

/// Each qdisc of link `index` that is not a default one: (kind, `root`, `ingress` or `child`).
/// A FIFO's kind carries its limit (`pfifo limit 0`): a limit of 0 drops every packet.
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
        let kind = match fifo_limit(&kind, &m.attributes) {
            Some(limit) => format!("{kind} limit {limit}"),
            None => kind,
        };
        let at = match m.header.parent {
            TcHandle::ROOT => "root",
            TcHandle::INGRESS => "ingress",
            _ => "child",
        };
        out.push((kind, at));
    }
    Ok(out)
}

/// The limit of a FIFO qdisc (its options are one `struct tc_fifo_qopt { __u32 limit; }`).
fn fifo_limit(kind: &str, attrs: &[TcAttribute]) -> Option<u32> {
    if !matches!(kind, "pfifo" | "bfifo" | "pfifo_head_drop") {
        return None;
    }
    let opts = attrs.iter().find_map(|a| match a {
        TcAttribute::Options(o) => Some(o),
        _ => None,
    })?;
    let TcOption::Other(nla) = opts.first()? else {
        return None;
    };
    let mut value = vec![0u8; nla.value_len()];
    nla.emit_value(&mut value);
    Some(u32::from_ne_bytes(value.get(..4)?.try_into().ok()?))
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
