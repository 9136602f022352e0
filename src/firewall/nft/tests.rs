//! The native driver against the kernel, in a fresh network namespace of its own thread.

use super::*;
use std::process::Command;

fn rule(table: &str, chain: &str, args: &str) -> Rule {
    Rule {
        table: table.into(),
        chain: chain.into(),
        args: crate::firewall::rule::shell_words(args).unwrap(),
    }
}

/// Run `f` on a thread in a new, empty network namespace (its nf_tables state is its own).
fn in_fresh_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        f()
    })
    .join()
    .unwrap()
}

fn save() -> String {
    let out = Command::new("iptables-save").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "needs iptables"]
fn smoke() {
    let s = in_fresh_netns(|| {
        let mut n = Nft::default();
        let rules = [
            rule("filter", "FORWARD", "-m comment --comment netsh:lab1 -i br0 ! -o br0 -j ACCEPT"),
            rule("filter", "FORWARD", "-m comment --comment netsh:lab1 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            rule("nat", "POSTROUTING", "-m comment --comment netsh:lab1 -s 10.1.1.0/24 ! -o br0 -j MASQUERADE"),
            rule("nat", "PREROUTING", "-m comment --comment netsh:lab1 -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80"),
        ];
        Firewall::append_all(&mut n, None, &rules).unwrap();
        let listed = Firewall::list(&mut n, None).unwrap();
        let ex = Firewall::exists(&mut n, None, &rules[1]).unwrap();
        format!("{}\n{listed:#?}\n{ex}", save())
    });
    println!("{s}");
}
