//! `--sandbox`: move this process into fresh network and mount namespaces before anything else
//! (a user namespace first when not root), with a tmpfs over `/run`, so that nothing the script
//! builds can reach or change the real host, and everything dies with the process.
//! `CLONE_NEWUSER` needs a single-threaded process: call this first thing in `main`.

use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::unistd::{getegid, geteuid};
use std::io;

fn ctx(what: &str) -> impl Fn(nix::Error) -> io::Error + '_ {
    move |e| io::Error::new(io::Error::from(e).kind(), format!("{what}: {e}"))
}

pub fn enter() -> io::Result<()> {
    let (uid, gid) = (geteuid(), getegid());
    if !uid.is_root() {
        unshare(CloneFlags::CLONE_NEWUSER).map_err(ctx("unshare(CLONE_NEWUSER)"))?;
        std::fs::write("/proc/self/setgroups", "deny")?;
        std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))?;
        std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    }
    unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS)
        .map_err(ctx("unshare(CLONE_NEWNET|CLONE_NEWNS)"))?;
    // Private, so that nothing mounted here propagates back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(ctx("make / private"))?;
    // A tmpfs over /run first, so nothing is created in the host's /run, not even a directory.
    mount(
        Some("none"),
        "/run",
        Some("tmpfs"),
        MsFlags::empty(),
        Some("mode=755"),
    )
    .map_err(ctx("mount tmpfs on /run"))?;
    std::fs::create_dir_all("/run/netns")?;
    std::fs::create_dir_all("/run/netsh")?;
    mount(
        Some("none"),
        "/run/netns",
        Some("tmpfs"),
        MsFlags::empty(),
        Some("mode=755"),
    )
    .map_err(ctx("mount tmpfs on /run/netns"))?;
    Ok(())
}
