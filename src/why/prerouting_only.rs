//! A port published by a DNAT in nat PREROUTING only: a connection from the namespace that
//! holds the address (any local connection) crosses nat OUTPUT, never PREROUTING, so it meets
//! no DNAT and the host's own closed port answers with a RST. The DNAT (followed through user
//! chains such as Docker's DOCKER) is named, and the fix is its twin in nat OUTPUT: the same
//! rule without `-i`, or, where the DNAT lives in a user chain, the jump to that chain (as
//! Docker's own `OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER`).

use super::kernel::Kernel;
use super::packet::Packet;
use super::rule_match::{judge, Hold, Seen};
use super::skipped_dnat::{own_comment_out, reaches, read, Chains, STOPS};
use super::traverse::At;
use super::words::call;
use crate::firewall::rule::shell_words;
use crate::sys::Netns;
use std::net::IpAddr;

/// Where a packet's way through one nat hook ends.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// A DNAT takes it: the jumps that led there, then the DNAT itself.
    Dnat(Vec<At>),
    /// A rule ends the hook before any DNAT (ACCEPT, RETURN at the top, another NAT).
    Stopped,
    /// The hook's end, untranslated.
    Through,
    /// A rule not understood may have decided.
    Unsure,
}

/// The packet's way through nat `hook`, as the kernel takes it, into user chains.
fn way(chains: &Chains, hook: &str, p: &Seen) -> End {
    let mut stack: Vec<(String, usize, Option<At>)> = vec![(hook.to_string(), 0, None)];
    let mut steps = 0;
    while let Some((chain, next, _)) = stack.last().cloned() {
        steps += 1;
        let Some(spec) = chains.get(&chain).and_then(|r| r.get(next)).cloned() else {
            stack.pop();
            continue;
        };
        if steps > 4096 {
            return End::Unsure;
        }
        stack.last_mut().expect("a frame").1 += 1;
        let here = At {
            table: "nat".into(),
            chain: chain.clone(),
            spec,
        };
        let j = judge(&here.spec, p);
        let decides = j.target == "DNAT"
            || j.target == "RETURN"
            || STOPS.contains(&j.target.as_str())
            || chains.contains_key(&j.target);
        match j.hold {
            Hold::Yes => {}
            Hold::No => continue,
            Hold::Unknown(_) if decides => return End::Unsure,
            Hold::Unknown(_) => continue,
        }
        if j.target == "DNAT" {
            let mut path: Vec<At> = stack.iter().filter_map(|f| f.2.clone()).collect();
            path.push(here);
            return End::Dnat(path);
        }
        if (j.target == "RETURN" && stack.len() == 1) || STOPS.contains(&j.target.as_str()) {
            return End::Stopped;
        }
        if j.target == "RETURN" {
            stack.pop();
            continue;
        }
        if chains.contains_key(&j.target) {
            if stack.len() >= 16 {
                return End::Unsure;
            }
            if j.goto {
                stack.pop();
            }
            stack.push((j.target.clone(), 0, Some(here)));
        }
    }
    End::Through
}

/// `spec` without its `-i` (negated or not: nat OUTPUT has no in-interface) and netsh's own
/// comment.
fn without_in(spec: &str) -> String {
    let w = shell_words(&own_comment_out(spec)).unwrap_or_default();
    let mut out: Vec<String> = vec![];
    let mut i = 0;
    while i < w.len() {
        let neg = w[i] == "!" && w.get(i + 1).is_some_and(|x| is_in(x));
        if neg || is_in(&w[i]) {
            i += if neg { 3 } else { 2 };
            continue;
        }
        out.push(w[i].clone());
        i += 1;
    }
    out.join(" ")
}

fn is_in(w: &str) -> bool {
    w == "-i" || w == "--in-interface"
}

/// Whether `spec` names a destination (`-d`, negated or not).
fn has_dst(spec: &str) -> bool {
    let w = shell_words(spec).unwrap_or_default();
    w.iter().any(|x| x == "-d" || x == "--destination")
}

/// The rule nat OUTPUT lacks for `path` (PREROUTING's DNAT, or its jump toward it): the same
/// matches without `-i`. Without a destination of its own (an `-i wan` port forward) it is
/// limited to `dst`, or it would divert every connection to the port; a jump into a user
/// chain for local destinations leaves loopback alone, as Docker's does (a DNAT of 127.0.0.1
/// to another host needs route_localnet).
fn twin(path: &[At], dst: IpAddr) -> String {
    let spec = without_in(&path[0].spec);
    let local = spec.contains("--dst-type LOCAL");
    match (has_dst(&spec), local) {
        (false, false) => format!("-d {dst}/32 {spec}"),
        (false, true) if path.len() > 1 => format!("! -d 127.0.0.0/8 {spec}"),
        _ => spec,
    }
}

/// The packet a client elsewhere sends to `dst` (the port asked about), arriving on `dev`.
fn arriving(k: &mut dyn Kernel, ns: &Netns, dev: &str, dst: IpAddr) -> Seen {
    Packet {
        in_dev: Some(dev.to_string()).filter(|d| d != "lo"),
        out_dev: String::new(),
        src: IpAddr::from([0, 0, 0, 0]),
        dst,
        state: "NEW",
    }
    .seen(k, ns)
}

/// Said after "nothing listens on TCP port PORT of `dst` in `ns`", when `ns` itself connects
/// to `dst` (which it holds on `dev`) and a DNAT in its nat PREROUTING would take the SYN of
/// a client elsewhere: the rule, why this connection misses it, and its twin for nat OUTPUT.
pub(crate) fn published(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    dst: IpAddr,
    port: u16,
) -> Option<(String, String)> {
    if !dst.is_ipv4() || dst.is_loopback() {
        return None;
    }
    let chains = read(k, ns);
    let from_out = arriving(k, ns, dev, dst);
    let End::Dnat(path) = way(&chains, "PREROUTING", &from_out) else {
        return None;
    };
    let mine = Seen {
        in_dev: None,
        ..from_out
    };
    let (verb, index) = match way(&chains, "OUTPUT", &mine) {
        End::Through => ("-A OUTPUT".to_string(), None),
        End::Stopped => ("-I OUTPUT 1".to_string(), Some(0)),
        End::Dnat(_) | End::Unsure => return None,
    };
    // The twin must take this connection to the same DNAT, or it is no fix.
    let spec = twin(&path, dst);
    let mut fixed = chains.clone();
    let out = fixed.entry("OUTPUT".into()).or_default();
    out.insert(index.unwrap_or(out.len()), spec.clone());
    match way(&fixed, "OUTPUT", &mine) {
        // The twin itself (a DNAT copied), or the jump that leads to the same DNAT.
        End::Dnat(p) if p.last() == path.last() || p.last().is_some_and(|a| a.spec == spec) => {}
        _ => return None,
    }
    Some((words(&chains, &path, ns, port), fix(ns, &verb, &spec)))
}

/// `port 8080 is published by a DNAT in nat PREROUTING (rule `…`), which connections from h
/// itself do not cross: nat OUTPUT has no DNAT for it`.
fn words(chains: &Chains, path: &[At], ns: &Netns, port: u16) -> String {
    let dnat = path.last().expect("a DNAT");
    let by: Vec<String> = path[..path.len() - 1]
        .iter()
        .map(|a| format!("`{}`", a.text()))
        .collect();
    let reached = match by.is_empty() {
        true => String::new(),
        false => format!(", reached by {}", by.join(" then ")),
    };
    let top = path.get(1).map(|a| a.chain.as_str());
    let lacks = match top {
        None => "nat OUTPUT has no DNAT for it".to_string(),
        Some(c) if reaches(chains, "OUTPUT", c) => {
            format!("nat OUTPUT's way to {c} does not take them")
        }
        Some(c) => format!("nat OUTPUT has no jump to {c}"),
    };
    format!(
        "port {port} is published by a DNAT in nat {} (rule `{}`{reached}), which connections from {ns} itself do not cross: {lacks}",
        dnat.chain,
        dnat.text()
    )
}

fn fix(ns: &Netns, verb: &str, spec: &str) -> String {
    call(
        ns,
        &format!("iptables(\"-t nat {verb} {}\")", spec.replace('"', "\\\"")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(in_dev: Option<&str>) -> Seen {
        Seen {
            in_dev: in_dev.map(str::to_string),
            out_dev: None,
            src: "0.0.0.0".parse().unwrap(),
            dst: DST.parse().unwrap(),
            icmp_type: 8,
            state: "NEW",
            dst_local: true,
            src_local: false,
            udp_dport: None,
            tcp_port: Some(8080),
            mark: Some(0),
            physdev: None,
            dnat: false,
            wire: Default::default(),
        }
    }

    fn chains(of: &[(&str, &[&str])]) -> Chains {
        of.iter()
            .map(|(c, r)| (c.to_string(), r.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    const DNAT: &str =
        "! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80";
    const DST: &str = "192.168.50.1";
    const JUMP: &str = "-m addrtype --dst-type LOCAL -j DOCKER";

    #[test]
    fn a_docker_dnat_is_found_through_its_chain_from_prerouting_only() {
        let c = chains(&[
            ("PREROUTING", &[JUMP]),
            ("OUTPUT", &[]),
            ("DOCKER", &["-i docker0 -j RETURN", DNAT]),
        ]);
        let End::Dnat(path) = way(&c, "PREROUTING", &syn(Some("eth0"))) else {
            panic!("no DNAT");
        };
        assert_eq!(path.len(), 2);
        assert_eq!(path[1].spec, DNAT);
        assert_eq!(way(&c, "OUTPUT", &syn(None)), End::Through);
        assert_eq!(
            twin(&path, DST.parse().unwrap()),
            "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"
        );
        // Another port is not published.
        let other = Seen {
            tcp_port: Some(9090),
            ..syn(Some("eth0"))
        };
        assert_eq!(way(&c, "PREROUTING", &other), End::Through);
        // From the bridge itself Docker returns early.
        assert_eq!(way(&c, "PREROUTING", &syn(Some("docker0"))), End::Through);
    }

    #[test]
    fn a_direct_dnat_loses_only_its_in_interface() {
        let p = [At {
            table: "nat".into(),
            chain: "PREROUTING".into(),
            spec: "-i eth0 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80".into(),
        }];
        assert_eq!(
            twin(&p, DST.parse().unwrap()),
            "-p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
        );
        assert_eq!(without_in("! -i docker0 -j DOCKER"), "-j DOCKER");
        // An OpenWrt-style port forward by its link alone: limited to the address asked.
        let wan = [At {
            spec: "-i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80"
                .into(),
            ..p[0].clone()
        }];
        assert_eq!(
            twin(&wan, DST.parse().unwrap()),
            "-d 192.168.50.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80"
        );
    }

    #[test]
    fn a_rule_not_understood_on_the_way_says_nothing() {
        let c = chains(&[(
            "PREROUTING",
            &[
                "-m recent --rcheck -j RETURN",
                "-p tcp -j DNAT --to-destination 172.17.0.2:80",
            ],
        )]);
        assert_eq!(way(&c, "PREROUTING", &syn(Some("eth0"))), End::Unsure);
    }
}
