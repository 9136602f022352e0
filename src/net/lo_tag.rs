//! The tag on a namespace's `lo`: set with the lab's alias before the namespace gets its name
//! in /run/netns (a namespace netsh made is never seen untagged, even if netsh is killed right
//! after), and read back by `down` to tell the lab's namespaces from ones someone else made
//! under the same names. Plain blocking netlink requests: one each, no runtime.

use super::messages::{get_link, set_alias, set_alias_up, Msg};
use crate::sys::Netns;
use nix::sched::{setns, CloneFlags};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::collections::HashMap;
use std::fs::File;
use std::io;

/// Set `lo`'s alias (and bring it up, `up`) in the calling thread's namespace, in one request,
/// and wait for the kernel's answer.
pub(crate) fn tag_lo(alias: &str, up: bool) -> io::Result<()> {
    let msg = match up {
        true => set_alias_up("lo", alias),
        false => set_alias("lo", alias),
    };
    ask(msg).map(|_| ())
}

/// `lo`'s alias in the calling thread's namespace.
fn lo_alias() -> io::Result<Option<String>> {
    match ask(get_link("lo"))? {
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) => {
            Ok(l.attributes.into_iter().find_map(|a| match a {
                LinkAttribute::IfAlias(a) => Some(a),
                _ => None,
            }))
        }
        _ => Ok(None),
    }
}

/// `lo`'s alias, through a connection in its namespace; `None` if it has none or cannot be read.
pub(crate) async fn lo_alias_via(handle: &rtnetlink::Handle) -> Option<String> {
    use futures::StreamExt;
    let mut handle = handle.clone();
    let mut answers = handle.request(get_link("lo")).ok()?;
    let mut alias = None;
    while let Some(m) = answers.next().await {
        if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) = m.payload {
            alias = l.attributes.into_iter().find_map(|a| match a {
                LinkAttribute::IfAlias(a) => Some(a),
                _ => None,
            });
        }
    }
    alias
}

/// `lo`'s alias in each of these named namespaces, read on one thread that enters them in
/// turn; `None` for a namespace without one, or that cannot be entered.
pub(crate) fn lo_aliases(names: &[String]) -> io::Result<HashMap<String, Option<String>>> {
    let names = names.to_vec();
    std::thread::spawn(move || {
        let read = |n: &str| -> io::Result<Option<String>> {
            if n.contains('/') {
                return Ok(None); // not a name in /run/netns
            }
            let path = Netns::named(n)
                .path()
                .expect("a named namespace has a path");
            let f = File::open(path)?;
            setns(&f, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            lo_alias()
        };
        names
            .into_iter()
            .map(|n| {
                let alias = read(&n).ok().flatten();
                (n, alias)
            })
            .collect()
    })
    .join()
    .map_err(|_| io::Error::other("reading the namespaces' lo failed"))
}

/// One request, and the kernel's answer (an error answer as an error).
fn ask(mut msg: Msg) -> io::Result<NetlinkPayload<RouteNetlinkMessage>> {
    let mut sock = Socket::new(NETLINK_ROUTE)?;
    sock.bind_auto()?;
    msg.header.sequence_number = 1;
    msg.finalize();
    let mut buf = vec![0; msg.header.length as usize];
    msg.serialize(&mut buf);
    sock.send_to(&buf, &SocketAddr::new(0, 0), 0)?;
    let (reply, _) = sock.recv_from_full()?;
    let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply)
        .map_err(|e| io::Error::other(format!("netlink: {e}")))?;
    match reply.payload {
        NetlinkPayload::Error(e) if e.code.is_some() => {
            Err(io::Error::from_raw_os_error(-e.raw_code()))
        }
        p => Ok(p),
    }
}
