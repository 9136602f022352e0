//! ipset membership and `-m set` rules on synthetic sets, as `ipset save` prints them: no root.

use super::ipset_match::{element, lookup};
use super::ipset_table::{IpSetEntry, IpSets};
use super::rule_match::{judge, judge_sets, Hold, Seen};

fn sets() -> IpSets {
    IpSets::parse(
        "create ban hash:ip family inet hashsize 1024 maxelem 65536 timeout 600\n\
         add ban 10.0.0.1 timeout 599\n\
         create nets hash:net family inet hashsize 1024 maxelem 65536\n\
         add nets 10.0.0.0/24\n\
         add nets 10.0.0.5 nomatch\n\
         create ipp hash:ip,port family inet hashsize 1024 maxelem 65536\n\
         add ipp 10.0.1.2,icmp:echo-request\n\
         add ipp 10.0.1.3,tcp:80\n\
         create ni hash:net,iface family inet hashsize 1024 maxelem 65536\n\
         add ni 10.0.0.0/24,left\n\
         create m hash:ip family inet hashsize 1024 maxelem 65536 netmask 24\n\
         add m 10.0.1.0\n\
         create bm bitmap:ip range 10.0.0.0-10.0.0.255\n\
         add bm 10.0.0.1\n\
         create v6 hash:ip family inet6 hashsize 1024 maxelem 65536\n\
         add v6 fd00::1\n\
         create macs hash:mac hashsize 1024 maxelem 65536\n\
         add macs 02:00:00:00:00:01\n\
         create ls list:set size 8\n\
         add ls nets\n",
    )
}

fn req(src: &str) -> Seen {
    Seen {
        in_dev: Some("left".into()),
        out_dev: None,
        src: src.parse().unwrap(),
        dst: "10.0.1.2".parse().unwrap(),
        icmp_type: 8,
        state: "NEW",
        dst_local: true,
        src_local: false,
        udp_dport: None,
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire: Default::default(),
    }
}

/// The element that holds the packet, or `-` for none; `?` when not understood.
fn found(set: &str, flags: &str, p: &Seen) -> String {
    let s = sets();
    match lookup(&s, set, flags, p) {
        Some(Some((name, e))) => format!("{name} {}", e.elem),
        Some(None) => "-".into(),
        None => "?".into(),
    }
}

#[test]
fn hash_ip_and_its_direction() {
    let p = req("10.0.0.1");
    assert_eq!(found("ban", "src", &p), "ban 10.0.0.1");
    assert_eq!(found("ban", "dst", &p), "-");
    assert_eq!(found("ban", "src", &req("10.0.0.2")), "-");
    // The packet's source and a set of it exactly as parsed, timeout and all.
    let s = sets();
    let e = lookup(&s, "ban", "src", &p).unwrap().unwrap().1;
    let want = IpSetEntry {
        elem: "10.0.0.1".into(),
        nomatch: false,
        timeout: Some(599),
    };
    assert_eq!(e, &want);
    // A set that does not exist: not understood.
    assert_eq!(found("nosuch", "src", &p), "?");
}

#[test]
fn nets_with_a_nomatch_hole_netmask_and_bitmap() {
    assert_eq!(found("nets", "src", &req("10.0.0.9")), "nets 10.0.0.0/24");
    assert_eq!(found("nets", "src", &req("10.0.0.5")), "-");
    assert_eq!(found("nets", "src", &req("10.0.2.1")), "-");
    assert_eq!(found("m", "dst", &req("10.0.0.9")), "m 10.0.1.0");
    assert_eq!(found("bm", "src", &req("10.0.0.1")), "bm 10.0.0.1");
    assert_eq!(found("bm", "src", &req("10.0.0.2")), "-");
    // Another family never matches; a type not known is not understood.
    assert_eq!(found("v6", "src", &req("10.0.0.1")), "-");
    assert_eq!(found("macs", "src", &req("10.0.0.1")), "?");
    // A list's members, in order.
    assert_eq!(found("ls", "src", &req("10.0.0.9")), "nets 10.0.0.0/24");
    assert_eq!(found("ls", "src", &req("10.0.3.1")), "-");
}

#[test]
fn ports_and_interfaces() {
    let p = req("10.0.0.1");
    assert_eq!(
        found("ipp", "dst,dst", &p),
        "ipp 10.0.1.2,icmp:echo-request"
    );
    // ICMP's type is the port on either side; too few flags never match.
    assert_eq!(
        found("ipp", "dst,src", &p),
        "ipp 10.0.1.2,icmp:echo-request"
    );
    assert_eq!(found("ipp", "dst", &p), "-");
    let reply = Seen {
        icmp_type: 0,
        ..p.clone()
    };
    assert_eq!(found("ipp", "dst,dst", &reply), "-");
    let syn = Seen {
        tcp_port: Some(80),
        dst: "10.0.1.3".parse().unwrap(),
        ..p.clone()
    };
    assert_eq!(found("ipp", "dst,dst", &syn), "ipp 10.0.1.3,tcp:80");
    // The client's port is not known.
    assert_eq!(found("ipp", "dst,src", &syn), "?");
    assert_eq!(found("ni", "src,src", &p), "ni 10.0.0.0/24,left");
    assert_eq!(found("ni", "src,dst", &p), "-");
    assert_eq!(
        element("hash:ip,port", "dst,dst", &p).unwrap(),
        "10.0.1.2,icmp:8/0"
    );
    assert_eq!(
        element("hash:net,iface", "src,src", &p).unwrap(),
        "10.0.0.1,left"
    );
    assert_eq!(element("hash:ip", "src", &p).unwrap(), "10.0.0.1");
    assert_eq!(element("hash:mac", "src", &p), None);
}

#[test]
fn match_set_rules() {
    let s = sets();
    let hold = |spec: &str, src: &str| judge_sets(spec, &req(src), Some(&s)).hold;
    let ban = "-m set --match-set ban src -j DROP";
    assert_eq!(hold(ban, "10.0.0.1"), Hold::Yes);
    assert_eq!(hold(ban, "10.0.0.2"), Hold::No);
    assert_eq!(
        hold("-m set ! --match-set ban src -j DROP", "10.0.0.2"),
        Hold::Yes
    );
    assert_eq!(
        hold("-m set ! --match-set ban src -j DROP", "10.0.0.1"),
        Hold::No
    );
    assert_eq!(
        hold(
            "-m set --match-set ban src ! --update-counters -j DROP",
            "10.0.0.1"
        ),
        Hold::Yes
    );
    assert_eq!(
        hold("-m set --match-set macs src -j DROP", "10.0.0.1"),
        Hold::Unknown("--match-set".into())
    );
    assert_eq!(
        hold(
            "-m set --match-set ban src --return-nomatch -j DROP",
            "10.0.0.1"
        ),
        Hold::Unknown("--return-nomatch".into())
    );
    // Without the sets, the module is not understood, as before.
    assert_eq!(
        judge(ban, &req("10.0.0.1")).hold,
        Hold::Unknown("-m set".into())
    );
}
