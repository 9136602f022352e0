//! `netsh why` when a mangle rule marks a whole network for a policy rule's table (unseen
//! round Y, case 8): the dual-WAN router keeps a backup table 200 by wan2 for packets marked
//! 0x2, whose line is dead beyond isp2; a MARK for all of the LAN sends everything that way.
//! The MARK rule is named with the policy rule it feeds and deleted (the backup stays); a
//! mark set on purpose for one flow leaves the policy rule and its table blamed as before.

mod support;

use support::why_lab::{blocked, clear, diagnose, fixed};

const SRV: &str = "203.0.113.10";

/// The backup table and its rule, and isp2 without its way on.
const BACKUP: &str = "ip -n rt route add default via 100.64.2.1 dev wan2 table 200\n\
                      ip -n rt rule add pref 100 fwmark 0x2 lookup 200\n\
                      ip -n isp2 route del default\n";

/// The policy rule and what it does instead of main, as the cause ends.
const SENDS: &str = "so its policy rule `100: from all fwmark 0x2/0xffffffff lookup 200` sends it by table 200's route `default via 100.64.2.1 dev wan2` instead of main's `default via 100.64.1.1 dev wan1`, and it is lost that way";

/// rt's mangle PREROUTING rule `mark` (as -S prints it) marks all of the LAN: named with the
/// policy rule it feeds, and deleted.
fn whole_lan(mark: &str) {
    fixed(
        "dual",
        "",
        &format!("{BACKUP}ip netns exec rt iptables -t mangle -A PREROUTING {mark}"),
        SRV,
        "rt",
        &format!(
            "rt's rule `-t mangle -A PREROUTING {mark}` marks the packet to {SRV} 0x2, {SENDS}"
        ),
        &format!("rt.sh(\"iptables -t mangle -D PREROUTING {mark}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_on_the_whole_lan_is_named_and_deleted_not_the_backup_rule() {
    whole_lan("-s 192.168.1.0/24 -j MARK --set-xmark 0x2/0xffffffff");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_on_everything_in_on_the_lan_is_named_and_deleted() {
    whole_lan("-i lan -j MARK --set-xmark 0x2/0xffffffff");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_for_one_flow_on_purpose_leaves_the_policy_rule_blamed() {
    let inject = format!(
        "{BACKUP}ip netns exec rt iptables -t mangle -A PREROUTING -d {SRV} -p icmp -j MARK --set-mark 0x2"
    );
    let cause = "rt's policy rule `100: from all fwmark 0x2/0xffffffff lookup 200` sends the packet to 203.0.113.10 by table 200's route `default via 100.64.2.1 dev wan2` instead of main's `default via 100.64.1.1 dev wan1`, and it is lost that way";
    let fix = r#"rt.sh("ip rule del priority 100")"#;
    assert_eq!(
        diagnose("dual", "", &inject, SRV),
        blocked(SRV, "rt", cause, fix) + &clear(SRV)
    );
}
