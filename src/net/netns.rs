//! Network namespace handling: run code inside a namespace, and create or
//! delete named namespaces under `/run/netns` exactly like `ip netns add/del`
//! (so `ip netns list` / `ip netns exec` see them).
//!
//! Namespace membership is per thread. We never `setns` the caller's thread:
//! work is done on a fresh helper thread that exits afterwards, which also
//! drops its reference to the namespace.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::thread;

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg, OFlag};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::stat::Mode;

use super::InvalidArg;
use crate::sys::errno::context as ctx;

/// Where named namespaces live; the same directory iproute2 uses.
pub(crate) const NETNS_RUN_DIR: &str = "/run/netns";

/// Path of the named namespace `name` (`/run/netns/NAME`), after validating
/// the name so it cannot escape the directory.
pub(crate) fn path_of(name: &str) -> io::Result<PathBuf> {
    let why = if name.is_empty() {
        Some("empty")
    } else if name == "." || name == ".." {
        Some("reserved")
    } else if name.contains('/') || name.contains('\0') {
        Some("contains '/' or NUL")
    } else if name.len() > 255 {
        Some("longer than 255 bytes")
    } else {
        None
    };
    match why {
        Some(w) => Err(InvalidArg::NetnsName(name.into(), w).into()),
        None => Ok(Path::new(NETNS_RUN_DIR).join(name)),
    }
}

/// A namespace to create: its name, the tag for its `lo`, and whether `lo` comes up with it.
pub(crate) struct NewNetns {
    pub(crate) name: String,
    pub(crate) alias: Option<String>,
    pub(crate) lo_up: bool,
}

/// Create named network namespaces `/run/netns/NAME`, exactly as `ip netns add` does (EEXIST
/// if the file exists; a namespace has only a down `lo`), each with its `lo` tagged (and up,
/// when asked) in one request before it is named, then run `f` on the thread that made it,
/// still inside it: a netlink socket opened there belongs to the new namespace, with no setns. They are spread over up to `MAKERS` threads, because
/// most of a namespace's cost is the kernel's own setup (`setup_net`), which runs in parallel
/// on other cores. Each thread makes its share in turn and stays in the last one it made, so
/// it ends when done. The results come in the order of `new`.
pub(crate) fn create_many<T: Send + 'static>(
    new: Vec<NewNetns>,
    f: impl Fn() -> T + Send + Sync + 'static,
) -> Vec<io::Result<T>> {
    const MAKERS: usize = 4;
    let n = new.len();
    let mut results: Vec<Option<io::Result<T>>> = (0..n).map(|_| None).collect();
    // Names are checked before anything is made.
    let mut todo = vec![];
    for (i, nn) in new.into_iter().enumerate() {
        match path_of(&nn.name) {
            Ok(path) => todo.push((i, path, nn)),
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    if !todo.is_empty() {
        // Once per process: after the first time /run/netns is a shared mount point.
        static PREPARED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !PREPARED.load(std::sync::atomic::Ordering::Relaxed) {
            if let Err(e) = prepare_run_dir() {
                let words = e.to_string();
                for (i, _, _) in todo {
                    results[i] = Some(Err(io::Error::new(e.kind(), words.clone())));
                }
                return results.into_iter().map(Option::unwrap).collect();
            }
            PREPARED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let cores = thread::available_parallelism().map_or(1, |c| c.get());
    let makers = todo.len().min(cores).clamp(1, MAKERS);
    // Thread k makes items k, k + makers, …: the first ones in the order are made first.
    let mut shares: Vec<Vec<(usize, PathBuf, NewNetns)>> = (0..makers).map(|_| vec![]).collect();
    for (k, item) in todo.into_iter().enumerate() {
        shares[k % makers].push(item);
    }
    let f = std::sync::Arc::new(f);
    let spawned: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let f = f.clone();
            let idx: Vec<usize> = share.iter().map(|(i, _, _)| *i).collect();
            let h = thread::Builder::new()
                .name("netns-add".into())
                .spawn(move || {
                    share
                        .into_iter()
                        .map(|(_, path, nn)| make_here(&path, &nn, &*f))
                        .collect::<Vec<_>>()
                });
            (idx, h)
        })
        .collect();
    for (idx, h) in spawned {
        let made = match h {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(e) => idx
                .iter()
                .map(|_| Err(io::Error::new(e.kind(), format!("spawn thread: {e}"))))
                .collect(),
        };
        for (i, r) in idx.into_iter().zip(made) {
            results[i] = Some(r);
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every namespace has a result"))
        .collect()
}

/// Make one namespace on the calling thread, which is left inside it.
fn make_here<T>(path: &Path, nn: &NewNetns, f: &impl Fn() -> T) -> io::Result<T> {
    // O_EXCL gives the EEXIST semantics; mode 0 like iproute2 (root ignores it
    // and nobody else should open the file directly).
    nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| ctx(e, format_args!("create {}", path.display())))?;
    let made = (|| {
        unshare(CloneFlags::CLONE_NEWNET).map_err(|e| ctx(e, "unshare(CLONE_NEWNET)"))?;
        if let Some(a) = &nn.alias {
            super::lo_tag::tag_lo(a, nn.lo_up).map_err(|e| ctx(e, "tag lo"))?;
        }
        // thread-self, not self: /proc/self is the main thread's namespace.
        mount(
            Some("/proc/thread-self/ns/net"),
            path,
            Some("none"),
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| ctx(e, format_args!("bind netns onto {}", path.display())))?;
        Ok(f())
    })();
    if made.is_err() {
        // Same cleanup as iproute2's failure path (the mount is not there).
        let _ = umount2(path, MntFlags::MNT_DETACH);
        let _ = fs::remove_file(path);
    }
    made
}

/// Make sure `/run/netns` exists and is a shared mount point, like
/// iproute2: sharing lets a later unmount in one mount namespace propagate to
/// the others so the namespace can actually be freed.
fn prepare_run_dir() -> io::Result<()> {
    match nix::unistd::mkdir(NETNS_RUN_DIR, Mode::from_bits_truncate(0o755)) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(ctx(e, format_args!("mkdir {NETNS_RUN_DIR}"))),
    }
    // iproute2 serialises this setup with a flock: concurrent "bind onto
    // itself" runs would stack mounts. Best effort, as there.
    let _lock = File::open(NETNS_RUN_DIR)
        .ok()
        .and_then(|f| Flock::lock(f, FlockArg::LockExclusive).ok());

    let mut made_mount = false;
    loop {
        match mount(
            Some(""),
            NETNS_RUN_DIR,
            Some("none"),
            MsFlags::MS_SHARED | MsFlags::MS_REC,
            None::<&str>,
        ) {
            Ok(()) => return Ok(()),
            // EINVAL: not a mount point yet; make it one and retry once.
            Err(Errno::EINVAL) if !made_mount => {
                mount(
                    Some(NETNS_RUN_DIR),
                    NETNS_RUN_DIR,
                    Some("none"),
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(|e| ctx(e, format_args!("mount --bind {NETNS_RUN_DIR}")))?;
                made_mount = true;
            }
            Err(e) => return Err(ctx(e, format_args!("mount --make-shared {NETNS_RUN_DIR}"))),
        }
    }
}

/// Delete the named namespace, as `ip netns del`: lazily unmount, then unlink.
///
/// The namespace itself lives on while processes or open fds still use it.
/// Fails with `NotFound` if there is no such name.
pub(crate) fn delete_named(name: &str) -> io::Result<()> {
    let path = path_of(name)?;
    // Ignored like iproute2 does: the file may be a stale, unmounted leftover.
    let _ = umount2(&path, MntFlags::MNT_DETACH);
    fs::remove_file(&path).map_err(|e| ctx(e, format_args!("remove {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_validation() {
        assert_eq!(path_of("a-1").unwrap(), Path::new("/run/netns/a-1"));
        for bad in ["", ".", "..", "a/b", "/x", "a\0b"] {
            let e = path_of(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(path_of(&"x".repeat(256)).is_err());
        // Rejected before touching the filesystem.
        let bad = NewNetns {
            name: "../etc".into(),
            alias: None,
            lo_up: false,
        };
        let made = create_many(vec![bad], || ()).pop().unwrap();
        assert_eq!(made.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn every_namespace_gets_its_own_result_in_order() {
        // Bad names only, so nothing is made: each answer stays at its place.
        let new = ["a/b", "", "..", "x/y"].map(|n| NewNetns {
            name: n.into(),
            alias: Some("netsh:t".into()),
            lo_up: true,
        });
        let made = create_many(new.into(), || ());
        let words: Vec<String> = made
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(words.len(), 4);
        assert!(words[0].contains("a/b"), "{words:?}");
        assert!(words[1].contains("empty"), "{words:?}");
        assert!(words[2].contains("reserved"), "{words:?}");
        assert!(words[3].contains("x/y"), "{words:?}");
        assert_eq!(
            delete_named("a/b").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
