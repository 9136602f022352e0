//! What `show` (and the live page) takes from the journals: the stacks a lab holds, and the
//! simulated hosts the journals mark as machines.

use super::journal::{Journal, STATE_DIR};
use super::ssh_options::SshOptions;
use crate::sys::{Netns, ObjectKey};
use std::collections::{BTreeMap, BTreeSet};

impl Journal {
    /// The stacks this lab made or changed, as `show` names them (`host` for the root stack).
    pub(crate) fn stacks(&self) -> Vec<String> {
        let mut keep: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| match &e.key {
                ObjectKey::Netns(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if self
            .entries
            .iter()
            .any(|e| e.ns == Netns::Root && !matches!(e.key, ObjectKey::Netns(_)))
        {
            keep.push("host".into());
        }
        for f in self.adopted() {
            if !keep.contains(&f.spec) {
                keep.push(f.spec);
            }
        }
        keep
    }

    /// The namespaces this lab adopted (by process or file), each once, as it named them.
    pub(crate) fn adopted(&self) -> Vec<crate::sys::nsfile::NsFile> {
        let mut out: Vec<crate::sys::nsfile::NsFile> = vec![];
        for e in &self.entries {
            if let Netns::Adopted(f) = &e.ns {
                if !out.contains(f) {
                    out.push((**f).clone());
                }
            }
        }
        out
    }
}

/// The labs whose journals are here: `lab`, or every lab.
fn labs(lab: Option<&str>) -> Vec<String> {
    match lab {
        Some(l) => vec![l.to_string()],
        None => std::fs::read_dir(STATE_DIR)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| {
                let name = f.file_name().to_string_lossy().to_string();
                name.strip_suffix(".jsonl").map(str::to_string)
            })
            .collect(),
    }
}

/// The simulated hosts the journals of this stack (inode `ino`) name: the lab's, or every lab's.
pub(crate) fn machines(lab: Option<&str>, ino: u64) -> BTreeSet<String> {
    labs(lab)
        .iter()
        .filter_map(|l| Journal::open(l, ino).ok())
        .flat_map(|j| j.machines)
        .collect()
}

/// The real machines the journals of this stack name, and how to reach each: the lab's, or
/// every lab's.
pub(crate) fn remotes(lab: Option<&str>, ino: u64) -> BTreeMap<String, SshOptions> {
    labs(lab)
        .iter()
        .filter_map(|l| Journal::open(l, ino).ok())
        .flat_map(|j| j.remotes)
        .collect()
}
