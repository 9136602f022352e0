//! A link with IPv6 off: disabled by sysctl (`net.ipv6.conf.LINK.disable_ipv6 = 1`, or `all`
//! set to 1, which sets every link), or an MTU below IPv6's minimum of 1280, on which the kernel
//! takes IPv6 off the link (its `conf` entry goes). Either way the kernel deleted the link's
//! IPv6 addresses, and turning IPv6 on again does not bring them back: the fix does both, never
//! only the address (refused: EACCES, or EINVAL under 1280).

use super::kernel::Kernel;
use super::route_fix::exec;
use crate::sys::Netns;
use ipnet::IpNet;

/// IPv6's minimum link MTU (RFC 8200).
const MIN_MTU: u32 = 1280;

/// What has IPv6 off on a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Off {
    /// This sysctl is 1: `all`'s when that is 1, else the link's own.
    Sysctl(String),
    /// The link's MTU is below 1280; the MTU to give it back (its peer's, else 1500).
    Mtu(u32, u32),
}

/// What has IPv6 off on `link` in `ns`, if anything.
pub(crate) fn off(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<Off> {
    let key = |l: &str| format!("net.ipv6.conf.{l}.disable_ipv6");
    match k.sysctl(ns, &key(link)).as_deref() {
        Some("1") => {
            let all = k.sysctl(ns, &key("all")).as_deref() == Some("1");
            Some(Off::Sysctl(key(if all { "all" } else { link })))
        }
        Some(_) => None,
        // No conf entry: IPv6 went with a too small MTU (or the link is gone).
        None => {
            let v = k.view(ns)?;
            let l = v.links.get(link)?;
            if l.mtu == 0 || l.mtu >= MIN_MTU {
                return None;
            }
            let back = l
                .peer
                .clone()
                .and_then(|(pns, p)| k.view(&pns)?.links.get(&p).map(|x| x.mtu))
                .filter(|m| *m >= MIN_MTU)
                .unwrap_or(1500);
            Some(Off::Mtu(l.mtu, back))
        }
    }
}

/// `IPv6 is disabled on LINK in NS (KEY is 1), so it lost its address WITH`, or the MTU's words.
pub(crate) fn words(ns: &Netns, link: &str, off: &Off, with: &IpNet) -> String {
    match off {
        Off::Sysctl(key) => format!(
            "IPv6 is disabled on {link} in {ns} ({key} is 1), so it lost its address {with}"
        ),
        Off::Mtu(mtu, _) => format!(
            "{link} in {ns} has MTU {mtu}, below IPv6's minimum {MIN_MTU}: the kernel took IPv6 off it, and its address {with} with it"
        ),
    }
}

/// IPv6 on again (the sysctl back to 0, or the MTU back), and `with` given back to `link` (no
/// DAD: it was the link's own).
pub(crate) fn fix(ns: &Netns, link: &str, off: &Off, with: &IpNet) -> String {
    let on = match off {
        Off::Sysctl(key) => format!("sysctl -w {key}=0"),
        Off::Mtu(_, back) => format!("ip link set {link} mtu {back}"),
    };
    exec(ns, &format!("{on} && ip addr add {with} dev {link} nodad"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::view::NsView;
    use crate::why::link_detail::LinkDetail;
    use crate::why::route_get::{Lookup, Refusal, RouteGet};
    use std::collections::HashMap;

    /// Only sysctls of the namespace r: key → value.
    struct Sysctls(HashMap<String, String>);

    impl Kernel for Sysctls {
        fn namespaces(&mut self) -> Vec<Netns> {
            vec![]
        }
        fn view(&mut self, _ns: &Netns) -> Option<NsView> {
            None
        }
        fn links(&mut self, _ns: &Netns) -> Vec<LinkDetail> {
            vec![]
        }
        fn route_get(&mut self, _ns: &Netns, _q: &Lookup) -> Result<RouteGet, Refusal> {
            Err(Refusal::words("Network is unreachable"))
        }
        fn sysctl(&mut self, _ns: &Netns, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn chain(&mut self, _: &Netns, _: &str, _: &str) -> Option<crate::firewall::chain::Chain> {
            None
        }
    }

    fn off_with(all: &str, link: &str) -> Option<String> {
        let k = &mut Sysctls(HashMap::from([
            (
                "net.ipv6.conf.all.disable_ipv6".to_string(),
                all.to_string(),
            ),
            (
                "net.ipv6.conf.r2b.disable_ipv6".to_string(),
                link.to_string(),
            ),
        ]));
        match off(k, &Netns::named("r"), "r2b") {
            Some(Off::Sysctl(key)) => Some(key),
            _ => None,
        }
    }

    #[test]
    fn the_sysctl_named_is_all_when_it_set_the_link() {
        assert_eq!(off_with("0", "0"), None);
        assert_eq!(
            off_with("0", "1").as_deref(),
            Some("net.ipv6.conf.r2b.disable_ipv6")
        );
        assert_eq!(
            off_with("1", "1").as_deref(),
            Some("net.ipv6.conf.all.disable_ipv6")
        );
        // The link's own value decides whether it is off.
        assert_eq!(off_with("1", "0"), None);
    }

    #[test]
    fn the_fix_enables_ipv6_and_gives_the_address_back() {
        let with: IpNet = "2001:db8:3::1/64".parse().unwrap();
        let key = Off::Sysctl("net.ipv6.conf.r2b.disable_ipv6".into());
        assert_eq!(
            fix(&Netns::named("r2"), "r2b", &key, &with),
            r#"r2.sh("sysctl -w net.ipv6.conf.r2b.disable_ipv6=0 && ip addr add 2001:db8:3::1/64 dev r2b nodad")"#
        );
        let mtu = Off::Mtu(1200, 1500);
        assert_eq!(
            fix(&Netns::named("r2"), "r2b", &mtu, &with),
            r#"r2.sh("ip link set r2b mtu 1500 && ip addr add 2001:db8:3::1/64 dev r2b nodad")"#
        );
        assert_eq!(
            words(&Netns::named("r2"), "r2b", &mtu, &with),
            "r2b in r2 has MTU 1200, below IPv6's minimum 1280: the kernel took IPv6 off it, and its address 2001:db8:3::1/64 with it"
        );
    }
}
