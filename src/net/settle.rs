//! Before a ping's first echo: bring up the links its first hop needs and resolve the next
//! hop's neighbour once, instead of racing echoes against a lab that is still coming up.
//!
//! Right after a big build the kernel is still applying carrier changes (linkwatch drains its
//! backlog about a hundred links a second): a bridge port stays disabled and a veth sends
//! nothing until its turn. An ARP probe sent then is lost, and the kernel asks again only a
//! second later (three times, then FAILED). So the output device and its veth peer (a bridge
//! port, in a star) are read first (a read applies a link's pending change, see `link_state`),
//! then the neighbour is resolved; when no answer comes at once, the namespace that owns the
//! next hop's address is found, its end read the same way, and the neighbour asked again.

use super::backend::Netlink;
use super::hop::{self, Hop};
use super::link_state::{self, LinkState};
use crate::plan::Observe;
use crate::sys::Netns;
use rtnetlink::packet_route::neighbour::NeighbourState;
use rtnetlink::Handle;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// How long a neighbour may take to answer on a lab that is up: past it, something on the
/// way is not.
const ANSWER: Duration = Duration::from_millis(20);
/// The ifindex of `lo` in every namespace.
pub(super) const LOOPBACK: u32 = 1;
/// How often links still coming up are read again (a kernel before 6.8 is waited for).
pub(super) const POLL: Duration = Duration::from_millis(10);

impl Netlink {
    /// Make the path from `ns` to `dst` ready for echoes, one hop after another (at most
    /// `hops`), waiting at most until `until`. Best effort: whatever cannot be read is left to
    /// the echoes and their retries.
    pub(super) fn prepare_path(&mut self, ns: &Netns, dst: Ipv4Addr, until: Instant, hops: usize) {
        let mut at = ns.clone();
        for _ in 0..hops {
            match self.prepare_hop(&at, dst, until, hops > 1) {
                Some(next) => at = next,
                None => return,
            }
        }
    }

    /// Bring up the output end of `at` towards `dst` and resolve its next hop; when that does
    /// not answer, bring up the end that owns the next hop's address and ask again. With
    /// `onward`, the namespace to go on from: the next hop's, unless it is the destination.
    fn prepare_hop(
        &mut self,
        at: &Netns,
        dst: Ipv4Addr,
        until: Instant,
        onward: bool,
    ) -> Option<Netns> {
        let h = self.handle(at).ok()?;
        let hop = self.h.rt.block_on(hop::first_hop(&h, dst))?;
        if hop.local || hop.oif == 0 {
            return None;
        }
        let mut owner = None;
        let state = self.h.rt.block_on(hop::neighbour(&h, hop.oif, hop.next));
        if !state.is_some_and(hop::resolved) {
            let dev = self.bring_up(at, &h, hop.oif, until);
            // A resolution under way may have begun while the way was down, its probe lost
            // (the kernel asks again only a second later): begin anew.
            let anew = state == Some(NeighbourState::Incomplete) && self.ours(&h, dev.clone());
            if !self.resolve(&h, hop, anew, Instant::now() + ANSWER) {
                owner = self.owner_of(at, hop.next);
                if let Some((o, index)) = &owner {
                    let oh = self.handle(o).ok()?;
                    self.bring_up(o, &oh, *index, until);
                    // A read applies what was pending and shows the result, so whether that end
                    // was down cannot be told: ask again whatever it was.
                    let anew = self.ours(&h, dev);
                    self.resolve(&h, hop, anew, Instant::now() + ANSWER);
                }
            }
        }
        if !onward || hop.next == dst {
            return None;
        }
        owner
            .or_else(|| self.owner_of(at, hop.next))
            .map(|(o, _)| o)
    }

    /// Read (so apply) link `index` of `ns` and its veth peer, again every `POLL` while one
    /// of them is pending, until `until`. The link as last read.
    fn bring_up(
        &mut self,
        ns: &Netns,
        h: &Handle,
        index: u32,
        until: Instant,
    ) -> Option<LinkState> {
        loop {
            let links = self.end_links(ns, h, index);
            if !links.iter().any(LinkState::pending) || Instant::now() + POLL > until {
                return links.into_iter().next();
            }
            std::thread::sleep(POLL);
        }
    }

    /// One end of a segment: the link and its veth peer (a bridge port, in a star). The
    /// bridge and its other ports are not needed: a port carries frames once linkwatch has run
    /// for it, whatever the bridge's own state.
    fn end_links(&mut self, ns: &Netns, h: &Handle, index: u32) -> Vec<LinkState> {
        let Some(dev) = self.h.rt.block_on(link_state::read(h, index)) else {
            return vec![];
        };
        let mut links = vec![dev.clone()];
        if let Some((index, nsid)) = dev.peer {
            let ph = match nsid {
                None => Some(h.clone()),
                Some(id) => self.netns_of(ns, h, id).and_then(|n| self.handle(&n).ok()),
            };
            if let Some(ph) = ph {
                links.extend(self.h.rt.block_on(link_state::read(&ph, index)));
            }
        }
        links
    }

    /// The namespace that `ns` calls nsid `id`: the root stack, or one of the named ones.
    fn netns_of(&mut self, ns: &Netns, h: &Handle, id: i32) -> Option<Netns> {
        if *ns != Netns::Root {
            let root = self.root_fd().ok();
            let ids = self.h.rt.block_on(super::nsid::named_ids(h, &[], root));
            if ids.contains_key(&id) {
                return Some(Netns::Root);
            }
        }
        // One at a time, the namespaces netsh has worked in first, until one has the nsid.
        let mut names = self.other_namespaces(ns);
        names.sort_by_key(|n| !self.index.contains_key(n));
        names.into_iter().find(|n| {
            let one = super::nsid::named_ids(h, std::slice::from_ref(n), None);
            self.h.rt.block_on(one).contains_key(&id)
        })
    }

    /// Every named namespace but `ns`.
    fn other_namespaces(&mut self, ns: &Netns) -> Vec<Netns> {
        let names = self.named_netns().unwrap_or_default().into_iter();
        names.map(Netns::Named).filter(|n| n != ns).collect()
    }

    /// The namespace other than `ns` that has address `ip`, and the link that has it. The
    /// namespaces netsh has worked in are asked first; a socket opened only to ask another is
    /// closed again, so as not to keep someone else's namespace alive.
    fn owner_of(&mut self, ns: &Netns, ip: Ipv4Addr) -> Option<(Netns, u32)> {
        let mut all = self.other_namespaces(ns);
        all.sort_by_key(|n| !self.index.contains_key(n));
        if *ns != Netns::Root {
            all.insert(0, Netns::Root);
        }
        // Asked in batches, all of a batch in flight together.
        for batch in all.chunks(64) {
            let mut asks = vec![];
            for n in batch {
                if let Ok(h) = self.handle(n) {
                    asks.push(async move { (n, link_state::link_with(&h, ip).await) });
                }
            }
            let found = self.h.rt.block_on(futures::future::join_all(asks));
            let owner = found.iter().find_map(|(n, i)| Some(((*n).clone(), (*i)?)));
            for (n, _) in &found {
                let theirs = **n != Netns::Root && !self.index.contains_key(*n);
                if theirs && owner.as_ref().is_none_or(|o| o.0 != **n) {
                    self.h.forget(n);
                }
            }
            if owner.is_some() {
                return owner;
            }
        }
        None
    }

    /// Start resolving the next hop (afresh when `anew`) and wait for its answer until
    /// `until`. Whether it answered.
    fn resolve(&mut self, h: &Handle, hop: Hop, anew: bool, until: Instant) -> bool {
        let rt = &self.h.rt;
        if anew {
            rt.block_on(hop::forget(h, hop.oif, hop.next));
        }
        if rt.block_on(hop::resolve(h, hop.oif, hop.next)).is_err() {
            return false;
        }
        loop {
            let state = rt.block_on(hop::neighbour(h, hop.oif, hop.next));
            if state.is_some_and(hop::resolved) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// Whether neighbour entries on `dev` may be dropped: it is this lab's link, or in one of
    /// this lab's namespaces (netsh tags their `lo`); never on the host's own links.
    fn ours(&mut self, h: &Handle, dev: Option<LinkState>) -> bool {
        let tagged =
            |l: Option<LinkState>| l.and_then(|l| l.alias).as_deref() == Some(&*self.alias);
        if tagged(dev) {
            return true;
        }
        let lo = self.h.rt.block_on(link_state::read(h, LOOPBACK));
        tagged(lo)
    }
}
