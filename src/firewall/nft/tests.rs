//! The native driver against the kernel (root, no program): on a thread in a fresh network
//! namespace of its own, so nothing touches the machine's firewall.

use super::*;
use crate::sys::Failure;

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

fn specs(n: &mut Nft) -> Vec<String> {
    Firewall::list(n, None)
        .unwrap()
        .iter()
        .map(|l| format!("{} {} {}", l.table, l.chain, l.spec))
        .collect()
}

#[test]
fn a_batch_computed_from_a_stale_generation_is_computed_again() {
    let (commits, listed, chains) = in_fresh_netns(|| {
        let mut n = Nft::default();
        n.append_all(None, &[rule("filter", "FORWARD", "-i br0 -j ACCEPT")])
            .unwrap();
        // Another program commits between netsh's read and its batch: the kernel refuses the
        // batch (ERESTART), and it is made again from what is there now.
        n.race = Some(Box::new(|| {
            Nft::default().new_chain(None, "filter", "OTHER").unwrap();
            Nft::default()
                .append_all(None, &[rule("filter", "FORWARD", "-i other -j DROP")])
                .unwrap();
        }));
        n.commits = 0;
        n.append_all(None, &[rule("filter", "FORWARD", "-o br0 -j ACCEPT")])
            .unwrap();
        let chains: Vec<String> = n
            .ruleset(None)
            .unwrap()
            .chains
            .iter()
            .map(|c| c.name.clone())
            .collect();
        (n.commits, specs(&mut n), chains)
    });
    assert_eq!(commits, 2, "the stale batch was refused and sent again");
    assert_eq!(
        listed,
        [
            "filter FORWARD -i br0 -j ACCEPT",
            "filter FORWARD -i other -j DROP",
            "filter FORWARD -o br0 -j ACCEPT"
        ]
    );
    assert!(chains.contains(&"OTHER".to_string()), "{chains:?}");
}

#[test]
fn rules_are_found_deleted_by_handle_and_listed_with_their_tags() {
    let (before, found, after) = in_fresh_netns(|| {
        let mut n = Nft::default();
        let tagged = rule(
            "nat",
            "POSTROUTING",
            "-m comment --comment netsh:lab1 -s 10.1.1.0/24 ! -o br0 -j MASQUERADE",
        );
        let twice = rule("filter", "FORWARD", "-i br0 -j ACCEPT");
        let other = rule("filter", "FORWARD", "-i br1 -j ACCEPT");
        n.append_all(
            None,
            &[twice.clone(), other.clone(), twice.clone(), tagged.clone()],
        )
        .unwrap();
        let before = specs(&mut n);
        let found = [
            &tagged,
            &twice,
            &other,
            &rule("filter", "FORWARD", "-i br2 -j ACCEPT"),
        ]
        .map(|r| n.exists(None, r).unwrap());
        // -D takes the first of two copies; a batch deletes all or nothing.
        n.delete_all(None, &[twice.clone(), tagged.clone()])
            .unwrap();
        let missing = n.delete_all(None, &[other.clone(), tagged.clone()]);
        assert!(matches!(missing, Err(NftError::Failed(f)) if f.errno == Some(2)));
        (before, found, specs(&mut n))
    });
    assert_eq!(
        before,
        [
            "filter FORWARD -i br0 -j ACCEPT",
            "filter FORWARD -i br1 -j ACCEPT",
            "filter FORWARD -i br0 -j ACCEPT",
            "nat POSTROUTING -s 10.1.1.0/24 ! -o br0 -m comment --comment \"netsh:lab1\" -j MASQUERADE",
        ]
    );
    assert_eq!(found, [true, true, true, false]);
    assert_eq!(
        after,
        [
            "filter FORWARD -i br1 -j ACCEPT",
            "filter FORWARD -i br0 -j ACCEPT"
        ]
    );
}

#[test]
fn what_the_native_driver_does_not_write_is_named() {
    let errors = in_fresh_netns(|| {
        let mut n = Nft::default();
        [
            "-m limit --limit 5/s -j ACCEPT",
            "-p tcp --tcp-flags SYN SYN -j DROP",
            "-j LOG",
            "-p gre -j ACCEPT",
        ]
        .map(|a| {
            n.append_all(None, &[rule("filter", "INPUT", a)])
                .unwrap_err()
        })
    });
    assert_eq!(
        errors,
        [
            "the limit match (-m limit)",
            "the option --tcp-flags",
            "the LOG target (-j LOG)",
            "the protocol gre (-p gre)",
        ]
        .map(|w| NftError::Unsupported(w.into()))
    );
}

/// A batch larger than the socket's default buffers (3000 rules, ~2 MB) is still one
/// transaction: one send, and one acknowledgement to wait for.
#[test]
fn a_large_batch_is_one_transaction() {
    let (count, commits) = in_fresh_netns(|| {
        let mut n = Nft::default();
        let rules: Vec<Rule> = (0..3000)
            .map(|i| {
                let a = format!(
                    "-m comment --comment netsh:big -s 10.{}.{}.0/24 -p tcp --dport 80 -j ACCEPT",
                    i / 256,
                    i % 256
                );
                rule("filter", "FORWARD", &a)
            })
            .collect();
        n.append_all(None, &rules).unwrap();
        (n.entries(None).unwrap().len(), n.commits)
    });
    assert_eq!((count, commits), (3000, 1));
}

/// The kernel's refusal of one message names it, and the batch leaves nothing behind.
#[test]
fn a_refused_batch_names_what_was_refused_and_changes_nothing() {
    let (refused, exists, listed) = in_fresh_netns(|| {
        let mut n = Nft::default();
        let batch = [
            rule("filter", "INPUT", "-i br0 -j ACCEPT"),
            // REJECT's tcp-reset only for -p tcp: x_tables' check refuses it.
            rule("filter", "INPUT", "-j REJECT --reject-with tcp-reset"),
            rule("filter", "INPUT", "-i br1 -j ACCEPT"),
        ];
        let refused = n.append_all(None, &batch).unwrap_err();
        n.new_chain(None, "filter", "X").unwrap();
        let exists = n.new_chain(None, "filter", "X").unwrap_err();
        (refused, exists, specs(&mut n))
    });
    let failed = |m: &str, e| NftError::Failed(Failure::new(m, Some(e)));
    assert_eq!(
        refused,
        failed(
            "nf_tables refused to add a rule to filter INPUT: Invalid argument (EINVAL)",
            22
        )
    );
    assert_eq!(
        exists,
        failed(
            "nf_tables refused to create the filter X chain: File exists (EEXIST)",
            17
        )
    );
    assert!(listed.is_empty(), "{listed:?}");
}
