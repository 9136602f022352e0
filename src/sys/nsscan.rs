//! The network namespaces with no name in `/run/netns`, as `lsns -t net` finds them: the
//! processes' `/proc/PID/ns/net`, deduplicated by inode, and the files the container runtimes keep
//! in their netns folders. Each with its processes' names and, where a file or the cgroup says
//! it without running another program, its container.

use super::enter::is_net;
use super::ns_label::{comm, container_of, runtime_file_container};
use super::nsfile::NsFile;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where runtimes keep namespace files: Docker, CNI (containerd, rootful Podman also use
/// `/run/netns`, which netsh reads as names), rootless Podman under `/run/user/UID/netns`.
const RUNTIME_DIRS: &[&str] = &[
    "/run/docker/netns",
    "/var/run/docker/netns",
    "/var/run/netns",
];

/// An unnamed namespace: how netsh names it (its runtime file, else `pid:` of its first
/// process), and its processes, by pid.
#[derive(Clone, Debug)]
pub(crate) struct Unnamed {
    pub(crate) ns: NsFile,
    pub(crate) file: Option<PathBuf>,
    pub(crate) processes: Vec<(u32, String)>,
    pub(crate) container: Option<String>,
}

fn id_of(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// The runtime folders here, each once (`/var/run` is most often `/run`), without `/run/netns`.
fn runtime_dirs() -> Vec<PathBuf> {
    let named = std::fs::canonicalize("/run/netns").ok();
    let mut dirs: Vec<PathBuf> = RUNTIME_DIRS.iter().map(PathBuf::from).collect();
    if let Ok(rd) = std::fs::read_dir("/run/user") {
        dirs.extend(rd.flatten().map(|e| e.path().join("netns")));
    }
    let mut seen = BTreeSet::new();
    dirs.into_iter()
        .filter_map(|d| std::fs::canonicalize(&d).ok())
        .filter(|d| Some(d) != named.as_ref() && seen.insert(d.clone()))
        .collect()
}

/// Every namespace not in `skip` (the host's and the named ones), by device and inode.
pub(crate) fn scan(skip: &BTreeSet<(u64, u64)>) -> Vec<Unnamed> {
    let mut files: BTreeMap<(u64, u64), PathBuf> = BTreeMap::new();
    for d in runtime_dirs() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if !super::enter::is_netns(&p) || !is_net(&p) {
                continue;
            }
            if let Some(id) = id_of(&p).filter(|id| !skip.contains(id)) {
                files.entry(id).or_insert(p);
            }
        }
    }
    let mut pids: BTreeMap<(u64, u64), Vec<u32>> = BTreeMap::new();
    let mut all: Vec<u32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    all.sort_unstable();
    for pid in all {
        // One stat per process: its namespace's identity, nothing opened.
        if let Some(id) = id_of(Path::new(&format!("/proc/{pid}/ns/net"))) {
            if !skip.contains(&id) {
                pids.entry(id).or_default().push(pid);
            }
        }
    }
    let ids: BTreeSet<(u64, u64)> = files.keys().chain(pids.keys()).copied().collect();
    let mut found: Vec<Unnamed> = ids
        .into_iter()
        .map(|id| {
            let file = files.get(&id).cloned();
            let procs = pids.remove(&id).unwrap_or_default();
            let container = procs
                .iter()
                .find_map(|p| container_of(*p))
                .or_else(|| file.as_deref().and_then(runtime_file_container));
            let spec = match (&file, procs.first()) {
                (Some(f), _) => f.display().to_string(),
                (None, Some(p)) => format!("pid:{p}"),
                (None, None) => unreachable!("a namespace found by a file or a process"),
            };
            let processes: Vec<(u32, String)> = procs.iter().map(|p| (*p, comm(*p))).collect();
            let label = container.clone().unwrap_or_else(|| {
                processes
                    .first()
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default()
            });
            Unnamed {
                ns: NsFile {
                    spec,
                    dev: id.0,
                    ino: id.1,
                    label,
                },
                file,
                processes,
                container,
            }
        })
        .collect();
    // Files first, by path; then by their first process.
    found.sort_by_key(|u| {
        (
            u.file.is_none(),
            u.file.clone(),
            u.processes.first().map(|p| p.0),
        )
    });
    found
}
