//! `netsh show --svg`: the topology as SVG, drawn by netsh itself (no Graphviz). The layout
//! follows the domain (svg_layout.rs): machines side by side, inside each its namespaces on top,
//! its bridges and links below, cables routed square (svg_wires.rs), a legend (svg_legend.rs).
//! Every object carries an id (`machine-host`, `ns-ns1`, `link-ns1/veth1`, `cable-…`,
//! `tunnel-…`) that the live page (`show --serve`) clicks on and marks.

use super::state::State;

/// The SVG of a lab's state.
pub(crate) fn svg(state: &State) -> String {
    let layout = super::svg_layout::layout(state);
    super::svg_draw::draw(&layout)
}
