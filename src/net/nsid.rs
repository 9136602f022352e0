//! Which namespace an nsid names, as one namespace sees them: the kernel reports a veth peer
//! elsewhere by nsid (IFLA_LINK_NETNSID), and only asking each known namespace's nsid
//! (RTM_GETNSID with NETNSA_FD, as `ip netns list-id` does) maps it back to a name.

use crate::sys::Netns;
use futures::StreamExt;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST};
use rtnetlink::packet_route::nsid::{NsidAttribute, NsidMessage};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::Handle;
use std::collections::HashMap;
use std::os::fd::RawFd;

/// The nsid of every named namespace in `names`, and of the root stack when `root_fd` names
/// it, as the namespace of `handle` sees them. A namespace it gave no nsid is left out.
pub(crate) async fn named_ids(
    handle: &Handle,
    names: &[Netns],
    root_fd: Option<RawFd>,
) -> HashMap<i32, Netns> {
    ids_of(handle, names, root_fd, &[]).await
}

/// `named_ids`, asked only until each nsid of `want` is named (all of them when `want` is
/// empty): a namespace with one veth to the host asks one nsid, not one per namespace.
pub(crate) async fn ids_of(
    handle: &Handle,
    names: &[Netns],
    root_fd: Option<RawFd>,
    want: &[i32],
) -> HashMap<i32, Netns> {
    let done =
        |ids: &HashMap<i32, Netns>| !want.is_empty() && want.iter().all(|w| ids.contains_key(w));
    let mut ids = HashMap::new();
    if let Some(id) = match root_fd {
        Some(fd) => nsid_of_fd(handle, fd).await,
        None => None,
    } {
        ids.insert(id, Netns::Root);
    }
    for n in names {
        if done(&ids) {
            break;
        }
        match n {
            Netns::Named(name) => {
                if let Ok(Some(id)) = handle.link().get_netns_id(name.clone()).execute().await {
                    ids.insert(id, n.clone());
                }
            }
            Netns::Adopted(f) => {
                if let Some(id) = nsid_of_file(handle, &f.path()).await {
                    ids.insert(id, n.clone());
                }
            }
            Netns::Root => {}
        }
    }
    ids
}

/// The nsid this namespace gives the namespace of the file at `path`, if it has one.
pub(crate) async fn nsid_of_file(handle: &Handle, path: &std::path::Path) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path).ok()?;
    nsid_of_fd(handle, f.as_raw_fd()).await
}

/// The nsid this namespace gives the namespace `fd` names (RTM_GETNSID), if it has one.
async fn nsid_of_fd(handle: &Handle, fd: RawFd) -> Option<i32> {
    let mut msg = NsidMessage::default();
    msg.attributes = vec![NsidAttribute::Fd(fd as u32)];
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetNsId(msg));
    req.header.flags = NLM_F_REQUEST | NLM_F_ACK;
    let mut s = handle.clone().request(req).ok()?;
    while let Some(r) = s.next().await {
        if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewNsId(m)) = r.payload {
            for a in m.attributes {
                if let NsidAttribute::Id(id) = a {
                    return (id >= 0).then_some(id);
                }
            }
        }
    }
    None
}
