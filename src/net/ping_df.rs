//! One ICMP echo of a given size with Don't Fragment set, from inside a namespace: whether a
//! packet that size crosses the path whole (`why --size`).

use super::ping::{echo_of, fresh_id, icmp_socket, is_our_reply};
use super::readable::readable;
use crate::sys::enter::in_netns;
use nix::errno::Errno;
use nix::sys::socket::{recv, sendto, MsgFlags, SockaddrIn};
use std::io;
use std::net::{IpAddr, SocketAddrV4};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

/// Echoes of `payload` bytes to `dst`, DF set (IP_PMTUDISC_DO: never fragmented here or on
/// the way), every 200 ms until a reply or `total`. IPv6: false.
pub(crate) fn ping_df(
    ns: Option<&Path>,
    dst: IpAddr,
    payload: usize,
    total: Duration,
) -> io::Result<bool> {
    let IpAddr::V4(dst) = dst else {
        return Ok(false);
    };
    let id = fresh_id();
    let deadline = Instant::now() + total;
    in_netns(ns, move || {
        let sock = icmp_socket()?;
        let on: libc::c_int = libc::IP_PMTUDISC_DO;
        // SAFETY: a valid socket and a c_int option of the right size.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let addr = SockaddrIn::from(SocketAddrV4::new(dst, 0));
        let mut buf = vec![0u8; 65536];
        let mut sent = 0u32;
        let mut next = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            if now >= next && sent < 1000 {
                let pkt = echo_of(id, sent as u16, payload);
                // Too big for the first link: it cannot leave whole.
                if let Err(Errno::EMSGSIZE | Errno::ENETUNREACH | Errno::EHOSTUNREACH) =
                    sendto(sock.as_raw_fd(), &pkt, &addr, MsgFlags::empty())
                {
                    return Ok(false);
                }
                sent += 1;
                next += Duration::from_millis(200);
            }
            if !readable(&sock, next.min(deadline))? {
                continue;
            }
            loop {
                match recv(sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                    Ok(n) if is_our_reply(&buf[..n], dst, id, sent) => return Ok(true),
                    Ok(_) => {}
                    // A "fragmentation needed" from the way says no; wait for the bound anyway.
                    Err(Errno::EAGAIN | Errno::EINTR | Errno::EMSGSIZE) => break,
                    Err(Errno::ENETUNREACH | Errno::EHOSTUNREACH) => return Ok(false),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    })?
}
