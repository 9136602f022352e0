//! Where each box of `show --svg` goes. The domain has a natural layered layout, so no graph
//! layout engine is needed: machines are columns side by side; inside each, its namespaces in a
//! grid on top (wrapped into rows, so a 50-namespace star stays readable), then a channel where
//! cables run, then the machine's own bridges (bars with their ports) and links, its way out at
//! the bottom. Cables between machines and VXLAN tunnels run in a bus below the machines.

use super::state::{LinkState, StackState, State};
use super::svg_geom::{
    groups, shown, Group, LinkBox, MachineBox, NsBox, Place, Rect, Side, BUS_LANE, LANE, LH,
    MARGIN, PAD, PORT_GAP,
};
use super::svg_own::{measure_own, place_own, OwnPlan};
use super::svg_text::{link_lines, nat_lines, stack_facts, text_w};
use super::svg_wires::{connections, route, Wire};
use std::collections::HashMap;

const GAP: i32 = 32;
const ROW_GAP: i32 = 16;

pub(crate) struct Layout {
    pub width: i32,
    pub height: i32,
    pub machines: Vec<MachineBox>,
    pub links: Vec<LinkBox>,
    pub wires: Vec<Wire>,
    pub legend: Rect,
}

/// How many namespaces side by side: all of a few, about a square twice as wide of many.
fn grid_cols(n: usize) -> usize {
    match n {
        0..=4 => n.max(1),
        _ => ((n * 2) as f64).sqrt().ceil() as usize,
    }
}

/// A namespace's box before it is placed: its title, its links' words and sizes.
struct NsPlan<'a> {
    stack: &'a StackState,
    title: Vec<String>,
    links: Vec<(&'a LinkState, Vec<String>, i32, i32)>,
    w: i32,
    h: i32,
}

fn measure_ns(s: &StackState) -> NsPlan<'_> {
    let title: Vec<String> = [s.name.clone(), stack_facts(s)]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    let links: Vec<_> = s
        .links
        .iter()
        .filter(|l| shown(l))
        .map(|l| {
            let lines = link_lines(s, l, false);
            let (w, h) = (text_w(&lines) + 8, lines.len() as i32 * LH + 6);
            (l, lines, w, h)
        })
        .collect();
    let links_w: i32 = links.iter().map(|l| l.2 + 6).sum::<i32>() - 6;
    let links_h = links.iter().map(|l| l.3).max().unwrap_or(0);
    NsPlan {
        w: (text_w(&title) + 2 * PAD).max(links_w + 2 * PAD),
        h: title.len() as i32 * LH + 8 + links_h,
        stack: s,
        title,
        links,
    }
}

/// The gap right of a column of namespaces: a lane for the cable of each row above the last.
fn gap_w(rows: usize) -> i32 {
    12 + rows as i32 * LANE
}

/// A machine measured: its namespaces' grid, its own row, the lanes its cables need.
struct MachinePlan<'a> {
    group: &'a Group<'a>,
    title: Vec<String>,
    ns: Vec<NsPlan<'a>>,
    cols: usize,
    col_w: i32,
    row_h: Vec<i32>,
    own: OwnPlan<'a>,
    chan_lanes: i32,
    right_lanes: i32,
}

impl MachinePlan<'_> {
    fn gap_w(&self) -> i32 {
        gap_w(self.row_h.len())
    }
    fn grid_h(&self) -> i32 {
        self.row_h.iter().map(|h| h + ROW_GAP).sum()
    }
    fn right_w(&self) -> i32 {
        if self.right_lanes == 0 {
            0
        } else {
            self.right_lanes * LANE + 8
        }
    }
    fn width(&self) -> i32 {
        let grid_w = self.cols as i32 * (self.col_w + self.gap_w());
        text_w(&self.title).max(grid_w).max(self.own.w) + 2 * PAD + self.right_w()
    }
}

fn measure<'a>(g: &'a Group<'a>, chan_lanes: i32, right_lanes: i32) -> MachinePlan<'a> {
    let mut title = vec![g.name.clone()];
    if let Some(own) = g.own {
        title.push(stack_facts(own));
        // NAT without a way out to show it at (no default route) goes under the name.
        if !own.routes.iter().any(|r| r.dst == "default") {
            title.extend(nat_lines(own));
        }
    }
    title.retain(|t| !t.is_empty());
    let ns: Vec<NsPlan> = g.ns.iter().map(|s| measure_ns(s)).collect();
    let cols = grid_cols(ns.len());
    let row_h: Vec<i32> = ns
        .chunks(cols)
        .map(|row| row.iter().map(|n| n.h).max().unwrap_or(0))
        .collect();
    let col_w = ns.iter().map(|n| n.w).max().unwrap_or(0);
    let gap_w = gap_w(row_h.len());
    // Under its namespace's column, one port further right per row.
    let want = |k: usize| (k % cols) as i32 * (col_w + gap_w) + 16 + (k / cols) as i32 * PORT_GAP;
    MachinePlan {
        title,
        col_w,
        cols,
        row_h,
        ns,
        own: measure_own(g, &want),
        group: g,
        chan_lanes,
        right_lanes,
    }
}

/// The whole picture.
pub(crate) fn layout(state: &State) -> Layout {
    let groups = groups(state);
    let machine_of: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            g.own
                .iter()
                .chain(g.ns.iter())
                .map(move |s| (s.name.as_str(), i))
        })
        .collect();
    let conns = connections(state);
    let (mut chan, mut right) = (vec![0; groups.len()], vec![0; groups.len()]);
    for c in &conns {
        for (m, in_ns) in c.lanes(&machine_of, &groups) {
            chan[m] += 1;
            right[m] += i32::from(in_ns);
        }
    }
    let plans: Vec<MachinePlan> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| measure(g, chan[i], right[i]))
        .collect();
    let title_h = plans
        .iter()
        .map(|p| p.title.len() as i32)
        .max()
        .unwrap_or(1)
        * LH
        + PAD * 2;
    let top = plans
        .iter()
        .map(|p| title_h + p.grid_h() + p.chan_lanes * LANE + 12)
        .max()
        .unwrap_or(0);
    let zone = plans.iter().map(|p| p.own.top_zone).max().unwrap_or(0);
    let y_bar = MARGIN + top + zone;
    let own_h = plans.iter().map(|p| p.own.h).max().unwrap_or(0);
    let bottom = y_bar + own_h + PAD;
    let (mut machines, mut links) = (vec![], vec![]);
    let mut x = MARGIN;
    for (i, p) in plans.iter().enumerate() {
        let rect = Rect {
            x,
            y: MARGIN,
            w: p.width(),
            h: bottom - MARGIN,
        };
        let mut m = place_grid(p, i, rect, title_h, &mut links);
        m.bridges = place_own(&p.own, i, rect.x + PAD, y_bar, &mut links);
        machines.push(m);
        x += rect.w + GAP;
    }
    let bus_y = bottom + 16;
    let (wires, bus_lanes) = route(&conns, &machines, &links, bus_y);
    let legend_y = bus_y + bus_lanes * BUS_LANE + 8;
    let legend = super::svg_legend::rect(MARGIN, legend_y);
    let wires_right = wires
        .iter()
        .flat_map(|w| w.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(0);
    Layout {
        width: (x - GAP).max(legend.right()).max(wires_right + 120) + MARGIN,
        height: legend.bottom() + MARGIN,
        machines,
        links,
        wires,
        legend,
    }
}

/// A machine's box, title and namespaces; their links go to `links`.
fn place_grid(
    p: &MachinePlan,
    machine: usize,
    rect: Rect,
    title_h: i32,
    links: &mut Vec<LinkBox>,
) -> MachineBox {
    let x0 = rect.x + PAD;
    let y0 = rect.y + title_h;
    let mut row_bottom = vec![];
    let mut y = y0;
    for h in &p.row_h {
        row_bottom.push(y + h);
        y += h + ROW_GAP;
    }
    let col_x = |c: usize| x0 + c as i32 * (p.col_w + p.gap_w());
    let mut namespaces = vec![];
    for (k, n) in p.ns.iter().enumerate() {
        let (row, col) = (k / p.cols, k % p.cols);
        let top = row_bottom[row] - p.row_h[row];
        let r = Rect {
            x: col_x(col),
            y: top,
            w: p.col_w,
            h: n.h,
        };
        let mut lx = r.x + PAD;
        for (index, (l, lines, w, h)) in n.links.iter().enumerate() {
            let lr = Rect {
                x: lx,
                y: r.bottom() - h,
                w: *w,
                h: *h,
            };
            lx += w + 6;
            links.push(LinkBox {
                stack: n.stack.name.clone(),
                link: l.name.clone(),
                kind: l.kind.clone(),
                anchor: (lr.x + lr.w / 2, lr.bottom()),
                rect: lr,
                lines: lines.clone(),
                up: l.up,
                side: Side::Bottom,
                place: Place::Ns {
                    machine,
                    row,
                    col,
                    index,
                },
            });
        }
        namespaces.push(NsBox {
            name: n.stack.name.clone(),
            rect: r,
            lines: n.title.clone(),
        });
    }
    MachineBox {
        name: p.group.name.clone(),
        rect,
        lines: p.title.clone(),
        namespaces,
        bridges: vec![],
        col_right: (0..p.cols).map(|c| col_x(c) + p.col_w).collect(),
        chan_y: y,
        row_bottom,
    }
}
