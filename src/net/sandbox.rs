//! `--sandbox`: run netsh in a child in fresh user, PID, network and mount namespaces, with a
//! tmpfs over `/run` and its own `/proc` and `/sys`, so that nothing the script builds or runs
//! can reach or change the real host, and everything dies with netsh.
//!
//! - A user namespace even for root: root inside has no power over the host's namespaces, so
//!   `nsenter` into them fails. The kernel modules a lab needs are loaded first, while still
//!   root on the host (a user namespace cannot load them).
//! - A PID namespace: the child is its pid 1, so every process a script starts (`exec("… &")`)
//!   is killed when netsh exits, and `/proc` shows only the sandbox's processes.
//!
//! The parent stays outside: it writes the child's uid and gid maps, forwards SIGINT, SIGTERM
//! and SIGHUP to it (a namespace's pid 1 gets only the signals it handles), waits, and hands
//! back the child's exit code. Call this first thing in `main`, before any thread starts.

use nix::libc;
use nix::mount::{mount, MsFlags};
use nix::sys::signal::{kill, sigaction, sigprocmask, SaFlags, SigAction, SigHandler, SigSet};
use nix::sys::signal::{SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{getegid, geteuid, pipe, read, write, Pid};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// Which side of the sandbox this process is on after [`enter`].
pub enum Entered {
    /// The child, inside: go on with the command.
    Inside,
    /// The parent, outside: the child ended with this exit code.
    Outside(i32),
}

const FORWARDED: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

fn ctx(what: &str) -> impl Fn(nix::Error) -> io::Error + '_ {
    move |e| io::Error::new(io::Error::from(e).kind(), format!("{what}: {e}"))
}

pub fn enter() -> io::Result<Entered> {
    if geteuid().is_root() {
        super::kernel_modules::load_for_labs();
    }
    let (ready_r, ready_w) = pipe().map_err(ctx("pipe"))?;
    // Held back until each side has its handlers: a signal in between is delivered, not lost.
    let mut forwarded = SigSet::empty();
    FORWARDED.iter().for_each(|s| forwarded.add(*s));
    let mut before = SigSet::empty();
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&forwarded), Some(&mut before))
        .map_err(ctx("block signals"))?;
    let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWPID | libc::CLONE_NEWNET | libc::CLONE_NEWNS;
    // Safety: raw clone without a new stack behaves as fork, and this process has one thread.
    // (nix's clone runs the child on a stack of its own without a guard page; fork cannot
    // make the child pid 1 of namespaces it enters at birth.)
    let pid = unsafe { libc::syscall(libc::SYS_clone, flags | libc::SIGCHLD, 0, 0, 0, 0) };
    match pid {
        -1 => Err(io::Error::new(
            io::Error::last_os_error().kind(),
            format!(
                "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWNS): {}",
                io::Error::last_os_error()
            ),
        )),
        0 => {
            drop(ready_w);
            inside(ready_r)?;
            sigprocmask(SigmaskHow::SIG_SETMASK, Some(&before), None)
                .map_err(ctx("unblock signals"))?;
            Ok(Entered::Inside)
        }
        child => {
            drop(ready_r);
            let child = Pid::from_raw(child as i32);
            outside(child, ready_w, &before)
        }
    }
}

/// The parent: map the child's ids, let it go, forward signals to it, wait for its end.
fn outside(child: Pid, ready: OwnedFd, before: &SigSet) -> io::Result<Entered> {
    if let Err(e) = map_ids(child) {
        let _ = kill(child, Signal::SIGKILL);
        let _ = waitpid(child, None);
        return Err(e);
    }
    write(&ready, b"1").map_err(ctx("start the sandbox"))?;
    drop(ready);
    CHILD.store(child.as_raw(), Ordering::SeqCst);
    let act = SigAction::new(
        SigHandler::Handler(forward),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in FORWARDED {
        // Safety: the handler only reads an atomic and calls kill(2), which is signal-safe.
        unsafe { sigaction(s, &act) }.map_err(ctx("forward signals"))?;
    }
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(before), None).map_err(ctx("unblock signals"))?;
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(Entered::Outside(code)),
            Ok(WaitStatus::Signaled(_, s, _)) => return Ok(Entered::Outside(128 + s as i32)),
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(ctx("wait for the sandbox")(e)),
        }
    }
}

/// As the sandbox's pid 1, netsh inherits every process a command left behind: reap those that
/// ended. Called before a command starts, when none of netsh's own children is running.
pub(crate) fn reap_orphans() {
    if std::process::id() != 1 {
        return;
    }
    while let Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) =
        waitpid(None, Some(WaitPidFlag::WNOHANG))
    {}
}

/// The sandbox's pid 1, as seen from outside: where the parent forwards signals.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // Safety: kill(2) is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// Root keeps its ids inside (files owned by anyone stay theirs); anyone else is root inside,
/// mapped to themselves, the one mapping an unprivileged parent may write.
fn map_ids(child: Pid) -> io::Result<()> {
    let (uid, gid) = (geteuid(), getegid());
    let proc = format!("/proc/{child}");
    let write = |file: &str, text: String| {
        std::fs::write(format!("{proc}/{file}"), text)
            .map_err(|e| io::Error::new(e.kind(), format!("write {proc}/{file}: {e}")))
    };
    if uid.is_root() {
        write("uid_map", "0 0 4294967295".into())?;
        write("gid_map", "0 0 4294967295".into())?;
    } else {
        write("setgroups", "deny".into())?;
        write("uid_map", format!("0 {uid} 1"))?;
        write("gid_map", format!("0 {gid} 1"))?;
    }
    Ok(())
}

/// The child: wait for its ids, die with the parent, then its own mounts.
fn inside(ready: OwnedFd) -> io::Result<()> {
    // Safety: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    let mut byte = [0u8; 1];
    if read(&ready, &mut byte).map_err(ctx("wait for the uid map"))? != 1 {
        return Err(io::Error::other(
            "the sandbox's parent ended before mapping its ids",
        ));
    }
    // As pid 1, netsh gets only the signals it handles: until the command sets its own, a stop
    // signal ends it as it would end any process.
    let act = SigAction::new(
        SigHandler::Handler(exit_on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in FORWARDED {
        // Safety: the handler only calls _exit(2), which is signal-safe.
        unsafe { sigaction(s, &act) }.map_err(ctx("handle signals"))?;
    }
    mounts()
}

extern "C" fn exit_on_signal(sig: libc::c_int) {
    // Safety: _exit(2) is async-signal-safe.
    unsafe { libc::_exit(128 + sig) };
}

fn mounts() -> io::Result<()> {
    // Private, so that nothing mounted here propagates back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(ctx("make / private"))?;
    let hidden = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    // This PID namespace's processes only, and this network namespace's links.
    mount(Some("proc"), "/proc", Some("proc"), hidden, None::<&str>)
        .map_err(ctx("mount proc on /proc"))?;
    mount(Some("sysfs"), "/sys", Some("sysfs"), hidden, None::<&str>)
        .map_err(ctx("mount sysfs on /sys"))?;
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
