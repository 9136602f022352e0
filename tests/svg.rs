//! `netsh show --svg`: the lab drawn by netsh itself. Built in a sandbox, the picture must be
//! well-formed XML (checked by the small reader below), hold every namespace, bridge, veth end,
//! address and tunnel of the lab by id, keep namespace boxes apart and stay on its canvas.

mod support;

use support::sandbox;

/// An element of the SVG: its name, attributes, the text right inside it, its parent.
#[derive(Debug)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    parent: Option<usize>,
}

impl Elem {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn num(&self, k: &str) -> i64 {
        self.attr(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{} without a number {k}: {self:?}", self.name))
    }
}

/// Text with its entities checked and replaced.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').expect("an entity ends with ;") + i;
        out.push(match &rest[i + 1..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e => panic!("unknown entity &{e};"),
        });
        rest = &rest[end + 1..];
    }
    assert!(!rest.contains('<'), "a bare < in text: {s}");
    out.push_str(rest);
    out
}

/// A small XML reader: elements, attributes and text; panics on what is not well-formed (tags
/// that do not nest, unquoted or repeated attributes, bare `&` or `<`, more than one root).
fn parse(xml: &str) -> Vec<Elem> {
    let mut elems: Vec<Elem> = vec![];
    let mut open: Vec<usize> = vec![];
    let mut roots = 0;
    let mut rest = xml.trim_start();
    if rest.starts_with("<?xml") {
        rest = &rest[rest.find("?>").unwrap() + 2..];
    }
    while let Some(lt) = rest.find('<') {
        let text = unescape(&rest[..lt]);
        match open.last() {
            Some(&i) => elems[i].text.push_str(&text),
            None => assert!(text.trim().is_empty(), "text outside the root: {text}"),
        }
        let gt = rest[lt..].find('>').expect("a tag ends with >") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let i = open.pop().expect("a closing tag closes something");
            assert_eq!(elems[i].name, name.trim(), "tags nest");
            continue;
        }
        let empty = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let mut attrs: Vec<(String, String)> = vec![];
        let mut a = tag[name_end..].trim();
        while !a.is_empty() {
            let eq = a.find('=').expect("an attribute has a value");
            let key = a[..eq].trim().to_string();
            let v = a[eq + 1..].trim_start();
            let q = v.chars().next().filter(|c| *c == '"' || *c == '\'');
            let q = q.expect("attribute values are quoted");
            let close = v[1..].find(q).expect("a quote closes") + 1;
            assert!(
                attrs.iter().all(|(k, _)| *k != key),
                "attribute {key} twice"
            );
            attrs.push((key, unescape(&v[1..close])));
            a = v[close + 1..].trim_start();
        }
        if open.is_empty() {
            roots += 1;
        }
        elems.push(Elem {
            name: tag[..name_end].to_string(),
            attrs,
            text: String::new(),
            parent: open.last().copied(),
        });
        if !empty {
            open.push(elems.len() - 1);
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    assert!(rest.trim().is_empty(), "text after the root");
    assert_eq!(roots, 1, "one root element");
    elems
}

/// The rectangle (x, y, right, bottom) that draws the element with this id.
fn rect_of(elems: &[Elem], id: &str) -> (i64, i64, i64, i64) {
    let g = elems
        .iter()
        .position(|e| e.attr("id") == Some(id))
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let r = elems
        .iter()
        .find(|e| e.parent == Some(g) && e.name == "rect")
        .unwrap_or_else(|| panic!("{id} has no rect"));
    let (x, y) = (r.num("x"), r.num("y"));
    (x, y, x + r.num("width"), y + r.num("height"))
}

fn overlap(a: (i64, i64, i64, i64), b: (i64, i64, i64, i64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Every rect and polyline point lies on the canvas.
fn assert_on_canvas(elems: &[Elem]) {
    let svg = &elems[0];
    assert_eq!(svg.name, "svg");
    let (w, h) = (svg.num("width"), svg.num("height"));
    for e in elems {
        if e.name == "rect" {
            let (x, y) = (e.num("x"), e.num("y"));
            assert!(x >= 0 && y >= 0 && x + e.num("width") <= w && y + e.num("height") <= h);
        }
        for p in e.attr("points").unwrap_or("").split_whitespace() {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (i64, i64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (0..=w).contains(&x) && (0..=h).contains(&y),
                "{p} off {w}x{h}"
            );
        }
    }
}

fn texts(elems: &[Elem]) -> Vec<&str> {
    elems.iter().map(|e| e.text.as_str()).collect()
}

#[test]
fn the_reader_refuses_what_is_not_xml() {
    for bad in [
        "<svg><g></svg>",
        "<svg a=1/>",
        "<svg>&nope;</svg>",
        "<svg>a < b</svg>",
        "<svg/><svg/>",
    ] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "{bad}");
    }
    let e = parse("<?xml version=\"1.0\"?><svg w=\"1\"><g id='a&amp;b'>x &lt; y</g></svg>");
    assert_eq!(
        (e[1].attr("id"), e[1].text.as_str()),
        (Some("a&b"), "x < y")
    );
}

#[test]
#[ignore = "needs iproute2"]
fn chapter4_is_drawn_with_every_object() {
    let out = sandbox(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         \"$NETSH\" show --svg /tmp/lab.$$.svg || exit 1\n\
         cat /tmp/lab.$$.svg",
    );
    out.assert_success();
    let elems = parse(&out.stdout);
    let ids: Vec<&str> = elems.iter().filter_map(|e| e.attr("id")).collect();
    for id in [
        "machine-host",
        "machine-h150",
        "machine-router",
        "machine-internet",
        "ns-ns1",
        "ns-ns2",
        "ns-h150.ns1",
        "ns-h150.ns2",
        "link-host/bridge0",
        "link-h150/bridge0",
        "link-router/lan0",
        "link-host/vethb1",
        "link-ns1/veth1",
        "link-h150.ns2/veth2",
        "link-host/eth0",
        "link-router/port149",
        "cable-host/vethb1-ns1/veth1",
        "cable-host/eth0-router/port149",
        "tunnel-h150/vxlan1-host/vxlan1",
        "legend",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let texts = texts(&elems);
    for t in [
        "10.1.1.1/24",
        "10.1.1.2/24",
        "10.1.1.3/24",
        "10.1.2.2/24",
        "10.1.1.5/24",
        "172.31.131.149/24",
        "203.0.113.10/32",
        "VNI 1 · udp/4789",
        "default via 172.31.131.1",
        "NAT -s 10.1.1.0/24 ! -o bridge0 MASQUERADE",
        "ip_forward 1 · FORWARD DROP",
    ] {
        assert!(texts.contains(&t), "{t} missing from {texts:?}");
    }
    // The tunnel is dashed; host 149's name is written once.
    let tunnel = elems
        .iter()
        .find(|e| e.name == "polyline" && e.attr("class") == Some("tunnel"));
    assert!(tunnel.is_some());
    assert_eq!(texts.iter().filter(|t| **t == "host").count(), 1);
    let ns: Vec<_> = ["ns-ns1", "ns-ns2", "ns-h150.ns1", "ns-h150.ns2"]
        .iter()
        .map(|id| rect_of(&elems, id))
        .collect();
    for (i, a) in ns.iter().enumerate() {
        assert!(ns[i + 1..].iter().all(|b| !overlap(*a, *b)));
    }
    assert!(!overlap(
        rect_of(&elems, "machine-host"),
        rect_of(&elems, "machine-h150")
    ));
    assert_on_canvas(&elems);
}

#[test]
#[ignore = "needs iproute2"]
fn a_star_of_fifty_wraps_and_keeps_its_boxes_apart() {
    let out = sandbox(
        "printf 'import \"topo\" as topo;\\ntopo::star(50, \"10.1.0.0/16\");\\n' > /tmp/star.$$.rhai\n\
         \"$NETSH\" run /tmp/star.$$.rhai >/dev/null 2>&1 || exit 1\n\
         ip -n ns7 link set eth0 down\n\
         \"$NETSH\" show --svg",
    );
    out.assert_success();
    let elems = parse(&out.stdout);
    let boxes: Vec<_> = (1..=50)
        .map(|i| rect_of(&elems, &format!("ns-ns{i}")))
        .collect();
    for (i, a) in boxes.iter().enumerate() {
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            assert!(!overlap(*a, *b), "ns{} and ns{} overlap", i + 1, j + 1);
        }
    }
    let rows: std::collections::BTreeSet<i64> = boxes.iter().map(|b| b.1).collect();
    assert!(rows.len() >= 4, "wrapped into rows: {rows:?}");
    let texts = texts(&elems);
    for i in 1..=50 {
        assert!(texts.contains(&format!("10.1.0.{}/16", i + 1).as_str()));
        assert!(elems
            .iter()
            .any(|e| e.attr("id") == Some(&format!("link-host/veth{i}"))));
    }
    let down = elems
        .iter()
        .position(|e| e.attr("id") == Some("cable-host/veth7-ns7/eth0"))
        .unwrap();
    assert!(elems
        .iter()
        .any(|e| e.parent == Some(down) && e.attr("class") == Some("cable down")));
    assert_on_canvas(&elems);
}
