//! `:show`: the lab's live state — the host and each namespace of the session, with links,
//! addresses and routes, then the lab's firewall rules.

use crate::api::stack::Stack;
use crate::api::Session;
use crate::plan::render::dst_text;
use crate::plan::view::NsView;
use crate::sys::Netns;

fn link_local(a: &ipnet::IpNet) -> bool {
    a.addr().is_ipv6() && crate::sys::addr::is_link_local(a.addr())
}

/// Rows of cells, each column as wide as its widest cell.
fn table(rows: &[Vec<String>], out: &mut String) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            line.push(' ');
            line.push_str(cell);
            line.push_str(&" ".repeat(widths[c] - cell.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn stack_text(v: &NsView, out: &mut String) {
    let mut rows = vec![];
    for (name, l) in v.links.iter().filter(|(n, _)| *n != "lo") {
        let addrs: Vec<String> = v
            .addrs
            .iter()
            // IPv6 link-local addresses are the kernel's, not the lab's.
            .filter(|(d, a)| d == name && !link_local(a))
            .map(|(_, a)| a.to_string())
            .collect();
        rows.push(vec![
            name.clone(),
            l.kind.as_ref().map_or("-".into(), |k| k.to_string()),
            if l.up { "up" } else { "down" }.to_string(),
            addrs.join(" "),
            l.master
                .as_ref()
                .map_or(String::new(), |m| format!("master {m}")),
        ]);
    }
    table(&rows, out);
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

/// A rule's spec without netsh's tag, as it was asked for.
fn untag(spec: &str) -> String {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < words.len() {
        if words[i] == "-m"
            && words.get(1 + i) == Some(&"comment")
            && words.get(2 + i) == Some(&"--comment")
            && words
                .get(3 + i)
                .is_some_and(|w| w.trim_matches('"').starts_with("netsh:"))
        {
            i += 4;
            continue;
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

/// The state as text, or why it cannot be read.
pub(crate) fn show(s: &mut Session) -> Result<String, String> {
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
                untag(&field("spec"))
            ));
        }
    }
    Ok(out)
}

/// The text's sections: each header line (not indented) with the lines under it.
fn sections(text: &str) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = vec![];
    for l in text.lines() {
        match (l.starts_with(' '), out.last_mut()) {
            (true, Some((_, lines))) => lines.push(l),
            _ => out.push((l, vec![])),
        }
    }
    out
}

/// `:show` during a plan: the state the plan would leave, each line the lab does not hold yet
/// marked `(planned)`; the live rules kept beside the planned ones.
pub(crate) fn planned(live: &str, planned: &str) -> String {
    let live = sections(live);
    let seen = |header: &str| live.iter().find(|(h, _)| *h == header);
    let mut out = String::new();
    let mark = |out: &mut String, l: &str, new: bool| {
        out.push_str(l);
        out.push_str(if new { "  (planned)\n" } else { "\n" });
    };
    for (header, lines) in sections(planned) {
        let was = seen(header);
        mark(&mut out, header, was.is_none());
        let before: &[&str] = was.map_or(&[], |(_, l)| l.as_slice());
        // The live rules first (a dry run knows only the plan's), then the plan's new ones.
        if header == "rules" {
            for l in before {
                mark(&mut out, l, false);
            }
        }
        for l in lines {
            if !(header == "rules" && before.contains(&l)) {
                mark(&mut out, l, !before.contains(&l));
            }
        }
    }
    if seen("rules").is_some() && !planned.lines().any(|l| l == "rules") {
        for (header, lines) in live.iter().filter(|(h, _)| *h == "rules") {
            mark(&mut out, header, false);
            for l in lines {
                mark(&mut out, l, false);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_lines_are_marked_and_live_rules_kept() {
        let live = "host\n  br0 bridge up\nn1 (namespace)\nrules\n  host filter FORWARD -i br0 -j ACCEPT\n";
        let plan = "host\n  br0 bridge up\n  br1 bridge down\nn1 (namespace)\nn2 (namespace)\n  route default via 10.1.1.1\nrules\n  host nat POSTROUTING -j MASQUERADE\n";
        assert_eq!(
            planned(live, plan),
            "host\n  br0 bridge up\n  br1 bridge down  (planned)\nn1 (namespace)\nn2 (namespace)  (planned)\n  route default via 10.1.1.1  (planned)\nrules\n  host filter FORWARD -i br0 -j ACCEPT\n  host nat POSTROUTING -j MASQUERADE  (planned)\n"
        );
        // A plan without rules keeps the live ones.
        assert!(
            planned(live, "host\n").ends_with("rules\n  host filter FORWARD -i br0 -j ACCEPT\n")
        );
    }
}
