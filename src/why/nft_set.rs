//! An address held in a named nftables set that a drop rule looks up (fail2ban's
//! `ip saddr @addr-set-sshd drop`, a blocklist): the element is the fault, not the rule, which
//! keeps every other listed address out. The fix deletes that one element.

use super::drops::Path;
use super::kernel::Kernel;
use super::nft_early::{frame, seen_at, what};
use super::nft_words::chains_at;
use super::packet::Packet;
use super::words::call;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_eval::at_hook;
use crate::sys::Netns;
use std::net::IpAddr;

/// The hooks a packet crosses on `path` where a filter chain may drop it.
fn hooks(path: Path) -> &'static [u32] {
    match path {
        Path::Forward => &[0, 2],
        Path::Input => &[0, 1],
        Path::Output => &[3],
    }
}

/// A native chain of `ns` that surely drops `p` because an address of it is an element of a
/// set its rule looks up: (cause, fix).
pub(crate) fn listed(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, String)> {
    let request = p.state == "NEW";
    let mut s = seen_at(
        k,
        ns,
        p.in_dev.as_deref().unwrap_or_default(),
        (p.src, p.dst),
        request,
    );
    s.in_dev = p.in_dev.clone();
    s.out_dev = Some(p.out_dev.clone()).filter(|o| !o.is_empty());
    let f = frame(&s);
    for hook in hooks(path) {
        let chains = chains_at(k, ns, *hook, p.dst.is_ipv4());
        let o = at_hook(&chains, &f, None, request);
        let Some((c, steps)) = o.dropped else {
            continue;
        };
        let (set, key, data) = steps.iter().rev().find_map(|s| s.element.clone())?;
        let last = steps.last()?;
        // A verdict map's element, or rules before it not understood: not this family.
        if !data.is_empty() || !o.maybe.is_empty() {
            return None;
        }
        let rule = match last.chain == c.name {
            true => format!("its rule handle {}", last.handle),
            false => format!("rule handle {} of its chain `{}`", last.handle, last.chain),
        };
        let cause = format!(
            "{ns}'s nftables chain `{}` (hook {}, priority {}) drops {} by {rule}: {key} is in its set `{set}`{}",
            c.path(),
            c.hook_word(),
            c.priority,
            what(&s),
            left(&c, &set, &key)
        );
        let cmd = format!(
            "nft delete element {} {} {set} {{ {key} }}",
            c.family, c.table
        );
        return Some((cause, call(ns, &format!("sh(\"{cmd}\")"))));
    }
    None
}

/// Nothing of the probe was seen: `src`'s own output chains may hold `dst` (or its own
/// address) in a set a drop rule looks up. (cause, fix).
pub(crate) fn at_source(k: &mut dyn Kernel, src: &Netns, dst: IpAddr) -> Option<(String, String)> {
    let p = Packet::sent(k, src, dst)?;
    let (cause, fix) = listed(k, src, Path::Output, &p)?;
    Some((format!("the request never left {src}: {cause}"), fix))
}

/// ` (it times out in 60 min)` for an element of a set with timeouts; else nothing.
fn left(c: &ForeignChain, set: &str, key: &str) -> String {
    let Ok(ip) = key.parse::<IpAddr>() else {
        return String::new();
    };
    let bytes = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let el = c.table_of.sets.get(set).and_then(|s| {
        s.elems
            .iter()
            .find(|e| e.key == bytes && e.end.as_ref().is_none_or(|z| *z == bytes))
    });
    match el.and_then(|e| e.expires) {
        Some(ms) => format!(" (it times out in {} min)", ms.div_ceil(60_000)),
        None => String::new(),
    }
}
