//! A parent link's macvlan children, in any namespace: what its wire delivers to by MAC, and
//! (bridge mode) one another's segment. The parent's own stack reaches none of them.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use crate::sys::Netns;

/// Every macvlan whose parent is link `index` in `pns`, with its namespace.
pub(crate) fn children(k: &mut dyn Kernel, pns: &Netns, index: u32) -> Vec<(Netns, LinkDetail)> {
    let mut out = vec![];
    for ns in k.namespaces() {
        for l in k.links(&ns) {
            let there = l.peer_ns.clone().unwrap_or_else(|| ns.clone());
            if l.macvlan_mode.is_some() && l.peer_index == Some(index) && there == *pns {
                out.push((ns.clone(), l));
            }
        }
    }
    out
}

/// Whether two macvlans of one parent exchange frames directly: both in bridge mode.
pub(crate) fn bridged(a: &LinkDetail, b: &LinkDetail) -> bool {
    [a, b]
        .iter()
        .all(|l| l.macvlan_mode.as_deref() == Some("bridge"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(mode: &str) -> LinkDetail {
        LinkDetail {
            macvlan_mode: Some(mode.into()),
            ..LinkDetail::default()
        }
    }

    #[test]
    fn only_two_bridge_mode_siblings_meet() {
        assert!(bridged(&mv("bridge"), &mv("bridge")));
        assert!(!bridged(&mv("bridge"), &mv("private")));
        assert!(!bridged(&mv("vepa"), &mv("bridge")));
    }
}
