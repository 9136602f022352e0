//! The rule evaluator and the chain walk on synthetic chains: no root.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::rule_match::{judge, Hold, Seen};
use super::traverse::traverse;
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;
use std::collections::HashMap;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn req(i: &str, o: &str) -> Seen {
    Seen {
        in_dev: Some(i.into()),
        out_dev: Some(o.into()),
        src: ip("10.1.1.2"),
        dst: ip("172.31.131.150"),
        icmp_type: 8,
        state: "NEW",
        dst_local: false,
        src_local: false,
        udp_dport: None,
        tcp_port: None,
        mark: Some(0),
        physdev: None,
        dnat: false,
        wire: Default::default(),
    }
}

fn reply(i: &str, o: &str) -> Seen {
    Seen {
        icmp_type: 0,
        state: "ESTABLISHED",
        src: ip("172.31.131.150"),
        dst: ip("10.1.1.2"),
        ..req(i, o)
    }
}

fn hold(spec: &str, p: &Seen) -> Hold {
    judge(spec, p).hold
}

#[test]
fn addresses_links_negation_and_wildcards() {
    let p = req("bridge0", "eth0");
    assert_eq!(hold("-s 10.1.1.0/24 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-s 10.1.1.3/32 -j DROP", &p), Hold::No);
    assert_eq!(hold("! -s 10.1.1.3/32 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-d 172.31.131.150/32 -j DROP", &p), Hold::Yes);
    assert_eq!(hold("-i bridge+ ! -o bridge0 -j ACCEPT", &p), Hold::Yes);
    assert_eq!(hold("-i bridge0 -o bridge0 -j ACCEPT", &p), Hold::No);
    assert_eq!(hold("-o eth+ -j DROP", &p), Hold::Yes);
    // INPUT has no out link: an -o rule never holds there.
    let mut input = p.clone();
    input.out_dev = None;
    assert_eq!(hold("-o eth0 -j DROP", &input), Hold::No);
}

#[test]
fn protocols_icmp_types_and_ports() {
    let p = req("a", "b");
    for yes in [
        "-p icmp -j DROP",
        "-p 1 -j DROP",
        "-p all -j DROP",
        "-p ICMP -j DROP",
    ] {
        assert_eq!(hold(yes, &p), Hold::Yes, "{yes}");
    }
    for no in ["-p tcp -j DROP", "-p 17 -j DROP", "! -p icmp -j DROP"] {
        assert_eq!(hold(no, &p), Hold::No, "{no}");
    }
    assert_eq!(hold("-p icmp -m icmp --icmp-type 8 -j DROP", &p), Hold::Yes);
    assert_eq!(
        hold("-p icmp -m icmp --icmp-type echo-request -j DROP", &p),
        Hold::Yes
    );
    assert_eq!(hold("-p icmp -m icmp --icmp-type 0 -j DROP", &p), Hold::No);
    assert_eq!(
        hold("-p icmp -m icmp ! --icmp-type 8 -j DROP", &p),
        Hold::No
    );
    assert_eq!(
        hold("-p icmp -m icmp --icmp-type 8/0 -j DROP", &p),
        Hold::Yes
    );
    assert_eq!(
        hold("-p icmp -m icmp --icmp-type 3/1 -j DROP", &p),
        Hold::No
    );
    let back = reply("b", "a");
    assert_eq!(
        hold("-p icmp --icmp-type echo-reply -j DROP", &back),
        Hold::Yes
    );
    assert_eq!(hold("-p icmp --icmp-type any -j DROP", &back), Hold::Yes);
    // ICMP has no ports; a port rule (even of a module we do not know) never holds for it.
    assert_eq!(hold("-p tcp -m tcp --dport 22 -j DROP", &p), Hold::No);
    assert_eq!(
        hold("-p udp -m multiport --dports 53,67 -j DROP", &p),
        Hold::No
    );
}

#[test]
fn states_comments_addrtype_and_unknown_matches() {
    let p = req("a", "b");
    let est = "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
    assert_eq!(hold(est, &p), Hold::No);
    assert_eq!(hold(est, &reply("b", "a")), Hold::Yes);
    assert_eq!(hold("-m state --state NEW -j ACCEPT", &p), Hold::Yes);
    assert_eq!(
        hold(r#"-m comment --comment "it's -j DROP" -j ACCEPT"#, &p),
        Hold::Yes
    );
    let j = judge(r#"-m comment --comment "x y" -j DROP"#, &p);
    assert_eq!(j.target, "DROP");
    assert_eq!(hold("-m addrtype --dst-type LOCAL -j DOCKER", &p), Hold::No);
    let mut local = p.clone();
    local.dst_local = true;
    assert_eq!(
        hold("-m addrtype --dst-type LOCAL -j DOCKER", &local),
        Hold::Yes
    );
    assert_eq!(
        hold("-m statistic --mode nth --every 1 --packet 0 -j DROP", &p),
        Hold::Unknown("-m statistic".into())
    );
    assert_eq!(
        hold("-m length --length 0:2000 -j DROP", &p),
        Hold::Unknown("--length".into())
    );
    assert_eq!(
        hold("-m conntrack --ctorigdst 1.2.3.4 -j DROP", &p),
        Hold::Unknown("--ctorigdst".into())
    );
    // What the native reader could not decode, named at the end in brackets.
    assert_eq!(
        hold("-j DROP [-m statistic]", &p),
        Hold::Unknown("-m statistic".into())
    );
    assert_eq!(judge("-j DROP [-m statistic]", &p).target, "DROP");
    // Something understood says no: the rule cannot match, whatever the rest says.
    assert_eq!(
        hold("-s 10.9.9.9 -m length --length 0:2000 -j DROP", &p),
        Hold::No
    );
}

#[test]
fn targets_and_their_addresses() {
    let p = req("a", "b");
    let j = judge("-o eth0 -j SNAT --to-source 172.31.131.149", &p);
    assert_eq!(
        (j.target.as_str(), j.to_source),
        ("SNAT", Some(ip("172.31.131.149")))
    );
    let j = judge(
        "-d 172.31.131.150/32 -p icmp -j DNAT --to-destination 10.9.0.2",
        &p,
    );
    assert_eq!(
        (j.target.as_str(), j.to_dest),
        ("DNAT", Some(ip("10.9.0.2")))
    );
    let j = judge("-j REJECT --reject-with icmp-port-unreachable", &p);
    assert_eq!((j.hold, j.target.as_str()), (Hold::Yes, "REJECT"));
    let j = judge("-g BLOCK", &p);
    assert!(j.goto && j.target == "BLOCK");
}

/// Chains by "table chain", for the chain walk.
#[derive(Default)]
struct Chains(HashMap<String, Chain>);

impl Kernel for Chains {
    fn namespaces(&mut self) -> Vec<Netns> {
        vec![Netns::Root]
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
    fn sysctl(&mut self, _ns: &Netns, _key: &str) -> Option<String> {
        None
    }
    fn chain(&mut self, _ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.0.get(&format!("{table} {chain}")).cloned()
    }
}

fn chains(text: &[(&str, &str)]) -> Chains {
    Chains(
        text.iter()
            .map(|(k, v)| (k.to_string(), Chain::parse(v)))
            .collect(),
    )
}

fn walk(k: &mut Chains, p: &Seen) -> (String, Option<String>, Vec<String>) {
    let o = traverse(k, &Netns::Root, "filter", "FORWARD", p).unwrap();
    let by = o.by.as_ref().map(|a| a.text());
    (o.target, by, o.via.iter().map(|a| a.text()).collect())
}

#[test]
fn docker_like_chains_are_followed_and_return() {
    let mut k = chains(&[
        (
            "filter FORWARD",
            "-P FORWARD DROP\n-A FORWARD -j DOCKER-USER\n-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -o docker0 -j DOCKER\n-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n-A FORWARD -i docker0 -o docker0 -j ACCEPT\n",
        ),
        ("filter DOCKER-USER", "-N DOCKER-USER\n-A DOCKER-USER -j RETURN\n"),
        ("filter DOCKER", "-N DOCKER\n-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n"),
    ]);
    let (t, by, via) = walk(&mut k, &req("docker0", "eth0"));
    assert_eq!(t, "ACCEPT");
    assert_eq!(
        by.as_deref(),
        Some("-A FORWARD -i docker0 ! -o docker0 -j ACCEPT")
    );
    assert!(via.is_empty());
    // Into the containers: DOCKER has nothing for ICMP, so the policy drops it.
    let (t, by, _) = walk(&mut k, &req("eth0", "docker0"));
    assert_eq!((t.as_str(), by), ("DROP", None));
    let (t, _, _) = walk(&mut k, &reply("eth0", "docker0"));
    assert_eq!(t, "ACCEPT");
}

#[test]
fn a_drop_in_a_user_chain_names_the_jump_and_goto_skips_the_return() {
    let mut k = chains(&[
        (
            "filter FORWARD",
            "-P FORWARD ACCEPT\n-A FORWARD -i a -j CHECK\n-A FORWARD -g LAST\n",
        ),
        (
            "filter CHECK",
            "-N CHECK\n-A CHECK -s 10.1.1.0/24 -j DENY\n",
        ),
        ("filter DENY", "-N DENY\n-A DENY -j LOG\n-A DENY -j DROP\n"),
        ("filter LAST", "-N LAST\n-A LAST -p tcp -j DROP\n"),
    ]);
    let (t, by, via) = walk(&mut k, &req("a", "b"));
    assert_eq!(
        (t.as_str(), by.as_deref()),
        ("DROP", Some("-A DENY -j DROP"))
    );
    assert_eq!(
        via,
        [
            "-A FORWARD -i a -j CHECK",
            "-A CHECK -s 10.1.1.0/24 -j DENY"
        ]
    );
    // Gone to LAST, which falls off its end: the built-in chain's policy decides.
    let (t, by, _) = walk(&mut k, &req("c", "b"));
    assert_eq!((t.as_str(), by), ("ACCEPT", None));
}

#[test]
fn rules_not_understood_are_kept_and_loops_are_bounded() {
    let mut k = chains(&[
        (
            "filter FORWARD",
            "-P FORWARD ACCEPT\n-A FORWARD -m statistic --mode nth --every 1 -j DROP\n-A FORWARD -m length --length 1:2 -j LOG\n-A FORWARD -j A\n",
        ),
        ("filter A", "-N A\n-A A -j B\n"),
        ("filter B", "-N B\n-A B -j A\n"),
    ]);
    let o = traverse(&mut k, &Netns::Root, "filter", "FORWARD", &req("a", "b")).unwrap();
    assert_eq!(o.target, "ACCEPT");
    let unsure: Vec<String> = o
        .unsure
        .iter()
        .map(|(a, w)| format!("{} ({w})", a.text()))
        .collect();
    assert_eq!(
        unsure,
        [
            "-A FORWARD -m statistic --mode nth --every 1 -j DROP (-m statistic)",
            "-A B -j A (target A)"
        ]
    );
}

#[test]
fn a_tunnels_udp_is_judged_by_protocol_and_port() {
    let udp = Seen {
        udp_dport: Some(4789),
        state: "NEW",
        ..req("eth0", "eth1")
    };
    assert_eq!(hold("-p udp -m udp --dport 4789 -j DROP", &udp), Hold::Yes);
    assert_eq!(
        hold("-p udp -m udp --dport 4000:5000 -j DROP", &udp),
        Hold::Yes
    );
    assert_eq!(hold("-p udp -m udp --dport 53 -j DROP", &udp), Hold::No);
    assert_eq!(hold("-p icmp -j DROP", &udp), Hold::No);
    assert_eq!(
        hold("-p icmp -m icmp --icmp-type 8 -j DROP", &udp),
        Hold::No
    );
}

#[test]
fn a_mark_match_is_judged_on_the_requests_mark_and_left_open_on_a_reply() {
    let spec = "-m mark --mark 0x4000/0x4000 -j RETURN";
    let marked = Seen {
        mark: Some(0x4001),
        ..req("eth0", "eth1")
    };
    assert_eq!(hold(spec, &marked), Hold::Yes);
    assert_eq!(
        hold(&format!("-m mark ! {}", &spec[8..]), &marked),
        Hold::No
    );
    assert_eq!(hold(spec, &req("eth0", "eth1")), Hold::No);
    // A reply's mark may have been restored from its connection: not judged.
    let back = Seen {
        mark: None,
        ..reply("eth1", "eth0")
    };
    assert!(matches!(hold(spec, &back), Hold::Unknown(_)));
    // Another module's --mark is not this one's.
    assert!(matches!(
        hold("-m connmark --mark 0x1 -j ACCEPT", &req("eth0", "eth1")),
        Hold::Unknown(_)
    ));
}

#[test]
fn physdev_is_judged_on_a_bridged_frames_ports_and_never_holds_for_a_routed_one() {
    let bridged = Seen {
        physdev: Some(("s3-eth3".into(), "s3-eth2".into())),
        dnat: false,
        ..req("s3", "s3")
    };
    let spec = "-p icmp -m physdev --physdev-out s3-eth2 --physdev-is-bridged -j DROP";
    assert_eq!(hold(spec, &bridged), Hold::Yes);
    assert_eq!(
        hold("-m physdev --physdev-in s3-eth+ -j DROP", &bridged),
        Hold::Yes
    );
    assert_eq!(
        hold("-m physdev --physdev-out s3-eth1 -j DROP", &bridged),
        Hold::No
    );
    assert_eq!(
        hold("-m physdev ! --physdev-is-bridged -j DROP", &bridged),
        Hold::No
    );
    assert_eq!(hold(spec, &req("eth0", "eth1")), Hold::No);
    // The reply crosses the same ports the other way.
    assert_eq!(
        bridged.reply().physdev,
        Some(("s3-eth2".into(), "s3-eth3".into()))
    );
}

#[test]
fn conntrack_dnat_and_snat_states() {
    let plain = req("wan", "br-lan");
    let dnated = Seen {
        dnat: true,
        ..plain.clone()
    };
    let rule = "-m conntrack --ctstate DNAT -j ACCEPT";
    assert_eq!(hold(rule, &dnated), Hold::Yes);
    assert_eq!(hold(rule, &plain), Hold::No);
    assert_eq!(
        hold("-m conntrack --ctstate RELATED,DNAT -j ACCEPT", &dnated),
        Hold::Yes
    );
    // A request is SNATed only after FORWARD; a reply's connection may have been.
    assert_eq!(
        hold("-m conntrack --ctstate SNAT -j ACCEPT", &plain),
        Hold::No
    );
    let back = reply("br-lan", "wan");
    assert!(matches!(
        hold("-m conntrack --ctstate SNAT -j ACCEPT", &back),
        Hold::Unknown(_)
    ));
    assert_eq!(
        hold("-m conntrack --ctstate SNAT,ESTABLISHED -j ACCEPT", &back),
        Hold::Yes
    );
}
