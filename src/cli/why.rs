//! `netsh why NAMESPACE ADDRESS[:PORT] [--tcp PORT] [--json]`: on a live host, with no lab and
//! no journal. Prints each hop, then `verdict: clear` (exit 0) or `verdict: blocked — …` (exit 1).

use super::error::Error;
use super::run::{has_net_admin, root_diag, SANDBOX_SEEN_FROM_INSIDE};
use super::WhyArgs;
use crate::lab::ssh_options::SshOptions;
use crate::plan::Observe;
use crate::script::diagnostic::Diag;
use crate::sys::Netns;
use std::collections::BTreeMap;
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
    let size = a.size.map(usize::from);
    // The real machines the labs here are bound to: the path may cross a tunnel into one, or
    // start on one (`h150.ns1`).
    let machines = crate::sys::enter::inode(None)
        .map(|ino| crate::lab::shown::remotes(None, ino))
        .unwrap_or_default();
    let r = match start(&mut backend, &a.namespace, &machines)? {
        Start::Here(ns) => match (machines.is_empty(), tcp) {
            (false, None) => {
                crate::remote::why_across::why_reaching(&mut backend, &ns, dst, size, &machines)
            }
            _ => crate::why::probe::why_as(Some(&mut backend), &ns, dst, true, size, tcp),
        },
        Start::Far(_, there) if tcp.is_some() => {
            return usage(
                format!(
                    "why to a TCP port from {} is not followed across machines yet",
                    a.namespace
                ),
                format!(
                "ask with a ping (netsh why {} {dst}), or run netsh why {there} {} on that machine",
                a.namespace, a.address
            ),
            )
        }
        Start::Far(m, there) => {
            crate::remote::why_start::why_starting(&mut backend, (&m, &there), dst, size, &machines)
                .map_err(|e| {
                    Error::diag(
                        Diag::new("netsh::remote", e.message, Some(e.help)),
                        "",
                        None,
                    )
                })?
        }
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

/// Where the walk starts: a stack of this machine, or one of a lab's real machines (its name
/// there).
enum Start {
    Here(Netns),
    Far(String, Netns),
}

/// The stack NAME names: `host`, `pid:…` or a file, a namespace in /run/netns, or `h150` /
/// `h150.ns1` on a machine a lab here binds.
fn start(
    backend: &mut crate::net::Netlink,
    name: &str,
    machines: &BTreeMap<String, SshOptions>,
) -> Result<Start, Error> {
    let usage = |message: String, help: String| {
        Err(Error::UsageDiag(Diag::new(
            "netsh::usage",
            message,
            Some(help),
        )))
    };
    if name == "host" {
        return Ok(Start::Here(Netns::Root));
    }
    if crate::sys::nsfile::is_spec(name) {
        return match Netns::adopt(name) {
            Ok(ns) => Ok(Start::Here(ns)),
            Err(f) => usage(f.message, f.help.unwrap_or_default()),
        };
    }
    let named = backend.named_netns().unwrap_or_default();
    if named.iter().any(|n| n == name) {
        return Ok(Start::Here(Netns::named(name)));
    }
    let (m, rest) = name
        .split_once('.')
        .map_or((name, None), |(m, r)| (m, Some(r)));
    if machines.contains_key(m) {
        return Ok(Start::Far(
            m.to_string(),
            rest.map_or(Netns::Root, Netns::named),
        ));
    }
    if rest.is_some() {
        let bound: Vec<&str> = machines.keys().map(String::as_str).collect();
        let help = match bound.is_empty() {
            true => format!(
                "run the lab's script first: host(\"{m}\", #{{ ssh: \"root@ADDRESS\" }}) binds it"
            ),
            false => format!("the machines bound here: {}", bound.join(", ")),
        };
        return usage(
            format!("no namespace {name:?} in /run/netns, and no lab here binds a machine {m:?}"),
            help,
        );
    }
    let known: Vec<&str> = std::iter::once("host")
        .chain(named.iter().map(String::as_str))
        .collect();
    usage(
        format!("no namespace {name:?} in /run/netns"),
        format!("name one of: {}", known.join(", ")),
    )
}
