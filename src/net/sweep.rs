//! A sweep's row (`pingall`): one namespace pings every other stack at once, then drops the
//! neighbour entries the row made.
//!
//! One pair at a time, each with its own socket, path check and neighbour clean-up, star-200's
//! 40,200 pairs took a minute. A row sends to all its targets from one socket, so their ARP
//! resolutions overlap; only the targets that did not answer get their path made ready (see
//! `settle`) and a second round. Dropping the entries matters: every namespace's share one
//! kernel table (1024 entries younger than 5 s by default), which a matrix would fill.

use super::backend::Netlink;
use super::hop;
use super::link_state::{self, LinkState};
use super::neigh;
use super::ping;
use super::settle::{LOOPBACK, POLL};
use crate::plan::SweepRow;
use crate::sys::Netns;
use futures::future::join_all;
use rtnetlink::packet_route::neighbour::NeighbourState;
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::Handle;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// How long a round of a row waits for its answers.
const ROUND: Duration = Duration::from_millis(1000);
/// Echoes to the targets not yet answered go out this often within a round.
const INTERVAL: Duration = Duration::from_millis(200);
/// How far the path to a target that did not answer is made ready.
const MAX_HOPS: usize = 8;

impl Netlink {
    /// Ping each row's targets from its source, the rows together (a thread each). Which
    /// answered, row by row in the order of its targets.
    pub(super) fn sweep_rows(&mut self, rows: &[SweepRow]) -> Vec<Vec<bool>> {
        let v4: Vec<Vec<Ipv4Addr>> = rows
            .iter()
            .map(|r| r.to.iter().filter_map(|(_, a)| ipv4(*a)).collect())
            .collect();
        for (r, dsts) in rows.iter().zip(&v4) {
            if let Some(first) = dsts.first() {
                self.prepare_path(&r.from, *first, Instant::now() + ROUND / 2, 1);
            }
        }
        let mut answered = rounds(rows, &v4);
        let missed: Vec<Vec<Ipv4Addr>> = v4
            .iter()
            .zip(&answered)
            .map(|(d, ok)| {
                d.iter()
                    .zip(ok)
                    .filter(|(_, ok)| !**ok)
                    .map(|(a, _)| *a)
                    .collect()
            })
            .collect();
        if missed.iter().any(|m| !m.is_empty()) {
            let until = Instant::now() + ROUND / 2;
            for (r, m) in rows.iter().zip(&missed) {
                for a in m {
                    self.prepare_path(&r.from, *a, until, MAX_HOPS);
                }
            }
            for (oks, again) in answered.iter_mut().zip(rounds(rows, &missed)) {
                let mut again = again.into_iter();
                for ok in oks.iter_mut().filter(|ok| !**ok) {
                    *ok = again.next().unwrap_or(false);
                }
            }
        }
        let mut made = vec![];
        for (r, dsts) in rows.iter().zip(&v4) {
            made.extend(dsts.iter().map(|a| (r.from.clone(), *a)));
            if let Some(b) = r.back.and_then(ipv4) {
                made.extend(r.to.iter().map(|(to, _)| (to.clone(), b)));
            }
        }
        self.forget_neighbours(&made);
        // IPv6 targets are not pinged (no native ICMPv6 echo yet): no answer.
        rows.iter()
            .zip(answered)
            .map(|(r, oks)| {
                let mut oks = oks.into_iter();
                let v6 = |a: &IpAddr| a.is_ipv6();
                r.to.iter()
                    .map(|(_, a)| !v6(a) && oks.next().unwrap_or(false))
                    .collect()
            })
            .collect()
    }

    /// Apply the pending carrier change of every link of `stacks` (a read of one link does,
    /// see `link_state`), and read again every `POLL` while some are still pending (a kernel
    /// before 6.8 is waited for), until `until`. Right after a big build linkwatch has most
    /// of them still to do, and a row would find its targets deaf.
    pub(super) fn settle_links(&mut self, stacks: &[Netns], until: Instant) {
        let handles: Vec<Handle> = stacks.iter().filter_map(|n| self.handle(n).ok()).collect();
        loop {
            let reads = handles.iter().map(|h| async move {
                let mut pending = 0;
                for l in link_state::all(h).await.iter().filter(|l| l.pending()) {
                    let now = link_state::read(h, l.index).await;
                    pending += usize::from(now.is_some_and(|l| l.pending()));
                }
                pending
            });
            let pending: usize = self.h.rt.block_on(join_all(reads)).into_iter().sum();
            if pending == 0 || Instant::now() + POLL > until {
                return;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Drop each entry (`ns` keeps for the address), every namespace asked together; see
    /// `forget_in`.
    pub(super) fn forget_neighbours(&mut self, entries: &[(Netns, Ipv4Addr)]) {
        let mut asks = vec![];
        for (ns, ips) in neigh::by_namespace(entries) {
            if let Ok(h) = self.handle(&ns) {
                asks.push((h, ips));
            }
        }
        let alias = &self.alias;
        let asks = asks.into_iter().map(|(h, ips)| forget_in(h, ips, alias));
        self.h.rt.block_on(join_all(asks));
    }
}

/// One round of each row, the rows on threads of their own: each ARP broadcast is copied to
/// every port of a bridge by the sending core, so two rows use two cores.
fn rounds(rows: &[SweepRow], dsts: &[Vec<Ipv4Addr>]) -> Vec<Vec<bool>> {
    std::thread::scope(|s| {
        let asks: Vec<_> = rows
            .iter()
            .zip(dsts)
            .map(|(r, d)| {
                let path = r.from.path();
                s.spawn(move || match d.is_empty() {
                    true => vec![],
                    false => ping::ping_many(path.as_deref(), d, ROUND, INTERVAL)
                        .unwrap_or_else(|_| vec![false; d.len()]),
                })
            })
            .collect();
        let answers = asks
            .into_iter()
            .zip(dsts)
            .map(|(a, d)| a.join().unwrap_or_else(|_| vec![false; d.len()]));
        answers.collect()
    })
}

fn ipv4(a: IpAddr) -> Option<Ipv4Addr> {
    match a {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(_) => None,
    }
}

/// Drop the namespace's entries for `ips` (one dump, then a delete each), when the link they
/// are on is this lab's (tagged with `alias`, or in a namespace whose `lo` is) and they are not
/// permanent: never one on the host's own links.
async fn forget_in(h: Handle, ips: Vec<Ipv4Addr>, alias: &str) {
    let Ok(all) = neigh::dump(&h, AddressFamily::Inet).await else {
        return;
    };
    let tagged = |l: Option<LinkState>| l.and_then(|l| l.alias).as_deref() == Some(alias);
    let mut lab_ns = None;
    let mut ours: HashMap<u32, bool> = HashMap::new();
    for n in all {
        let Some(IpAddr::V4(ip)) = neigh::dst(&n) else {
            continue;
        };
        let kept = matches!(
            n.header.state,
            NeighbourState::Permanent | NeighbourState::Noarp
        );
        if kept || !ips.contains(&ip) {
            continue;
        }
        let oif = n.header.ifindex;
        let mine = match ours.get(&oif) {
            Some(m) => *m,
            None => {
                let lab = match lab_ns {
                    Some(l) => l,
                    None => *lab_ns.insert(tagged(link_state::read(&h, LOOPBACK).await)),
                };
                let m = lab || tagged(link_state::read(&h, oif).await);
                *ours.entry(oif).or_insert(m)
            }
        };
        if mine {
            hop::forget(&h, oif, ip).await;
        }
    }
}
