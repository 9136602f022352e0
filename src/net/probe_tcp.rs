//! `why`'s TCP probe: a connect from a thread inside the source namespace, bounded, with the
//! client port bound first so that packet sockets along the path can pick out its segments.

use super::backend::Netlink;
use super::capture;
use crate::sys::enter::in_netns;
use crate::sys::Netns;
use crate::why::connect::Connect;
use crate::why::Sighting;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    bind, connect, getsockname, getsockopt, socket, sockopt, AddressFamily, SockFlag, SockType,
    SockaddrIn,
};
use std::net::{IpAddr, SocketAddrV4};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How long the SYN (and its retransmission after 1 s) has to be answered.
const BOUND: Duration = Duration::from_millis(3000);

impl Netlink {
    /// The TCP probe's answer, and what packet sockets in `watch` saw of its segments; no
    /// sightings when one of the namespaces could not be watched (as for the ping).
    pub(crate) fn connect_watched(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        port: u16,
        watch: &[Netns],
    ) -> (Connect, Vec<Sighting>) {
        let socks: Result<Vec<_>, _> = watch
            .iter()
            .map(|w| capture::open_proto(w.path().as_deref(), 6).map(|fd| (w.clone(), fd)))
            .collect();
        let IpAddr::V4(v4) = dst else {
            return (
                Connect::Unreachable("IPv6 is not probed yet".into()),
                vec![],
            );
        };
        let answer = in_netns(ns.path().as_deref(), move || connect4(v4, port, BOUND));
        let (c, client) = match answer {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => (Connect::Unreachable(e.desc().to_lowercase()), 0),
            Err(e) => (Connect::Unreachable(e.to_string()), 0),
        };
        let Ok(socks) = socks else {
            return (c, vec![]);
        };
        let seen = socks
            .iter()
            .map(|(w, fd)| {
                (
                    w.clone(),
                    capture::drain_by(fd, |p| capture::segment(p, client)),
                )
            })
            .collect();
        (c, self.sightings(seen))
    }
}

/// A non-blocking connect to `dst`:`port` from a port bound first: the answer, and that port.
fn connect4(dst: std::net::Ipv4Addr, port: u16, bound: Duration) -> Result<(Connect, u16), Errno> {
    let deadline = Instant::now() + bound;
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )?;
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &SockaddrIn::new(0, 0, 0, 0, 0),
    )?;
    let client = getsockname::<SockaddrIn>(std::os::fd::AsRawFd::as_raw_fd(&fd))?.port();
    let to = SockaddrIn::from(SocketAddrV4::new(dst, port));
    match connect(std::os::fd::AsRawFd::as_raw_fd(&fd), &to) {
        Ok(()) => return Ok((Connect::Answered, client)),
        Err(Errno::EINPROGRESS) => {}
        Err(e) => return Ok((answer(e), client)),
    }
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((Connect::Silent, client));
        }
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) | Err(Errno::EINTR) => continue,
            Ok(_) => break,
            Err(e) => return Err(e),
        }
    }
    let err = getsockopt(&fd, sockopt::SocketError)?;
    let c = match err {
        0 => Connect::Answered,
        e => answer(Errno::from_raw(e)),
    };
    Ok((c, client))
}

/// A connect's failure as the probe reads it.
fn answer(e: Errno) -> Connect {
    match e {
        Errno::ECONNREFUSED => Connect::Refused,
        Errno::ETIMEDOUT => Connect::Silent,
        e => Connect::Unreachable(e.desc().to_lowercase()),
    }
}
