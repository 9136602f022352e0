//! Waiting for a socket to become readable, bounded by a deadline: the probes (ICMP, ICMPv6,
//! DF-set) share it.

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

/// Wait until `sock` has something to read (true) or `until` passes (false, as for a signal).
/// The wait is rounded up to whole ms, so a loop never spins with a 0 ms timeout.
pub(crate) fn readable(sock: &impl AsFd, until: Instant) -> io::Result<bool> {
    let wait = until.saturating_duration_since(Instant::now());
    let ms = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    let mut fds = [PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
    match poll(
        &mut fds,
        PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
    ) {
        Ok(0) | Err(Errno::EINTR) => Ok(false),
        Ok(_) => Ok(true),
        Err(e) => Err(e.into()),
    }
}
