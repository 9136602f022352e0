//! Entering a network namespace. Namespace membership is per thread: the caller's thread never
//! moves; work runs on a fresh helper thread that exits afterwards, which also drops its
//! reference to the namespace.

use super::errno::context as ctx;
use nix::sched::{setns, CloneFlags};
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::thread;

/// Run `f` on a new thread that is inside the network namespace at `ns`
/// (a `/run/netns/NAME` file or a `/proc/PID/ns/net` link).
///
/// `None` runs `f` on a fresh thread in the calling thread's namespace.
/// Anything `f` spawns (sockets, child processes) lives in that namespace.
/// A panic in `f` is propagated to the caller.
pub(crate) fn in_netns<T: Send + 'static>(
    ns: Option<&Path>,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let ns = ns.map(Path::to_path_buf);
    let handle = thread::Builder::new()
        .name("netns".into())
        .spawn(move || -> io::Result<T> {
            if let Some(p) = ns {
                let fd = File::open(&p).map_err(|e| ctx(e, p.display()))?;
                setns(&fd, CloneFlags::CLONE_NEWNET)
                    .map_err(|e| ctx(e, format_args!("setns {}", p.display())))?;
            }
            Ok(f())
        })?;
    match handle.join() {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Inode number identifying a network namespace: of `ns`, or with `None` of
/// the calling thread's namespace (`/proc/thread-self/ns/net`; equals
/// `/proc/self/ns/net` since we never move the caller's thread, and stays
/// right when called inside an [`in_netns`] closure).
pub(crate) fn inode(ns: Option<&Path>) -> io::Result<u64> {
    let p = ns.unwrap_or(Path::new("/proc/thread-self/ns/net"));
    // metadata() follows the magic /proc link to the nsfs inode.
    fs::metadata(p)
        .map(|m| m.ino())
        .map_err(|e| ctx(e, p.display()))
}

/// Whether `path` is a namespace (a mounted nsfs file), not the empty file `ip netns add`
/// makes first and a netsh killed right then leaves behind.
pub(crate) fn is_netns(path: &Path) -> bool {
    use nix::sys::statfs::{statfs, NSFS_MAGIC};
    statfs(path).is_ok_and(|s| s.filesystem_type() == NSFS_MAGIC)
}

/// Whether the nsfs file at `path` is a network namespace (`NS_GET_NSTYPE`).
pub(crate) fn is_net(path: &Path) -> bool {
    use std::os::fd::AsRawFd;
    const NS_GET_NSTYPE: libc::c_ulong = 0xb703;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    // SAFETY: an ioctl without an argument on an fd we own.
    let t = unsafe { libc::ioctl(f.as_raw_fd(), NS_GET_NSTYPE as _) };
    t == libc::CLONE_NEWNET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_netns_none_runs_on_other_thread_same_ns() {
        let me = thread::current().id();
        let (tid, ino) = in_netns(None, || (thread::current().id(), inode(None))).unwrap();
        assert_ne!(tid, me);
        assert_eq!(ino.unwrap(), inode(None).unwrap());
    }

    #[test]
    fn in_netns_missing_path_fails() {
        let e = in_netns(Some(Path::new("/nonexistent/ns")), || ()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
