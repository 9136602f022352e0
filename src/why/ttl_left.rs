//! The TTL a packet has left: its sender's net.ipv4.ip_default_ttl (an IPv6 packet's hop
//! limit: net.ipv6.conf.LINK.hop_limit of the link it leaves by), less one at each router
//! that forwards it. A router that would take it to 0 drops it (and answers Time Exceeded),
//! which no rule or route of that router shows.

use super::fib::FibRoute;
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::RouteGet;
use super::route_mtu::replace;
use super::ttl::CAP;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

const KEY: &str = "net.ipv4.ip_default_ttl";

pub(crate) struct TtlLeft {
    sender: Netns,
    /// The sysctl `sent` comes from.
    key: String,
    sent: usize,
    routers: usize,
    /// The sender's route that sets the TTL (its `hoplimit`): its words, and the fix.
    route: Option<(String, String)>,
}

impl TtlLeft {
    /// What `sender` sends with; Linux's default when the sysctl is not read.
    pub(crate) fn sent_by(k: &mut dyn Kernel, sender: &Netns) -> TtlLeft {
        let sent = k.sysctl(sender, KEY).and_then(|v| v.trim().parse().ok());
        TtlLeft {
            sender: sender.clone(),
            key: KEY.to_string(),
            sent: sent.filter(|n| (1..=255).contains(n)).unwrap_or(CAP),
            routers: 0,
            route: None,
        }
    }

    /// The sender's route: a `hoplimit` on it (RTAX_HOPLIMIT) is the TTL its packets leave
    /// with, whatever the sysctl says. `chosen`: that route as the FIB holds it.
    /// An IPv6 packet (to `dst`) leaves with the hop limit of the link it leaves by.
    pub(crate) fn by_route(
        &mut self,
        k: &mut dyn Kernel,
        (rt, dst): (&RouteGet, IpAddr),
        chosen: Option<&FibRoute>,
    ) {
        if dst.is_ipv6() {
            let key = format!("net.ipv6.conf.{}.hop_limit", rt.dev);
            let sent = k
                .sysctl(&self.sender, &key)
                .and_then(|v| v.trim().parse().ok());
            if let Some(n) = sent.filter(|n| (1..=255).contains(n)) {
                (self.sent, self.key) = (n, key);
            }
        }
        let Some(h) = rt.hoplimit.filter(|h| (1..=255).contains(h)) else {
            return;
        };
        self.sent = h as usize;
        self.route = chosen.map(|c| {
            let words = format!("the hoplimit of its route `{} hoplimit {h}`", c.text());
            (words, exec(&self.sender, &replace(c)))
        });
        if self.route.is_none() {
            self.route = Some(("its route's hoplimit".to_string(), String::new()));
        }
    }

    /// The TTL the packet has left as it leaves the last router counted (or its sender).
    pub(crate) fn left(&self) -> usize {
        self.sent.saturating_sub(self.routers)
    }

    /// `at` forwards `what`: `false` (said in `r`) when its TTL runs out there.
    pub(crate) fn forwarded(&mut self, r: &mut Report, at: &Netns, what: &str) -> bool {
        self.routers += 1;
        if self.routers < self.sent {
            return true;
        }
        let (s, n) = (&self.sender, self.sent);
        let (by, fix) = match &self.route {
            Some((words, fix)) => (words.clone(), (!fix.is_empty()).then(|| fix.clone())),
            None => (
                format!("its {}", self.key),
                Some(call(
                    s,
                    &format!(
                        "sysctl(\"{}\", {})",
                        self.key,
                        if n < CAP { CAP } else { 255 }
                    ),
                )),
            ),
        };
        r.block(
            at,
            format!(
                "{at} drops {what}: its {ttl} runs out there ({s} sends it with {ttl} {n}, {by}, \
                 and {at} is router {} on its way)",
                self.routers,
                ttl = if self.key.starts_with("net.ipv6") {
                    "hop limit"
                } else {
                    "TTL"
                }
            ),
            fix,
        );
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(sent: usize) -> TtlLeft {
        TtlLeft {
            sender: Netns::named("ns1"),
            key: KEY.to_string(),
            sent,
            routers: 0,
            route: None,
        }
    }

    #[test]
    fn a_ttl_of_n_crosses_n_minus_one_routers() {
        let mut t = left(3);
        let mut r = Report::default();
        assert!(t.forwarded(&mut r, &Netns::named("r1"), "the request"));
        assert!(t.forwarded(&mut r, &Netns::named("r2"), "the request"));
        assert!(r.broken.is_none());
        assert!(!t.forwarded(&mut r, &Netns::named("r3"), "the request"));
        assert_eq!(
            r.broken.as_deref(),
            Some(
                "r3 drops the request: its TTL runs out there (ns1 sends it with TTL 3, its \
                 net.ipv4.ip_default_ttl, and r3 is router 3 on its way)"
            )
        );
        assert_eq!(
            r.fix.as_deref(),
            Some(r#"ns1.sysctl("net.ipv4.ip_default_ttl", 64)"#)
        );
    }

    #[test]
    fn a_path_longer_than_the_default_ttl_asks_for_the_most() {
        let mut t = left(CAP);
        let mut r = Report::default();
        let at = Netns::named("r");
        let all = (0..CAP).all(|_| t.forwarded(&mut r, &at, "the request"));
        assert!(!all);
        assert_eq!(
            r.fix.as_deref(),
            Some(r#"ns1.sysctl("net.ipv4.ip_default_ttl", 255)"#)
        );
    }
}
