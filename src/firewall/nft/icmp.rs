//! ICMP types by name, as iptables' icmp match knows them: (name, type, code range).

use super::model::IcmpType;

const NAMES: [(&str, u8, u8, u8); 36] = [
    ("any", 0xff, 0, 0xff),
    ("echo-reply", 0, 0, 0xff),
    ("destination-unreachable", 3, 0, 0xff),
    ("network-unreachable", 3, 0, 0),
    ("host-unreachable", 3, 1, 1),
    ("protocol-unreachable", 3, 2, 2),
    ("port-unreachable", 3, 3, 3),
    ("fragmentation-needed", 3, 4, 4),
    ("source-route-failed", 3, 5, 5),
    ("network-unknown", 3, 6, 6),
    ("host-unknown", 3, 7, 7),
    ("network-prohibited", 3, 9, 9),
    ("host-prohibited", 3, 10, 10),
    ("TOS-network-unreachable", 3, 11, 11),
    ("TOS-host-unreachable", 3, 12, 12),
    ("communication-prohibited", 3, 13, 13),
    ("host-precedence-violation", 3, 14, 14),
    ("precedence-cutoff", 3, 15, 15),
    ("source-quench", 4, 0, 0xff),
    ("redirect", 5, 0, 0xff),
    ("network-redirect", 5, 0, 0),
    ("host-redirect", 5, 1, 1),
    ("TOS-network-redirect", 5, 2, 2),
    ("TOS-host-redirect", 5, 3, 3),
    ("echo-request", 8, 0, 0xff),
    ("router-advertisement", 9, 0, 0xff),
    ("router-solicitation", 10, 0, 0xff),
    ("time-exceeded", 11, 0, 0xff),
    ("ttl-zero-during-transit", 11, 0, 0),
    ("ttl-zero-during-reassembly", 11, 1, 1),
    ("parameter-problem", 12, 0, 0xff),
    ("ip-header-bad", 12, 0, 0),
    ("required-option-missing", 12, 1, 1),
    ("timestamp-request", 13, 0, 0xff),
    ("timestamp-reply", 14, 0, 0xff),
    ("address-mask-request", 17, 0, 0xff),
];

/// `8`, `3/1` or a name (`echo-request`, `port-unreachable`).
pub(crate) fn icmp_type(v: &str) -> Option<IcmpType> {
    if let Some((_, ty, lo, hi)) = NAMES.iter().find(|(n, ..)| n.eq_ignore_ascii_case(v)) {
        return Some(IcmpType {
            ty: *ty,
            code: (*lo, *hi),
        });
    }
    let (ty, code) = match v.split_once('/') {
        Some((t, c)) => (t.parse().ok()?, c.parse().ok().map(|c: u8| (c, c))?),
        None => (v.parse().ok()?, (0, 0xff)),
    };
    Some(IcmpType { ty, code })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icmp_types_by_number_and_name() {
        let t = |ty, lo, hi| Some(IcmpType { ty, code: (lo, hi) });
        assert_eq!(icmp_type("8"), t(8, 0, 255));
        assert_eq!(icmp_type("3/1"), t(3, 1, 1));
        assert_eq!(icmp_type("echo-reply"), t(0, 0, 255));
        assert_eq!(icmp_type("port-unreachable"), t(3, 3, 3));
        assert_eq!(icmp_type("bogus"), None);
    }
}
