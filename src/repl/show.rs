//! `:show`: the lab's live state — the host and each namespace of the session, with links,
//! addresses and routes, then the lab's firewall rules.

use crate::api::stack::Stack;
use crate::api::Session;
use crate::plan::render::dst_text;
use crate::plan::view::NsView;
use crate::plan::Netns;

fn link_local(a: &ipnet::IpNet) -> bool {
    matches!(a, ipnet::IpNet::V6(v6) if v6.addr().segments()[0] & 0xffc0 == 0xfe80)
}

fn stack_text(v: &NsView, out: &mut String) {
    for (name, l) in v.links.iter().filter(|(n, _)| *n != "lo") {
        let mut line = format!("  {name}  {}", l.kind.as_deref().unwrap_or("-"));
        line.push_str(if l.up { "  up" } else { "  down" });
        if let Some(m) = &l.master {
            line.push_str(&format!("  master {m}"));
        }
        // IPv6 link-local addresses and routes are the kernel's, not the lab's.
        for (_, a) in v.addrs.iter().filter(|(d, a)| d == name && !link_local(a)) {
            line.push_str(&format!("  {a}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    for r in v.routes.iter().filter(|r| !link_local(&r.dst)) {
        let mut line = format!("  route {}", dst_text(&r.dst));
        if let Some(via) = r.via {
            line.push_str(&format!(" via {via}"));
        }
        if let Some(dev) = &r.dev {
            line.push_str(&format!(" dev {dev}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
}

/// The state as text, or why it cannot be read.
pub fn show(s: &mut Session) -> Result<String, String> {
    let mut out = String::new();
    let mut stacks = vec![(Netns::Root, "host".to_string())];
    for (n, info) in &s.model.namespaces {
        let what = if info.host { "host" } else { "namespace" };
        stacks.push((Netns::named(n), format!("{n} ({what})")));
    }
    for (ns, title) in stacks {
        let v = s.observe(&Stack { ns }).map_err(|e| e.message)?;
        out.push_str(&title);
        out.push('\n');
        stack_text(&v, &mut out);
    }
    let rules = s.lab_rules().map_err(|e| e.message)?;
    if !rules.is_empty() {
        out.push_str("rules\n");
        for r in rules {
            let Some(m) = r.try_cast::<rhai::Map>() else {
                continue;
            };
            let field = |k: &str| m.get(k).map(|v| v.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "  {} {} {} {}\n",
                field("host"),
                field("table"),
                field("chain"),
                field("spec")
            ));
        }
    }
    Ok(out)
}
