//! The SVG layout without the kernel: a hand-made lab (a star of namespaces behind a bridge on
//! this machine, a simulated host with a tunnel to it, a cable that is down) placed and drawn.

use super::state::{Endpoint, LinkState, StackState, State, VxlanState};
use super::svg_geom::Rect;
use super::svg_layout::layout;
use crate::sys::LinkKind;
use std::collections::BTreeMap;

fn link(name: &str, kind: Option<LinkKind>, addrs: &[&str]) -> LinkState {
    LinkState {
        name: name.into(),
        kind,
        master: None,
        up: true,
        mtu: 1500,
        addrs: addrs.iter().map(|a| a.to_string()).collect(),
        peer: None,
        vxlan: None,
        alias: None,
    }
}

fn stack(name: &str, machine: &str, links: Vec<LinkState>) -> StackState {
    StackState {
        name: name.into(),
        kind: if name == machine { "host" } else { "namespace" }.into(),
        machine: machine.into(),
        links,
        routes: vec![],
        rules: vec![],
        firewall: None,
        ip_forward: Some(name == machine),
        policies: BTreeMap::new(),
        processes: vec![],
        container: None,
    }
}

fn peer(l: &mut LinkState, stack: &str, link: &str) {
    l.peer = Some(Endpoint {
        stack: stack.into(),
        link: link.into(),
    });
}

/// This machine with `n` namespaces on bridge br0 and a VXLAN to h2, which has one of its own.
fn star(n: usize) -> State {
    let mut host = vec![link("br0", Some(LinkKind::Bridge), &["10.1.0.1/16"])];
    let mut stacks = vec![];
    for i in 1..=n {
        let mut end = link(&format!("veth{i}"), Some(LinkKind::Veth), &[]);
        end.master = Some("br0".into());
        peer(&mut end, &format!("ns{i}"), "eth0");
        host.push(end);
        let mut inside = link(
            "eth0",
            Some(LinkKind::Veth),
            &[&format!("10.1.0.{}/16", i + 1)],
        );
        peer(&mut inside, "host", &format!("veth{i}"));
        inside.up = i != 7;
        stacks.push(stack(&format!("ns{i}"), "host", vec![inside]));
    }
    let mut eth0 = link("eth0", None, &["192.0.2.1/24"]);
    eth0.alias = None;
    host.push(eth0);
    let mut vx = link("vxlan1", Some(LinkKind::Vxlan), &[]);
    vx.master = Some("br0".into());
    vx.vxlan = Some(VxlanState {
        id: 42,
        remote: Some("192.0.2.2".into()),
        local: None,
        dev: Some("eth0".into()),
        port: Some(4789),
        fdb: vec![],
    });
    host.push(vx.clone());
    let mut far = vx;
    far.vxlan.as_mut().unwrap().remote = Some("192.0.2.1".into());
    stacks.push(stack("host", "host", host));
    stacks.push(stack(
        "h2",
        "h2",
        vec![link("eth0", None, &["192.0.2.2/24"]), far],
    ));
    State {
        version: 1,
        lab: None,
        stacks,
    }
}

fn inside(outer: &Rect, r: &Rect) -> bool {
    r.x >= outer.x && r.y >= outer.y && r.right() <= outer.right() && r.bottom() <= outer.bottom()
}

#[test]
fn fifty_namespaces_wrap_into_rows_without_overlapping() {
    let l = layout(&star(50));
    let canvas = Rect {
        x: 0,
        y: 0,
        w: l.width,
        h: l.height,
    };
    let host = &l.machines[0];
    assert_eq!(host.namespaces.len(), 50);
    assert!(host.row_bottom.len() >= 4, "wrapped into rows");
    for (i, a) in host.namespaces.iter().enumerate() {
        assert!(inside(&host.rect, &a.rect), "{} in its machine", a.name);
        for b in &host.namespaces[i + 1..] {
            assert!(!a.rect.overlaps(&b.rect), "{} and {}", a.name, b.name);
        }
    }
    for m in &l.machines {
        assert!(inside(&canvas, &m.rect), "{}", m.name);
    }
    assert!(!l.machines[0].rect.overlaps(&l.machines[1].rect));
    for w in &l.wires {
        assert!(w
            .points
            .iter()
            .all(|&(x, y)| x >= 0 && x <= l.width && y >= 0 && y <= l.height));
    }
    // The bridge's ports do not overlap either.
    let ports: Vec<&Rect> = l
        .links
        .iter()
        .filter(|b| b.stack == "host" && b.link.starts_with("veth"))
        .map(|b| &b.rect)
        .collect();
    assert_eq!(ports.len(), 50);
    for (i, a) in ports.iter().enumerate() {
        assert!(ports[i + 1..].iter().all(|b| !a.overlaps(b)));
    }
    assert!(inside(&canvas, &l.legend));
}

#[test]
fn every_object_has_its_id_and_the_tunnel_its_vni() {
    let svg = super::svg::svg(&star(3));
    for id in [
        "machine-host",
        "machine-h2",
        "ns-ns1",
        "ns-ns3",
        "link-host/br0",
        "link-host/veth2",
        "link-ns2/eth0",
        "link-h2/vxlan1",
        "cable-host/veth1-ns1/eth0",
        "tunnel-h2/vxlan1-host/vxlan1",
    ] {
        assert!(svg.contains(&format!("id=\"{id}\"")), "{id} in\n{svg}");
    }
    assert!(svg.contains(">VNI 42 · udp/4789</text>"), "{svg}");
    assert!(svg.contains(">10.1.0.4/16</text>"), "{svg}");
    // ns7 of a star(50) is down: its cable is drawn so and says it.
    let svg = super::svg::svg(&star(50));
    let cable = svg
        .lines()
        .find(|l| l.contains("id=\"cable-host/veth7-ns7/eth0\""))
        .unwrap();
    assert!(cable.contains("class=\"cable down\"") && cable.contains(">down</text>"));
}

#[test]
fn names_are_escaped() {
    let mut s = star(1);
    s.stacks[0].name = "a<&\"b".into();
    let svg = super::svg::svg(&s);
    assert!(svg.contains("id=\"ns-a&lt;&amp;&quot;b\""));
    assert!(!svg.contains("a<&"));
}
