//! A fix that sets a sysctl to the value it already has changes nothing: a person applies it
//! and is still blocked. Whichever check formed it, such a statement is dropped from the fix
//! and the other way once the report is made (the other way stands in for a fix left empty).

use super::kernel::Kernel;
use super::report::Report;
use crate::sys::Netns;

/// Drops every `ns.sysctl("key", value)` of the fix and the other way whose key holds `value`.
pub(crate) fn drop_noops(k: &mut dyn Kernel, r: &mut Report) {
    let had = r.fix.is_some();
    r.fix = kept(k, r.fix.take());
    r.other_way = kept(k, r.other_way.take());
    if had && r.fix.is_none() {
        r.fix = r.other_way.take();
    }
}

/// The statements of `fix` (joined by `; `) that change something; `None` when none does.
fn kept(k: &mut dyn Kernel, fix: Option<String>) -> Option<String> {
    let f = fix?;
    let left: Vec<&str> = f.split("; ").filter(|s| !noop(k, s)).collect();
    (!left.is_empty()).then(|| left.join("; "))
}

/// `ns.sysctl("key", value)` (`sysctl(..)` on the host) whose key already reads `value`.
fn noop(k: &mut dyn Kernel, stmt: &str) -> bool {
    let Some((head, rest)) = stmt.trim().split_once("sysctl(\"") else {
        return false;
    };
    let ns = match head.strip_suffix('.') {
        _ if head.is_empty() => Netns::Root,
        // A plain variable only: `h150.ns("n")` is not read back here.
        Some(n)
            if n.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
        {
            Netns::named(n)
        }
        _ => return false,
    };
    let Some((key, val)) = rest.split_once("\", ") else {
        return false;
    };
    let Some(val) = val.strip_suffix(')') else {
        return false;
    };
    k.sysctl(&ns, key)
        .is_some_and(|v| v.trim() == val.trim().trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::view::NsView;
    use crate::why::link_detail::LinkDetail;
    use crate::why::route_get::{Lookup, Refusal, RouteGet};
    use std::collections::HashMap;

    /// Only sysctls: (namespace, key) → value.
    struct Sysctls(HashMap<(Netns, String), String>);

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
        fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
            self.0.get(&(ns.clone(), key.to_string())).cloned()
        }
        fn chain(&mut self, _: &Netns, _: &str, _: &str) -> Option<crate::firewall::chain::Chain> {
            None
        }
    }

    fn kernel() -> Sysctls {
        let n2 = Netns::named("n2");
        let rp = "net.ipv4.conf.all.rp_filter";
        Sysctls(HashMap::from([
            ((n2.clone(), rp.to_string()), "2".to_string()),
            ((n2, "net.ipv4.conf.ul.rp_filter".into()), "1".into()),
            ((Netns::Root, "net.ipv4.ip_forward".into()), "1".into()),
        ]))
    }

    fn settled(fix: &str, other: Option<&str>) -> (Option<String>, Option<String>) {
        let mut r = Report {
            fix: Some(fix.into()),
            other_way: other.map(str::to_string),
            ..Report::default()
        };
        drop_noops(&mut kernel(), &mut r);
        (r.fix, r.other_way)
    }

    #[test]
    fn a_sysctl_already_at_its_value_is_no_fix() {
        let fix = r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 2)"#;
        assert_eq!(settled(fix, None), (None, None));
        let host = r#"sysctl("net.ipv4.ip_forward", 1)"#;
        assert_eq!(settled(host, None), (None, None));
    }

    #[test]
    fn the_statements_that_change_something_stay() {
        let fix = r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 0); n2.sysctl("net.ipv4.conf.ul.rp_filter", 0)"#;
        assert_eq!(settled(fix, None), (Some(fix.into()), None));
        let fix = r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 2); n2.sysctl("net.ipv4.conf.ul.rp_filter", 2)"#;
        let left = r#"n2.sysctl("net.ipv4.conf.ul.rp_filter", 2)"#;
        assert_eq!(settled(fix, None), (Some(left.into()), None));
        let route = r#"n2.route("10.244.1.0/24", "192.0.2.11")"#;
        assert_eq!(settled(route, None), (Some(route.into()), None));
    }

    #[test]
    fn the_other_way_stands_in_for_a_fix_that_was_a_no_op() {
        let fix = r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 2)"#;
        let other = r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 0)"#;
        assert_eq!(settled(fix, Some(other)), (Some(other.into()), None));
        // Unknown stacks and keys nobody reads are kept: only a known no-op goes.
        let nested = r#"h150.ns("n2").sysctl("net.ipv4.conf.all.rp_filter", 2)"#;
        assert_eq!(settled(nested, None), (Some(nested.into()), None));
        let unread = r#"n9.sysctl("net.ipv4.conf.all.rp_filter", 2)"#;
        assert_eq!(settled(unread, None), (Some(unread.into()), None));
    }
}
