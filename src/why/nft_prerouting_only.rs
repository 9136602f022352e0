//! `prerouting_only` for native nftables: a `dnat to` in a nat chain at hook prerouting that
//! a client elsewhere meets, with no nat chain at hook output that translates the host's own
//! connection. The fix is the DNAT for this address and port in the table's nat output chain
//! (made when the table has none).

use super::kernel::Kernel;
use super::nft_early::{frame, seen_at};
use super::nft_words::{chains_at, rule_words};
use super::rule_match::Seen;
use super::words::call;
use crate::firewall::nft::foreign_eval::{at_hook, NatKind};
use crate::sys::Netns;
use std::net::IpAddr;

/// NF_INET_PRE_ROUTING and NF_INET_LOCAL_OUT.
const PREROUTING: u32 = 0;
const OUTPUT: u32 = 3;

/// Said after "nothing listens on TCP port PORT of `dst` in `ns`" when `ns` connects to its
/// own `dst` (held on `dev`) and only an nftables nat prerouting chain publishes the port.
pub(crate) fn published(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    dst: IpAddr,
    port: u16,
) -> Option<(String, String)> {
    if !dst.is_ipv4() || dst.is_loopback() {
        return None;
    }
    let pre = chains_at(k, ns, PREROUTING, true);
    if pre.is_empty() {
        return None;
    }
    let s = seen_at(k, ns, dev, (IpAddr::from([0, 0, 0, 0]), dst), true);
    let mark = Some(k.mark_in(ns));
    let o = at_hook(&pre, &frame(&s), mark, true);
    if o.maybe.iter().any(|(c, _)| c.kind == "nat") {
        return None;
    }
    let (c, nat, path) = o.nat.filter(|(_, n, _)| n.kind == NatKind::Dnat)?;
    let to = nat.addr?;
    let out = chains_at(k, ns, OUTPUT, true);
    let mine = Seen { in_dev: None, ..s };
    let oo = at_hook(&out, &frame(&mine), mark, true);
    if oo.nat.is_some() || oo.maybe.iter().any(|(c, _)| c.kind == "nat") {
        return None;
    }
    let target = nat.port.map_or(to.to_string(), |p| format!("{to}:{p}"));
    let dnat = if c.family == "inet" {
        "dnat ip to"
    } else {
        "dnat to"
    };
    let rule = format!("ip daddr {dst} tcp dport {port} {dnat} {target}");
    let sh = |cmd: String| call(ns, &format!("sh(\"{cmd}\")"));
    let fix = match out
        .iter()
        .find(|o| o.kind == "nat" && o.family == c.family && o.table == c.table)
    {
        Some(o) => sh(format!("nft add rule {} {rule}", o.path())),
        None => {
            let taken = k
                .foreign(ns)
                .iter()
                .any(|x| x.family == c.family && x.table == c.table && x.name == "output");
            if taken {
                return None;
            }
            let t = format!("{} {}", c.family, c.table);
            format!(
                "{}; {}",
                sh(format!(
                    "nft 'add chain {t} output {{ type nat hook output priority -100; }}'"
                )),
                sh(format!("nft add rule {t} output {rule}"))
            )
        }
    };
    let said = format!(
        "port {port} is published by an nftables DNAT at hook prerouting ({}: {dnat} {target}), which connections from {ns} itself do not cross: no nat chain at hook output translates them",
        rule_words(&c, &nat.by, &path)
    );
    Some((said, fix))
}
