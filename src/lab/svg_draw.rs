//! The SVG elements of a layout: boxes with their words, ports with labels along their cables,
//! cables as square polylines. Every object is a `<g>` with its id, for the live page to click.

use super::svg_geom::{LinkBox, Place, Rect, Side, LH, PORT};
use super::svg_ids::{esc, link_id, machine_id, ns_id};
use super::svg_layout::Layout;
use super::svg_wires::Wire;
use std::fmt::Write;

/// The look of each class; the legend draws with the same ones.
const STYLE: &str = "
.machine>rect{fill:#f6f6f4;stroke:#555;stroke-width:1.5}
.ns>rect{fill:#eaf2fc;stroke:#3a6ea5}
.bridge>rect{fill:#fde7b0;stroke:#a67400}
.link>rect{fill:#fff;stroke:#333}
.port>rect{fill:#a67400;stroke:#a67400}
.vxlan>rect{stroke:#1f5fbf;stroke-width:1.5}
.isdown>rect{stroke:#999;stroke-dasharray:3 3}
.cable{fill:none;stroke:#333;stroke-width:1.6}
.tunnel{fill:none;stroke:#1f5fbf;stroke-width:2;stroke-dasharray:8 4}
.down{stroke:#999;stroke-dasharray:4 4}
.title{font-weight:bold}
.facts{fill:#555}
.wirelabel{fill:#1f5fbf}
.hop>rect,.hop{stroke:#2a9d3a;stroke-width:3}
.broken>rect,.broken{stroke:#d62828;stroke-width:3}
text{font-family:monospace;font-size:11px}
";

pub(crate) fn draw(l: &Layout) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\">",
        w = l.width,
        h = l.height
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#fff\"/>",
        l.width, l.height
    );
    for m in &l.machines {
        group(
            &mut out,
            &machine_id(&m.name),
            "machine",
            &m.rect,
            &m.lines,
            10,
        );
    }
    for m in &l.machines {
        for n in &m.namespaces {
            group(&mut out, &ns_id(&n.name), "ns", &n.rect, &n.lines, 4);
        }
        for b in &m.bridges {
            let class = if b.up {
                "link bridge"
            } else {
                "link bridge isdown"
            };
            group(
                &mut out,
                &link_id(&b.stack, &b.link),
                class,
                &b.rect,
                &b.lines,
                2,
            );
        }
    }
    for w in &l.wires {
        wire(&mut out, w);
    }
    for b in &l.links {
        link(&mut out, b);
    }
    out.push_str(&super::svg_legend::draw(&l.legend));
    out.push_str("</svg>\n");
    out
}

fn rect(out: &mut String, r: &Rect, rx: i32) {
    let _ = write!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\"/>",
        r.x, r.y, r.w, r.h
    );
}

/// A box with its lines, the first one as its title.
fn group(out: &mut String, id: &str, class: &str, r: &Rect, lines: &[String], rx: i32) {
    let _ = write!(out, "<g id=\"{}\" class=\"{class}\">", esc(id));
    rect(out, r, rx);
    for (i, t) in lines.iter().enumerate() {
        let c = if i == 0 { "title" } else { "facts" };
        let _ = write!(
            out,
            "<text class=\"{c}\" x=\"{}\" y=\"{}\">{}</text>",
            r.x + 6,
            r.y + LH * (i as i32 + 1),
            esc(t)
        );
    }
    let _ = writeln!(out, "</g>");
}

fn link(out: &mut String, b: &LinkBox) {
    let id = link_id(&b.stack, &b.link);
    let mut class = format!("link {}", b.kind.as_ref().map_or("nic", |k| k.as_str()));
    if !b.up {
        class.push_str(" isdown");
    }
    if !matches!(b.place, Place::Own { port: true, .. }) {
        return group(out, &id, &class, &b.rect, &b.lines, 2);
    }
    // A port: a square on its bridge, its words along its cable.
    class.push_str(" port");
    let _ = write!(out, "<g id=\"{}\" class=\"{class}\">", esc(&id));
    rect(out, &b.rect, 1);
    let (x, y, turn) = match b.side {
        Side::Top => (b.anchor.0 + PORT / 2 + 8, b.rect.y - 3, -90),
        Side::Bottom => (b.anchor.0 + 7, b.rect.bottom() + 3, 90),
    };
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{y}\" transform=\"rotate({turn} {x} {y})\">{}</text></g>",
        esc(&b.lines.join(" "))
    );
}

fn wire(out: &mut String, w: &Wire) {
    let mut class = if w.tunnel { "tunnel" } else { "cable" }.to_string();
    if w.down {
        class.push_str(" down");
    }
    let points: Vec<String> = w.points.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let _ = write!(
        out,
        "<g id=\"{}\" class=\"wire\"><polyline class=\"{class}\" points=\"{}\"/>",
        esc(&w.id),
        points.join(" ")
    );
    if let Some((x, y, t)) = &w.label {
        let _ = write!(
            out,
            "<text class=\"wirelabel\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">{}</text>",
            esc(t)
        );
    }
    let _ = writeln!(out, "</g>");
}
