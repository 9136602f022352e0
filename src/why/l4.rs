//! `why` to a TCP port (`netsh why NS ADDR:PORT`): the packet a rule judges is then a TCP SYN
//! (and its reply) instead of an ICMP echo, so `-p tcp --dport` rules (DNAT, filter) match in
//! the analysis as they match in the kernel (tcp_match.rs); here, what the walk says and does
//! with it.

use super::kernel::Kernel;
use super::rule_match::Seen;
use super::traverse::Outcome;
use std::net::IpAddr;

/// A DNAT (`--to-destination ADDR:PORT`) that also rewrites the port: the packet goes on to
/// that port, and the kernel keeps it for what the walk asks of `to` from now on. Returns
/// the words `:OLD` and `:NEW` for the hop (empty for ICMP).
pub(crate) fn dnat(k: &mut dyn Kernel, o: &Outcome, p: &mut Seen, to: IpAddr) -> (String, String) {
    let Some(old) = p.tcp_port else {
        return (String::new(), String::new());
    };
    let new = o.by.as_ref().and_then(|r| to_port(&r.spec)).unwrap_or(old);
    p.tcp_port = Some(new);
    k.tcp_dnat(to, new);
    (format!(":{old}"), format!(":{new}"))
}

/// The port of a rule's `--to-destination ADDR:PORT[-PORT]`.
fn to_port(spec: &str) -> Option<u16> {
    let mut w = spec.split_whitespace();
    w.find(|x| *x == "--to-destination")?;
    let (_, port) = w.next()?.rsplit_once(':')?;
    port.split('-').next()?.parse().ok()
}

/// The packet in people's words: `the TCP SYN` for the request, `the TCP reply` back.
pub(crate) fn what(p: &Seen) -> Option<&'static str> {
    p.tcp_port?;
    Some(if p.icmp_type == 8 {
        "the TCP SYN"
    } else {
        "the TCP reply"
    })
}

/// The match an accept fix narrows a request to: `-p tcp --dport PORT` (else ICMP's).
pub(crate) fn proto_match(p: &Seen) -> String {
    match p.tcp_port {
        Some(port) => format!("-p tcp --dport {port}"),
        None if p.dst.is_ipv6() => "-p ipv6-icmp --icmpv6-type echo-request".to_string(),
        None => "-p icmp".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(port: u16) -> Seen {
        Seen {
            in_dev: Some("eth0".into()),
            out_dev: Some("docker0".into()),
            src: "203.0.113.2".parse().unwrap(),
            dst: "172.17.0.2".parse().unwrap(),
            icmp_type: 8,
            state: "NEW",
            dst_local: false,
            src_local: false,
            udp_dport: None,
            tcp_port: Some(port),
            mark: Some(0),
            physdev: None,
            dnat: false,
            wire: Default::default(),
        }
    }

    fn judge(spec: &str, p: &Seen) -> super::super::rule_match::Hold {
        super::super::rule_match::judge(spec, p).hold
    }

    #[test]
    fn tcp_rules_match_the_syn_and_its_reply_by_port() {
        use super::super::rule_match::Hold::{No, Unknown, Yes};
        let p = syn(80);
        let back = p.reply();
        assert_eq!(back.tcp_port, Some(80));
        let ok = "-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT";
        assert_eq!(judge(ok, &p), Yes);
        assert_eq!(judge(ok, &syn(81)), No);
        assert_eq!(judge("-p tcp -m tcp --dport 70:90 -j DROP", &p), Yes);
        assert_eq!(judge("-p udp -j DROP", &p), No);
        assert_eq!(judge("-p icmp -j DROP", &p), No);
        assert_eq!(judge("-p tcp -m tcp --syn -j DROP", &p), Yes);
        assert_eq!(judge("-p tcp -m tcp --syn -j DROP", &back), No);
        assert_eq!(judge("-p tcp -m tcp --sport 80 -j DROP", &back), Yes);
        // The client's port is ephemeral: a low port never, the whole range always.
        assert_eq!(judge("-p tcp -m tcp --sport 22 -j DROP", &p), No);
        assert_eq!(judge("-p tcp -m tcp --sport 1024:65535 -j DROP", &p), Yes);
        assert!(matches!(
            judge("-p tcp -m tcp --sport 40000 -j DROP", &p),
            Unknown(_)
        ));
        assert_eq!(
            judge("-p tcp -m tcp --tcp-flags SYN,RST,ACK SYN -j DROP", &p),
            Yes
        );
        assert_eq!(
            judge("-p tcp -m tcp --tcp-flags SYN,RST,ACK SYN -j DROP", &back),
            No
        );
    }

    #[test]
    fn a_dnat_port_is_read_from_its_target() {
        assert_eq!(
            to_port(
                "! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
            ),
            Some(80)
        );
        assert_eq!(to_port("-j DNAT --to-destination 10.0.0.2"), None);
        assert_eq!(to_port("-j DNAT --to-destination 10.0.0.2:80-90"), Some(80));
    }
}
