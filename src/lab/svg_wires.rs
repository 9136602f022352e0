//! The lines of `show --svg`: which links are joined (veth cables, VXLAN tunnels between the
//! stacks that hold each other's remote address), and their square routes: down from a
//! namespace to the gap beside its column, along the machine's channel to the other end; between
//! machines, along the bus below them. Each cable has a lane of its own, so none hides another.

use super::state::State;
use super::svg_geom::{Group, LinkBox, MachineBox, Place, BUS_LANE, LANE, PAD};
use super::svg_ids::wire_id;
use super::svg_text::vni_words;
use std::collections::{BTreeSet, HashMap};

type End = (String, String);

/// Two joined links, or a tunnel to a remote no stack here holds.
pub(crate) struct Conn {
    pub tunnel: bool,
    pub a: End,
    pub b: Option<End>,
    pub label: Option<String>,
}

pub(crate) struct Wire {
    pub id: String,
    pub tunnel: bool,
    pub down: bool,
    pub points: Vec<(i32, i32)>,
    pub label: Option<(i32, i32, String)>,
}

/// The veth cables (once each) and VXLAN tunnels of a state.
pub(crate) fn connections(state: &State) -> Vec<Conn> {
    let has = |stack: &str, link: &str| {
        state
            .stacks
            .iter()
            .any(|s| s.name == stack && s.links.iter().any(|l| l.name == link))
    };
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for s in &state.stacks {
        for l in &s.links {
            let me = (s.name.clone(), l.name.clone());
            if let Some(p) = l.peer.as_ref().filter(|p| has(&p.stack, &p.link)) {
                let other = (p.stack.clone(), p.link.clone());
                if seen.insert(pair(&me, &other)) {
                    out.push(Conn {
                        tunnel: false,
                        a: me.clone(),
                        b: Some(other),
                        label: None,
                    });
                }
            }
            let Some(v) = &l.vxlan else { continue };
            for r in v.remote.iter().chain(v.fdb.iter()) {
                let far = state.stacks.iter().find_map(|o| {
                    let owns = o.links.iter().any(|x| {
                        x.addrs
                            .iter()
                            .any(|a| a.split('/').next() == Some(r.as_str()))
                    });
                    let x = o
                        .links
                        .iter()
                        .find(|x| owns && x.vxlan.as_ref().is_some_and(|ov| ov.id == v.id))?;
                    Some((o.name.clone(), x.name.clone()))
                });
                let words = vni_words(v.id, v.port);
                match far {
                    Some(far) if seen.insert(pair(&me, &far)) => out.push(Conn {
                        tunnel: true,
                        a: me.clone(),
                        b: Some(far),
                        label: Some(words),
                    }),
                    Some(_) => {}
                    None => out.push(Conn {
                        tunnel: true,
                        a: me.clone(),
                        b: None,
                        label: Some(format!("{words} → {r}")),
                    }),
                }
            }
        }
    }
    out
}

fn pair(a: &End, b: &End) -> (End, End) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// The machine of a stack, and whether the stack is one of its namespaces.
fn at(stack: &str, machine_of: &HashMap<&str, usize>, groups: &[Group]) -> Option<(usize, bool)> {
    let m = *machine_of.get(stack)?;
    Some((m, groups[m].name != stack))
}

impl Conn {
    /// The channel lanes it takes: (machine, whether it also takes a lane down its right edge
    /// to the bus) — one in its machine if it stays there, one per namespace end otherwise.
    pub(crate) fn lanes(
        &self,
        machine_of: &HashMap<&str, usize>,
        groups: &[Group],
    ) -> Vec<(usize, bool)> {
        let a = at(&self.a.0, machine_of, groups);
        let b = self.b.as_ref().and_then(|b| at(&b.0, machine_of, groups));
        match (a, b) {
            (Some((ma, na)), Some((mb, nb))) if ma == mb && (na || nb) => vec![(ma, false)],
            _ => [a, b]
                .into_iter()
                .flatten()
                .filter(|e| e.1)
                .map(|(m, _)| (m, true))
                .collect(),
        }
    }
}

/// From a link to lane `y` of its machine's channel.
fn to_chan(m: &MachineBox, l: &LinkBox, y: i32) -> Vec<(i32, i32)> {
    let (ax, ay) = l.anchor;
    match l.place {
        // Not the last row: along the row's gap to the gap beside the column, then down.
        Place::Ns {
            row, col, index, ..
        } if row + 1 < m.row_bottom.len() => {
            let gy = m.row_bottom[row] + 4 + 3 * (index as i32 % 3);
            let gx = m.col_right[col] + 6 + row as i32 * LANE;
            vec![(ax, ay), (ax, gy), (gx, gy), (gx, y)]
        }
        _ => vec![(ax, ay), (ax, y)],
    }
}

fn machine_of_box(l: &LinkBox) -> usize {
    match l.place {
        Place::Ns { machine, .. } | Place::Own { machine, .. } => machine,
    }
}

/// Routes every connection; also says how many lanes the bus took.
pub(crate) fn route(
    conns: &[Conn],
    machines: &[MachineBox],
    links: &[LinkBox],
    bus_y: i32,
) -> (Vec<Wire>, i32) {
    let boxes: HashMap<(&str, &str), &LinkBox> = links
        .iter()
        .map(|l| ((l.stack.as_str(), l.link.as_str()), l))
        .collect();
    let find = |e: &End| boxes.get(&(e.0.as_str(), e.1.as_str())).copied();
    let mut chan = vec![0; machines.len()];
    let mut right = vec![0; machines.len()];
    let mut bus = 0;
    let mut wires = vec![];
    for c in conns {
        let Some(la) = find(&c.a) else { continue };
        let lb = c.b.as_ref().and_then(find);
        let ma = machine_of_box(la);
        let local = lb.is_some_and(|lb| {
            machine_of_box(lb) == ma
                && (matches!(la.place, Place::Ns { .. }) || matches!(lb.place, Place::Ns { .. }))
        });
        let (mut points, y) = if local {
            let y = machines[ma].chan_y + 6 + chan[ma] * LANE;
            chan[ma] += 1;
            (to_chan(&machines[ma], la, y), y)
        } else {
            let y = bus_y + 8 + bus * BUS_LANE;
            bus += 1;
            (to_bus(machines, la, y, &mut chan, &mut right), y)
        };
        let mid_from = points.last().map_or(0, |p| p.0);
        match lb {
            Some(lb) => {
                let mut back = match local {
                    true => to_chan(&machines[ma], lb, y),
                    false => to_bus(machines, lb, y, &mut chan, &mut right),
                };
                back.reverse();
                points.extend(back);
            }
            None => points.push((mid_from + 100, y)),
        }
        let mid_to = points
            .iter()
            .rev()
            .find(|p| p.1 == y)
            .map_or(mid_from, |p| p.0);
        let down = !la.up || lb.is_some_and(|lb| !lb.up);
        let label = match (&c.label, down) {
            (Some(l), true) => Some(format!("{l} · down")),
            (Some(l), false) => Some(l.clone()),
            (None, true) => Some("down".to_string()),
            (None, false) => None,
        };
        points.dedup();
        wires.push(Wire {
            id: wire_id(
                if c.tunnel { "tunnel" } else { "cable" },
                (&c.a.0, &c.a.1),
                c.b.as_ref().map(|b| (b.0.as_str(), b.1.as_str())),
            ),
            tunnel: c.tunnel,
            down,
            points,
            label: label.map(|t| ((mid_from + mid_to) / 2, y - 4, t)),
        });
    }
    (wires, bus)
}

/// From a link to lane `y` of the bus: a namespace's link first along its machine's channel
/// and down its right edge.
fn to_bus(
    machines: &[MachineBox],
    l: &LinkBox,
    y: i32,
    chan: &mut [i32],
    right: &mut [i32],
) -> Vec<(i32, i32)> {
    let m = machine_of_box(l);
    match l.place {
        Place::Ns { .. } => {
            let cy = machines[m].chan_y + 6 + chan[m] * LANE;
            let rx = machines[m].rect.right() - PAD - 4 - right[m] * LANE;
            chan[m] += 1;
            right[m] += 1;
            let mut p = to_chan(&machines[m], l, cy);
            p.extend([(rx, cy), (rx, y)]);
            p
        }
        Place::Own { .. } => vec![l.anchor, (l.anchor.0, y)],
    }
}
