//! Run a shell command inside a network namespace and capture its output.
//!
//! The child is spawned from an [`in_netns`] thread: a new process inherits
//! the namespaces of the *thread* that forks it. Unlike `ip netns exec`, no
//! private mount namespace is set up, so `/sys/class/net` still shows the
//! caller's namespace (netlink tools such as `ip` are unaffected).

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::sys::enter::in_netns;
use crate::sys::Cancel;

/// Exit code reported when the command ran out of time (as timeout(1)).
pub const TIMEOUT_CODE: i32 = 124;

/// Result of [`exec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit code; `128 + signal` if killed by a signal; 124 on timeout.
    pub code: i32,
    /// Captured stdout (lossy UTF-8).
    pub out: String,
    /// Captured stderr (lossy UTF-8).
    pub err: String,
}

/// Run `sh -c cmd` in namespace `ns` (`None`: the caller's namespace), stdin
/// from /dev/null, capturing stdout and stderr.
///
/// Returns once the shell exits; processes it left in the background keep
/// running and what they print later is not captured. If `timeout` passes
/// first, the shell's process group (the shell and everything it started that
/// did not move itself elsewhere) is sent SIGKILL and `code` is 124.
pub fn exec(
    ns: Option<&Path>,
    cmd: &str,
    timeout: Duration,
    cancel: &Cancel,
) -> io::Result<ExecOutput> {
    let cancel = cancel.clone();
    let deadline = Instant::now() + timeout;
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own process group, so a timeout can kill the shell's children too
        // (otherwise e.g. `sleep` would keep our pipes open).
        .process_group(0);
    in_netns(ns, move || {
        let child = command
            .spawn()
            .map_err(|e| crate::sys::errno::context(e, "spawn sh"))?;
        collect(child, deadline, &cancel)
    })?
}

/// How long to keep draining pipes after the shell exited: enough for data
/// already written, without waiting for background processes holding them.
const DRAIN_GRACE: Duration = Duration::from_millis(50);
/// Poll slice: bounds the delay between the shell exiting and us noticing
/// while its pipes are still open (held by background children).
const SLICE: Duration = Duration::from_millis(10);

fn collect(mut child: Child, deadline: Instant, cancel: &Cancel) -> io::Result<ExecOutput> {
    let mut pipes = [
        child
            .stdout
            .take()
            .map(|s| Pipe::new(s.into()))
            .transpose()?,
        child
            .stderr
            .take()
            .map(|s| Pipe::new(s.into()))
            .transpose()?,
    ];
    let mut status: Option<ExitStatus> = None;
    let mut drain_until: Option<Instant> = None;

    loop {
        let now = Instant::now();
        let open = pipes.iter().flatten().any(|p| !p.eof);
        if status.is_none() {
            status = child.try_wait()?;
            if status.is_some() {
                drain_until = Some(now + DRAIN_GRACE);
            }
        }
        if status.is_some() && (!open || drain_until.is_some_and(|d| now >= d)) {
            break;
        }
        // Ctrl-C stops the command as a timeout would; the script then stops at its next step.
        if status.is_none() && (now >= deadline || cancel.is_cancelled()) {
            // The child is not reaped yet, so its pid (= pgid) cannot have
            // been reused: killing the group hits only what we started.
            let pid = Pid::from_raw(child.id() as i32);
            let _ = killpg(pid, Signal::SIGKILL);
            let _ = child.kill();
            child.wait()?;
            for p in pipes.iter_mut().flatten() {
                p.read_available()?;
            }
            let [out, err] = pipes.map(|p| p.map(|p| p.text()).unwrap_or_default());
            return Ok(ExecOutput {
                code: TIMEOUT_CODE,
                out,
                err,
            });
        }

        let until = drain_until.unwrap_or(deadline).min(now + SLICE);
        let ms = until
            .saturating_duration_since(now)
            .as_micros()
            .div_ceil(1000) as u16;
        let mut fds: Vec<PollFd> = pipes
            .iter()
            .flatten()
            .filter(|p| !p.eof)
            .map(|p| PollFd::new(p.src.as_fd(), PollFlags::POLLIN))
            .collect();
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        drop(fds);
        for p in pipes.iter_mut().flatten() {
            p.read_available()?;
        }
    }

    let status = status.expect("loop exits only with a status");
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1);
    let [out, err] = pipes.map(|p| p.map(|p| p.text()).unwrap_or_default());
    Ok(ExecOutput { code, out, err })
}

/// A non-blocking child output pipe and what has been read from it.
struct Pipe {
    src: File,
    buf: Vec<u8>,
    eof: bool,
}

impl Pipe {
    fn new(src: OwnedFd) -> io::Result<Self> {
        // Non-blocking so one poll loop can serve both pipes without
        // deadlocking on a full pipe or an open-but-idle one.
        let fl = OFlag::from_bits_truncate(fcntl(src.as_fd(), FcntlArg::F_GETFL)?);
        fcntl(src.as_fd(), FcntlArg::F_SETFL(fl | OFlag::O_NONBLOCK))?;
        Ok(Pipe {
            src: File::from(src),
            buf: Vec::new(),
            eof: false,
        })
    }

    fn read_available(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        while !self.eof {
            match self.src.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn text(self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }
}

#[cfg(test)]
mod tests {
    // Running `sh` needs no privileges, so these run in the plain test suite.
    use super::*;

    #[test]
    fn captures_output_and_code() {
        let o = exec(
            None,
            "echo hi; echo oops >&2; exit 3",
            Duration::from_secs(5),
            &Cancel::default(),
        )
        .unwrap();
        assert_eq!(
            o,
            ExecOutput {
                code: 3,
                out: "hi\n".into(),
                err: "oops\n".into()
            }
        );
    }

    #[test]
    fn stdin_is_null() {
        let o = exec(None, "cat", Duration::from_secs(5), &Cancel::default()).unwrap();
        assert_eq!((o.code, o.out.as_str()), (0, ""));
    }

    #[test]
    fn large_output_on_both_pipes_does_not_deadlock() {
        // Well over a pipe buffer (64 KiB) on each stream.
        let o = exec(
            None,
            "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2",
            Duration::from_secs(10),
            &Cancel::default(),
        )
        .unwrap();
        assert_eq!((o.code, o.out.len(), o.err.len()), (0, 300000, 300000));
    }

    #[test]
    fn timeout_kills_and_returns_124() {
        let t = Instant::now();
        let o = exec(
            None,
            "echo start; sleep 5",
            Duration::from_millis(300),
            &Cancel::default(),
        )
        .unwrap();
        let took = t.elapsed();
        assert_eq!(o.code, TIMEOUT_CODE);
        assert_eq!(o.out, "start\n");
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }

    #[test]
    fn background_child_does_not_block_return() {
        let t = Instant::now();
        let o = exec(
            None,
            "sleep 3 & echo $!",
            Duration::from_secs(2),
            &Cancel::default(),
        )
        .unwrap();
        assert_eq!(o.code, 0);
        assert!(t.elapsed() < Duration::from_secs(1));
        // Clean up the sleep we started, by its pid.
        let pid: i32 = o.out.trim().parse().unwrap();
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }

    #[test]
    fn signal_exit_code() {
        let o = exec(
            None,
            "kill -TERM $$",
            Duration::from_secs(5),
            &Cancel::default(),
        )
        .unwrap();
        assert_eq!(o.code, 128 + 15);
    }
}
