//! A machine's own row in `show --svg`: its bridges as bars with their ports as squares on the
//! edge (on top the ports cabled to its namespaces, below those that leave the machine), then
//! its other links as boxes; the one its default route leaves by carries that route and NAT.

use super::state::{LinkState, StackState};
use super::svg_geom::{
    shown, BridgeBox, Group, LinkBox, Place, Rect, Side, CH, LH, PAD, PORT, PORT_GAP,
};
use super::svg_text::{link_lines, text_w};
use crate::sys::LinkKind;

const ITEM_GAP: i32 = 24;

enum Item<'a> {
    /// A bar at `x`, its ports at their x on the top or bottom edge.
    Bridge {
        link: &'a LinkState,
        lines: Vec<String>,
        ports: Vec<(&'a LinkState, Side, i32)>,
        x: i32,
        w: i32,
        h: i32,
    },
    Free {
        link: &'a LinkState,
        lines: Vec<String>,
        side: Side,
        x: i32,
        w: i32,
        h: i32,
    },
}

/// A machine's own row, measured; its x are from the row's left edge.
pub(crate) struct OwnPlan<'a> {
    stack: Option<&'a StackState>,
    items: Vec<Item<'a>>,
    pub w: i32,
    /// From the bars' top to the lowest port label or link box.
    pub h: i32,
    /// Above the bars: the labels of the ports on top.
    pub top_zone: i32,
}

/// A port's label, written along its cable: its name, addresses and state (a tunnel's VNI is
/// written on the tunnel).
fn port_label(l: &LinkState) -> String {
    let mut words = vec![l.name.as_str()];
    words.extend(l.addrs.iter().map(String::as_str));
    if !l.up {
        words.push("down");
    }
    words.join(" ")
}

fn zone<'a>(ports: impl Iterator<Item = &'a LinkState>) -> i32 {
    ports
        .map(|l| port_label(l).chars().count() as i32 * CH + PORT / 2 + 8)
        .max()
        .unwrap_or(0)
}

/// Measures the row. `want(k)`: where the port cabled to the k-th namespace would sit right
/// under it (ports keep that x where the ones before leave room, so cables run down straight).
pub(crate) fn measure_own<'a>(g: &'a Group<'a>, want: &dyn Fn(usize) -> i32) -> OwnPlan<'a> {
    let mut plan = OwnPlan {
        stack: g.own,
        items: vec![],
        w: 0,
        h: 0,
        top_zone: 0,
    };
    let Some(s) = g.own else { return plan };
    let ns_index = |l: &LinkState| {
        l.peer
            .as_ref()
            .and_then(|p| g.ns.iter().position(|n| n.name == p.stack))
    };
    let links: Vec<&LinkState> = s.links.iter().filter(|l| shown(l)).collect();
    let is_bridge = |name: &str| {
        links
            .iter()
            .any(|b| b.name == name && b.kind == Some(LinkKind::Bridge))
    };
    let mut x = 0;
    for b in links.iter().filter(|l| l.kind == Some(LinkKind::Bridge)) {
        let ports = links
            .iter()
            .filter(|l| l.master.as_deref() == Some(b.name.as_str()));
        let (mut top, bottom): (Vec<&LinkState>, Vec<&LinkState>) =
            ports.partition(|l| ns_index(l).is_some());
        top.sort_by_key(|l| want(ns_index(l).unwrap_or(0)));
        let mut placed = vec![];
        let mut px = x;
        for l in &top {
            px = (px + PORT_GAP).max(want(ns_index(l).unwrap_or(0)));
            placed.push((*l, Side::Top, px));
        }
        let top_end = px;
        px = x;
        for l in &bottom {
            px += PORT_GAP;
            placed.push((*l, Side::Bottom, px));
        }
        let lines = link_lines(s, b, false);
        let h = lines.len() as i32 * LH + 8;
        let w = (text_w(&lines) + 2 * PAD).max(top_end.max(px) + PORT_GAP - x);
        plan.top_zone = plan.top_zone.max(zone(top.iter().copied()));
        plan.h = plan.h.max(h + zone(bottom.iter().copied()));
        plan.items.push(Item::Bridge {
            link: b,
            lines,
            ports: placed,
            x,
            w,
            h,
        });
        x += w + ITEM_GAP;
    }
    for l in links
        .iter()
        .filter(|l| l.kind != Some(LinkKind::Bridge) && !l.master.as_deref().is_some_and(is_bridge))
    {
        let lines = link_lines(s, l, false);
        let (w, h) = (text_w(&lines) + 8, lines.len() as i32 * LH + 6);
        plan.h = plan.h.max(h);
        let side = match ns_index(l) {
            Some(_) => Side::Top,
            None => Side::Bottom,
        };
        plan.items.push(Item::Free {
            link: l,
            lines,
            side,
            x,
            w,
            h,
        });
        x += w + ITEM_GAP;
    }
    plan.w = (x - ITEM_GAP).max(0);
    plan
}

fn link_box(s: &StackState, l: &LinkState, rect: Rect, lines: Vec<String>) -> LinkBox {
    LinkBox {
        stack: s.name.clone(),
        link: l.name.clone(),
        kind: l.kind.clone(),
        rect,
        lines,
        up: l.up,
        side: Side::Bottom,
        anchor: (0, 0),
        place: Place::Own {
            machine: 0,
            port: false,
        },
    }
}

/// Places the row at (x0, y_bar): the bridges come back, their ports and the links go to
/// `links`.
pub(crate) fn place_own(
    p: &OwnPlan,
    machine: usize,
    x0: i32,
    y_bar: i32,
    links: &mut Vec<LinkBox>,
) -> Vec<BridgeBox> {
    let Some(s) = p.stack else { return vec![] };
    let mut bridges = vec![];
    for item in &p.items {
        match item {
            Item::Bridge {
                link,
                lines,
                ports,
                x,
                w,
                h,
            } => {
                let bar = Rect {
                    x: x0 + x,
                    y: y_bar,
                    w: *w,
                    h: *h,
                };
                for (l, side, px) in ports {
                    let px = x0 + px;
                    let (y, ay) = match side {
                        Side::Top => (bar.y - PORT / 2, bar.y - PORT / 2),
                        Side::Bottom => (bar.bottom() - PORT / 2, bar.bottom() + PORT / 2),
                    };
                    let rect = Rect {
                        x: px - PORT / 2,
                        y,
                        w: PORT,
                        h: PORT,
                    };
                    let mut b = link_box(s, l, rect, vec![port_label(l)]);
                    b.side = *side;
                    b.anchor = (px, ay);
                    b.place = Place::Own {
                        machine,
                        port: true,
                    };
                    links.push(b);
                }
                bridges.push(BridgeBox {
                    stack: s.name.clone(),
                    link: link.name.clone(),
                    rect: bar,
                    lines: lines.clone(),
                    up: link.up,
                });
            }
            Item::Free {
                link,
                lines,
                side,
                x,
                w,
                h,
            } => {
                let rect = Rect {
                    x: x0 + x,
                    y: y_bar,
                    w: *w,
                    h: *h,
                };
                let mut b = link_box(s, link, rect, lines.clone());
                b.side = *side;
                b.anchor = match side {
                    Side::Top => (rect.x + w / 2, rect.y),
                    Side::Bottom => (rect.x + w / 2, rect.bottom()),
                };
                b.place = Place::Own {
                    machine,
                    port: false,
                };
                links.push(b);
            }
        }
    }
    bridges
}
