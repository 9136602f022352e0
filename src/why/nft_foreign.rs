//! A packet lost where no iptables rule explains it, in a namespace with an nftables ruleset of
//! its own (a table iptables does not own): a base chain on a hook the packet crosses that
//! drops by policy, or holds rules that drop. Their matches are not judged, so the words say
//! "may", and the fix lets this flow (and its replies) through, or deletes the one dropping rule.

use super::drops::Path;
use super::kernel::Kernel;
use super::packet::Packet;
use super::words::call;
use crate::firewall::nft::foreign::ForeignChain;
use crate::sys::Netns;

/// The NF_INET hooks a packet crosses on `path`.
fn hooks(path: Path) -> &'static [u32] {
    match path {
        Path::Forward => &[0, 2, 4],
        Path::Input => &[0, 1],
        Path::Output => &[3, 4],
    }
}

/// The nftables chain of `ns` that may have dropped `p`: (cause, fix).
pub(crate) fn foreign_drop(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, Option<String>)> {
    let v4 = p.dst.is_ipv4();
    if let Some(said) = nat_first(k, ns, path, p) {
        return Some(said);
    }
    if let Some((cause, fix)) = super::nft_policy::policy_drop(k, ns, path, p) {
        return Some((cause, Some(fix)));
    }
    let mut chains: Vec<ForeignChain> = k
        .foreign(ns)
        .into_iter()
        .filter(|c| {
            let fam = c.family == "inet" || c.family == if v4 { "ip" } else { "ip6" };
            fam && hooks(path).contains(&c.hook) && (c.drops || !c.dropping.is_empty())
        })
        .collect();
    chains.sort_by_key(|c| (c.hook, c.priority));
    let c = chains.first()?;
    let exec = |cmd: String| call(ns, &format!("sh(\"{cmd}\")"));
    let rules = match c.rules {
        0 => "no rules".to_string(),
        1 => "1 rule netsh does not judge".to_string(),
        n => format!("{n} rules netsh does not judge"),
    };
    let head = format!(
        "{ns}'s nftables chain `{}` (hook {}, priority {}, {rules})",
        c.path(),
        c.hook_word(),
        c.priority
    );
    if let [h] = c.dropping.as_slice() {
        if !c.drops {
            return Some((
                format!("{head} may drop it by its rule handle {h}"),
                Some(exec(format!("nft delete rule {} handle {h}", c.path()))),
            ));
        }
    }
    if !c.drops {
        let list: Vec<String> = c.dropping.iter().map(|h| h.to_string()).collect();
        return Some((
            format!(
                "{head} may drop it by one of its rules (handles {})",
                list.join(", ")
            ),
            None,
        ));
    }
    let ip = if v4 { "ip" } else { "ip6" };
    let fix = format!(
        "{}; {}",
        exec(format!(
            "nft insert rule {} ct state established,related accept",
            c.path()
        )),
        exec(format!(
            "nft insert rule {} {ip} saddr {} {ip} daddr {} accept",
            c.path(),
            p.src,
            p.dst
        )),
    );
    Some((
        format!("{head} drops by its policy what its rules do not accept"),
        Some(fix),
    ))
}

/// A native nat chain that may have rewritten `p` before any drop: the cause, with no fix (a
/// filter rule blamed instead would judge the packet as if it were untouched).
pub(crate) fn nat_first(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, Option<String>)> {
    let dev = p.in_dev.clone().unwrap_or_default();
    let s = super::nft_early::seen_at(k, ns, &dev, (p.src, p.dst), true);
    let f = super::nft_early::frame(&s);
    let nat_hooks: &[u32] = match path {
        Path::Output => &[3],
        _ => &[0],
    };
    let c = super::nft_nat::nat_chain(k, ns, nat_hooks, &f)?;
    Some((
        format!(
            "{} may have rewritten it (its NAT rules are not understood): look there for a translation to an address nothing answers or a chain that rejects it",
            super::nft_words::head(ns, &c)
        ),
        None,
    ))
}
