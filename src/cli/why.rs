//! `netsh why NAMESPACE ADDRESS[:PORT] [--tcp PORT] [--json]`: on a live host, with no lab and
//! no journal. Prints each hop, then `verdict: clear` (exit 0) or `verdict: blocked — …` (exit 1).

use super::error::Error;
use super::run::{has_net_admin, root_diag, SANDBOX_SEEN_FROM_INSIDE};
use super::WhyArgs;
use crate::plan::Observe;
use crate::script::diagnostic::Diag;
use crate::sys::Netns;
use std::net::{IpAddr, SocketAddr};

pub fn why(a: WhyArgs) -> Result<(), Error> {
    let usage = |message: String, help: String| {
        Err(Error::UsageDiag(Diag::new(
            "netsh::usage",
            message,
            Some(help),
        )))
    };
    let (dst, port) = match (a.address.parse::<IpAddr>(), a.address.parse::<SocketAddr>()) {
        (Ok(ip), _) => (ip, None),
        (_, Ok(s)) => (s.ip(), Some(s.port())),
        _ => {
            return usage(
                format!("{:?} is not an IP address", a.address),
                "give the address to reach, e.g. netsh why ns1 172.31.131.150 (or 172.31.131.150:80 for a TCP port)".into(),
            )
        }
    };
    let tcp = match (port, a.tcp) {
        (Some(p), Some(q)) if p != q => {
            return usage(
                format!("two ports asked about: {} and --tcp {q}", a.address),
                format!("give one: netsh why {} {dst}:{q}", a.namespace),
            )
        }
        (p, q) => p.or(q),
    };
    if let (Some(_), Some(_)) = (tcp, a.size) {
        return usage(
            "--size sizes a ping; a TCP port is probed with a connect".into(),
            format!(
                "ask one at a time: netsh why {} {dst} --size N",
                a.namespace
            ),
        );
    }
    if !has_net_admin() {
        let stack = match a.namespace.as_str() {
            "host" => "host()".to_string(),
            n => format!("ns(\"{n}\")"),
        };
        let help = format!(
            "run it as root (sudo netsh why ...); {SANDBOX_SEEN_FROM_INSIDE}, then {stack}.why(\"{dst}\")"
        );
        return Err(Error::diag(root_diag("netsh why", "read", &help), "", None));
    }
    let mut backend = crate::net::Netlink::new("why")
        .map_err(|e| Error::failed(format!("cannot start the netlink backend: {e}")))?;
    let ns = if a.namespace == "host" {
        Netns::Root
    } else if crate::sys::nsfile::is_spec(&a.namespace) {
        match Netns::adopt(&a.namespace) {
            Ok(ns) => ns,
            Err(f) => return usage(f.message, f.help.unwrap_or_default()),
        }
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
    let size = a.size.map(usize::from);
    // The real machines the labs here are bound to: the path may cross a tunnel into one.
    let machines = crate::sys::enter::inode(None)
        .map(|ino| crate::lab::shown::remotes(None, ino))
        .unwrap_or_default();
    let r = match (machines.is_empty(), tcp) {
        (false, None) => {
            crate::remote::why_across::why_reaching(&mut backend, &ns, dst, size, &machines)
        }
        _ => crate::why::probe::why_as(Some(&mut backend), &ns, dst, true, size, tcp),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        println!("{}", r.render());
    }
    if r.clear() {
        Ok(())
    } else {
        Err(Error::Blocked)
    }
}
