//! `ip xfrm policy` and `ip xfrm state`, as iproute2 prints them, read into the policies and
//! SAs `why` judges (iproute2 has no JSON for xfrm).

use crate::why::xfrm_table::{Xfrm, XfrmPolicy, XfrmState, XfrmTmpl};
use ipnet::IpNet;
use std::net::IpAddr;

/// The word after `key` in `words`.
fn after<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    let i = words.iter().position(|w| *w == key)?;
    words.get(i + 1).copied()
}

fn addr(w: Option<&str>) -> Option<IpAddr> {
    w?.parse().ok()
}

fn net(w: Option<&str>) -> Option<IpNet> {
    let w = w?;
    w.parse::<IpNet>()
        .ok()
        .or_else(|| w.parse::<IpAddr>().ok().map(IpNet::from))
}

fn proto(w: Option<&str>) -> u8 {
    match w {
        None => 0,
        Some("icmp") => 1,
        Some("tcp") => 6,
        Some("udp") => 17,
        Some(n) => n.parse().unwrap_or(0),
    }
}

/// The output of `ip xfrm policy && echo === && ip xfrm state`.
pub(crate) fn parse(text: &str) -> Xfrm {
    let (pol, st) = text.split_once("===").unwrap_or((text, ""));
    Xfrm {
        policies: policies(pol),
        states: states(st),
    }
}

fn policies(text: &str) -> Vec<XfrmPolicy> {
    let mut out: Vec<XfrmPolicy> = vec![];
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with(char::is_whitespace) && w.first() == Some(&"src") {
            let (Some(src), Some(dst)) = (net(after(&w, "src")), net(after(&w, "dst"))) else {
                continue;
            };
            out.push(XfrmPolicy {
                src,
                dst,
                proto: proto(after(&w, "proto")),
                dir: String::new(),
                priority: 0,
                block: false,
                tmpls: vec![],
            });
            continue;
        }
        let Some(p) = out.last_mut() else { continue };
        match w.first().copied() {
            Some("dir") => {
                p.dir = after(&w, "dir").unwrap_or_default().to_string();
                p.priority = after(&w, "priority")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                p.block = after(&w, "action") == Some("block");
            }
            Some("tmpl") => p.tmpls.push(XfrmTmpl {
                src: addr(after(&w, "src")),
                dst: addr(after(&w, "dst")),
                ..XfrmTmpl::default()
            }),
            Some("proto") => {
                if let Some(t) = p.tmpls.last_mut() {
                    t.proto = after(&w, "proto").unwrap_or_default().to_string();
                    t.mode = after(&w, "mode").unwrap_or_default().to_string();
                    t.reqid = after(&w, "reqid").and_then(|n| n.parse().ok()).unwrap_or(0);
                }
            }
            Some("level") => {
                if let Some(t) = p.tmpls.last_mut() {
                    t.optional = after(&w, "level") == Some("use");
                }
            }
            _ => {}
        }
    }
    out
}

fn states(text: &str) -> Vec<XfrmState> {
    let mut out: Vec<XfrmState> = vec![];
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with(char::is_whitespace) && w.first() == Some(&"src") {
            out.push(XfrmState {
                src: addr(after(&w, "src")),
                dst: addr(after(&w, "dst")),
                ..XfrmState::default()
            });
        } else if let (Some("proto"), Some(s)) = (w.first().copied(), out.last_mut()) {
            if s.proto.is_empty() {
                s.proto = after(&w, "proto").unwrap_or_default().to_string();
                s.mode = after(&w, "mode").unwrap_or_default().to_string();
                s.reqid = after(&w, "reqid").and_then(|n| n.parse().ok()).unwrap_or(0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_policies_and_states() {
        let text = "src 10.0.0.0/24 dst 10.0.2.0/24 \n\tdir out priority 0 ptype main \n\
                    \ttmpl src 10.0.1.1 dst 10.0.1.2\n\t\tproto esp reqid 0 mode tunnel\n\
                    src 10.0.3.0/24 dst 10.0.2.0/24 proto icmp \n\
                    \tdir fwd action block priority 5 ptype main \n===\n\
                    src 10.0.1.1 dst 10.0.1.2\n\tproto esp spi 0x00001000 reqid 7 mode tunnel\n\
                    \treplay-window 0 \n";
        let x = parse(text);
        assert_eq!(x.policies.len(), 2);
        let p = &x.policies[0];
        assert_eq!((p.dir.as_str(), p.block, p.tmpls.len()), ("out", false, 1));
        assert_eq!(p.tmpls[0].dst, Some("10.0.1.2".parse().unwrap()));
        assert_eq!(
            (p.tmpls[0].proto.as_str(), p.tmpls[0].mode.as_str()),
            ("esp", "tunnel")
        );
        let q = &x.policies[1];
        assert_eq!(
            (q.dir.as_str(), q.block, q.proto, q.priority),
            ("fwd", true, 1, 5)
        );
        assert_eq!(x.states.len(), 1);
        assert_eq!((x.states[0].proto.as_str(), x.states[0].reqid), ("esp", 7));
    }
}
