//! The lab journal: `/run/netsh/<lab>.jsonl`, a header line then one line per object the lab
//! created or adopted, appended and synced before each batch is applied (its text: `lines`).
//! The sysctl lines (and chain policies: settings too) are copied to `.<lab>.sysctls`: they
//! carry no tag, and when the journal is lost that copy is what `down --force` restores them from.

use super::lines::{self, Found, Header, Line};
use super::ssh_options::SshOptions;
use crate::plan::ledger::{Entry, Gone, Ledger};
use crate::plan::OpKind;
use crate::sys::{Netns, ObjectKey};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};

pub(crate) const STATE_DIR: &str = "/run/netsh";

pub struct Journal {
    pub(crate) lab: String,
    path: Option<PathBuf>,
    netns_inode: u64,
    /// The script that made the lab (canonical path), when known.
    pub(crate) script: Option<String>,
    pub(crate) entries: Vec<Entry>,
    /// The entries' keys, each with whether it was adopted.
    keys: BTreeMap<ObjectKey, bool>,
    /// What was found at its path when opened: a journal not `Whole` may have lost entries.
    pub(crate) found: Found,
    /// The namespaces the lab made that are simulated hosts (machines), for `show`.
    pub(crate) machines: BTreeSet<String>,
    /// The real machines the lab changed, and how to reach each (for `down`, `show`).
    pub(crate) remotes: BTreeMap<String, SshOptions>,
}

impl Journal {
    /// A journal that is never written (dry-run, check, unit tests).
    pub fn in_memory(lab: &str) -> Self {
        Journal {
            lab: lab.to_string(),
            path: None,
            netns_inode: 0,
            script: None,
            entries: vec![],
            keys: BTreeMap::new(),
            found: Found::Missing,
            machines: BTreeSet::new(),
            remotes: BTreeMap::new(),
        }
    }

    /// An empty journal at the lab's path, not read: for a lab whose journal was lost.
    pub(crate) fn empty(lab: &str, netns_inode: u64) -> Self {
        Journal {
            path: Some(Self::path_for(lab)),
            netns_inode,
            ..Self::in_memory(lab)
        }
    }

    pub(crate) fn path_for(lab: &str) -> PathBuf {
        Path::new(STATE_DIR).join(format!("{lab}.jsonl"))
    }

    /// The sysctls' copy of the journal, `.<lab>.sysctls`: sysctls carry no tag, so when the
    /// journal is lost `down --force` restores them from here.
    pub(crate) fn sysctls_path_for(lab: &str) -> PathBuf {
        Path::new(STATE_DIR).join(format!(".{lab}.sysctls"))
    }

    /// Opens the lab's journal, or starts an empty one. A journal written in another network
    /// namespace (a stale file from another sandbox or boot) is refused, never applied here.
    pub(crate) fn open(lab: &str, netns_inode: u64) -> io::Result<Self> {
        Self::open_at(lab, netns_inode, Self::path_for(lab))
    }

    /// The sysctl entries the lab's journal had, from their copy (`sysctls_path_for`).
    pub(crate) fn open_sysctls(lab: &str, netns_inode: u64) -> io::Result<Vec<Entry>> {
        Ok(Self::open_at(lab, netns_inode, Self::sysctls_path_for(lab))?.entries)
    }

    fn open_at(lab: &str, netns_inode: u64, path: PathBuf) -> io::Result<Self> {
        let text = lines::read(&path)?;
        let mut j = Journal {
            lab: lab.to_string(),
            path: Some(Self::path_for(lab)),
            netns_inode,
            script: None,
            entries: vec![],
            keys: BTreeMap::new(),
            found: text.found,
            machines: BTreeSet::new(),
            remotes: BTreeMap::new(),
        };
        let Some(header) = text.header else {
            return Ok(j);
        };
        if header.netns_inode != netns_inode {
            // Another network namespace's lab of the same name (/run is shared with it): never
            // apply it here, and never delete it.
            return Err(io::Error::other(format!(
                "{} belongs to a lab in another network namespace (inode {}, this one is {netns_inode}); use another --lab name here",
                path.display(),
                header.netns_inode
            )));
        }
        j.script = header.script;
        let mut idents = HashMap::new();
        for l in text.lines {
            match l {
                Line::Entry(mut e) => {
                    j.keys.insert(e.key.clone(), e.adopted);
                    e.in_flight = true;
                    j.entries.push(*e);
                }
                Line::Forget { forget } => {
                    j.keys.remove(&forget);
                    j.entries.retain(|e| e.key != forget);
                }
                Line::Ident { netns, inode } => {
                    idents.insert(netns, inode);
                }
                Line::Machine { machine } => {
                    j.machines.insert(machine);
                }
                Line::Remote { remote, ssh } => {
                    j.remotes.insert(remote, ssh);
                }
                Line::Applied { .. } => j.entries.iter_mut().for_each(|e| e.in_flight = false),
            }
        }
        j.identify(&idents);
        Ok(j)
    }

    /// Note the inodes of the namespaces the lab made.
    fn identify(&mut self, idents: &HashMap<String, u64>) {
        for e in &mut self.entries {
            if let ObjectKey::Netns(n) = &e.key {
                e.inode = idents.get(n).copied().or(e.inode);
            }
        }
    }

    /// The entries to undo, less the sysctls another live lab also set: those stay as they
    /// are until the last lab that set them is gone.
    pub(crate) fn undoable(&self) -> Vec<Entry> {
        self.undoable_of(&self.entries)
    }

    fn other_labs_keys(&self) -> BTreeSet<ObjectKey> {
        self.other_labs()
            .into_iter()
            .flat_map(|j| j.entries)
            .filter(|e| !e.adopted)
            .map(|e| e.key)
            .collect()
    }

    /// The journals of the other labs in this network namespace.
    fn other_labs(&self) -> Vec<Journal> {
        let mut labs = vec![];
        if self.path.is_none() {
            return labs;
        }
        let Ok(dir) = std::fs::read_dir(STATE_DIR) else {
            return labs;
        };
        for f in dir.flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            let Some(lab) = name.strip_suffix(".jsonl") else {
                continue;
            };
            if lab == self.lab {
                continue;
            }
            if let Ok(j) = Journal::open(lab, self.netns_inode) {
                labs.push(j);
            }
        }
        labs
    }

    /// The keys the journal holds now: what a run or a REPL line adds is measured from here.
    pub(crate) fn mark(&self) -> BTreeSet<ObjectKey> {
        self.keys.keys().cloned().collect()
    }

    /// The entries recorded since `mark` (and still standing).
    pub(crate) fn since(&self, mark: &BTreeSet<ObjectKey>) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| !mark.contains(&e.key))
            .cloned()
            .collect()
    }

    /// Forget these objects (a rollback removed them): tombstones, appended and synced.
    pub(crate) fn forget_keys(&mut self, keys: &[ObjectKey]) -> io::Result<()> {
        let keys: Vec<ObjectKey> = keys
            .iter()
            .filter(|k| self.keys.contains_key(*k))
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let lines: Vec<Line> = keys
            .iter()
            .map(|k| Line::Forget { forget: k.clone() })
            .collect();
        self.append(&lines)?;
        for k in &keys {
            self.keys.remove(k);
        }
        self.entries.retain(|e| !keys.contains(&e.key));
        // The machines it lists are `down`'s to clear: their parts may still stand.
        if self.entries.is_empty() && self.remotes.is_empty() {
            self.clear()?;
        }
        Ok(())
    }

    /// `undoable`, for some of the entries.
    pub(crate) fn undoable_of(&self, entries: &[Entry]) -> Vec<Entry> {
        let others = self.other_labs_keys();
        entries
            .iter()
            .filter(|e| !(e.key.is_setting() && others.contains(&e.key)))
            .cloned()
            .collect()
    }

    /// A real machine the lab is about to change: noted (and synced) first, so that `down`
    /// reaches it even when this run is lost half-way.
    pub(crate) fn note_remote(&mut self, name: &str, ssh: &SshOptions) -> io::Result<()> {
        if self.remotes.get(name) == Some(ssh) {
            return Ok(());
        }
        let line = Line::Remote {
            remote: name.to_string(),
            ssh: ssh.clone(),
        };
        self.append(&[line])?;
        self.remotes.insert(name.to_string(), ssh.clone());
        Ok(())
    }

    /// Forget everything (after a teardown): the files go too.
    pub(crate) fn clear(&mut self) -> io::Result<()> {
        self.entries.clear();
        self.keys.clear();
        self.remotes.clear();
        if self.path.is_some() {
            remove(&Self::sysctls_path_for(&self.lab))?;
            remove(&Self::path_for(&self.lab))?;
        }
        Ok(())
    }
}

/// Remove a file that may be gone already.
fn remove(p: &Path) -> io::Result<()> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

impl Journal {
    /// Append lines to the journal, and those about sysctls to their copy too.
    fn append(&mut self, lines: &[Line]) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let h = Header {
            lab: self.lab.clone(),
            netns_inode: self.netns_inode,
            script: self.script.clone(),
        };
        lines::append(path, &h, lines)?;
        let is_sysctl = |k: &ObjectKey| k.is_setting();
        let sysctls: Vec<Line> = lines
            .iter()
            .filter_map(|l| match l {
                Line::Entry(e) if is_sysctl(&e.key) => Some(Line::Entry(e.clone())),
                Line::Forget { forget } if is_sysctl(forget) => Some(Line::Forget {
                    forget: forget.clone(),
                }),
                _ => None,
            })
            .collect();
        if sysctls.is_empty() {
            return Ok(());
        }
        lines::append(&Self::sysctls_path_for(&self.lab), &h, &sysctls)
    }
}

impl Ledger for Journal {
    fn owns(&self, key: &ObjectKey) -> bool {
        self.keys.contains_key(key)
    }

    fn made(&self, key: &ObjectKey) -> bool {
        self.keys.get(key) == Some(&false)
    }

    fn tag(&self) -> Option<String> {
        Some(crate::firewall::rule::tag(&self.lab))
    }

    fn record(&mut self, entries: &[Entry]) -> io::Result<()> {
        // One entry per key, even when a batch sets a sysctl twice (ip_forward, then nat).
        let mut seen = BTreeSet::new();
        let fresh: Vec<Entry> = entries
            .iter()
            .filter(|e| !self.keys.contains_key(&e.key) && seen.insert(e.key.clone()))
            .cloned()
            .collect();
        let lines: Vec<Line> = fresh
            .iter()
            .cloned()
            .map(|e| Line::Entry(Box::new(e)))
            .collect();
        self.append(&lines)?;
        for mut e in fresh {
            self.keys.insert(e.key.clone(), e.adopted);
            e.in_flight = true;
            self.entries.push(e);
        }
        Ok(())
    }

    fn inherited_undo(&self, key: &ObjectKey) -> Option<OpKind> {
        if !key.is_setting() {
            return None;
        }
        self.other_labs()
            .into_iter()
            .flat_map(|j| j.entries)
            .find(|e| e.key == *key && e.undo.is_some())
            .and_then(|e| e.undo)
    }

    fn unrecord(&mut self, keys: &[ObjectKey]) -> io::Result<()> {
        self.forget_keys(keys)
    }

    fn made_now(&mut self, keys: &[ObjectKey]) -> io::Result<()> {
        if self.path.is_none() {
            return Ok(());
        }
        let mut idents = HashMap::new();
        for k in keys {
            if let ObjectKey::Netns(n) = k {
                let path = Netns::Named(n.clone()).path();
                if let Ok(inode) = crate::sys::enter::inode(path.as_deref()) {
                    idents.insert(n.clone(), inode);
                }
            }
        }
        let applied = self.entries.iter().filter(|e| e.in_flight).count();
        if idents.is_empty() && applied == 0 {
            return Ok(());
        }
        let mut lines: Vec<Line> = idents
            .iter()
            .map(|(n, i)| Line::Ident {
                netns: n.clone(),
                inode: *i,
            })
            .collect();
        lines.extend(
            idents
                .keys()
                .filter(|n| self.machines.contains(*n))
                .map(|n| Line::Machine { machine: n.clone() }),
        );
        if applied > 0 {
            lines.push(Line::Applied { applied });
        }
        self.append(&lines)?;
        self.identify(&idents);
        self.entries.iter_mut().for_each(|e| e.in_flight = false);
        Ok(())
    }

    fn forget(&mut self, gone: &[Gone]) -> io::Result<()> {
        let keys: Vec<ObjectKey> = self
            .keys
            .keys()
            .filter(|k| gone.iter().any(|g| g.matches(k)))
            .cloned()
            .collect();
        self.forget_keys(&keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal as netsh wrote it before keys were typed: it reads as it did.
    const OLD: &str = r#"{"lab":"chapter1","netns_inode":4026531840,"script":"/x/chapter1.rhai"}
{"key":"netns ns1","ns":"Root","peer_ns":null,"undo":{"NetnsDel":{"name":"ns1"}},"adopted":false}
{"key":"link host/bridge0","ns":"Root","peer_ns":null,"undo":{"LinkDel":{"ns":"Root","name":"bridge0","peer":null}},"adopted":false}
{"key":"addr host/bridge0/10.1.1.1/24","ns":"Root","peer_ns":null,"undo":{"AddrDel":{"ns":"Root","link":"bridge0","addr":"10.1.1.1/24"}},"adopted":false}
{"key":"link host/eth0","ns":"Root","peer_ns":null,"undo":null,"adopted":true}
{"key":"sysctl host/net.ipv4.ip_forward","ns":"Root","peer_ns":null,"undo":{"Sysctl":{"ns":"Root","key":"net.ipv4.ip_forward","value":"0"}},"adopted":false}
{"forget":"addr host/bridge0/10.1.1.1/24"}
"#;

    /// `text` as the journal file of lab chapter1 in a namespace of inode `inode`.
    fn open(text: &str, inode: u64) -> io::Result<Journal> {
        let dir = std::env::temp_dir().join(format!(
            "netsh-journal-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("chapter1.jsonl");
        std::fs::write(&path, text)?;
        let j = Journal::open_at("chapter1", inode, path);
        let _ = std::fs::remove_dir_all(&dir);
        j
    }

    #[test]
    fn an_older_journal_reads_with_typed_keys() {
        let j = open(OLD, 4026531840).unwrap();
        assert_eq!(j.script.as_deref(), Some("/x/chapter1.rhai"));
        let keys: Vec<String> = j.entries.iter().map(|e| e.key.to_string()).collect();
        assert_eq!(
            keys,
            [
                "netns ns1",
                "link host/bridge0",
                "link host/eth0",
                "sysctl host/net.ipv4.ip_forward"
            ]
        );
        assert!(j.owns(&ObjectKey::link(&Netns::Root, "bridge0")));
        assert!(!j.owns(&ObjectKey::Addr {
            ns: Netns::Root,
            link: "bridge0".into(),
            addr: "10.1.1.1/24".parse().unwrap(),
        }));
        assert!(j.entries[2].adopted);
    }

    #[test]
    fn a_key_of_no_known_form_is_refused_as_corrupt() {
        let text = OLD.replace("link host/bridge0\"", "tunnel host/bridge0\"");
        let e = open(&text, 4026531840).err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .contains("is corrupt: unknown object key \"tunnel host/bridge0\""),
            "{e}"
        );
    }

    #[test]
    fn another_namespaces_journal_is_refused() {
        let e = open(OLD, 1).err().unwrap();
        assert!(
            e.to_string()
                .contains("belongs to a lab in another network namespace"),
            "{e}"
        );
    }
}
