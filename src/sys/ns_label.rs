//! What a namespace of a process or a file is called for people: its container (from the
//! process's cgroup or the runtime's file name, read without running another program), or the
//! process's name.

use std::path::Path;

/// A process's name (`/proc/PID/comm`).
pub(crate) fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim_end().to_string())
        .unwrap_or_default()
}

/// What `pid:N` is called for people: its container, or the process's name.
pub(crate) fn label_of(pid: u32) -> String {
    container_of(pid).unwrap_or_else(|| comm(pid))
}

/// What a namespace file is called for people: its container, when a runtime keeps it.
pub(crate) fn file_label(path: &str) -> String {
    runtime_file_container(Path::new(path)).unwrap_or_default()
}

/// The container a process runs in, from its cgroup: Docker's `docker-ID.scope` (systemd) or
/// `/docker/ID` (cgroupfs), Podman's `libpod-ID.scope`; with Docker's name for it when its
/// config is readable.
pub(crate) fn container_of(pid: u32) -> Option<String> {
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    container_in_cgroup(&cg).map(|(runtime, id)| {
        let name = (runtime == "docker").then(|| docker_name(&id)).flatten();
        format!(
            "{runtime} {}",
            name.unwrap_or_else(|| id[..id.len().min(12)].to_string())
        )
    })
}

/// (runtime, container id) from a `/proc/PID/cgroup` text.
fn container_in_cgroup(cg: &str) -> Option<(&'static str, String)> {
    let is_id = |s: &str| s.len() >= 12 && s.bytes().all(|b| b.is_ascii_hexdigit());
    for line in cg.lines() {
        let path = line.rsplit(':').next().unwrap_or("");
        for part in path.split('/').rev() {
            for (prefix, runtime) in [("docker-", "docker"), ("libpod-", "podman")] {
                if let Some(id) = part
                    .strip_prefix(prefix)
                    .and_then(|p| p.strip_suffix(".scope"))
                    .filter(|id| is_id(id))
                {
                    return Some((runtime, id.to_string()));
                }
            }
        }
        if let Some((_, id)) = path.split_once("/docker/") {
            let id = id.split('/').next().unwrap_or("");
            if is_id(id) {
                return Some(("docker", id.to_string()));
            }
        }
    }
    None
}

/// Docker's name for a container (`"Name":"/web"` in its config), when it is readable.
fn docker_name(id: &str) -> Option<String> {
    let path = format!("/var/lib/docker/containers/{id}/config.v2.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(v.get("Name")?.as_str()?.trim_start_matches('/').to_string())
}

/// A runtime's namespace file names its sandbox, not the container: `docker netns 1f2e3d4c5b6a`
/// under Docker's folder.
pub(crate) fn runtime_file_container(path: &Path) -> Option<String> {
    let dir = path.parent()?.to_string_lossy().to_string();
    let name = path.file_name()?.to_string_lossy().to_string();
    dir.ends_with("/docker/netns")
        .then(|| format!("docker netns {}", &name[..name.len().min(12)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_is_read_from_the_cgroup_of_each_runtime() {
        let systemd = "0::/system.slice/docker-0123456789abcdef0123.scope\n";
        assert_eq!(
            container_in_cgroup(systemd),
            Some(("docker", "0123456789abcdef0123".into()))
        );
        let cgroupfs = "12:pids:/docker/abcdef0123456789\n0::/\n";
        assert_eq!(
            container_in_cgroup(cgroupfs),
            Some(("docker", "abcdef0123456789".into()))
        );
        let podman = "0::/machine.slice/libpod-fedcba9876543210.scope/container\n";
        assert_eq!(
            container_in_cgroup(podman),
            Some(("podman", "fedcba9876543210".into()))
        );
        assert_eq!(
            container_in_cgroup("0::/user.slice/session-3.scope\n"),
            None
        );
        assert_eq!(
            runtime_file_container(Path::new("/var/run/docker/netns/1f2e3d4c5b6a7")),
            Some("docker netns 1f2e3d4c5b6a".into())
        );
    }
}
