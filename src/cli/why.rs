//! `netsh why NAMESPACE ADDRESS [--json]`: on a live host, with no lab and no journal. Prints
//! each hop, then `verdict: clear` (exit 0) or `verdict: blocked — …` (exit 1).

use super::run::{has_net_admin, root_diag};
use super::WhyArgs;
use crate::plan::Observe;
use crate::script::diagnostic::Diag;
use crate::sys::Netns;
use std::net::IpAddr;

pub fn why(a: WhyArgs) -> i32 {
    let usage = |message: String, help: String| {
        eprint!(
            "{}",
            Diag::new("netsh::usage", message, Some(help)).render("", None)
        );
        2
    };
    let Ok(dst) = a.address.parse::<IpAddr>() else {
        return usage(
            format!("{:?} is not an IP address", a.address),
            "give the address to reach, e.g. netsh why ns1 172.31.131.150".into(),
        );
    };
    if !has_net_admin() {
        eprint!("{}", root_diag("netsh why").render("", None));
        return 1;
    }
    let mut backend = match crate::net::Netlink::new("why") {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot start the netlink backend: {e}");
            return 1;
        }
    };
    let ns = if a.namespace == "host" {
        Netns::Root
    } else {
        let named = backend.named_netns().unwrap_or_default();
        if !named.contains(&a.namespace) {
            let known: Vec<&str> = std::iter::once("host")
                .chain(named.iter().map(String::as_str))
                .collect();
            return usage(
                format!("no namespace {:?} in /run/netns", a.namespace),
                format!("name one of: {}", known.join(", ")),
            );
        }
        Netns::named(&a.namespace)
    };
    let r = crate::why::probe::why(Some(&mut backend), &ns, dst, true);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        println!("{}", r.render());
    }
    if r.clear() {
        0
    } else {
        1
    }
}
