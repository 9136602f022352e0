//! The words of the SVG's boxes: a link's name, addresses, VNI, state and, at a stack's way
//! out, its default route and NAT; a stack's ip_forward and FORWARD policy.

use super::state::{LinkState, StackState};

/// A link: its name, what it carries and, if it is the stack's way out, where that leads.
pub(crate) fn link_lines(s: &StackState, l: &LinkState, on_bridge: bool) -> Vec<String> {
    let mut v = vec![l.name.clone()];
    if let Some(x) = &l.vxlan {
        v.push(vni_words(x.id, x.port));
        if let Some(r) = &x.remote {
            v.push(format!("remote {r}"));
        }
    }
    v.extend(l.addrs.iter().cloned());
    if !on_bridge {
        if let Some(m) = &l.master {
            v.push(format!("master {m}"));
        }
    }
    if !l.up {
        v.push("down".into());
    }
    for r in &s.routes {
        if r.dst == "default" && r.dev.as_deref() == Some(l.name.as_str()) {
            v.push(match &r.via {
                Some(via) => format!("default via {via}"),
                None => "default".into(),
            });
            v.extend(nat_lines(s));
        }
    }
    v
}

/// `VNI 42 · udp/4789`: the kernel's default port when none was read.
pub(crate) fn vni_words(id: u32, port: Option<u16>) -> String {
    format!("VNI {id} · udp/{}", port.unwrap_or(8472))
}

/// The stack's source NAT (POSTROUTING's MASQUERADE and SNAT), without netsh's comment.
pub(crate) fn nat_lines(s: &StackState) -> Vec<String> {
    s.rules
        .iter()
        .filter(|r| r.table == "nat" && r.chain == "POSTROUTING")
        .filter(|r| r.spec.contains("MASQUERADE") || r.spec.contains("SNAT"))
        .map(|r| format!("NAT {}", strip_comment(&r.spec).replace("-j ", "")))
        .collect()
}

fn strip_comment(spec: &str) -> String {
    let mut out = vec![];
    let mut words = spec.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if w == "-m" && words.peek() == Some(&"comment") {
            words.next();
            if words.next() == Some("--comment") {
                // The comment may be quoted over several words.
                let first = words.next().unwrap_or_default();
                if first.starts_with('"') && !(first.len() > 1 && first.ends_with('"')) {
                    for w in words.by_ref() {
                        if w.ends_with('"') {
                            break;
                        }
                    }
                }
            }
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// Whether a stack forwards and what its FORWARD chain does by default.
pub(crate) fn stack_facts(s: &StackState) -> String {
    let mut facts = vec![];
    if let Some(on) = s.ip_forward {
        facts.push(format!("ip_forward {}", u8::from(on)));
    }
    if let Some(p) = s.policies.get("FORWARD").filter(|p| *p != "ACCEPT") {
        facts.push(format!("FORWARD {p}"));
    }
    facts.join(" · ")
}

/// Width in pixels of the widest line (11px monospace).
pub(crate) fn text_w(lines: &[String]) -> i32 {
    lines
        .iter()
        .map(|l| l.chars().count() as i32)
        .max()
        .unwrap_or(0)
        * super::svg_geom::CH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netsh_comment_is_left_out_of_nat() {
        assert_eq!(
            strip_comment(
                r#"-s 10.1.1.0/24 ! -o bridge0 -m comment --comment "netsh:chapter4" -j MASQUERADE"#
            ),
            "-s 10.1.1.0/24 ! -o bridge0 -j MASQUERADE"
        );
        assert_eq!(
            strip_comment(r#"-m comment --comment "two words" -j SNAT --to-source 1.2.3.4"#),
            "-j SNAT --to-source 1.2.3.4"
        );
    }
}
