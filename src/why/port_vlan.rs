//! A port of a bridge that filters VLANs (vlan_filtering 1) carries the segment's untagged
//! frames only when the bridge's default PVID is its PVID: a port without it, or with another
//! PVID, puts them in no VLAN or in another one, and the bridge drops them between ports.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `port` of `br` in `ns` is not in the bridge's default VLAN.
pub(crate) fn in_vlan(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    port: &str,
    br: &str,
) -> bool {
    let l2 = k.l2(ns);
    let Some(b) = l2.iter().find(|l| l.name == br) else {
        return true;
    };
    if b.vlan_filtering != Some(true) {
        return true;
    }
    let vid = b.default_pvid.unwrap_or(1);
    let Some(vlans) = l2
        .iter()
        .find(|l| l.name == port)
        .and_then(|l| l.vlans.clone())
    else {
        return true;
    };
    let pvid = vlans.iter().find(|(_, p)| *p).map(|(v, _)| *v);
    if pvid == Some(vid) {
        return true;
    }
    let has = match pvid {
        Some(p) => format!("its PVID is VLAN {p}"),
        None if vlans.is_empty() => "it is in no VLAN".into(),
        None => "it has no PVID".into(),
    };
    r.block(
        ns,
        format!("{port}, a port of {br} in {ns}, is not in VLAN {vid} ({br} filters VLANs and its default PVID is {vid}; {has}): {br} drops its untagged frames"),
        Some(call(
            ns,
            &format!("sh(\"bridge vlan add dev {port} vid {vid} pvid untagged\")"),
        )),
    );
    false
}

#[cfg(test)]
mod tests {
    //! This machine's kernel has no bridge VLAN filtering: the rule is pinned on synthetic
    //! answers (what `bridge vlan show` and `ip -d link` give on a kernel that has it).
    use super::*;
    use crate::firewall::chain::Chain;
    use crate::plan::view::NsView;
    use crate::why::link_detail::LinkDetail;
    use crate::why::link_l2::LinkL2;
    use crate::why::route_get::{Lookup, Refusal, RouteGet};

    struct Ports(Vec<LinkL2>);

    impl Kernel for Ports {
        fn namespaces(&mut self) -> Vec<Netns> {
            vec![Netns::Root]
        }
        fn view(&mut self, _: &Netns) -> Option<NsView> {
            None
        }
        fn links(&mut self, _: &Netns) -> Vec<LinkDetail> {
            vec![]
        }
        fn route_get(&mut self, _: &Netns, _: &Lookup) -> Result<RouteGet, Refusal> {
            Err(Refusal {
                errno: 101,
                words: "Network is unreachable".into(),
            })
        }
        fn sysctl(&mut self, _: &Netns, _: &str) -> Option<String> {
            None
        }
        fn chain(&mut self, _: &Netns, _: &str, _: &str) -> Option<Chain> {
            None
        }
        fn l2(&mut self, _: &Netns) -> Vec<LinkL2> {
            self.0.clone()
        }
    }

    fn bridge(filtering: bool) -> LinkL2 {
        LinkL2 {
            name: "br0".into(),
            vlan_filtering: Some(filtering),
            default_pvid: Some(1),
            ..LinkL2::default()
        }
    }

    fn port(vlans: &[(u16, bool)]) -> LinkL2 {
        LinkL2 {
            name: "vethb2".into(),
            vlans: Some(vlans.to_vec()),
            ..LinkL2::default()
        }
    }

    fn verdict(ports: Vec<LinkL2>) -> (bool, Option<String>, Option<String>) {
        let mut r = Report::default();
        let ok = in_vlan(&mut Ports(ports), &mut r, &Netns::Root, "vethb2", "br0");
        (ok, r.broken, r.fix)
    }

    #[test]
    fn a_port_in_no_vlan_of_a_filtering_bridge_is_named() {
        let (ok, broken, fix) = verdict(vec![bridge(true), port(&[])]);
        assert!(!ok);
        assert_eq!(broken.as_deref(), Some("vethb2, a port of br0 in host, is not in VLAN 1 (br0 filters VLANs and its default PVID is 1; it is in no VLAN): br0 drops its untagged frames"));
        assert_eq!(
            fix.as_deref(),
            Some(r#"sh("bridge vlan add dev vethb2 vid 1 pvid untagged")"#)
        );
    }

    #[test]
    fn a_port_with_another_pvid_is_named() {
        let (ok, broken, _) = verdict(vec![bridge(true), port(&[(1, false), (10, true)])]);
        assert!(!ok);
        assert!(broken.unwrap().contains("its PVID is VLAN 10"));
    }

    #[test]
    fn ports_in_the_default_vlan_or_a_bridge_that_does_not_filter_pass() {
        assert!(verdict(vec![bridge(true), port(&[(1, true)])]).0);
        assert!(verdict(vec![bridge(false), port(&[])]).0);
    }
}
