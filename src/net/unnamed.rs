//! The namespaces with no name that `netsh show` lists beside the named ones: those a container
//! runtime keeps a file for, and those of processes that are linked to this stack (it gives
//! them an nsid: a veth's other end is there, as with every container on `docker0`). Other
//! processes' namespaces are other worlds (a sandbox's, another machine's in a test), not this
//! host's.

use super::backend::Netlink;
use crate::lab::state::{ProcessState, StackState};
use crate::plan::Observe;
use crate::sys::nsscan::{scan, Unnamed};
use crate::sys::{Failure, Netns};
use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;

/// How `show` names a stack: `host`, a name, or an adopted namespace's `pid:N` or file.
pub(crate) fn stack_name(ns: &Netns) -> String {
    match ns {
        Netns::Adopted(f) => f.spec.clone(),
        _ => ns.to_string(),
    }
}

impl Netlink {
    /// The stacks `show` reads: the host, the named namespaces, and with no lab to show the
    /// whole machine's, also the unnamed ones (kept, for their processes).
    pub(crate) fn stacks_to_show(
        &mut self,
        lab: Option<&str>,
        every: bool,
    ) -> Result<(Vec<Netns>, Vec<Unnamed>), Failure> {
        let mut names: Vec<Netns> = vec![Netns::Root];
        names.extend(self.named_netns()?.into_iter().map(Netns::Named));
        let unnamed = match lab {
            None => self.unnamed_netns()?,
            // What a lab made in a namespace it adopted is found there too, named as the lab
            // named it; with `every` (the journal lost), in any linked here.
            Some(l) => as_adopted(self.unnamed_netns()?, l, every),
        };
        names.extend(
            unnamed
                .iter()
                .map(|u| Netns::Adopted(Box::new(u.ns.clone()))),
        );
        Ok((names, unnamed))
    }

    /// The unnamed namespaces of this host (see the module's words), in the order found.
    /// (`as_adopted` renames those a lab adopted.)
    pub(crate) fn unnamed_netns(&mut self) -> Result<Vec<Unnamed>, Failure> {
        let mut skip = BTreeSet::new();
        let mut known = vec![Some(std::path::PathBuf::from("/proc/thread-self/ns/net"))];
        known.extend(
            self.named_netns()?
                .into_iter()
                .map(|n| Netns::Named(n).path()),
        );
        for p in known.into_iter().flatten() {
            if let Ok(m) = std::fs::metadata(&p) {
                skip.insert((m.dev(), m.ino()));
            }
        }
        let root = self.handle_for(&Netns::Root)?;
        let mut linked = vec![];
        for u in scan(&skip) {
            // The runtime drives the socket: block on it, not on a handle to it.
            let nsid = self
                .h
                .rt
                .block_on(super::nsid::nsid_of_file(&root, &u.ns.path()));
            if u.file.is_some() || nsid.is_some() {
                linked.push(u);
            }
        }
        Ok(linked)
    }
}

impl Netlink {
    /// The stacks beyond the host and the named namespaces that `why` may cross: the unnamed
    /// ones, each as the script or command line named it when it did (`pid:1240` for the
    /// namespace the scan calls `pid:1234`), and those it named that the scan leaves out.
    pub(crate) fn unnamed_stacks(&mut self) -> Vec<Netns> {
        let mut seen = self.h.adopted();
        let same = |a: &Netns, dev: u64, ino: u64| matches!(a, Netns::Adopted(f) if (f.dev, f.ino) == (dev, ino));
        let mut out = vec![];
        for u in self.unnamed_netns().unwrap_or_default() {
            match seen.iter().position(|s| same(s, u.ns.dev, u.ns.ino)) {
                Some(i) => out.push(seen.remove(i)),
                None => out.push(Netns::Adopted(Box::new(u.ns))),
            }
        }
        out.extend(seen);
        out
    }
}

/// The processes and container of each unnamed namespace's stack.
pub(crate) fn describe(stacks: &mut [StackState], unnamed: &[Unnamed]) {
    for u in unnamed {
        if let Some(s) = stacks.iter_mut().find(|s| s.name == u.ns.spec) {
            s.processes = u
                .processes
                .iter()
                .map(|(pid, name)| ProcessState {
                    pid: *pid,
                    name: name.clone(),
                })
                .collect();
            s.container = u.container.clone();
        }
    }
}

/// The namespaces the lab `lab` adopted, as its journal names them (`pid:N` of the process the
/// script named, where the scan may have met another of its processes first), the scan's
/// details kept; those still alive that the scan did not find (no longer linked here) too.
/// With `every`, the rest of `found` as well. (Not every namespace linked here by default: a
/// machine of the lab simulated in a namespace here holds that machine's objects, with the same
/// tag.)
fn as_adopted(found: Vec<Unnamed>, lab: &str, every: bool) -> Vec<Unnamed> {
    let journal = crate::sys::enter::inode(None)
        .ok()
        .and_then(|ino| crate::lab::Journal::open(lab, ino).ok());
    let mut out: Vec<Unnamed> = vec![];
    for f in journal.map(|j| j.adopted()).unwrap_or_default() {
        if f.check().is_err() {
            continue;
        }
        let scanned = found
            .iter()
            .find(|u| (u.ns.dev, u.ns.ino) == (f.dev, f.ino));
        out.push(match scanned {
            Some(u) => Unnamed { ns: f, ..u.clone() },
            None => Unnamed {
                ns: f,
                file: None,
                processes: vec![],
                container: None,
            },
        });
    }
    if every {
        let rest: Vec<Unnamed> = found
            .into_iter()
            .filter(|u| {
                !out.iter()
                    .any(|o| (o.ns.dev, o.ns.ino) == (u.ns.dev, u.ns.ino))
            })
            .collect();
        out.extend(rest);
    }
    out
}
