//! A packet that dies in a router where nothing drops it, after a router before it rewrote its
//! TTL (`-j TTL --ttl-set 1`, `--ttl-dec`): the kernel drops it there as expired (and answers
//! "Time to live exceeded"), which no rule or route of that router shows.

use super::kernel::Kernel;
use super::trail::Trail;
use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;

/// The mangle chains a forwarded or sent packet crosses.
const CHAINS: [&str; 4] = ["PREROUTING", "FORWARD", "OUTPUT", "POSTROUTING"];

/// The TTL rule on the trail before `ns` that may have made the packet expire in `ns`.
pub(crate) fn ttl_rule(k: &mut dyn Kernel, t: &Trail, ns: &Netns, what: &str) -> Option<Vanished> {
    let mut before: Vec<Netns> = vec![];
    for s in t.seen.iter().take_while(|s| s.ns != *ns) {
        if !before.contains(&s.ns) {
            before.push(s.ns.clone());
        }
    }
    for at in before.iter().rev() {
        for chain in CHAINS {
            let Some(c) = k.chain(at, "mangle", chain) else {
                continue;
            };
            let Some(rule) = c.rules.into_iter().find(|r| shortens(r)) else {
                continue;
            };
            let del = format!("iptables -t mangle -D {chain} {rule}").replace('"', "\\\"");
            let done = match arg(&rule, "--ttl-set") {
                Some(n) => format!("sets its TTL to {n}, so it expires in {ns}"),
                None => format!("lowers its TTL, so it may expire in {ns}"),
            };
            return Some(Vanished {
                ns: at.clone(),
                cause: format!(
                    "{what}: {at}'s rule `-t mangle -A {chain} {rule}` {done}, the router that \
                     would take it to 0, which drops it without a rule (time exceeded)"
                ),
                fix: Some(call(at, &format!("sh(\"{del}\")"))),
            });
        }
    }
    None
}

/// The number after `flag` in `rule`.
fn arg(rule: &str, flag: &str) -> Option<u32> {
    let w: Vec<&str> = rule.split_whitespace().collect();
    w.iter()
        .position(|x| *x == flag)
        .and_then(|i| w.get(i + 1)?.parse::<u32>().ok())
}

/// A TTL target that leaves too few hops: set to 2 or less, or decreased.
fn shortens(rule: &str) -> bool {
    rule.contains("-j TTL")
        && (arg(rule, "--ttl-set").is_some_and(|n| n <= 2) || arg(rule, "--ttl-dec").is_some())
}
