//! The values the sysctl keys netsh knows mean something with. The kernel stores any integer in
//! these (`ip_forward = -7` reads back as -7 and acts as 1), so netsh refuses the rest itself.
//! Keys it does not know go to the kernel as they are: its bounded and unsigned keys refuse a
//! bad value themselves (EINVAL), which netsh reports at the call.

use super::error::DslError;

/// Key pattern (`*` is one interface, `all` or `default`), lowest and highest value.
const RANGES: &[(&str, i64, i64)] = &[
    ("net.ipv4.ip_forward", 0, 1),
    ("net.ipv4.conf.*.forwarding", 0, 1),
    ("net.ipv6.conf.*.forwarding", 0, 1),
    ("net.ipv4.conf.*.rp_filter", 0, 2),
    ("net.ipv4.conf.*.proxy_arp", 0, 1),
    ("net.ipv4.conf.*.arp_filter", 0, 1),
    ("net.ipv4.conf.*.arp_ignore", 0, 8),
    ("net.ipv4.conf.*.arp_announce", 0, 2),
    ("net.ipv4.conf.*.accept_redirects", 0, 1),
    ("net.ipv4.conf.*.send_redirects", 0, 1),
    ("net.ipv4.conf.*.accept_source_route", 0, 1),
    ("net.ipv4.conf.*.route_localnet", 0, 1),
    ("net.ipv6.conf.*.disable_ipv6", 0, 1),
    ("net.ipv6.conf.*.accept_ra", 0, 2),
    ("net.ipv6.conf.*.accept_redirects", 0, 1),
    ("net.ipv4.ip_nonlocal_bind", 0, 1),
    ("net.ipv6.ip_nonlocal_bind", 0, 1),
    ("net.ipv4.icmp_echo_ignore_all", 0, 1),
    ("net.ipv4.icmp_echo_ignore_broadcasts", 0, 1),
    ("net.bridge.bridge-nf-call-iptables", 0, 1),
    ("net.bridge.bridge-nf-call-ip6tables", 0, 1),
    ("net.bridge.bridge-nf-call-arptables", 0, 1),
];

fn matches(pattern: &str, key: &str) -> bool {
    let (p, k): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), key.split('.').collect());
    p.len() == k.len() && p.iter().zip(&k).all(|(p, k)| *p == "*" || p == k)
}

/// The value to write for `key`: unchanged for a key netsh does not know; for one it does, an
/// integer in its range (`true`/`false` for a 0-or-1 key become 1 and 0), or a mistake.
pub(crate) fn ranged(key: &str, value: &str) -> Result<String, DslError> {
    let Some(&(_, lo, hi)) = RANGES.iter().find(|(p, _, _)| matches(p, key)) else {
        return Ok(value.to_string());
    };
    let boolean = (lo, hi) == (0, 1);
    let n = match value {
        "true" if boolean => 1,
        "false" if boolean => 0,
        v => v.parse::<i64>().unwrap_or(i64::MIN),
    };
    if (lo..=hi).contains(&n) {
        return Ok(n.to_string());
    }
    let takes = if boolean {
        "0 or 1 (or true/false)".to_string()
    } else {
        format!("{lo} to {hi}")
    };
    Err(DslError::new(
        "netsh::sysctl",
        format!("{key} takes {takes}, not {value}"),
        format!("e.g. sysctl(\"{key}\", 1)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_take_only_their_range() {
        assert_eq!(ranged("net.ipv4.ip_forward", "true").unwrap(), "1");
        assert_eq!(ranged("net.ipv4.ip_forward", "0").unwrap(), "0");
        assert_eq!(
            ranged("net.ipv4.ip_forward", "-7").unwrap_err().message,
            "net.ipv4.ip_forward takes 0 or 1 (or true/false), not -7"
        );
        assert!(ranged("net.ipv4.ip_forward", "2").is_err());
        assert!(ranged("net.ipv4.ip_forward", "yes").is_err());
        assert_eq!(ranged("net.ipv4.conf.eth0.rp_filter", "2").unwrap(), "2");
        assert_eq!(
            ranged("net.ipv4.conf.all.rp_filter", "5")
                .unwrap_err()
                .message,
            "net.ipv4.conf.all.rp_filter takes 0 to 2, not 5"
        );
        assert!(ranged("net.ipv4.conf.all.rp_filter", "true").is_err());
        // Unknown keys are the kernel's to judge.
        assert_eq!(
            ranged("net.ipv4.ip_local_port_range", "20000 30000").unwrap(),
            "20000 30000"
        );
    }
}
