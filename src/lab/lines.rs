//! The journal's text: a header line, then one JSON line per entry, tombstone or namespace
//! identity. Read back tolerant of a torn last line; appended and synced; and cut back when an
//! append fails (a full /run), so the file never lists a batch that was not applied.

use crate::plan::ledger::Entry;
use crate::sys::ObjectKey;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) lab: String,
    /// The network namespace the journal belongs to: it is never applied to another one.
    pub(crate) netns_inode: u64,
    /// The script that made the lab: another script cannot take over its name.
    #[serde(default)]
    pub(crate) script: Option<String>,
}

/// A line after the header: an object, the key of one the lab deleted itself, or the identity
/// of a namespace it made.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Line {
    Entry(Box<Entry>),
    Forget {
        forget: ObjectKey,
    },
    /// The nsfs inode of `/run/netns/NAME`, noted once the batch that made it was applied.
    Ident {
        netns: String,
        inode: u64,
    },
    /// A namespace it made is a simulated host (a machine), not a plain namespace.
    Machine {
        machine: String,
    },
    /// A real machine the lab reaches over ssh, noted before its first change there: `down`
    /// reaches its agent again with these options.
    Remote {
        remote: String,
        ssh: super::ssh_options::SshOptions,
    },
    /// The batch whose entries came before was applied whole (this many of them): each link
    /// it made carries the lab's tag. Entries after the last such line may name a link netsh
    /// made and was killed before tagging (the kernel takes no alias in RTM_NEWLINK).
    Applied {
        applied: usize,
    },
}

/// What was found at a journal's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// No file.
    Missing,
    /// A file without a whole header line (emptied, or cut inside its first line).
    Empty,
    /// Its last line is cut short: netsh died writing it, or the file was truncated.
    Torn,
    Whole,
}

pub(crate) struct Text {
    pub(crate) header: Option<Header>,
    pub(crate) lines: Vec<Line>,
    pub(crate) found: Found,
}

/// Read a journal file: its header and lines, less a torn last line (its batch was never
/// applied: the journal is synced before each batch).
pub(crate) fn read(path: &Path) -> io::Result<Text> {
    let mut text = Text {
        header: None,
        lines: vec![],
        found: Found::Missing,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(text),
        Err(e) => return Err(e),
    };
    if file.metadata()?.is_dir() {
        return Err(io::Error::other(format!(
            "{} is a directory, not a journal",
            path.display()
        )));
    }
    let mut raw = String::new();
    file.read_to_string(&mut raw)?;
    let complete = match raw.rfind('\n') {
        Some(i) => &raw[..=i],
        None => "",
    };
    let mut lines = complete.lines();
    text.found = if complete.len() < raw.len() {
        Found::Torn
    } else {
        Found::Whole
    };
    match lines.next() {
        Some(l) => text.header = Some(serde_json::from_str(l).map_err(corrupt(path))?),
        None => {
            text.found = Found::Empty;
            return Ok(text);
        }
    }
    for l in lines.filter(|l| !l.trim().is_empty()) {
        text.lines.push(line(l).map_err(corrupt(path))?);
    }
    Ok(text)
}

/// One line after the header, read by its shape, so that a bad entry says what is wrong with it
/// (the untagged enum would only say that nothing matched).
fn line(text: &str) -> serde_json::Result<Line> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    if v.get("key").is_none() {
        serde_json::from_value(v)
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

/// Append lines (the header first, into an empty file) and sync. A torn last line left by a
/// netsh that died is cut first; if the write fails, the file is cut back to what it was.
pub(crate) fn append(path: &Path, header: &Header, lines: &[Line]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)?;
    let len = whole_len(&mut f)?;
    f.set_len(len)?;
    let mut buf = String::new();
    if len == 0 {
        buf.push_str(&serde_json::to_string(header).unwrap());
        buf.push('\n');
    }
    for l in lines {
        buf.push_str(&serde_json::to_string(l).unwrap());
        buf.push('\n');
    }
    f.seek(SeekFrom::Start(len))?;
    let written = f.write_all(buf.as_bytes()).and_then(|_| f.sync_data());
    if written.is_err() {
        // Cutting frees what was written, so this succeeds even on a full file system.
        let _ = f.set_len(len).and_then(|_| f.sync_data());
        if len == 0 {
            let _ = std::fs::remove_file(path);
        }
    }
    written
}

/// The length of the file up to its last newline (all of it, unless its last line is torn).
fn whole_len(f: &mut File) -> io::Result<u64> {
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8];
    f.seek(SeekFrom::Start(len - 1))?;
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(len);
    }
    let mut raw = vec![];
    f.seek(SeekFrom::Start(0))?;
    f.read_to_end(&mut raw)?;
    Ok(raw
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            lab: "t".into(),
            netns_inode: 7,
            script: None,
        }
    }

    fn forget(k: &str) -> Line {
        Line::Forget {
            forget: k.parse().unwrap(),
        }
    }

    #[test]
    fn a_torn_line_is_dropped_on_reading_and_cut_before_the_next_append() {
        let dir = std::env::temp_dir().join(format!("netsh-lines-{}", std::process::id()));
        let path = dir.join("t.jsonl");
        let _ = std::fs::remove_dir_all(&dir);
        append(&path, &header(), &[forget("netns a")]).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"forget\": \"netns").unwrap();
        assert_eq!(read(&path).unwrap().found, Found::Torn);
        assert_eq!(read(&path).unwrap().lines.len(), 1);
        append(&path, &header(), &[forget("netns b")]).unwrap();
        let t = read(&path).unwrap();
        assert_eq!((t.found, t.lines.len()), (Found::Whole, 2));
        std::fs::write(&path, "").unwrap();
        assert_eq!(read(&path).unwrap().found, Found::Empty);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read(&path).unwrap().found, Found::Missing);
        std::fs::create_dir(&path).unwrap();
        let e = read(&path).err().unwrap().to_string();
        assert!(e.ends_with("t.jsonl is a directory, not a journal"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
