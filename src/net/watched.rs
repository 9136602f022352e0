//! `why`'s probe, watched: a packet socket in each namespace along the path is opened before
//! the first echo and read once the probe is over, so the sightings cost one socket per
//! namespace and no wait beyond the probe's own bound (plus `GRACE` when it failed after echoes were seen).

use super::backend::Netlink;
use super::capture::{self, Seen, PACKET_OTHERHOST, PACKET_OUTGOING};
use crate::plan::PingMode;
use crate::sys::Netns;
use crate::why::Sighting;
use std::net::IpAddr;
use std::time::Duration;

/// After a failed probe, how long an echo still in flight has to be seen.
const GRACE: Duration = Duration::from_millis(30);

impl Netlink {
    /// The probe's answer, and what packet sockets in `watch` saw of its echoes; no sightings
    /// at all when one of the namespaces could not be watched (a partial view would mislead).
    pub(crate) fn ping_watched(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        watch: &[Netns],
    ) -> (bool, Vec<Sighting>) {
        let socks: Result<Vec<_>, _> = watch
            .iter()
            .map(|w| capture::open(w.path().as_deref()).map(|fd| (w.clone(), fd)))
            .collect();
        let id = super::ping::fresh_id();
        let got = self.ping_as(ns, dst, PingMode::Probe, id).unwrap_or(false);
        let Ok(socks) = socks else {
            return (got, vec![]);
        };
        let mut seen: Vec<Vec<Seen>> = socks.iter().map(|(_, fd)| capture::drain(fd, id)).collect();
        // An echo may still be on its way: looked for once more, unless nothing was seen at all.
        if !got && seen.iter().any(|s| !s.is_empty()) {
            std::thread::sleep(GRACE);
            for (s, (_, fd)) in seen.iter_mut().zip(&socks) {
                s.extend(capture::drain(fd, id));
            }
        }
        let seen = socks.iter().map(|(w, _)| w.clone()).zip(seen).collect();
        (got, self.sightings(seen))
    }

    /// What each namespace's packet socket saw, with its links named.
    pub(crate) fn sightings(&mut self, seen: Vec<(Netns, Vec<Seen>)>) -> Vec<Sighting> {
        let mut out = vec![];
        for (w, seen) in seen {
            if seen.is_empty() {
                continue;
            }
            let names = match self.handle(&w) {
                Ok(h) => self
                    .block_on(super::neigh::link_names(&h))
                    .unwrap_or_default(),
                Err(_) => Default::default(),
            };
            out.extend(seen.into_iter().map(|s| sighting(&w, &names, s)));
        }
        out
    }
}

fn sighting(ns: &Netns, names: &std::collections::HashMap<u32, String>, s: Seen) -> Sighting {
    Sighting {
        ns: ns.clone(),
        dev: names
            .get(&s.ifindex)
            .cloned()
            .unwrap_or_else(|| format!("if{}", s.ifindex)),
        out: s.pkttype == PACKET_OUTGOING,
        reply: s.reply,
        other_host: s.pkttype == PACKET_OTHERHOST,
        mac: s.mac.map(mac_text),
        from_mac: s.src_mac.map(mac_text),
        // Inside VXLAN, the outer packet's addresses: what the underlay routes by.
        src: s.outer.as_ref().map_or(s.src.into(), |o| o.src),
        dst: s.outer.as_ref().map_or(s.dst.into(), |o| o.dst),
        vxlan: s.outer.as_ref().map(|o| o.vni),
        seq: s.seq,
    }
}

/// `aa:bb:cc:dd:ee:ff`.
fn mac_text(m: [u8; 6]) -> String {
    let hex: Vec<String> = m.iter().map(|x| format!("{x:02x}")).collect();
    hex.join(":")
}
