//! A link with IPv6 disabled (`net.ipv6.conf.LINK.disable_ipv6 = 1`, or `all` set to 1, which
//! sets every link): the kernel deleted the link's IPv6 addresses then, and enabling it again
//! does not bring them back, so the fix does both, never only the address (refused, EACCES).

use super::kernel::Kernel;
use super::route_fix::exec;
use crate::sys::Netns;
use ipnet::IpNet;

/// The sysctl that has IPv6 off on `link` in `ns`: `all` when that is 1, else the link's own.
pub(crate) fn off(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<String> {
    let key = |l: &str| format!("net.ipv6.conf.{l}.disable_ipv6");
    if k.sysctl(ns, &key(link)).as_deref() != Some("1") {
        return None;
    }
    let all = k.sysctl(ns, &key("all")).as_deref() == Some("1");
    Some(key(if all { "all" } else { link }))
}

/// `IPv6 is disabled on LINK in NS (KEY is 1), so it lost its address WITH`.
pub(crate) fn words(ns: &Netns, link: &str, key: &str, with: &IpNet) -> String {
    format!("IPv6 is disabled on {link} in {ns} ({key} is 1), so it lost its address {with}")
}

/// IPv6 enabled again by `key`, and `with` given back to `link` (no DAD: it was the link's own).
pub(crate) fn fix(ns: &Netns, link: &str, key: &str, with: &IpNet) -> String {
    exec(
        ns,
        &format!("sysctl -w {key}=0 && ip addr add {with} dev {link} nodad"),
    )
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
        off(k, &Netns::named("r"), "r2b")
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
        let key = "net.ipv6.conf.r2b.disable_ipv6";
        assert_eq!(
            fix(&Netns::named("r2"), "r2b", key, &with),
            r#"r2.sh("sysctl -w net.ipv6.conf.r2b.disable_ipv6=0 && ip addr add 2001:db8:3::1/64 dev r2b nodad")"#
        );
    }
}
