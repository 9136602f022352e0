//! The XDP program attached to a link, as `ip -d link show` prints it (`xdpgeneric`, `xdp`,
//! `xdpoffload` and `prog/xdp id N`): what `why` names when packets vanish entering it, since
//! XDP runs before anything (a packet socket included) sees them.

use futures::TryStreamExt;
use rtnetlink::packet_route::link::{LinkAttribute, LinkXdp, XdpAttached};
use rtnetlink::Handle;

/// `dev`'s XDP program: the `ip link` keyword of its mode (`xdpgeneric`, `xdpdrv`,
/// `xdpoffload`, or `xdp` when several are attached) and its program id; `None` without one.
pub(crate) async fn xdp(
    handle: &Handle,
    dev: &str,
) -> Result<Option<(&'static str, u32)>, rtnetlink::Error> {
    let mut links = handle.link().get().match_name(dev.to_string()).execute();
    let Some(l) = links.try_next().await? else {
        return Ok(None);
    };
    let Some(x) = l.attributes.iter().find_map(|a| match a {
        LinkAttribute::Xdp(x) => Some(x),
        _ => None,
    }) else {
        return Ok(None);
    };
    let mode = x.iter().find_map(|a| match a {
        LinkXdp::Attached(XdpAttached::SocketBuffer) => Some("xdpgeneric"),
        LinkXdp::Attached(XdpAttached::Driver) => Some("xdpdrv"),
        LinkXdp::Attached(XdpAttached::Hardware) => Some("xdpoffload"),
        LinkXdp::Attached(XdpAttached::Multiple) => Some("xdp"),
        _ => None,
    });
    let id = x.iter().find_map(|a| match a {
        LinkXdp::ProgId(i) | LinkXdp::SkbProgId(i) | LinkXdp::DrvProgId(i) => Some(*i),
        _ => None,
    });
    Ok(mode.map(|m| (m, id.unwrap_or(0))))
}
