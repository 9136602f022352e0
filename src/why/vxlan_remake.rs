//! A VXLAN device made again: a VNI, remote or dev cannot be changed in place.

use super::link_detail::VxlanInfo;
use super::words::{call, link_call, link_ref};
use crate::sys::Netns;

/// The VXLAN device made again with the right remote: a VNI or remote cannot be changed in place.
/// The fix may run in another lab than the one that made the device: it says `adopted: true`.
pub(crate) fn recreate(
    ns: &Netns,
    v: &VxlanInfo,
    name: &str,
    remote: &str,
    master: &str,
) -> String {
    let dev = v
        .dev
        .as_ref()
        .map(|d| format!(" dev: \"{d}\","))
        .unwrap_or_default();
    format!(
        "{}; {}",
        link_call(ns, name, "del(#{ adopted: true })"),
        call(
            ns,
            &format!(
                "vxlan(\"{name}\", #{{ id: {}, remote: \"{remote}\",{dev} port: {} }}).master({}).up()",
                v.id,
                v.port,
                link_ref(ns, master)
            )
        )
    )
}
