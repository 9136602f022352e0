//! `down --force`: when the journal is lost or corrupt, the lab is found by its tags — the
//! namespaces whose lo carries `netsh:<lab>`, the links with that alias, the rules with that
//! comment — and removed. Nothing untagged is touched.

use super::state::State;
use crate::firewall::rule::{from_saved, tag};
use crate::plan::OpKind;
use crate::sys::Netns;

/// The namespace a stack of `show` names: the host's, an adopted one (`pid:N`, a file: resolved
/// now; `None` when it is gone), or a named one.
pub(crate) fn ns_of(name: &str) -> Option<Netns> {
    if name == "host" {
        Some(Netns::Root)
    } else if crate::sys::nsfile::is_spec(name) {
        Netns::adopt(name).ok()
    } else {
        Some(Netns::Named(name.to_string()))
    }
}

pub(crate) fn sweep_steps(state: &State, lab: &str) -> Vec<OpKind> {
    let tag = tag(lab);
    let doomed: Vec<&str> = state
        .stacks
        .iter()
        // An adopted namespace is never the lab's to delete, only what it added there.
        .filter(|s| s.name != "host" && !crate::sys::nsfile::is_spec(&s.name))
        .filter(|s| {
            s.links
                .iter()
                .any(|l| l.name == "lo" && l.alias.as_deref() == Some(tag.as_str()))
        })
        .map(|s| s.name.as_str())
        .collect();
    let mut steps: Vec<OpKind> = doomed
        .iter()
        .map(|n| OpKind::NetnsDel {
            name: n.to_string(),
        })
        .collect();
    for s in state
        .stacks
        .iter()
        .filter(|s| !doomed.contains(&s.name.as_str()))
    {
        let Some(ns) = ns_of(&s.name) else {
            continue;
        };
        for l in &s.links {
            let tagged = l.alias.as_deref() == Some(tag.as_str()) && l.name != "lo";
            // A veth whose other end is in a doomed namespace goes with it.
            let goes_anyway = l
                .peer
                .as_ref()
                .is_some_and(|p| doomed.contains(&p.stack.as_str()));
            if tagged && !goes_anyway {
                steps.push(OpKind::LinkDel {
                    ns: ns.clone(),
                    name: l.name.clone(),
                    peer: None,
                });
            }
        }
        for r in &s.rules {
            let has_tag = r
                .spec
                .split_whitespace()
                .any(|w| w.trim_matches('"') == tag);
            if let (true, Some(rule)) = (has_tag, from_saved(&r.table, &r.chain, &r.spec)) {
                steps.push(OpKind::RuleDel {
                    ns: ns.clone(),
                    rule,
                });
            }
        }
    }
    steps
}
