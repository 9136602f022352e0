//! The lab journal: `/run/netsh/<lab>.jsonl`, a header line then one line per object the lab
//! created or adopted, appended and synced before each batch is applied.

use crate::plan::ledger::{Entry, Gone, Ledger};
use crate::plan::OpKind;
use crate::sys::ObjectKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

pub const STATE_DIR: &str = "/run/netsh";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    lab: String,
    /// The network namespace the journal belongs to: it is never applied to another one.
    netns_inode: u64,
    /// The script that made the lab: another script cannot take over its name.
    #[serde(default)]
    script: Option<String>,
}

/// A line after the header: an object, or the key of one the lab deleted itself.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Entry(Box<Entry>),
    Forget { forget: ObjectKey },
}

pub struct Journal {
    pub lab: String,
    path: Option<PathBuf>,
    netns_inode: u64,
    /// The script that made the lab (canonical path), when known.
    pub script: Option<String>,
    pub entries: Vec<Entry>,
    keys: BTreeSet<ObjectKey>,
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
            keys: BTreeSet::new(),
        }
    }

    pub fn path_for(lab: &str) -> PathBuf {
        Path::new(STATE_DIR).join(format!("{lab}.jsonl"))
    }

    /// Opens the lab's journal, or starts an empty one. A journal written in another network
    /// namespace (a stale file from another sandbox or boot) is ignored and replaced.
    pub fn open(lab: &str, netns_inode: u64) -> io::Result<Self> {
        let path = Self::path_for(lab);
        let mut j = Journal {
            lab: lab.to_string(),
            path: Some(path.clone()),
            netns_inode,
            script: None,
            entries: vec![],
            keys: BTreeSet::new(),
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(j),
            Err(e) => return Err(e),
        };
        let mut text = String::new();
        BufReader::new(file).read_to_string(&mut text)?;
        j.read(&text)?;
        Ok(j)
    }

    /// The journal's text: a header for this network namespace, then entries and tombstones.
    fn read(&mut self, text: &str) -> io::Result<()> {
        let path = self.path.clone().unwrap_or_default();
        let netns_inode = self.netns_inode;
        let j = self;
        // A last line without its newline was being written when netsh died: its batch was
        // never applied (the journal is synced first), so it is dropped.
        let complete = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        let mut lines = complete.lines();
        let header: Header = match lines.next() {
            Some(l) => serde_json::from_str(l).map_err(corrupt(&path))?,
            None => return Ok(()),
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
        for l in lines {
            if l.trim().is_empty() {
                continue;
            }
            match line(l).map_err(corrupt(&path))? {
                Line::Entry(e) => {
                    j.keys.insert(e.key.clone());
                    j.entries.push(*e);
                }
                Line::Forget { forget } => {
                    j.keys.remove(&forget);
                    j.entries.retain(|e| e.key != forget);
                }
            }
        }
        Ok(())
    }

    /// The entries to undo, less the sysctls another live lab also set: those stay as they
    /// are until the last lab that set them is gone.
    pub fn undoable(&self) -> Vec<Entry> {
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
    pub fn mark(&self) -> BTreeSet<ObjectKey> {
        self.keys.clone()
    }

    /// The entries recorded since `mark` (and still standing).
    pub fn since(&self, mark: &BTreeSet<ObjectKey>) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| !mark.contains(&e.key))
            .cloned()
            .collect()
    }

    /// Forget these objects (a rollback removed them): tombstones, appended and synced.
    pub fn forget_keys(&mut self, keys: &[ObjectKey]) -> io::Result<()> {
        let keys: Vec<ObjectKey> = keys
            .iter()
            .filter(|k| self.keys.contains(*k))
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
        if self.entries.is_empty() {
            self.clear()?;
        }
        Ok(())
    }

    /// `undoable`, for some of the entries.
    pub fn undoable_of(&self, entries: &[Entry]) -> Vec<Entry> {
        let others = self.other_labs_keys();
        entries
            .iter()
            .filter(|e| !(matches!(e.key, ObjectKey::Sysctl { .. }) && others.contains(&e.key)))
            .cloned()
            .collect()
    }

    /// Forget everything (after a teardown): the file goes too.
    pub fn clear(&mut self) -> io::Result<()> {
        self.entries.clear();
        self.keys.clear();
        if let Some(p) = &self.path {
            match std::fs::remove_file(p) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// One line after the header. Read by its shape, so that a bad entry says what is wrong with
/// it (an untagged enum would only say that nothing matched).
fn line(text: &str) -> serde_json::Result<Line> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    if v.get("forget").is_some() {
        Ok(Line::Forget {
            forget: serde_json::from_value(v["forget"].clone())?,
        })
    } else {
        Ok(Line::Entry(Box::new(serde_json::from_value(v)?)))
    }
}

fn corrupt(path: &Path) -> impl Fn(serde_json::Error) -> io::Error + '_ {
    move |e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the journal {} is corrupt: {e}", path.display()),
        )
    }
}

impl Journal {
    fn append(&mut self, lines: &[Line]) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        std::fs::create_dir_all(STATE_DIR)?;
        let new_file = !path.exists();
        let mut f = OpenOptions::new().create(true).append(true).open(path)?;
        let mut buf = String::new();
        if new_file {
            let h = Header {
                lab: self.lab.clone(),
                netns_inode: self.netns_inode,
                script: self.script.clone(),
            };
            buf.push_str(&serde_json::to_string(&h).unwrap());
            buf.push('\n');
        }
        for l in lines {
            buf.push_str(&serde_json::to_string(l).unwrap());
            buf.push('\n');
        }
        f.write_all(buf.as_bytes())?;
        f.sync_data()
    }
}

impl Ledger for Journal {
    fn owns(&self, key: &ObjectKey) -> bool {
        self.keys.contains(key)
    }

    fn record(&mut self, entries: &[Entry]) -> io::Result<()> {
        let fresh: Vec<Entry> = entries
            .iter()
            .filter(|e| !self.keys.contains(&e.key))
            .cloned()
            .collect();
        let lines: Vec<Line> = fresh
            .iter()
            .cloned()
            .map(|e| Line::Entry(Box::new(e)))
            .collect();
        self.append(&lines)?;
        for e in fresh {
            self.keys.insert(e.key.clone());
            self.entries.push(e);
        }
        Ok(())
    }

    fn inherited_undo(&self, key: &ObjectKey) -> Option<OpKind> {
        if !matches!(key, ObjectKey::Sysctl { .. }) {
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

    fn forget(&mut self, gone: &[Gone]) -> io::Result<()> {
        let keys: Vec<ObjectKey> = self
            .keys
            .iter()
            .filter(|k| gone.iter().any(|g| g.matches(k)))
            .cloned()
            .collect();
        self.forget_keys(&keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{Netns, ObjectKey};

    /// A journal as netsh wrote it before keys were typed: it reads as it did.
    const OLD: &str = r#"{"lab":"chapter1","netns_inode":4026531840,"script":"/x/chapter1.rhai"}
{"key":"netns ns1","ns":"Root","peer_ns":null,"undo":{"NetnsDel":{"name":"ns1"}},"adopted":false}
{"key":"link host/bridge0","ns":"Root","peer_ns":null,"undo":{"LinkDel":{"ns":"Root","name":"bridge0","peer":null}},"adopted":false}
{"key":"addr host/bridge0/10.1.1.1/24","ns":"Root","peer_ns":null,"undo":{"AddrDel":{"ns":"Root","link":"bridge0","addr":"10.1.1.1/24"}},"adopted":false}
{"key":"link host/eth0","ns":"Root","peer_ns":null,"undo":null,"adopted":true}
{"key":"sysctl host/net.ipv4.ip_forward","ns":"Root","peer_ns":null,"undo":{"Sysctl":{"ns":"Root","key":"net.ipv4.ip_forward","value":"0"}},"adopted":false}
{"forget":"addr host/bridge0/10.1.1.1/24"}
"#;

    fn journal(inode: u64) -> Journal {
        Journal {
            netns_inode: inode,
            ..Journal::in_memory("chapter1")
        }
    }

    #[test]
    fn an_older_journal_reads_with_typed_keys() {
        let mut j = journal(4026531840);
        j.read(OLD).unwrap();
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
        let mut j = journal(4026531840);
        let text = OLD.replace("link host/bridge0\"", "tunnel host/bridge0\"");
        let e = j.read(&text).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .contains("is corrupt: unknown object key \"tunnel host/bridge0\""),
            "{e}"
        );
    }

    #[test]
    fn another_namespaces_journal_is_refused() {
        let e = journal(1).read(OLD).unwrap_err();
        assert!(
            e.to_string()
                .contains("belongs to a lab in another network namespace"),
            "{e}"
        );
    }
}
