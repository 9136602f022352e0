//! A NETLINK_NETFILTER socket in one network namespace: dumps, the ruleset generation, and
//! batches (one transaction: all of it or none). Waits are bounded by a receive timeout.

use super::wire::*;
use nix::sys::socket::{
    bind, recv, send, setsockopt, socket, sockopt, AddressFamily, MsgFlags, NetlinkAddr, SockFlag,
    SockProtocol, SockType,
};
use nix::sys::time::TimeVal;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

/// How long a reply may take before the socket gives up (the kernel answers at once).
const REPLY_TIMEOUT_S: i64 = 30;

pub(crate) struct Sock {
    fd: OwnedFd,
    /// The last sequence number used; replies to older requests are left behind.
    seq: u32,
}

/// A batch the kernel refused: which of its messages (0-based, after the batch begin), and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    /// `None`: the batch as a whole (a stale generation: ERESTART).
    pub(crate) index: Option<usize>,
    pub(crate) errno: i32,
}

impl Sock {
    /// A socket in the calling thread's namespace.
    pub(crate) fn open() -> io::Result<Sock> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkNetFilter,
        )?;
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0))?;
        setsockopt(
            &fd,
            sockopt::ReceiveTimeout,
            &TimeVal::new(REPLY_TIMEOUT_S, 0),
        )?;
        Ok(Sock { fd, seq: 0 })
    }

    /// A socket in the namespace at `ns` (a socket stays in the namespace it was made in).
    pub(crate) fn open_in(ns: Option<&Path>) -> io::Result<Sock> {
        crate::sys::enter::in_netns(ns, Sock::open)?
    }

    fn send(&self, buf: &[u8]) -> io::Result<()> {
        send(self.fd.as_raw_fd(), buf, MsgFlags::empty())?;
        Ok(())
    }

    fn recv(&self) -> io::Result<Vec<Reply>> {
        let mut buf = vec![0u8; 1 << 17];
        let n = recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(|e| {
            if e == nix::errno::Errno::EAGAIN {
                io::Error::new(io::ErrorKind::TimedOut, "nf_tables did not answer")
            } else {
                io::Error::from(e)
            }
        })?;
        Ok(replies(&buf[..n]))
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Every object of one kind in the ip family: each reply's attributes (after nfgenmsg).
    pub(crate) fn dump(&mut self, msg: u16) -> io::Result<Vec<Vec<u8>>> {
        let all = self.dump_in(msg, NFPROTO_IPV4)?;
        Ok(all.into_iter().map(|(_, a)| a).collect())
    }

    /// Every object of one kind in `family` (0: all): each reply's family and attributes.
    pub(crate) fn dump_in(&mut self, msg: u16, family: u8) -> io::Result<Vec<(u8, Vec<u8>)>> {
        self.dump_of(msg, family, &[])
    }

    /// As `dump_in`, the request carrying string attributes (a set's elements are dumped by
    /// table and set name).
    pub(crate) fn dump_of(
        &mut self,
        msg: u16,
        family: u8,
        names: &[(u16, &str)],
    ) -> io::Result<Vec<(u8, Vec<u8>)>> {
        let mut m = Msgs::new(self.next_seq() - 1);
        let seq = m.nft_in(msg, NLM_F_DUMP, family);
        for (ty, v) in names {
            m.str(*ty, v);
        }
        m.end();
        self.send(&m.buf)?;
        let mut out = vec![];
        loop {
            for r in self.recv()? {
                if r.seq != seq {
                    continue;
                }
                match r.ty {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => match errno_of(&r) {
                        0 => return Ok(out),
                        e => return Err(io::Error::from_raw_os_error(e)),
                    },
                    _ if r.payload.len() >= 4 => out.push((r.payload[0], r.payload[4..].to_vec())),
                    _ => {}
                }
            }
        }
    }

    /// The ruleset's generation now: a batch computed from what is read after this is refused
    /// (ERESTART) if anything changed in between.
    pub(crate) fn genid(&mut self) -> io::Result<u32> {
        let mut m = Msgs::new(self.next_seq() - 1);
        let seq = m.begin(
            (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
            NLM_F_REQUEST,
            0,
            0,
        );
        m.end();
        self.send(&m.buf)?;
        loop {
            for r in self.recv()? {
                if r.seq != seq {
                    continue;
                }
                if r.ty == NLMSG_ERROR && errno_of(&r) != 0 {
                    return Err(io::Error::from_raw_os_error(errno_of(&r)));
                }
                if r.ty == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN {
                    let id = r.payload.get(4..).and_then(|a| get(a, 1)).and_then(be32);
                    return id.ok_or_else(|| io::Error::other("no generation id in NEWGEN"));
                }
            }
        }
    }

    /// One transaction: `fill` writes its messages between the batch begin, which carries
    /// `genid`, and the batch end. Only the last asks for an acknowledgement (errors come
    /// anyway, before it): a batch of thousands would overflow the receive buffer with one
    /// acknowledgement each. Ok once the last is acknowledged.
    pub(crate) fn commit(
        &mut self,
        genid: u32,
        fill: impl FnOnce(&mut Msgs),
    ) -> Result<(), io::Result<Refused>> {
        let mut m = Msgs::new(self.seq);
        let begin = m.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        m.u32be(NFNL_BATCH_GENID, genid);
        m.end();
        fill(&mut m);
        let end = m.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        m.end();
        self.seq = end;
        let Some(last) = ack_only_the_last(&mut m.buf, begin, end) else {
            return Ok(()); // nothing to change
        };
        self.fit(m.buf.len()).map_err(Err)?;
        self.send(&m.buf).map_err(Err)?;
        loop {
            for r in self.recv().map_err(Err)? {
                if r.ty != NLMSG_ERROR || !(begin..=end).contains(&r.seq) {
                    continue;
                }
                let errno = errno_of(&r);
                if errno != 0 {
                    let index =
                        (r.seq > begin && r.seq < end).then(|| (r.seq - begin - 1) as usize);
                    return Err(Ok(Refused { index, errno }));
                }
                if r.seq == last {
                    return Ok(());
                }
            }
        }
    }

    /// A batch is one datagram: grow the send buffer to hold it (past wmem_max when netsh may).
    fn fit(&self, len: usize) -> io::Result<()> {
        let have = nix::sys::socket::getsockopt(&self.fd, sockopt::SndBuf)?;
        // The kernel doubles what is set, and wants room for its own overhead.
        let want = len + 64 * 1024;
        if have >= want {
            return Ok(());
        }
        setsockopt(&self.fd, sockopt::SndBufForce, &want)
            .or_else(|_| setsockopt(&self.fd, sockopt::SndBuf, &want))?;
        Ok(())
    }
}

/// Clear NLM_F_ACK on every message of a batch but the last one between `begin` and `end`;
/// returns that message's sequence number.
fn ack_only_the_last(buf: &mut [u8], begin: u32, end: u32) -> Option<u32> {
    let mut msgs = vec![];
    let mut i = 0;
    while i + 16 <= buf.len() {
        let len = u32::from_ne_bytes(buf[i..i + 4].try_into().unwrap()) as usize;
        let seq = u32::from_ne_bytes(buf[i + 8..i + 12].try_into().unwrap());
        if seq > begin && seq < end {
            msgs.push((i, seq));
        }
        i += len.max(16).next_multiple_of(4);
    }
    let (&(_, last), rest) = msgs.split_last()?;
    for (at, _) in rest {
        let flags = u16::from_ne_bytes([buf[at + 6], buf[at + 7]]) & !NLM_F_ACK;
        buf[at + 6..at + 8].copy_from_slice(&flags.to_ne_bytes());
    }
    Some(last)
}

/// The positive errno of an NLMSG_ERROR (0: an acknowledgement).
fn errno_of(r: &Reply) -> i32 {
    r.payload
        .get(0..4)
        .map(|b| -i32::from_ne_bytes(b.try_into().unwrap()))
        .unwrap_or(0)
}
