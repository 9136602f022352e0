//! Tagging a new namespace's `lo` with the lab's alias before the namespace gets its name in
//! /run/netns: a namespace netsh made is never seen untagged, even if netsh is killed right
//! after, so `down` can tell it from one someone else made under the same name.

use super::messages::set_alias;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::{protocols::NETLINK_ROUTE, Socket};
use std::io;

/// Set `lo`'s alias in the calling thread's namespace, and wait for the kernel's answer.
pub fn tag_lo(alias: &str) -> io::Result<()> {
    let mut sock = Socket::new(NETLINK_ROUTE)?;
    sock.bind_auto()?;
    let mut msg = set_alias("lo", alias);
    msg.header.sequence_number = 1;
    msg.finalize();
    let mut buf = vec![0; msg.header.length as usize];
    msg.serialize(&mut buf);
    let kernel = rtnetlink::sys::SocketAddr::new(0, 0);
    sock.send_to(&buf, &kernel, 0)?;
    let (reply, _) = sock.recv_from_full()?;
    let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply)
        .map_err(|e| io::Error::other(format!("tag lo: {e}")))?;
    match reply.payload {
        NetlinkPayload::Error(e) if e.code.is_some() => {
            Err(io::Error::from_raw_os_error(-e.raw_code()))
        }
        _ => Ok(()),
    }
}
