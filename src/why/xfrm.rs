//! IPsec (xfrm) policies that drop a plain packet: an `out` policy whose template has no SA
//! to use (a tunnel whose IKE daemon never brought it up, or tore it down), a `fwd` or `in`
//! policy that wants the packet to have come through a tunnel it did not, or `action block`.

use super::drops::Path;
use super::packet::Packet;
use super::route_fix::exec;
use super::xfrm_table::{Xfrm, XfrmPolicy, XfrmTmpl};
use crate::sys::Netns;
use std::net::IpAddr;

/// The policy of direction `dir` the kernel applies to `p`: the lowest priority that matches.
fn policy<'a>(x: &'a Xfrm, dir: &str, p: &Packet, proto: u8) -> Option<&'a XfrmPolicy> {
    x.policies
        .iter()
        .filter(|q| q.dir == dir && q.src.contains(&p.src) && q.dst.contains(&p.dst))
        .filter(|q| q.proto == 0 || q.proto == proto)
        .min_by_key(|q| q.priority)
}

/// An SA that serves the template, as the kernel's state lookup for an outgoing packet finds
/// one (same endpoints, protocol and mode; the reqid when the template names one).
fn served(x: &Xfrm, t: &XfrmTmpl) -> bool {
    x.states.iter().any(|s| {
        s.dst == t.dst
            && (t.src.is_none_or(|a| a.is_unspecified()) || s.src == t.src)
            && s.proto == t.proto
            && s.mode == t.mode
            && (t.reqid == 0 || s.reqid == t.reqid)
    })
}

/// `src 10.0.0.0/24 dst 10.0.2.0/24 [proto 1] dir out`: the words that name (and delete) it.
fn selector(q: &XfrmPolicy) -> String {
    let proto = match q.proto {
        0 => String::new(),
        1 => " proto icmp".into(),
        6 => " proto tcp".into(),
        17 => " proto udp".into(),
        n => format!(" proto {n}"),
    };
    format!("src {} dst {}{proto} dir {}", q.src, q.dst, q.dir)
}

fn tmpl_words(t: &XfrmTmpl) -> String {
    let end = |a: Option<IpAddr>| a.map(|a| a.to_string()).unwrap_or("any".into());
    format!(
        "{} SA {} → {} (mode {})",
        t.proto.to_uppercase(),
        end(t.src),
        end(t.dst),
        t.mode
    )
}

/// Why policy `q` drops the packet, when it does.
fn judged(x: &Xfrm, q: &XfrmPolicy, ns: &Netns) -> Option<String> {
    let named = format!("{ns}'s IPsec policy `{}`", selector(q));
    if q.block {
        return Some(format!("{named} blocks it (action block)"));
    }
    let t = q.tmpls.iter().find(|t| !t.optional)?;
    if q.dir != "out" {
        return Some(format!(
            "{named} accepts only packets that came through the {}, and this one came in plain",
            tmpl_words(t)
        ));
    }
    let t = q.tmpls.iter().find(|t| !t.optional && !served(x, t))?;
    Some(format!(
        "{named} sends it through the {}, and {ns} has no such SA (ip xfrm state): the tunnel \
         is not up",
        tmpl_words(t)
    ))
}

/// (the cause, the fix) when an xfrm policy of `ns` drops `p` on `path`: `fwd` then `out`
/// for a forwarded packet, `in` for one delivered (and `out` for the reply it sends back),
/// `out` for one sent.
pub(crate) fn xfrm_drop(
    x: &Xfrm,
    ns: &Netns,
    path: Path,
    p: &Packet,
    proto: u8,
) -> Option<(String, String)> {
    let back = Packet {
        src: p.dst,
        dst: p.src,
        ..p.clone()
    };
    let checks: Vec<(&str, &Packet)> = match path {
        Path::Forward => vec![("fwd", p), ("out", p)],
        Path::Input => vec![("in", p), ("out", &back)],
        Path::Output => vec![("out", p)],
    };
    checks.into_iter().find_map(|(dir, pk)| {
        let q = policy(x, dir, pk, proto)?;
        let cause = judged(x, q, ns)?;
        let fix = exec(ns, &format!("ip xfrm policy del {}", selector(q)));
        Some((cause, fix))
    })
}

/// (the cause, the fix) when `ns`'s xfrm policies drop the probe's packet `p` on `path`.
pub(crate) fn dropped_by_policy(
    k: &mut dyn super::kernel::Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, String)> {
    let tcp = k.tcp_port(p.dst).or(k.tcp_port(p.src)).is_some();
    let x = k.xfrm(ns)?;
    xfrm_drop(&x, ns, path, p, if tcp { 6 } else { 1 })
}

/// (the cause, the fix) when the sender's own `out` policy holds the probe back: the socket
/// gets an error and no packet leaves, so the evidence names no place.
pub(crate) fn held_at_sender(
    k: &mut dyn super::kernel::Kernel,
    src: &Netns,
    dst: IpAddr,
) -> Option<(String, String)> {
    let p = Packet::sent(k, src, dst)?;
    let (cause, fix) = dropped_by_policy(k, src, Path::Output, &p)?;
    Some((format!("the request never left {src}: {cause}"), fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::xfrm_table::XfrmState;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn out_policy(dir: &str, reqid: u32, optional: bool) -> XfrmPolicy {
        XfrmPolicy {
            src: "10.0.0.0/24".parse().unwrap(),
            dst: "10.0.2.0/24".parse().unwrap(),
            proto: 0,
            dir: dir.into(),
            priority: 0,
            block: false,
            tmpls: vec![XfrmTmpl {
                src: Some(ip("10.0.1.1")),
                dst: Some(ip("10.0.1.2")),
                proto: "esp".into(),
                mode: "tunnel".into(),
                reqid,
                optional,
            }],
        }
    }

    fn sa(reqid: u32) -> XfrmState {
        XfrmState {
            src: Some(ip("10.0.1.1")),
            dst: Some(ip("10.0.1.2")),
            proto: "esp".into(),
            mode: "tunnel".into(),
            reqid,
        }
    }

    fn packet(src: &str, dst: &str) -> Packet {
        Packet {
            in_dev: Some("left".into()),
            out_dev: "right".into(),
            src: ip(src),
            dst: ip(dst),
            state: "NEW",
        }
    }

    #[test]
    fn an_out_policy_drops_only_without_its_sa() {
        let r1 = Netns::Named("r1".into());
        let p = packet("10.0.0.1", "10.0.2.2");
        let mut x = Xfrm {
            policies: vec![out_policy("out", 3, false)],
            states: vec![],
        };
        let (cause, fix) = xfrm_drop(&x, &r1, Path::Forward, &p, 1).unwrap();
        assert!(cause.contains("r1 has no such SA"), "{cause}");
        assert_eq!(
            fix,
            r#"r1.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.0/24 dir out")"#
        );
        x.states.push(sa(4));
        assert!(
            xfrm_drop(&x, &r1, Path::Forward, &p, 1).is_some(),
            "reqid differs"
        );
        x.states.push(sa(3));
        assert_eq!(xfrm_drop(&x, &r1, Path::Forward, &p, 1), None);
        // Off its selector, or on the way in: the out policy does not apply.
        let back = packet("10.0.2.2", "10.0.0.1");
        assert_eq!(xfrm_drop(&x, &r1, Path::Forward, &back, 1), None);
    }

    #[test]
    fn fwd_and_in_policies_drop_a_plain_packet_unless_optional() {
        let r2 = Netns::Named("r2".into());
        let p = packet("10.0.0.1", "10.0.2.2");
        let x = Xfrm {
            policies: vec![out_policy("fwd", 0, false), out_policy("in", 0, true)],
            states: vec![sa(0)],
        };
        assert!(xfrm_drop(&x, &r2, Path::Forward, &p, 1).is_some());
        assert_eq!(xfrm_drop(&x, &r2, Path::Input, &p, 1), None);
        let mut blocked = out_policy("in", 0, false);
        (blocked.block, blocked.tmpls, blocked.proto) = (true, vec![], 6);
        let x = Xfrm {
            policies: vec![blocked],
            states: vec![],
        };
        assert_eq!(xfrm_drop(&x, &r2, Path::Input, &p, 1), None, "TCP only");
        let (cause, _) = xfrm_drop(&x, &r2, Path::Input, &p, 6).unwrap();
        assert!(cause.ends_with("blocks it (action block)"), "{cause}");
    }
}
