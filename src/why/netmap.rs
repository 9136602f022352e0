//! xt NETMAP: a 1:1 map of one network onto another. The host bits stay, the network bits are
//! the target's: in POSTROUTING (and INPUT) it rewrites the source, in PREROUTING (and OUTPUT)
//! the destination.

use ipnet::IpNet;
use std::net::IpAddr;

/// `--to 10.99.1.0/24` (a bare address is a /32) applied to `addr`: `10.1.1.2` → `10.99.1.2`.
pub(crate) fn map(to: &str, addr: IpAddr) -> Option<IpAddr> {
    let net: IpNet = to
        .parse()
        .ok()
        .or_else(|| to.parse::<IpAddr>().ok().map(IpNet::from))?;
    match (net, addr) {
        (IpNet::V4(n), IpAddr::V4(a)) => {
            let m = u32::from(n.netmask());
            Some(IpAddr::V4(
                (u32::from(n.network()) & m | u32::from(a) & !m).into(),
            ))
        }
        (IpNet::V6(n), IpAddr::V6(a)) => {
            let m = u128::from(n.netmask());
            Some(IpAddr::V6(
                (u128::from(n.network()) & m | u128::from(a) & !m).into(),
            ))
        }
        _ => None,
    }
}

/// Whether the rule `spec` is a NETMAP whose target network holds `addr`.
pub(crate) fn gives(spec: &str, addr: IpAddr) -> bool {
    let w: Vec<&str> = spec.split_whitespace().collect();
    w.windows(2).any(|p| p == ["-j", "NETMAP"])
        && w.windows(2).any(|p| {
            p[0] == "--to"
                && p[1]
                    .parse::<IpNet>()
                    .ok()
                    .or_else(|| p[1].parse::<IpAddr>().ok().map(IpNet::from))
                    .is_some_and(|n| n.contains(&addr))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_host_bits() {
        let a: IpAddr = "10.1.1.2".parse().unwrap();
        assert_eq!(map("10.99.1.0/24", a), "10.99.1.2".parse().ok());
        assert_eq!(map("10.99.1.9", a), "10.99.1.9".parse().ok());
        assert!(gives(
            "-s 10.1.1.0/24 -o eth0 -j NETMAP --to 10.99.1.0/24",
            "10.99.1.2".parse().unwrap()
        ));
    }
}
