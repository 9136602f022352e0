//! A network namespace netsh did not make and that has no name in `/run/netns`: a process's
//! (`pid:1234`, its `/proc/1234/ns/net`) or a namespace file's (`/var/run/docker/netns/…`, any
//! bind-mounted nsfs file). It is resolved once, and its inode kept: a pid that a new process
//! took, or a file bind-mounted anew, then names another namespace, and netsh says so rather
//! than work there.

use super::failure::Failure;
use super::shell::quote;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NsFile {
    /// How it is named: `pid:1234`, or the file's absolute path.
    pub spec: String,
    /// The nsfs file's device and inode, read when it was resolved.
    pub dev: u64,
    pub ino: u64,
    /// For people: the process's name, or its container's (`sleep`, `docker web`). Not part of
    /// its identity, nor kept in the journal.
    #[serde(skip)]
    pub label: String,
}

impl NsFile {
    fn id(&self) -> (&str, u64, u64) {
        (&self.spec, self.dev, self.ino)
    }
}

impl PartialEq for NsFile {
    fn eq(&self, o: &Self) -> bool {
        self.id() == o.id()
    }
}

impl Eq for NsFile {}

impl std::hash::Hash for NsFile {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.id().hash(h)
    }
}

impl PartialOrd for NsFile {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for NsFile {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.id().cmp(&o.id())
    }
}

const HELP_FILE: &str = "name a network namespace as pid:PID (a process in it, pgrep NAME finds it) or by its file: /proc/PID/ns/net, or one under /var/run/docker/netns";

/// Whether `name` is meant as a namespace by process or by file rather than a name in
/// `/run/netns` (names hold neither ':' nor '/').
pub(crate) fn is_spec(name: &str) -> bool {
    name.starts_with("pid:") || name.starts_with('/')
}

/// The pid of `pid:N` (or of `/proc/N/ns/net`).
fn pid_of(spec: &str) -> Option<&str> {
    spec.strip_prefix("pid:").or_else(|| {
        spec.strip_prefix("/proc/")?
            .strip_suffix("/ns/net")
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
    })
}

fn failure(message: String, help: &str) -> Failure {
    Failure {
        message,
        errno: None,
        help: Some(help.to_string()),
    }
}

impl NsFile {
    /// Resolve `pid:1234` or a path to the namespace it names now. `/proc/1234/ns/net` is
    /// written `pid:1234`.
    pub fn resolve(spec: &str) -> Result<NsFile, Failure> {
        let spec = match pid_of(spec) {
            Some(p) => {
                let pid: u32 = p.parse().map_err(|_| {
                    failure(
                        format!("\"{spec}\" names no process: a pid is a number"),
                        "write pid:1234, with the pid of a process in the namespace (pgrep NAME finds it)",
                    )
                })?;
                if pid == 0 {
                    return Err(failure(
                        "pid:0 is not a process".into(),
                        "write pid:1234, with the pid of a process in the namespace (pgrep NAME finds it)",
                    ));
                }
                format!("pid:{pid}")
            }
            None if spec.starts_with('/') => spec.to_string(),
            None => {
                return Err(failure(
                    format!("\"{spec}\" is neither pid:PID nor a path"),
                    HELP_FILE,
                ))
            }
        };
        let mut f = NsFile {
            spec,
            dev: 0,
            ino: 0,
            label: String::new(),
        };
        let (dev, ino) = f.stat()?;
        (f.dev, f.ino) = (dev, ino);
        f.label = match f.pid() {
            Some(p) => super::ns_label::label_of(p),
            None => super::ns_label::file_label(&f.spec),
        };
        Ok(f)
    }

    /// The process, for `pid:N`.
    pub fn pid(&self) -> Option<u32> {
        self.spec.strip_prefix("pid:")?.parse().ok()
    }

    /// The file to open: `/proc/N/ns/net` for a process.
    pub fn path(&self) -> PathBuf {
        match self.pid() {
            Some(p) => PathBuf::from(format!("/proc/{p}/ns/net")),
            None => PathBuf::from(&self.spec),
        }
    }

    /// How `ip link set … netns X` names it (iproute2 takes a pid, or a path holding a '/').
    pub(crate) fn ip_netns_arg(&self) -> String {
        match self.pid() {
            Some(p) => p.to_string(),
            None => quote(&self.spec),
        }
    }

    /// The namespace's device and inode now, checked to be a network namespace.
    fn stat(&self) -> Result<(u64, u64), Failure> {
        let path = self.path();
        let m = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(self.gone()),
            Err(e) => {
                let mut f = Failure::from_io(&e);
                f.message = format!("cannot read {}: {}", path.display(), f.message);
                f.help = Some("run netsh as root (sudo)".into());
                return Err(f);
            }
        };
        if !super::enter::is_netns(&path) {
            return Err(failure(
                format!("{} is not a namespace file", path.display()),
                HELP_FILE,
            ));
        }
        if !super::enter::is_net(&path) {
            return Err(failure(
                format!(
                    "{} is a namespace of another kind, not a network namespace",
                    path.display()
                ),
                HELP_FILE,
            ));
        }
        Ok((m.dev(), m.ino()))
    }

    /// Why it cannot be opened: its process has exited, or its file is gone.
    fn gone(&self) -> Failure {
        // ENOENT: what it held is gone with it (a `down` has nothing left to remove there).
        let mut f = match self.pid() {
            Some(p) => failure(
                format!("no process {p}: it has exited (or never ran), and its network namespace is gone with it"),
                "name a running process: pgrep NAME lists them, or netsh show lists the namespaces with their processes",
            ),
            None => failure(
                format!("no namespace file {}", self.spec),
                "netsh show lists the namespaces there are, with their files and processes",
            ),
        };
        f.errno = Some(2);
        f
    }

    /// Still the namespace it was resolved to: not gone, and not another one under the same
    /// name (a pid reused by a new process, a file bind-mounted anew).
    pub fn check(&self) -> Result<(), Failure> {
        let (dev, ino) = self.stat()?;
        if (dev, ino) == (self.dev, self.ino) {
            return Ok(());
        }
        let message = match self.pid() {
            Some(p) => format!("process {p} is not in the network namespace it was: the process that was there has exited, and pid {p} is another process now"),
            None => format!("{} is another network namespace now than the one it named", self.spec),
        };
        Err(failure(
            message,
            "name the namespace again (netsh show lists them with their processes)",
        ))
    }

    /// The text the journal keys hold: `pid:1234#DEV.INO`, with a path's '/' written as '|'
    /// (a key splits at '/'; no path netsh adopts holds '|' or '#').
    pub(crate) fn token(&self) -> String {
        format!("{}#{}.{}", self.spec.replace('/', "|"), self.dev, self.ino)
    }

    /// Read back a `token`.
    pub(crate) fn from_token(s: &str) -> Option<NsFile> {
        let (spec, id) = s.rsplit_once('#')?;
        let (dev, ino) = id.split_once('.')?;
        let spec = spec.replace('|', "/");
        is_spec(&spec).then_some(())?;
        Some(NsFile {
            spec,
            dev: dev.parse().ok()?,
            ino: ino.parse().ok()?,
            label: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_specs_are_refused_before_any_file_is_read() {
        let e = NsFile::resolve("pid:abc").unwrap_err();
        assert_eq!(e.message, "\"pid:abc\" names no process: a pid is a number");
        let e = NsFile::resolve("pid:0").unwrap_err();
        assert_eq!(e.message, "pid:0 is not a process");
        let e = NsFile::resolve("/etc/hostname").unwrap_err();
        assert_eq!(e.message, "/etc/hostname is not a namespace file");
    }

    #[test]
    fn a_proc_path_is_a_pid_and_tokens_read_back() {
        assert_eq!(pid_of("/proc/12/ns/net"), Some("12"));
        assert_eq!(pid_of("/proc/self/ns/net"), None);
        let f = NsFile {
            spec: "/var/run/docker/netns/ab12".into(),
            dev: 4,
            ino: 4026532281,
            label: String::new(),
        };
        assert_eq!(f.token(), "|var|run|docker|netns|ab12#4.4026532281");
        assert_eq!(NsFile::from_token(&f.token()), Some(f));
        assert_eq!(NsFile::from_token("ns1"), None);
    }

    #[test]
    fn this_process_namespace_resolves() {
        let me = std::process::id();
        let f = NsFile::resolve(&format!("/proc/{me}/ns/net")).unwrap();
        assert_eq!(f.spec, format!("pid:{me}"));
        assert!(f.check().is_ok());
        // The pid now leads to another namespace than the one resolved: a reused pid.
        let other = NsFile {
            ino: f.ino + 1,
            ..f
        };
        assert_eq!(
            other.check().unwrap_err().message,
            format!("process {me} is not in the network namespace it was: the process that was there has exited, and pid {me} is another process now")
        );
    }
}
