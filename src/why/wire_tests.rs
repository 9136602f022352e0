//! The matches that read more than addresses (`wire_match`), judged whole by `judge`, and the
//! facts `wire_facts` gives each hook: no root.

use super::frame::Frame;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::rule_match::{judge, Hold, Seen};
use super::wire::{Sock, Wire};
use super::wire_facts::facts;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;

const MAC: &str = "96:69:88:69:51:6e";

/// The echo request in on eth0 and out eth1 (FORWARD) carrying `wire`.
fn seen(wire: Wire) -> Seen {
    Seen {
        in_dev: Some("eth0".into()),
        out_dev: Some("eth1".into()),
        src: "10.0.0.1".parse().unwrap(),
        dst: "10.0.1.2".parse().unwrap(),
        icmp_type: 8,
        state: "NEW",
        dst_local: false,
        src_local: false,
        udp_dport: None,
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire,
    }
}

fn hold(spec: &str, p: &Seen) -> Hold {
    judge(spec, p).hold
}

fn unknown(spec: &str, p: &Seen) -> bool {
    matches!(hold(spec, p), Hold::Unknown(_))
}

#[test]
fn a_realm_match_is_judged_on_the_routes_realms_and_unknown_without_them() {
    let tagged = seen(Wire {
        realm: Some(7),
        ..Wire::default()
    });
    assert_eq!(hold("-m realm --realm 0x7 -j DROP", &tagged), Hold::Yes);
    assert_eq!(hold("-m realm --realm 7 -j DROP", &tagged), Hold::Yes);
    assert_eq!(hold("-m realm ! --realm 0x7 -j DROP", &tagged), Hold::No);
    assert_eq!(hold("-m realm --realm 0x5 -j DROP", &tagged), Hold::No);
    // A source realm 3 beside destination realm 7: a mask of the low half ignores it.
    let both = seen(Wire {
        realm: Some(3 << 16 | 7),
        ..Wire::default()
    });
    assert_eq!(
        hold("-m realm --realm 0x7/0xffff -j DROP", &both),
        Hold::Yes
    );
    assert_eq!(hold("-m realm --realm 0x7 -j DROP", &both), Hold::No);
    let untagged = seen(Wire {
        realm: Some(0),
        ..Wire::default()
    });
    assert_eq!(hold("-m realm --realm 0x7 -j DROP", &untagged), Hold::No);
    assert!(unknown(
        "-m realm --realm 0x7 -j DROP",
        &seen(Wire::default())
    ));
    assert!(unknown("-m realm --realm cosmos -j DROP", &tagged));
}

#[test]
fn a_mac_allowlist_is_judged_on_the_frames_source_case_blind() {
    let p = seen(Wire {
        mac: Some(MAC.into()),
        ..Wire::default()
    });
    let allow = "-m mac ! --mac-source 96:69:88:69:51:6E -j DROP";
    assert_eq!(hold(allow, &p), Hold::No);
    assert_eq!(
        hold("-m mac ! --mac-source aa:bb:cc:dd:ee:ff -j DROP", &p),
        Hold::Yes
    );
    assert_eq!(
        hold("-m mac --mac-source 96:69:88:69:51:6e -j DROP", &p),
        Hold::Yes
    );
    // A frame whose source is not known (a tunnel's link, a hook the walk did not set).
    assert!(unknown(allow, &seen(Wire::default())));
}

#[test]
fn owner_holds_for_the_probes_socket_only() {
    let root = seen(Wire {
        sock: Sock::Of(0, 0),
        ..Wire::default()
    });
    assert_eq!(
        hold("-o eth1 -m owner ! --uid-owner 1000 -j REJECT", &root),
        Hold::Yes
    );
    assert_eq!(hold("-m owner --uid-owner 1000 -j DROP", &root), Hold::No);
    assert_eq!(hold("-m owner --uid-owner 0-999 -j DROP", &root), Hold::Yes);
    assert_eq!(hold("-m owner --gid-owner 0 -j DROP", &root), Hold::Yes);
    assert_eq!(hold("-m owner --socket-exists -j DROP", &root), Hold::Yes);
    assert!(unknown(
        "-m owner --gid-owner 5 --suppl-groups -j DROP",
        &root
    ));
    assert!(unknown("-m owner --gid-owner 5 -j DROP", &root));
    // Forwarded: no socket, so only a negated owner match holds.
    let fwd = seen(Wire {
        sock: Sock::Forwarded,
        ..Wire::default()
    });
    assert_eq!(hold("-m owner --uid-owner 0 -j DROP", &fwd), Hold::No);
    assert_eq!(hold("-m owner --gid-owner 5 -j DROP", &fwd), Hold::No);
    assert_eq!(hold("-m owner ! --uid-owner 1000 -j DROP", &fwd), Hold::Yes);
    assert_eq!(hold("-m owner --socket-exists -j DROP", &fwd), Hold::No);
    // The kernel's echo reply: no owner; whether a kernel socket "exists" is not told.
    let kernel = seen(Wire {
        sock: Sock::Kernel,
        ..Wire::default()
    });
    assert_eq!(hold("-m owner --uid-owner 0 -j DROP", &kernel), Hold::No);
    assert!(unknown("-m owner --socket-exists -j DROP", &kernel));
    assert!(unknown(
        "-m owner --uid-owner 0 -j DROP",
        &seen(Wire::default())
    ));
}

#[test]
fn ttl_pkttype_and_length_of_the_echo() {
    let p = seen(Wire {
        ttl: Some(63),
        len: Some(84),
        ..Wire::default()
    });
    assert_eq!(hold("-m ttl --ttl-eq 63 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-m ttl ! --ttl-eq 63 -j DROP", &p), Hold::No);
    assert_eq!(hold("-m ttl --ttl-lt 63 -j DROP", &p), Hold::No);
    assert_eq!(hold("-m ttl --ttl-lt 64 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-m ttl --ttl-gt 62 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-m pkttype --pkt-type unicast -j DROP", &p), Hold::Yes);
    assert_eq!(
        hold("-m pkttype --pkt-type broadcast -j DROP", &p),
        Hold::No
    );
    assert_eq!(
        hold("-m pkttype ! --pkt-type unicast -j DROP", &p),
        Hold::No
    );
    assert_eq!(hold("-m length --length 84 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-m length --length 85:65535 -j DROP", &p), Hold::No);
    assert_eq!(hold("-m length ! --length 0:100 -j DROP", &p), Hold::No);
    let blind = seen(Wire::default());
    assert!(unknown("-m ttl --ttl-eq 63 -j DROP", &blind));
    assert!(unknown("-m length --length 84 -j DROP", &blind));
    // The probe is unicast even where nothing else is known.
    assert_eq!(
        hold("-m pkttype --pkt-type multicast -j DROP", &blind),
        Hold::No
    );
}

#[test]
fn iprange_and_the_connections_direction_and_origin() {
    let p = seen(Wire::default());
    assert_eq!(
        hold("-m iprange --src-range 10.0.0.1-10.0.0.9 -j DROP", &p),
        Hold::Yes
    );
    assert_eq!(
        hold("-m iprange --src-range 10.0.0.2-10.0.0.9 -j DROP", &p),
        Hold::No
    );
    assert_eq!(
        hold("-m iprange ! --dst-range 10.0.1.1-10.0.1.5 -j DROP", &p),
        Hold::No
    );
    assert_eq!(hold("-m conntrack --ctdir ORIGINAL -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-m conntrack --ctdir REPLY -j DROP", &p), Hold::No);
    assert_eq!(
        hold("-m conntrack --ctorigsrc 10.0.0.0/24 -j DROP", &p),
        Hold::Yes
    );
    assert_eq!(
        hold("-m conntrack --ctorigsrc 10.9.9.9 -j DROP", &p),
        Hold::No
    );
    let back = p.reply();
    assert_eq!(hold("-m conntrack --ctdir REPLY -j DROP", &back), Hold::Yes);
    assert!(unknown("-m conntrack --ctorigsrc 10.0.0.1 -j DROP", &back));
    assert!(unknown("-m conntrack --ctorigdst 10.0.1.2 -j DROP", &p));
}

/// A kernel that knows one sysctl, the probe's ids and the frames the walk left.
#[derive(Default)]
struct Facts {
    frames: Vec<((Netns, bool), Frame)>,
}

impl Kernel for Facts {
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
        Err(Refusal::words("none"))
    }
    fn sysctl(&mut self, _ns: &Netns, key: &str) -> Option<String> {
        (key == "net.ipv4.ip_default_ttl").then(|| "50".into())
    }
    fn chain(&mut self, _ns: &Netns, _table: &str, _chain: &str) -> Option<Chain> {
        None
    }
    fn probe_uid(&mut self) -> u32 {
        1000
    }
    fn probe_gid(&mut self) -> u32 {
        100
    }
    fn frame_in(&mut self, ns: &Netns, request: bool) -> Option<Frame> {
        let key = (ns.clone(), request);
        self.frames
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| f.clone())
    }
}

#[test]
fn each_hook_gets_the_facts_of_where_the_packet_is() {
    let r = Netns::named("r");
    let mut k = Facts {
        frames: vec![(
            (r.clone(), true),
            Frame {
                mac: Some(MAC.into()),
                ttl: Some(49),
            },
        )],
    };
    // The sender's OUTPUT: its own socket, its default TTL, ping's 84 bytes.
    let sent = facts(&mut k, &Netns::named("ns1"), (false, false), true, false);
    let want = Wire {
        mac: None,
        ttl: Some(50),
        len: Some(84),
        sock: Sock::Of(1000, 100),
        realm: None,
        fib: None,
    };
    assert_eq!(sent, want);
    // The destination's echo reply is the kernel's; a TCP server's socket is not known.
    let back = facts(&mut k, &Netns::named("d"), (false, false), false, false);
    assert_eq!(back.sock, Sock::Kernel);
    let syn_ack = facts(&mut k, &Netns::named("d"), (false, false), false, true);
    assert_eq!((syn_ack.sock, syn_ack.len), (Sock::Unknown, None));
    // A router: the frame as it came in; FORWARD sees the TTL less one.
    let pre = facts(&mut k, &r, (true, false), true, false);
    assert_eq!((pre.mac.as_deref(), pre.ttl), (Some(MAC), Some(49)));
    assert_eq!(pre.sock, Sock::Forwarded);
    assert_eq!(facts(&mut k, &r, (true, true), true, false).ttl, Some(48));
    // Where the walk left no frame (the reply's, here) nothing is guessed.
    let reply = facts(&mut k, &r, (true, false), false, false);
    assert_eq!((reply.mac, reply.ttl), (None, None));
}
