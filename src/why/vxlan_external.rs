//! A VXLAN in `external` (collect_metadata, flow-based) mode, as an OVS or Cilium agent makes
//! it: it takes in every VNI, but sends only what tunnel metadata (a route's `encap ip`, or a
//! BPF program) addresses; a frame a bridge hands it has none, so nothing leaves.

use super::kernel::Kernel;
use super::link_detail::{LinkDetail, VxlanInfo};
use super::report::Report;
use super::route_fix::exec;
use super::vtep::vtep_address;
use crate::sys::Netns;
use std::net::IpAddr;

const WHY: &str = "a VXLAN in external (collect_metadata) mode: it sends only what tunnel \
                   metadata (an `encap ip` route or BPF) addresses, and frames its bridge hands \
                   it have none, so it sends nothing";

/// `vx` at `at` (a port of `master`) is external: `false`, said in `r`, with the fix that makes
/// it again with the VNI and port of its peer at `far` (one of `far_vx`) and `far` as remote.
pub(crate) fn near(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx, master): (&Netns, &LinkDetail, &str),
    far: &Netns,
    far_vx: &[LinkDetail],
) -> bool {
    let Some(v) = vx.vxlan.as_ref().filter(|v| v.external) else {
        return true;
    };
    let peer = far_vx
        .iter()
        .filter_map(|l| l.vxlan.as_ref())
        .find(|f| !f.external);
    let to = vtep_address(k, at, far);
    let fix = peer.zip(to).map(|(f, to)| {
        let right = VxlanInfo {
            id: f.id,
            port: f.port,
            dev: v.dev.clone(),
            ..VxlanInfo::default()
        };
        remake(at, &vx.name, &right, to, master)
    });
    r.block(at, format!("{at}'s {} is {WHY}", vx.name), fix);
    false
}

/// The far end's VXLAN port of `far_br` is external: the request gets in (whatever its VNI),
/// the replies never leave. `false`, said in `r`, with the fix that makes it again with the
/// near end's VNI and port (`v`) and `local` (the near VTEP's address) as remote.
pub(crate) fn far(
    r: &mut Report,
    (far, far_br): (&Netns, &str),
    far_vx: &[LinkDetail],
    v: &VxlanInfo,
    local: Option<IpAddr>,
) -> bool {
    let Some(m) = far_vx.iter().find(|l| {
        l.master.as_deref() == Some(far_br) && l.vxlan.as_ref().is_some_and(|f| f.external)
    }) else {
        return true;
    };
    let dev = m.vxlan.as_ref().and_then(|f| f.dev.clone());
    let right = VxlanInfo {
        id: v.id,
        port: v.port,
        dev: dev.or_else(|| v.dev.clone()),
        ..VxlanInfo::default()
    };
    let fix = local.map(|l| remake(far, &m.name, &right, l, far_br));
    r.block(
        far,
        format!(
            "{far}'s {} takes in VNI {} but the replies never leave by it: it is {WHY}",
            m.name, v.id
        ),
        fix,
    );
    false
}

/// `name` deleted and made again, by `ip`, with `v`'s VNI, port and dev, `remote` as its
/// remote, a port of `master` again and up: a flow-based VXLAN cannot be made classic in place.
fn remake(ns: &Netns, name: &str, v: &VxlanInfo, remote: IpAddr, master: &str) -> String {
    let dev = v
        .dev
        .as_ref()
        .map(|d| format!(" dev {d}"))
        .unwrap_or_default();
    [
        format!("ip link del {name}"),
        format!(
            "ip link add {name} type vxlan id {} remote {remote} dstport {}{dev}",
            v.id, v.port
        ),
        format!("ip link set {name} master {master} up"),
    ]
    .iter()
    .map(|c| exec(ns, c))
    .collect::<Vec<_>>()
    .join("; ")
}
