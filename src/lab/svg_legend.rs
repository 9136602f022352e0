//! The legend of `show --svg`: one sample of each shape and line, drawn with the picture's own
//! classes so that it cannot disagree with it.

use super::svg_geom::Rect;
use std::fmt::Write;

const ITEM_W: i32 = 150;
const ITEMS: [&str; 8] = [
    "machine",
    "namespace",
    "bridge",
    "link (NIC, veth…)",
    "bridge port",
    "veth cable",
    "VXLAN tunnel",
    "down",
];

pub(crate) fn rect(x: i32, y: i32) -> Rect {
    Rect {
        x,
        y,
        w: 4 * ITEM_W + 16,
        h: 2 * 24 + 26,
    }
}

pub(crate) fn draw(r: &Rect) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<g id=\"legend\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" \
         stroke=\"#bbb\" stroke-dasharray=\"2 2\"/><text class=\"title\" x=\"{}\" y=\"{}\">\
         legend</text>",
        r.x,
        r.y,
        r.w,
        r.h,
        r.x + 6,
        r.y + 14
    );
    for (i, label) in ITEMS.iter().enumerate() {
        let x = r.x + 8 + (i as i32 % 4) * ITEM_W;
        let y = r.y + 22 + (i as i32 / 4) * 24;
        let sample = match i {
            0 => format!("<g class=\"machine\">{}</g>", sq(x, y, 28, 16, 5)),
            1 => format!("<g class=\"ns\">{}</g>", sq(x, y, 28, 16, 3)),
            2 => format!("<g class=\"bridge\">{}</g>", sq(x, y + 4, 28, 8, 1)),
            3 => format!("<g class=\"link\">{}</g>", sq(x, y, 28, 16, 2)),
            4 => format!("<g class=\"port\">{}</g>", sq(x + 9, y + 3, 10, 10, 1)),
            5 => line(x, y, "cable"),
            6 => line(x, y, "tunnel"),
            _ => line(x, y, "cable down"),
        };
        let _ = write!(
            out,
            "{sample}<text x=\"{}\" y=\"{}\">{}</text>",
            x + 36,
            y + 12,
            super::svg_ids::esc(label)
        );
    }
    out.push_str("</g>\n");
    out
}

fn sq(x: i32, y: i32, w: i32, h: i32, rx: i32) -> String {
    format!("<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"{rx}\"/>")
}

fn line(x: i32, y: i32, class: &str) -> String {
    format!(
        "<polyline class=\"{class}\" points=\"{x},{} {},{}\"/>",
        y + 8,
        x + 28,
        y + 8
    )
}
