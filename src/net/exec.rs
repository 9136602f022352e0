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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::plan::CAPTURE_LIMIT;
use crate::sys::enter::in_netns;
use crate::sys::Cancel;

/// Whether commands' output also goes to the terminal as it comes (the REPL's `exec`).
static STREAM: AtomicBool = AtomicBool::new(false);

/// From now on, [`exec`] copies what a command prints to netsh's stdout and stderr as it
/// comes, besides capturing it; `false` captures only (a script's run).
pub(crate) fn stream_output(on: bool) {
    STREAM.store(on, Ordering::Relaxed);
}

/// Whether [`exec`] streams (see [`stream_output`]).
pub(crate) fn streaming() -> bool {
    STREAM.load(Ordering::Relaxed)
}

/// Run `argv` in namespace `ns` (`None`: the caller's) on netsh's terminal, with `env` added:
/// an interactive shell, or one command whose output comes as it is printed. It stays in
/// netsh's process group, so Ctrl-C reaches it as the terminal's foreground. Returns its exit
/// code (128 + a signal that ended it).
pub(crate) fn on_terminal(
    ns: Option<&Path>,
    argv: &[String],
    env: &[(String, String)],
) -> io::Result<i32> {
    super::sandbox::reap_orphans();
    let Some((prog, args)) = argv.split_first() else {
        return Ok(0);
    };
    let mut command = Command::new(prog);
    command.args(args).envs(env.iter().map(|(k, v)| (k, v)));
    let prog = prog.clone();
    let status = in_netns(ns, move || {
        command
            .spawn()
            .map_err(|e| crate::sys::errno::context(e, format_args!("spawn {prog}")))
    })??
    .wait()?;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1))
}

/// Exit code reported when the command ran out of time (as timeout(1)).
pub(crate) const TIMEOUT_CODE: i32 = 124;

/// Result of [`exec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecOutput {
    /// Exit code; `128 + signal` if killed by a signal; 124 on timeout.
    pub(crate) code: i32,
    /// Captured stdout (lossy UTF-8).
    pub(crate) out: String,
    /// Captured stderr (lossy UTF-8).
    pub(crate) err: String,
    /// Bytes read past [`CAPTURE_LIMIT`] and dropped, per stream (stdout, stderr).
    pub(crate) cut: [u64; 2],
}

/// Run `sh -c cmd` in namespace `ns` (`None`: the caller's namespace), stdin
/// from /dev/null, capturing stdout and stderr.
///
/// Returns once the shell exits; processes it left in the background keep
/// running and what they print later is not captured. If `timeout` passes
/// first, the shell's process group (the shell and everything it started that
/// did not move itself elsewhere) is sent SIGKILL and `code` is 124.
///
/// Each stream keeps its first [`CAPTURE_LIMIT`] bytes; the rest is still read
/// (so the command never blocks on a full pipe) but only counted, in `cut`.
pub(crate) fn exec(
    ns: Option<&Path>,
    cmd: &str,
    timeout: Duration,
    cancel: &Cancel,
) -> io::Result<ExecOutput> {
    super::sandbox::reap_orphans();
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
    let tee = streaming();
    let mut pipes = [
        child
            .stdout
            .take()
            .map(|s| Pipe::new(s.into(), tee.then_some(Tee::Out)))
            .transpose()?,
        child
            .stderr
            .take()
            .map(|s| Pipe::new(s.into(), tee.then_some(Tee::Err)))
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
            return Ok(output(TIMEOUT_CODE, pipes));
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
    Ok(output(code, pipes))
}

fn output(code: i32, pipes: [Option<Pipe>; 2]) -> ExecOutput {
    let [(out, cut_out), (err, cut_err)] = pipes.map(|p| p.map(Pipe::text).unwrap_or_default());
    ExecOutput {
        code,
        out,
        err,
        cut: [cut_out, cut_err],
    }
}

/// Where a streamed pipe's bytes are copied as they come.
#[derive(Clone, Copy)]
enum Tee {
    Out,
    Err,
}

impl Tee {
    fn write(self, bytes: &[u8]) {
        use std::io::Write;
        // The terminal going away must not fail the command: its output is still captured.
        let _ = match self {
            Tee::Out => {
                let mut o = io::stdout().lock();
                o.write_all(bytes).and_then(|()| o.flush())
            }
            Tee::Err => io::stderr().lock().write_all(bytes),
        };
    }
}

/// A non-blocking child output pipe, what has been kept of it, and how much was dropped.
struct Pipe {
    src: File,
    tee: Option<Tee>,
    buf: Vec<u8>,
    /// Bytes read after `buf` was full.
    cut: u64,
    eof: bool,
}

impl Pipe {
    fn new(src: OwnedFd, tee: Option<Tee>) -> io::Result<Self> {
        // Non-blocking so one poll loop can serve both pipes without
        // deadlocking on a full pipe or an open-but-idle one.
        let fl = OFlag::from_bits_truncate(fcntl(src.as_fd(), FcntlArg::F_GETFL)?);
        fcntl(src.as_fd(), FcntlArg::F_SETFL(fl | OFlag::O_NONBLOCK))?;
        Ok(Pipe {
            src: File::from(src),
            tee,
            buf: Vec::new(),
            cut: 0,
            eof: false,
        })
    }

    fn read_available(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 65536];
        while !self.eof {
            match self.src.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    if let Some(t) = self.tee {
                        t.write(&chunk[..n]);
                    }
                    // A command that prints without end (`yes`) must not grow netsh without end.
                    let keep = n.min(CAPTURE_LIMIT.saturating_sub(self.buf.len()));
                    self.buf.extend_from_slice(&chunk[..keep]);
                    self.cut += (n - keep) as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The text (lossy UTF-8, without a copy when it is valid) and the bytes dropped.
    fn text(self) -> (String, u64) {
        let text = String::from_utf8(self.buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        (text, self.cut)
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
                err: "oops\n".into(),
                cut: [0, 0],
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

    /// The most memory this process has held (VmHWM), in KiB.
    fn high_water_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn output_past_the_limit_is_read_and_counted_but_not_kept() {
        let before = high_water_kib();
        let o = exec(
            None,
            "head -c 300M /dev/zero; head -c 20M /dev/zero >&2",
            Duration::from_secs(30),
            &Cancel::default(),
        )
        .unwrap();
        let grew_mib = (high_water_kib() - before) / 1024;
        assert_eq!(o.code, 0);
        assert_eq!((o.out.len(), o.err.len()), (CAPTURE_LIMIT, CAPTURE_LIMIT));
        assert_eq!(o.cut, [(300 << 20) - (16 << 20), 4 << 20]);
        // Two streams of 16 MiB, not 320 MiB (and not a copy of them).
        assert!(grew_mib < 100, "netsh grew by {grew_mib} MiB");
    }

    #[test]
    fn a_command_that_prints_without_end_stops_at_its_timeout() {
        let t = Instant::now();
        let o = exec(None, "yes", Duration::from_secs(1), &Cancel::default()).unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "took {:?}",
            t.elapsed()
        );
        assert_eq!(o.code, TIMEOUT_CODE);
        assert_eq!(o.out.len(), CAPTURE_LIMIT);
        assert!(o.out.starts_with("y\ny\n"));
        assert!(o.cut[0] > 0, "{:?}", o.cut);
    }
}
