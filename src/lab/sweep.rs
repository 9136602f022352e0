//! `down --force`: when the journal is lost or corrupt, the lab is found by its tags — the
//! namespaces whose lo carries `netsh:<lab>`, the links with that alias, the rules with that
//! comment — and removed. Nothing untagged is touched.

use super::state::State;
use crate::firewall::rule::{from_saved, tag};
use crate::plan::OpKind;
use crate::sys::Netns;

pub(crate) fn sweep_steps(state: &State, lab: &str) -> Vec<OpKind> {
    let tag = tag(lab);
    let ns_of = |name: &str| {
        if name == "host" {
            Netns::Root
        } else {
            Netns::Named(name.to_string())
        }
    };
    let doomed: Vec<&str> = state
        .stacks
        .iter()
        .filter(|s| s.name != "host")
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
        for l in &s.links {
            let tagged = l.alias.as_deref() == Some(tag.as_str()) && l.name != "lo";
            // A veth whose other end is in a doomed namespace goes with it.
            let goes_anyway = l
                .peer
                .as_ref()
                .is_some_and(|p| doomed.contains(&p.stack.as_str()));
            if tagged && !goes_anyway {
                steps.push(OpKind::LinkDel {
                    ns: ns_of(&s.name),
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
                    ns: ns_of(&s.name),
                    rule,
                });
            }
        }
    }
    steps
}
