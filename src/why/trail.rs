//! Following one echo (the request or the reply) through its sightings: out of a namespace on a
//! link, in at the link's other end (a veth's peer, a bridge's ports, a tunnel's far side), then
//! out again, until it reaches the namespace that holds its destination or is seen no more.

use super::kernel::Kernel;
use super::l2::{find, peer};
use super::sighting::Sighting;
use crate::sys::{LinkKind, Netns};
use std::collections::HashSet;
use std::net::IpAddr;

/// How many links a trail follows at most (a loop is cut by `visited` long before).
const MAX_STEPS: usize = 128;

/// Where a trail ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// It reached the namespace that holds its destination, in on `dev`.
    Arrived { ns: Netns, dev: String },
    /// Never seen leaving `ns`, where it starts.
    NotSent { ns: Netns },
    /// Arrived in `ns` on `dev` (`s` is that sighting), never seen leaving.
    Stuck {
        ns: Netns,
        dev: String,
        s: Box<Sighting>,
    },
    /// Left `ns` on `dev`, never seen arriving on `to` (the link's other end, when known).
    Lost {
        ns: Netns,
        dev: String,
        to: Option<(Netns, String)>,
    },
    /// Left `ns` on `dev` and arrived on `to` in a frame addressed to another MAC (`s`).
    Ignored {
        ns: Netns,
        dev: String,
        to: (Netns, String),
        s: Box<Sighting>,
    },
    /// Left a bridge in `ns` on port `dev` (`s`) toward `to`, a namespace off the path.
    Astray {
        ns: Netns,
        dev: String,
        to: (Netns, String),
        s: Box<Sighting>,
    },
    /// It leads where nobody watched, or it could not be followed: no conclusion.
    Unclear,
}

/// Each place the echo was seen, in order, and where it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trail {
    pub(crate) reply: bool,
    /// Each sighting followed, in order.
    pub(crate) seen: Vec<Sighting>,
    pub(crate) end: End,
}

impl Trail {
    pub(crate) fn what(&self) -> &'static str {
        if self.reply {
            "the reply"
        } else {
            "the request"
        }
    }
}

enum Pos {
    /// Inside a namespace's stack, in on a link (or where it starts).
    At(Netns, Option<String>),
    /// Just sent on a link.
    Wire(Netns, String),
    /// In on a bridge port: the bridge forwards it or hands it up.
    Bridge(Netns, String, String),
}

struct Follow<'a> {
    k: &'a mut dyn Kernel,
    all: &'a [Sighting],
    /// The sightings inside VXLAN (outer addresses): followed only where a tunnel's far side
    /// saw nothing, to find where its underlay lost them.
    under: &'a [Sighting],
    watched: &'a [Netns],
    reply: bool,
    visited: HashSet<(Netns, String, bool)>,
    seen: Vec<Sighting>,
    /// A stack sent it back out of the link it came in by: from there on, a namespace off
    /// the analysed path may be where its route leads, not where a bridge strayed.
    routed_back: bool,
}

/// The trail of the request (`reply` false, from `start`: the probe's source) or of the
/// reply (from the namespace the request reached).
pub(crate) fn follow(
    k: &mut dyn Kernel,
    all: &[Sighting],
    watched: &[Netns],
    start: &Netns,
    reply: bool,
) -> Trail {
    let (under, plain): (Vec<Sighting>, Vec<Sighting>) =
        all.iter().cloned().partition(|s| s.vxlan.is_some());
    follow_in(k, (&plain, &under), watched, start, reply)
}

/// `follow` over the bare sightings `all`, with those inside VXLAN (`under`) kept apart.
fn follow_in(
    k: &mut dyn Kernel,
    (all, under): (&[Sighting], &[Sighting]),
    watched: &[Netns],
    start: &Netns,
    reply: bool,
) -> Trail {
    let mut f = Follow {
        k,
        all,
        under,
        watched,
        reply,
        visited: HashSet::new(),
        seen: vec![],
        routed_back: false,
    };
    let mut pos = Pos::At(start.clone(), None);
    let mut end = End::Unclear;
    for _ in 0..MAX_STEPS {
        let next = match pos {
            Pos::At(ns, i) => f.at(ns, i),
            Pos::Wire(ns, dev) => f.wire(ns, dev),
            Pos::Bridge(ns, br, port) => f.bridge(ns, br, port),
        };
        match next {
            Ok(p) => pos = p,
            Err(e) => {
                end = e;
                break;
            }
        }
    }
    Trail {
        reply,
        seen: f.seen,
        end,
    }
}

impl Follow<'_> {
    fn get(&self, ns: &Netns, dev: &str, out: bool) -> Option<&Sighting> {
        self.all
            .iter()
            .find(|s| s.reply == self.reply && s.out == out && s.ns == *ns && s.dev == dev)
    }

    fn mark(&mut self, ns: &Netns, dev: &str, out: bool) {
        let key = (ns.clone(), dev.to_string(), out);
        if self.visited.insert(key) {
            if let Some(s) = self.get(ns, dev, out).cloned() {
                self.seen.push(s);
            }
        }
    }

    /// Whether `a`'s echo arrived on its link no more often than the probe sent it (its first
    /// echo goes twice): sent back to its sender, it was not a loop's turn (a loop brings each
    /// echo back again and again, until its TTL runs out).
    fn once(&self, a: &Sighting) -> bool {
        let again = |s: &&Sighting| {
            s.reply == a.reply && !s.out && s.ns == a.ns && s.dev == a.dev && s.seq == a.seq
        };
        self.all.iter().filter(again).count() <= 2
    }

    fn fresh(&self, s: &Sighting) -> bool {
        !self.visited.contains(&(s.ns.clone(), s.dev.clone(), s.out))
    }

    /// Seen leaving `ns` by another link with a new destination: DNAT sent it on, it did
    /// not arrive here.
    fn rewritten(&self, ns: &Netns, in_dev: &str, dst: IpAddr) -> bool {
        self.all.iter().any(|o| {
            o.reply == self.reply && o.out && o.ns == *ns && o.dev != in_dev && o.dst != dst
        })
    }

    fn master(&mut self, ns: &Netns, dev: &str) -> Option<String> {
        find(self.k, ns, dev).and_then(|l| l.master)
    }

    /// Arrived on `dev` in `ns`: through a bridge when `dev` is a port, else into the stack.
    fn arrive(&mut self, s: &Sighting) -> Pos {
        self.mark(&s.ns, &s.dev, false);
        match self.master(&s.ns, &s.dev) {
            Some(br) => Pos::Bridge(s.ns.clone(), br, s.dev.clone()),
            None => Pos::At(s.ns.clone(), Some(s.dev.clone())),
        }
    }

    fn at(&mut self, ns: Netns, in_dev: Option<String>) -> Result<Pos, End> {
        if let Some(i) = &in_dev {
            let s = self.get(&ns, i, false).cloned().ok_or(End::Unclear)?;
            if local(self.k, &ns, s.dst) && !self.rewritten(&ns, i, s.dst) {
                return Err(End::Arrived { ns, dev: i.clone() });
            }
        }
        // Sent back out the link it came in by only when by no other, and rewritten (a node
        // that forwards a DNATed packet to the next node on the same underlay) or addressed to
        // another MAC than the one that sent it in (a router whose next hop is on the LAN it
        // came from). Unrewritten, back to its sender, it is a loop's turn (the walk names it).
        let mut outs: Vec<Sighting> = self
            .all
            .iter()
            .filter(|s| s.reply == self.reply && s.out && s.ns == ns && self.fresh(s))
            .cloned()
            .collect();
        let arrived = in_dev
            .as_ref()
            .and_then(|i| self.get(&ns, i, false).cloned());
        let back = outs
            .iter()
            .find(|s| {
                arrived
                    .as_ref()
                    .is_some_and(|a| a.dev == s.dev && (turned_on(a, s) || self.once(a)))
            })
            .cloned();
        outs.retain(|s| Some(&s.dev) != in_dev.as_ref());
        // Sent through a bridge, the frame shows on the bridge and then on its port.
        let mut pick = None;
        for s in &outs {
            if self.master(&ns, &s.dev).is_none() {
                pick = Some(s.clone());
                break;
            }
        }
        let ahead = pick.or_else(|| outs.first().cloned());
        self.routed_back |= ahead.is_none() && back.is_some();
        let Some(o) = ahead.or(back) else {
            return Err(match in_dev {
                None => End::NotSent { ns },
                Some(dev) => {
                    let s = self.get(&ns, &dev, false).cloned().ok_or(End::Unclear)?;
                    End::Stuck {
                        ns,
                        dev,
                        s: Box::new(s),
                    }
                }
            });
        };
        self.mark(&ns, &o.dev, true);
        Ok(Pos::Wire(ns, o.dev))
    }

    fn wire(&mut self, ns: Netns, dev: String) -> Result<Pos, End> {
        let link = find(self.k, &ns, &dev);
        // A macvlan's frame for another host leaves by its parent (one for a sibling does not).
        if let Some(l) = link.as_ref().filter(|l| l.macvlan_mode.is_some()) {
            if let Some((pns, p)) = peer(self.k, &ns, l) {
                if self.get(&pns, &p.name, true).is_some() {
                    self.mark(&pns, &p.name, true);
                    return Ok(Pos::Wire(pns, p.name));
                }
            }
        }
        match link.as_ref().and_then(|l| l.kind.clone()) {
            Some(LinkKind::Veth) => {
                let l = link.unwrap_or_default();
                let Some((pns, p)) = peer(self.k, &ns, &l) else {
                    return Err(End::Unclear);
                };
                // The parent of a macvlan on the path: its frames go on to the child, unwatched
                // between (not astray: the bridge sent them the right way).
                if !self.watched.contains(&pns) && self.parent_of_watched(&pns, p.index) {
                    return Err(End::Unclear);
                }
                if !self.watched.contains(&pns) {
                    // Out of a bridge port toward a namespace off the path: the bridge chose it.
                    let out = self.get(&ns, &dev, true).cloned();
                    return Err(match (l.master, out) {
                        (Some(_), Some(s)) if !self.routed_back => End::Astray {
                            ns,
                            dev,
                            to: (pns, p.name),
                            s: Box::new(s),
                        },
                        _ => End::Unclear,
                    });
                }
                let Some(s) = self.get(&pns, &p.name, false).cloned() else {
                    return Err(End::Lost {
                        ns,
                        dev,
                        to: Some((pns, p.name)),
                    });
                };
                // A bridge port takes frames for any MAC: only a stack ignores another's.
                if s.other_host && p.master.is_none() {
                    self.mark(&pns, &p.name, false);
                    return Err(End::Ignored {
                        ns,
                        dev,
                        to: (pns, p.name),
                        s: Box::new(s),
                    });
                }
                Ok(self.arrive(&s))
            }
            Some(LinkKind::Bridge) => {
                let port = self.port_out(&ns, &dev, None);
                match port {
                    Some(p) => {
                        self.mark(&ns, &p, true);
                        Ok(Pos::Wire(ns, p))
                    }
                    None => Err(End::Lost { ns, dev, to: None }),
                }
            }
            _ => {
                // A tunnel or another link: its far side is an arrival in another namespace on
                // a link that is not a veth (a veth's arrivals are its peer's sends).
                let ins: Vec<Sighting> = self
                    .all
                    .iter()
                    .filter(|s| s.reply == self.reply && !s.out && s.ns != ns && self.fresh(s))
                    .cloned()
                    .collect();
                let far = ins.into_iter().find(|s| {
                    let l = find(self.k, &s.ns, &s.dev);
                    l.and_then(|l| l.kind) != Some(LinkKind::Veth)
                });
                match far {
                    Some(s) => Ok(self.arrive(&s)),
                    None => Err(self.underlay(ns, dev)),
                }
            }
        }
    }

    /// Sent into tunnel `dev` of `ns` and seen on no far side: where its underlay packets went,
    /// when they were seen (router by router, to where they stopped), else lost at `dev`.
    fn underlay(&mut self, ns: Netns, dev: String) -> End {
        let lost = End::Lost {
            ns: ns.clone(),
            dev: dev.clone(),
            to: None,
        };
        let vxlan = find(self.k, &ns, &dev).is_some_and(|l| l.kind == Some(LinkKind::Vxlan));
        let sent = self
            .under
            .iter()
            .any(|s| s.reply == self.reply && s.out && s.ns == ns);
        if !vxlan || !sent {
            return lost;
        }
        let t = follow_in(
            &mut *self.k,
            (self.under, &[]),
            self.watched,
            &ns,
            self.reply,
        );
        self.seen.extend(t.seen);
        match t.end {
            // Stopped on the way: the evidence's place.
            e @ (End::Stuck { .. } | End::Ignored { .. } | End::Astray { .. }) => e,
            // The far VTEP took the outer packets and nothing came out of its tunnel: lost there.
            End::Arrived { ns: at, dev: on } => match self.under_get(&at, &on) {
                Some(s) => End::Stuck {
                    ns: at,
                    dev: on,
                    s: Box::new(s),
                },
                None => End::Unclear,
            },
            // Sent on where nobody watched: the evidence cannot tell where they stopped.
            End::Unclear => End::Unclear,
            End::Lost {
                ns: at,
                dev: on,
                to: Some(to),
            } if to.0 != ns => End::Lost {
                ns: at,
                dev: on,
                to: Some(to),
            },
            _ => lost,
        }
    }

    /// The arrival inside VXLAN on `dev` in `ns`.
    fn under_get(&self, ns: &Netns, dev: &str) -> Option<Sighting> {
        let s = self
            .under
            .iter()
            .find(|s| s.reply == self.reply && !s.out && s.ns == *ns && s.dev == dev);
        s.cloned()
    }

    /// Whether link `index` in `pns` is the parent of a macvlan in a watched namespace.
    fn parent_of_watched(&mut self, pns: &Netns, index: u32) -> bool {
        for w in self.watched {
            for l in self.k.links(w) {
                let there = l.peer_ns.clone().unwrap_or_else(|| w.clone());
                if l.macvlan_mode.is_some() && l.peer_index == Some(index) && there == *pns {
                    return true;
                }
            }
        }
        false
    }

    /// A port of bridge `br` in `ns` the echo was sent out of (not `not`), preferring one whose
    /// other end took it.
    fn port_out(&mut self, ns: &Netns, br: &str, not: Option<&str>) -> Option<String> {
        let outs: Vec<Sighting> = self
            .all
            .iter()
            .filter(|s| s.reply == self.reply && s.out && s.ns == *ns && self.fresh(s))
            .filter(|s| Some(s.dev.as_str()) != not)
            .cloned()
            .collect();
        let mut ports = vec![];
        for s in outs {
            if self.master(ns, &s.dev).as_deref() == Some(br) {
                ports.push(s.dev);
            }
        }
        let taken = ports.iter().find(|p| {
            let l = find(self.k, ns, p).unwrap_or_default();
            peer(self.k, ns, &l).is_some_and(|(pns, pl)| {
                self.get(&pns, &pl.name, false)
                    .is_some_and(|s| !s.other_host || pl.master.is_some())
            })
        });
        taken.cloned().or_else(|| ports.first().cloned())
    }

    fn bridge(&mut self, ns: Netns, br: String, port: String) -> Result<Pos, End> {
        if let Some(p) = self.port_out(&ns, &br, Some(&port)) {
            self.mark(&ns, &p, true);
            return Ok(Pos::Wire(ns, p));
        }
        if let Some(s) = self.get(&ns, &br, false).cloned() {
            self.mark(&ns, &br, false);
            return Ok(Pos::At(s.ns, Some(br)));
        }
        // Sent back out the port it came in by: a hairpin (br_netfilter DNAT bridged it back).
        if self.get(&ns, &port, true).is_some()
            && !self.visited.contains(&(ns.clone(), port.clone(), true))
        {
            self.mark(&ns, &port, true);
            return Ok(Pos::Wire(ns, port));
        }
        let s = self.get(&ns, &port, false).cloned().ok_or(End::Unclear)?;
        Err(End::Stuck {
            ns,
            dev: port,
            s: Box::new(s),
        })
    }
}

/// Whether `ns` holds `ip`.
pub(crate) fn local(k: &mut dyn Kernel, ns: &Netns, ip: IpAddr) -> bool {
    k.view(ns).is_some_and(|v| v.addr_owner(ip).is_some())
}

/// Whether `out`, sent back out the link `arrived` came in by, is the packet forwarded on and
/// not returned to its sender: rewritten (DNAT), or framed for another MAC than the sender's.
fn turned_on(arrived: &Sighting, out: &Sighting) -> bool {
    let rewritten = (arrived.src, arrived.dst) != (out.src, out.dst);
    let onward = match (&arrived.from_mac, &out.mac, &arrived.mac) {
        (Some(sender), Some(to), Some(me)) => to != sender && to != me,
        _ => false,
    };
    rewritten || onward
}
