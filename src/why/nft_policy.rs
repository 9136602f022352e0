//! A native nftables base chain (a table of the user's own, not iptables-nft's) whose policy
//! drops the packet: its rules are run against it (`foreign_eval`) and none accepts it. Said
//! by table, family, chain and "policy drop"; the fix inserts an accept for this flow only
//! (and, in a forward chain, its replies when the policy drops them too), never the policy.

use super::drops::Path;
use super::kernel::Kernel;
use super::nft_early::{frame, what};
use super::packet::Packet;
use super::words::call;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_eval::at_hook;
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;

/// The NF_INET hooks a packet crosses on `path`, in order.
fn hooks(path: Path) -> &'static [u32] {
    match path {
        Path::Forward => &[0, 2, 4],
        Path::Input => &[0, 1],
        Path::Output => &[3, 4],
    }
}

/// The base chain whose policy surely drops `f` at one of `path`'s hooks in `ns` (every rule
/// before understood, none accepting it); `None` when it passes, or a rule (or a rule not
/// understood) decides.
fn dropping(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    f: &Frame,
    new: bool,
) -> Option<ForeignChain> {
    let mark = new.then(|| k.mark_in(ns));
    for &hook in hooks(path) {
        let chains = super::nft_words::chains_at(k, ns, hook, f.src.is_ipv4());
        if chains.is_empty() {
            continue;
        }
        let o = at_hook(&chains, f, mark, new);
        if !o.maybe.is_empty() {
            return None;
        }
        match o.dropped {
            Some((c, steps)) if steps.is_empty() => return Some(c),
            Some(_) => return None,
            None => {}
        }
    }
    None
}

/// `ip saddr A ip daddr B` and what narrows it to the flow: its protocol (a request), or
/// `ct state established,related` (its replies).
fn flow(f: &Frame, request: bool) -> String {
    let ip = if f.src.is_ipv4() { "ip" } else { "ip6" };
    let addrs = format!("{ip} saddr {} {ip} daddr {}", f.src, f.dst);
    let port = |at: usize| match (f.l4.get(at), f.l4.get(at + 1)) {
        (Some(Some(a)), Some(Some(b))) => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    };
    let narrow = match (request, f.proto) {
        (false, _) => "ct state established,related".to_string(),
        (true, 6) => port(2).map_or("meta l4proto tcp".into(), |p| format!("tcp dport {p}")),
        (true, 17) => port(2).map_or("meta l4proto udp".into(), |p| format!("udp dport {p}")),
        (true, 58) => "meta l4proto ipv6-icmp".to_string(),
        (true, _) => "meta l4proto icmp".to_string(),
    };
    format!("{addrs} {narrow}")
}

/// `p` (the request when NEW, else its reply) dropped in `ns` on `path` by a native chain's
/// policy: (cause, fix).
pub(crate) fn policy_drop(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, String)> {
    let request = p.state == "NEW";
    let s = p.seen(k, ns);
    let f = frame(&s);
    let c = dropping(k, ns, path, &f, request)?;
    let exec = |m: &str| {
        call(
            ns,
            &format!("sh(\"nft insert rule {} {m} accept\")", c.path()),
        )
    };
    let mut fix = exec(&flow(&f, request));
    // A forward chain sees the replies too: accepted with the request when it drops them.
    if path == Path::Forward && request {
        let back = Packet {
            in_dev: Some(p.out_dev.clone()).filter(|d| !d.is_empty()),
            out_dev: p.in_dev.clone().unwrap_or_default(),
            src: p.dst,
            dst: p.src,
            state: "ESTABLISHED",
        };
        let b = frame(&back.seen(k, ns));
        if dropping(k, ns, path, &b, false).is_some_and(|d| d.path() == c.path()) {
            fix = format!("{fix}; {}", exec(&flow(&b, false)));
        }
    }
    let cause = format!(
        "{ns}'s nft table {} {} chain {} (hook {}, priority {}): policy drop, no rule accepts {}",
        c.family,
        c.table,
        c.name,
        c.hook_word(),
        c.priority,
        what(&s)
    );
    Some((cause, fix))
}

/// The request `src` sends to `dst`, dropped by its own output chain's policy: (cause, fix).
pub(crate) fn at_source(
    k: &mut dyn Kernel,
    src: &Netns,
    dst: std::net::IpAddr,
) -> Option<(String, String)> {
    let p = Packet::sent(k, src, dst)?;
    let (cause, fix) = policy_drop(k, src, Path::Output, &p)?;
    Some((format!("the request never left {src}: {cause}"), fix))
}
