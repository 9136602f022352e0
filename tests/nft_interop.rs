//! The native firewall driver and the iptables program agree: for every rule form netsh writes,
//! the state the driver leaves equals what iptables leaves for the same commands (iptables-save
//! and the rule count); `iptables -C` and `-D` with the same arguments find its rules; rules
//! another program wrote in the same chains (a Docker-like DOCKER chain and its jumps) are left
//! alone. Each test runs on a thread in a fresh network namespace of its own (its nf_tables
//! state is private to it), so nothing touches the machine's firewall.

use netsh::firewall::auto::Auto;
use netsh::firewall::nft::Nft;
use netsh::firewall::{Firewall, Rule};
use std::process::Command;

/// Run `f` on a thread in a new, empty network namespace; the programs it starts live there too.
fn in_fresh_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        f()
    })
    .join()
    .unwrap()
}

fn words(s: &str) -> Vec<String> {
    netsh::firewall::rule::shell_words(s).unwrap()
}

fn rule(table: &str, chain: &str, args: &str) -> Rule {
    Rule {
        table: table.into(),
        chain: chain.into(),
        args: words(args),
    }
}

/// `iptables ARGS`, its success and its stderr.
fn iptables(args: &[String]) -> (bool, String) {
    let out = Command::new("iptables")
        .args(args)
        .output()
        .expect("iptables");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ipt(op: &str, r: &Rule) -> Vec<String> {
    let mut a = vec!["-t".into(), r.table.clone(), op.into(), r.chain.clone()];
    a.extend(r.args.iter().cloned());
    a
}

/// iptables-save without its dated comments, counters zeroed.
fn save() -> String {
    let out = Command::new("iptables-save")
        .output()
        .expect("iptables-save");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| match l.rfind(" [") {
            Some(i) if l.starts_with(':') => format!("{} [0:0]", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rule_count(save: &str) -> usize {
    save.lines().filter(|l| l.starts_with("-A ")).count()
}

const T: &str = "-m comment --comment netsh:lab1";

/// Every rule form netsh makes: what nat(), forward(), masquerade(), snat(), dnat() and the
/// chapters write, and raw iptables() rules over the native set.
fn forms() -> Vec<Rule> {
    let f = |table: &str, chain: &str, rest: &str| rule(table, chain, &format!("{T} {rest}"));
    vec![
        f("filter", "FORWARD", "-i br0 ! -o br0 -j ACCEPT"),
        f("filter", "FORWARD", "-o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
        f("filter", "FORWARD", "-p tcp -s 10.1.1.0/24 -d 10.2.0.0/16 -i br0 -o eth0 --dport 80 -m conntrack --ctstate NEW -j DROP"),
        f("filter", "FORWARD", "-m conntrack --ctstate DNAT -j ACCEPT"),
        f("filter", "FORWARD", "-m conntrack --ctstate SNAT,UNTRACKED -j ACCEPT"),
        f("filter", "FORWARD", "-p udp --dport 53 -j REJECT"),
        f("filter", "FORWARD", "-i br0 -j RETURN"),
        f("nat", "POSTROUTING", "-s 10.1.1.0/24 ! -o br0 -j MASQUERADE"),
        f("nat", "POSTROUTING", "-p tcp -o eth0 -j SNAT --to-source 172.31.131.149"),
        f("nat", "POSTROUTING", "-s 10.1.1.0/24 ! -o br0 -j SNAT --to-source 172.31.131.151"),
        f("nat", "PREROUTING", "-p tcp -d 172.31.131.149 -i eth0 --dport 8080 -j DNAT --to-destination 10.1.1.2:80"),
        f("nat", "PREROUTING", "-p tcp --dport 80 -j REDIRECT --to-ports 8081"),
        f("nat", "OUTPUT", "-p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2"),
        f("filter", "INPUT", "-p icmp -j DROP"),
        f("filter", "INPUT", "-p icmp --icmp-type echo-request -j ACCEPT"),
        f("filter", "INPUT", "-p icmp ! --icmp-type 3/1 -j ACCEPT"),
        f("filter", "INPUT", "-p tcp --sport 1024:65535 ! --dport 22 -j ACCEPT"),
        f("filter", "INPUT", "! -s 10.0.0.0/8 ! -d 192.168.1.0/25 ! -i eth+ -j DROP"),
        f("filter", "INPUT", "! -p udp -m conntrack ! --ctstate INVALID -j ACCEPT"),
        f("filter", "INPUT", "-p udp -m udp --sport 53 -j ACCEPT"),
        f("filter", "INPUT", "-p tcp -j REJECT --reject-with tcp-reset"),
        f("filter", "INPUT", "-s 1.2.3.4"),
        rule("filter", "INPUT", "-m comment --comment \"two words\" -j ACCEPT"),
        // Docker's jumps to its DOCKER chain: to this host's own addresses.
        f("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j RETURN"),
        f("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j RETURN"),
        f("filter", "INPUT", "-m addrtype ! --src-type UNICAST,BROADCAST --dst-type LOCAL -j ACCEPT"),
        f("mangle", "PREROUTING", "-i br0 -j ACCEPT"),
        f("raw", "OUTPUT", "-o br0 -j ACCEPT"),
        f("security", "FORWARD", "-j ACCEPT"),
    ]
}

#[test]
#[ignore = "needs iptables"]
fn the_native_driver_leaves_the_state_iptables_leaves() {
    let by_iptables = in_fresh_netns(|| {
        for r in forms() {
            let (ok, err) = iptables(&ipt("-A", &r));
            assert!(ok, "iptables {:?}: {err}", r.args);
        }
        for a in [
            "-N NETSH",
            "-A FORWARD -o br1 -j NETSH",
            "-A NETSH -j RETURN",
            "-P FORWARD DROP",
            "-I INPUT 1 -i lo -j ACCEPT",
            "-I INPUT 3 -i lo2 -j ACCEPT",
        ] {
            assert!(iptables(&words(a)).0, "{a}");
        }
        save()
    });
    let native = in_fresh_netns(|| {
        let mut n = Nft::default();
        n.append_all(None, &forms()).unwrap();
        n.new_chain(None, "filter", "NETSH").unwrap();
        n.append_all(
            None,
            &[
                rule("filter", "FORWARD", "-o br1 -j NETSH"),
                rule("filter", "NETSH", "-j RETURN"),
            ],
        )
        .unwrap();
        n.set_policy(None, "filter", "FORWARD", "DROP").unwrap();
        n.insert(None, &rule("filter", "INPUT", "-i lo -j ACCEPT"), 1)
            .unwrap();
        n.insert(None, &rule("filter", "INPUT", "-i lo2 -j ACCEPT"), 3)
            .unwrap();
        // Listed back as iptables-save prints it, rule for rule.
        let listed: Vec<String> = Firewall::list(&mut n, None)
            .unwrap()
            .iter()
            .map(|l| format!("-A {} {}", l.chain, l.spec))
            .collect();
        (save(), listed)
    });
    assert_eq!(native.0, by_iptables);
    assert_eq!(rule_count(&native.0), forms().len() + 4);
    let saved: Vec<&str> = native.0.lines().filter(|l| l.starts_with("-A ")).collect();
    assert_eq!(native.1, saved);
}

#[test]
#[ignore = "needs iptables"]
fn iptables_check_and_delete_find_the_native_drivers_rules() {
    let left = in_fresh_netns(|| {
        let mut n = Nft::default();
        n.append_all(None, &forms()).unwrap();
        let nat = Command::new("iptables")
            .args(["-t", "nat", "-S", "POSTROUTING"])
            .output()
            .unwrap();
        let nat = String::from_utf8_lossy(&nat.stdout).into_owned();
        assert!(
            nat.contains("-A POSTROUTING -s 10.1.1.0/24 ! -o br0 -m comment --comment \"netsh:lab1\" -j MASQUERADE"),
            "iptables -t nat -S lists the MASQUERADE rule:\n{nat}"
        );
        for r in forms() {
            let (ok, err) = iptables(&ipt("-C", &r));
            assert!(ok, "iptables -C {:?}: {err}", r.args);
            assert!(n.exists(None, &r).unwrap(), "{:?}", r.args);
        }
        for r in forms() {
            let (ok, err) = iptables(&ipt("-D", &r));
            assert!(ok, "iptables -D {:?}: {err}", r.args);
        }
        rule_count(&save())
    });
    assert_eq!(left, 0);
}

/// Docker's chains and jumps, written by the iptables program; an extension match (addrtype)
/// the native driver does not read among them.
const DOCKER: [&str; 9] = [
    "-N DOCKER",
    "-A FORWARD -o docker0 -j DOCKER",
    "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
    "-t nat -N DOCKER",
    "-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    "-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
    "-t nat -A DOCKER -i docker0 -j RETURN",
    "-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
];

#[test]
#[ignore = "needs iptables"]
fn rules_another_program_wrote_in_the_same_chains_are_left_alone() {
    let (before, during, after, listed) = in_fresh_netns(|| {
        for a in DOCKER {
            assert!(iptables(&words(a)).0, "{a}");
        }
        let before = save();
        let mut fw = Auto::default();
        let ours = [
            rule(
                "filter",
                "FORWARD",
                &format!("{T} -i br0 ! -o br0 -j ACCEPT"),
            ),
            rule(
                "filter",
                "FORWARD",
                &format!("{T} -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            ),
            rule(
                "nat",
                "POSTROUTING",
                &format!("{T} -s 10.1.1.0/24 ! -o br0 -j MASQUERADE"),
            ),
            rule(
                "nat",
                "PREROUTING",
                &format!("{T} -p tcp --dport 8081 -j DNAT --to-destination 10.1.1.2:80"),
            ),
        ];
        fw.append_all(None, &ours).unwrap();
        // Docker's own rules are found as what they are (its jump to its chain included).
        assert!(fw
            .exists(None, &rule("filter", "FORWARD", "-o docker0 -j DOCKER"))
            .unwrap());
        assert!(!fw
            .exists(None, &rule("filter", "FORWARD", "-o docker1 -j DOCKER"))
            .unwrap());
        let during = save();
        let listed: Vec<String> = fw
            .list(None)
            .unwrap()
            .iter()
            .map(|l| format!("-A {} {}", l.chain, l.spec))
            .collect();
        fw.delete_all(None, &ours).unwrap();
        (before, during, save(), listed)
    });
    assert_eq!(
        after, before,
        "netsh's rules went, Docker's stayed as they were"
    );
    assert_eq!(rule_count(&during), DOCKER.len() - 2 + 4);
    // Docker's rules come first, netsh's after them, in the chains they share.
    let saved: Vec<&str> = during.lines().filter(|l| l.starts_with("-A ")).collect();
    assert_eq!(listed, saved);
    assert!(during.contains("-A FORWARD -o docker0 -j DOCKER\n-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -i br0 ! -o br0"), "{during}");
}

#[test]
#[ignore = "needs iptables"]
fn a_namespace_whose_rules_live_in_iptables_legacy_is_served_there() {
    use netsh::firewall::legacy::{detect, DriverKind};
    let (kinds, native_rules, legacy_save, listed) = in_fresh_netns(|| {
        let fresh = detect(None).unwrap();
        // Empty legacy tables filter nothing: still native.
        assert!(Command::new("iptables-legacy")
            .arg("-L")
            .output()
            .unwrap()
            .status
            .success());
        let empty = detect(None).unwrap();
        let ok = Command::new("iptables-legacy")
            .args(["-A", "INPUT", "-i", "lo", "-j", "ACCEPT"])
            .status()
            .unwrap();
        assert!(ok.success());
        let legacy = detect(None).unwrap();
        let mut fw = Auto::default();
        let r = rule(
            "filter",
            "FORWARD",
            &format!("{T} -i br0 ! -o br0 -j ACCEPT"),
        );
        fw.append_all(None, std::slice::from_ref(&r)).unwrap();
        assert!(fw.exists(None, &r).unwrap());
        let native_rules = Nft::default().list(None).unwrap().len();
        let out = Command::new("iptables-legacy-save").output().unwrap();
        let listed: Vec<String> = fw
            .list(None)
            .unwrap()
            .iter()
            .map(|l| format!("-A {} {}", l.chain, l.spec))
            .collect();
        (
            [fresh, empty, legacy, fw.kind(None).unwrap()],
            native_rules,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            listed,
        )
    });
    use DriverKind::*;
    assert_eq!(kinds, [Native, Native, Legacy, Legacy]);
    assert_eq!(native_rules, 0, "nothing was written to nf_tables");
    let want = "-A FORWARD -i br0 ! -o br0 -m comment --comment \"netsh:lab1\" -j ACCEPT";
    assert!(legacy_save.contains(want), "{legacy_save}");
    assert_eq!(listed, ["-A INPUT -i lo -j ACCEPT", want]);
}

/// A chain, a policy and an insert through `fw`, then the chain deleted: `program -S` (the
/// program the namespace's rules live in) after each step.
fn chain_steps(fw: &mut Auto, program: &'static str) -> [String; 3] {
    let dump = || {
        let out = Command::new(program).arg("-S").output().expect(program);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = rule("filter", "INPUT", &format!("{T} -j MINE"));
    let inside = rule("filter", "MINE", &format!("{T} -j RETURN"));
    fw.new_chain(None, "filter", "MINE").unwrap();
    fw.append_all(None, std::slice::from_ref(&inside)).unwrap();
    fw.insert(None, &first, 1).unwrap();
    fw.set_policy(None, "filter", "FORWARD", "DROP").unwrap();
    let made = dump();
    // A chain with rules, or jumped to, is not deleted.
    let busy = fw.delete_chain(None, "filter", "MINE").is_err();
    fw.delete_all(None, &[first, inside]).unwrap();
    fw.delete_chain(None, "filter", "MINE").unwrap();
    fw.set_policy(None, "filter", "FORWARD", "ACCEPT").unwrap();
    let gone = dump();
    // Deleting it again fails as iptables -X does (the teardown takes that as gone already).
    let again = fw.delete_chain(None, "filter", "MINE").is_err();
    [made, format!("busy {busy}, again {again}"), gone]
}

const CHAIN_MADE: &str = "-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
-N MINE
-A INPUT -m comment --comment \"netsh:lab1\" -j MINE
-A INPUT -s 10.0.0.1/32 -j DROP
-A MINE -m comment --comment \"netsh:lab1\" -j RETURN
";

const CHAIN_GONE: &str = "-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-A INPUT -s 10.0.0.1/32 -j DROP
";

#[test]
#[ignore = "needs iptables"]
fn chains_policies_and_inserts_go_through_the_native_driver_and_iptables_legacy() {
    for program in ["iptables", "iptables-legacy"] {
        let got = in_fresh_netns(move || {
            let ok = Command::new(program)
                .args(["-A", "INPUT", "-s", "10.0.0.1", "-j", "DROP"])
                .status()
                .unwrap();
            assert!(ok.success());
            let mut fw = Auto::default();
            let steps = chain_steps(&mut fw, program);
            let native = Nft::default().list(None).unwrap().len();
            (steps, native)
        });
        let (steps, native) = got;
        assert_eq!(steps[0], CHAIN_MADE, "{program}");
        assert_eq!(steps[1], "busy true, again true", "{program}");
        assert_eq!(steps[2], CHAIN_GONE, "{program}");
        // On a legacy namespace nothing goes to nf_tables.
        let want = if program == "iptables" { 1 } else { 0 };
        assert_eq!(native, want, "{program}");
    }
}
