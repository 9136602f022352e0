//! Fixes in DSL form: how a script names a namespace and calls a verb on it.

use crate::sys::Netns;

/// `route(..)` on the host, `ns1.route(..)`, `h150.ns("ns2").route(..)`.
pub(crate) fn call(ns: &Netns, verb: &str) -> String {
    match ns {
        Netns::Root => verb.to_string(),
        Netns::Named(_) | Netns::Adopted(_) => format!("{}.{verb}", stack(ns)),
    }
}

/// A namespace as a script names it: `host()`, `ns1`, `h150.ns("ns2")`.
pub(crate) fn stack(ns: &Netns) -> String {
    match ns {
        Netns::Root => "host()".into(),
        // The variables the article's scripts hold: `ns1`, `h150`.
        Netns::Named(n) => match (ns.machine(), ns.local()) {
            (Some(h), Some(inner)) => format!("{h}.ns(\"{inner}\")"),
            _ => n.clone(),
        },
        Netns::Adopted(_) => ns.dsl(),
    }
}

/// `link("vethb1").up()` on the host, `ns1.link("veth1").up()` elsewhere.
pub(crate) fn link_call(ns: &Netns, link: &str, verb: &str) -> String {
    call(ns, &format!("link(\"{link}\").{verb}"))
}

/// The fix that turns on forwarding in a namespace.
pub(crate) fn ip_forward(ns: &Netns) -> String {
    call(ns, "ip_forward(true)")
}

/// How the DSL names a link in a fix: `link("eth0")`, on its stack.
pub(crate) fn link_ref(ns: &Netns, name: &str) -> String {
    call(ns, &format!("link(\"{name}\")"))
}
