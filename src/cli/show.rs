//! `netsh show [--lab NAME] [--json | --dot | --svg [FILE] | --serve [ADDR:PORT]]`: the live state per host and namespace.

use super::error::Error;
use super::run::{has_net_admin, root_diag, SANDBOX_SEEN_FROM_INSIDE};
use super::ShowArgs;
use crate::lab::machine_state::{spanned, MachineState, Spanned};
use crate::lab::state::{StackState, State};
use crate::lab::Journal;
use crate::sys::LinkKind;
use std::collections::BTreeSet;
use std::fmt::Write;

pub fn show(a: ShowArgs) -> Result<(), Error> {
    if !has_net_admin() {
        let help =
            format!("run it as root (sudo netsh show); {SANDBOX_SEEN_FROM_INSIDE}, then :show");
        return Err(Error::diag(
            root_diag("netsh show", "read", &help),
            "",
            None,
        ));
    }
    if let Some(addr) = &a.serve {
        return crate::web::serve_until_stopped(addr, a.lab.clone()).map_err(Error::failed);
    }
    let mut backend = crate::net::Netlink::new(a.lab.as_deref().unwrap_or("show"))
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    let mut state = backend
        .topology(a.lab.as_deref())
        .map_err(|f| Error::failed(format!("cannot read the state: {}", f.message)))?;
    if let Some(lab) = &a.lab {
        let journal = crate::sys::enter::inode(None).and_then(|ino| Journal::open(lab, ino));
        let journal = match journal {
            Ok(j) if !j.entries.is_empty() || !j.remotes.is_empty() => j,
            Ok(_) => {
                return Err(Error::failed(format!(
                    "there is no lab {lab} here (no journal in /run/netsh)"
                )))
            }
            Err(e) => {
                return Err(Error::failed(format!(
                    "cannot open the journal of lab {lab}: {e}"
                )))
            }
        };
        let keep = journal.stacks();
        state.stacks.retain(|s| keep.contains(&s.name));
        adopted_only_the_labs(&mut state, &journal, lab);
    }
    state.mark_machines(&machines(a.lab.as_deref()));
    // The real machines the lab (or every lab) is bound to, each asked for its part.
    let remotes = crate::sys::enter::inode(None)
        .map(|ino| crate::lab::shown::remotes(a.lab.as_deref(), ino))
        .unwrap_or_default();
    let far = crate::remote::show_far::machine_states(a.lab.as_deref(), &remotes);
    if a.json {
        let spanned = Spanned {
            state: &state,
            machines: &far,
        };
        println!("{}", serde_json::to_string_pretty(&spanned).unwrap());
        return Ok(());
    }
    let state = spanned(&state, &far);
    if a.dot {
        print!("{}", crate::lab::dot::dot(&state));
    } else if let Some(file) = &a.svg {
        let svg = crate::lab::svg::svg(&state);
        match file {
            Some(f) => std::fs::write(f, svg)
                .map_err(|e| Error::failed(format!("cannot write {}: {e}", f.display())))?,
            None => print!("{svg}"),
        }
    } else {
        print!("{}", text(&state, &far));
    }
    Ok(())
}

/// A namespace the lab adopted is someone else's: of it, only what the lab made there is shown
/// (its links: tagged, the other end of a tagged veth (a veth's tag is on the end it was made
/// from), or named in the journal; and the routes the journal lists).
fn adopted_only_the_labs(state: &mut State, journal: &Journal, lab: &str) {
    use crate::sys::ObjectKey;
    let tag = crate::firewall::rule::tag(lab);
    let tagged: BTreeSet<(String, String)> = state
        .stacks
        .iter()
        .flat_map(|s| s.links.iter().map(move |l| (s, l)))
        .filter(|(_, l)| l.alias.as_deref() == Some(tag.as_str()))
        .map(|(s, l)| (s.name.clone(), l.name.clone()))
        .collect();
    for s in state
        .stacks
        .iter_mut()
        .filter(|s| crate::sys::nsfile::is_spec(&s.name))
    {
        let here = |ns: &crate::sys::Netns| ns.local() == Some(s.name.as_str());
        let mut links = BTreeSet::new();
        let mut routes = BTreeSet::new();
        for e in &journal.entries {
            match &e.key {
                ObjectKey::Link { ns, name } if here(ns) => links.insert(name.clone()),
                ObjectKey::Addr { ns, link, .. } if here(ns) => links.insert(link.clone()),
                ObjectKey::Route { ns, dst } if here(ns) => {
                    routes.insert(crate::plan::render::dst_text(dst))
                }
                _ => false,
            };
        }
        s.links.retain(|l| {
            l.alias.as_deref() == Some(tag.as_str())
                || links.contains(&l.name)
                || l.peer
                    .as_ref()
                    .is_some_and(|p| tagged.contains(&(p.stack.clone(), p.link.clone())))
        });
        s.routes.retain(|r| routes.contains(&r.dst));
    }
}

/// The simulated hosts the journals here name: the lab's, or every lab's.
fn machines(lab: Option<&str>) -> BTreeSet<String> {
    crate::sys::enter::inode(None)
        .map(|ino| crate::lab::shown::machines(lab, ino))
        .unwrap_or_default()
}

fn text(state: &State, far: &[MachineState]) -> String {
    let mut out = String::new();
    for s in &state.stacks {
        stack_text(&mut out, s, far);
    }
    for m in far.iter().filter(|m| !m.reachable) {
        let error = m.error.as_deref().unwrap_or("no answer");
        let _ = writeln!(out, "{} (machine {}): unreachable — {error}", m.name, m.ssh);
    }
    out
}

/// The words of a driver named in the JSON.
fn firewall_words(name: &str) -> &str {
    use crate::firewall::legacy::Driver::*;
    [Native, Legacy, NativeAndProgram]
        .into_iter()
        .find(|d| d.name() == name)
        .map_or(name, |d| d.words())
}

fn stack_text(out: &mut String, s: &StackState, far: &[MachineState]) {
    let what = match (s.kind.as_str(), s.machine.as_str()) {
        ("host", "host") => "host".to_string(),
        ("host", m) => match far.iter().find(|x| x.name == m) {
            Some(real) => format!("machine {}", real.ssh),
            None => "simulated host".to_string(),
        },
        (_, m) => format!("namespace on {m}"),
    };
    // An unnamed namespace: whose it is (`; container docker web; sleep 4242`).
    let what = std::iter::once(what)
        .chain(s.container.clone().map(|c| format!("container {c}")))
        .chain(s.processes.iter().map(|p| format!("{} {}", p.name, p.pid)))
        .collect::<Vec<_>>()
        .join("; ");
    let _ = writeln!(out, "{} ({what})", s.name);
    for l in &s.links {
        let mut line = format!(
            "  {:<15} {:<7} {:<4}",
            l.name,
            l.kind.as_ref().map_or("-", LinkKind::as_str),
            if l.up { "up" } else { "down" }
        );
        if !l.addrs.is_empty() {
            line.push_str(&format!(" {}", l.addrs.join(" ")));
        }
        if let Some(m) = &l.master {
            line.push_str(&format!(" master {m}"));
        }
        if let Some(p) = &l.peer {
            line.push_str(&format!(" ↔ {}/{}", p.stack, p.link));
        }
        if let Some(v) = &l.vxlan {
            line.push_str(&format!(" vni {}", v.id));
            if let Some(r) = &v.remote {
                line.push_str(&format!(" remote {r}"));
            }
            for f in &v.fdb {
                line.push_str(&format!(" fdb {f}"));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    for r in &s.routes {
        let mut line = format!("  route {}", r.dst);
        if let Some(v) = &r.via {
            line.push_str(&format!(" via {v}"));
        }
        if let Some(d) = &r.dev {
            line.push_str(&format!(" dev {d}"));
        }
        let _ = writeln!(out, "{line}");
    }
    if let Some(on) = s.ip_forward {
        let _ = writeln!(out, "  ip_forward {}", u8::from(on));
    }
    if !s.policies.is_empty() {
        let p: Vec<String> = ["INPUT", "FORWARD", "OUTPUT"]
            .iter()
            .filter_map(|c| s.policies.get(*c).map(|p| format!("{c} {p}")))
            .collect();
        let _ = writeln!(out, "  policy {}", p.join(", "));
    }
    if let Some(f) = &s.firewall {
        let _ = writeln!(out, "  firewall {}", firewall_words(f));
    }
    for r in &s.rules {
        let _ = writeln!(out, "  rule {} {} {}", r.table, r.chain, r.spec);
    }
}
