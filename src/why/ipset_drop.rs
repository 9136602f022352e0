//! A drop decided by ipset membership (fail2ban's `-m set --match-set f2b-sshd src -j REJECT`,
//! a blocklist, a whitelist the sender is missing from): the element is the fault, not the
//! rule, which keeps every other listed address out (or lets every listed one in). The change
//! to the set that lets the packet through is tried ahead on the chain; the fix makes it.

use super::ipset_match::{element, lookup};
use super::ipset_table::{IpSetEntry, IpSets};
use super::kernel::Kernel;
use super::rule_match::Seen;
use super::traverse::{traverse_sets, At, Outcome};
use super::words::call;
use crate::sys::Netns;

/// A change to one set: (set, element, add it).
type Change = (String, String, bool);

/// `o`, the packet's way through `table` `chain` of `ns`, ends in a drop that one change to an
/// ipset its rules look up would undo: the words for the cause (`: 10.0.0.1 is in ipset
/// `ban``) and the fix.
pub(crate) fn by_set(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
    o: &Outcome,
) -> Option<(String, String)> {
    let looked = set_rules(k, ns, table, chain);
    if looked.is_empty() {
        return None;
    }
    let sets = k.ipsets(ns)?;
    for (at, name, flags) in &looked {
        let Some(found) = lookup(&sets, name, flags, p) else {
            continue;
        };
        let (change, words) = match found {
            Some((set, e)) => (
                (set.to_string(), e.elem.clone(), false),
                listed(&sets, name, flags, p, (set, e)),
            ),
            None => {
                let kind = &sets.get(name)?.kind;
                let Some(elem) = element(kind, flags, p) else {
                    continue;
                };
                let by = match o.by.as_ref() == Some(at) {
                    true => String::new(),
                    false => format!(" (rule `{}` lets its members by)", at.text()),
                };
                let key = elem.split(',').next().unwrap_or_default().to_string();
                (
                    (name.clone(), elem, true),
                    format!(": {key} is not in ipset `{name}`{by}"),
                )
            }
        };
        let tried = changed(&sets, &change);
        let undone = traverse_sets(k, ns, (table, chain), p, Some(&tried))
            .is_some_and(|t| !t.drops() && t.unsure.len() <= o.unsure.len());
        if undone {
            let (set, elem, add) = change;
            let verb = if add { "add" } else { "del" };
            let fix = call(ns, &format!("sh(\"ipset {verb} {set} {elem}\")"));
            return Some((words, fix));
        }
    }
    None
}

/// `: 10.0.0.1 is in ipset `ban``, with the element that holds it when it is wider (a net, an
/// address and port), the list it was found through and the time it has left.
fn listed(
    sets: &IpSets,
    name: &str,
    flags: &str,
    p: &Seen,
    (set, e): (&str, &IpSetEntry),
) -> String {
    let kind = sets.get(set).map(|s| s.kind.as_str()).unwrap_or_default();
    let own = element(kind, flags, p).unwrap_or_default();
    let key = own.split(',').next().unwrap_or_default();
    let how = match e.elem == own {
        true => String::new(),
        false => format!(" as its element {}", e.elem),
    };
    let via = match set == name {
        true => String::new(),
        false => format!(" (a member of list `{name}`)"),
    };
    let left = match e.timeout {
        Some(s) => format!(" (it times out in {} min)", s.div_ceil(60)),
        None => String::new(),
    };
    format!(": {key} is in ipset `{set}`{via}{how}{left}")
}

/// `sets` with `change` made.
fn changed(sets: &IpSets, (set, elem, add): &Change) -> IpSets {
    let mut out = sets.clone();
    if let Some(s) = out.sets.iter_mut().find(|s| s.name == *set) {
        if *add {
            s.entries.push(IpSetEntry {
                elem: elem.clone(),
                nomatch: false,
                timeout: None,
            });
        } else {
            s.entries.retain(|e| e.elem != *elem);
        }
    }
    out
}

/// Every rule of `chain` and the user chains it reaches that looks up a set: the rule, the
/// set's name and the flags, in the chains' order.
fn set_rules(
    k: &mut dyn Kernel,
    ns: &Netns,
    table: &str,
    chain: &str,
) -> Vec<(At, String, String)> {
    let mut out = vec![];
    let mut todo = vec![chain.to_string()];
    let mut seen: Vec<String> = vec![];
    while let Some(c) = todo.pop() {
        if seen.contains(&c) || seen.len() > 32 {
            continue;
        }
        seen.push(c.clone());
        let Some(rules) = k.chain(ns, table, &c) else {
            continue;
        };
        for spec in rules.rules {
            let w: Vec<&str> = spec.split_whitespace().collect();
            if let Some(i) = w.iter().position(|x| *x == "-j" || *x == "-g") {
                // A user chain's name; the kernel's own targets are upper case.
                let user = w
                    .get(i + 1)
                    .filter(|t| t.chars().any(|c| !c.is_ascii_uppercase()));
                todo.extend(user.map(|t| t.to_string()));
            }
            let Some(i) = w.iter().position(|x| *x == "--match-set") else {
                continue;
            };
            if let (Some(name), Some(flags)) = (w.get(i + 1), w.get(i + 2)) {
                let at = At {
                    table: table.to_string(),
                    chain: c.clone(),
                    spec: spec.clone(),
                };
                out.push((at, name.to_string(), flags.to_string()));
            }
        }
    }
    out
}
