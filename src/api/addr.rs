//! Address rules: interface addresses are CIDR with an explicit prefix (`10.1.1.2/24`); gateways
//! and ping targets are bare addresses; route destinations are `default` or a network.

use super::error::DslError;
use ipnet::IpNet;
use std::net::IpAddr;

const CODE: &str = "netsh::address";

pub(crate) fn parse_cidr(s: &str) -> Result<IpNet, DslError> {
    let Some((ip, prefix)) = s.split_once('/') else {
        return Err(match s.parse::<IpAddr>() {
            Ok(_) => DslError::new(
                CODE,
                format!("address \"{s}\" has no prefix length"),
                format!("write it with its prefix, e.g. \"{s}/24\""),
            ),
            Err(_) => not_an_address(s),
        });
    };
    let ip: IpAddr = ip.parse().map_err(|_| not_an_address(s))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix: u8 = match prefix.parse::<u32>() {
        Ok(p) if p <= max => p as u8,
        _ => {
            return Err(DslError::new(
                CODE,
                format!(
                    "prefix /{prefix} is out of range for an IPv{} address (0-{max})",
                    if ip.is_ipv4() { 4 } else { 6 }
                ),
                format!("use a prefix between 0 and {max}, e.g. \"{ip}/24\""),
            ))
        }
    };
    Ok(IpNet::new(ip, prefix).expect("prefix checked"))
}

/// An interface address: a CIDR whose address a host can hold. The kernel takes 0.0.0.0 and
/// says nothing (and makes nothing); a multicast group or the broadcast address on a link is a
/// mistake too.
pub(crate) fn parse_host_cidr(s: &str) -> Result<IpNet, DslError> {
    let net = parse_cidr(s)?;
    let ip = net.addr();
    let why = if ip.is_unspecified() {
        "the unspecified address, which no link can hold"
    } else if ip.is_multicast() {
        "a multicast group, not a host"
    } else if ip == IpAddr::from([255, 255, 255, 255]) {
        "the broadcast address, not a host"
    } else {
        return Ok(net);
    };
    Err(DslError::new(
        CODE,
        format!("\"{s}\" is not a host address: {ip} is {why}"),
        "give the link a host's address in its subnet, e.g. \"10.1.1.2/24\"",
    ))
}

fn not_an_address(s: &str) -> DslError {
    DslError::new(
        CODE,
        format!("\"{s}\" is not a valid address"),
        "write an IPv4 or IPv6 address with its prefix, e.g. \"10.1.1.2/24\"",
    )
}

/// A bare address (a gateway, a ping target).
pub(crate) fn parse_ip(s: &str, what: &str) -> Result<IpAddr, DslError> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(ip);
    }
    if let Some((ip, _)) = s.split_once('/') {
        if ip.parse::<IpAddr>().is_ok() {
            return Err(DslError::new(
                CODE,
                format!("the {what} \"{s}\" has a prefix length"),
                format!("write the bare address: \"{ip}\""),
            ));
        }
    }
    Err(DslError::new(
        CODE,
        format!("the {what} \"{s}\" is not an IP address"),
        "write an IPv4 or IPv6 address, e.g. \"10.1.1.1\"",
    ))
}

/// `default` or a network address with its prefix.
pub(crate) fn parse_dst(s: &str, v6: bool) -> Result<IpNet, DslError> {
    if s == "default" {
        return Ok(if v6 {
            "::/0".parse().unwrap()
        } else {
            "0.0.0.0/0".parse().unwrap()
        });
    }
    let net = parse_cidr(s)?;
    if net.trunc() != net {
        return Err(DslError::new(
            CODE,
            format!("route destination \"{s}\" is not a network address"),
            format!(
                "did you mean \"{}\"? a destination has no host bits set",
                net.trunc()
            ),
        ));
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_rules() {
        assert_eq!(
            parse_cidr("10.1.1.2/24").unwrap().to_string(),
            "10.1.1.2/24"
        );
        assert_eq!(
            parse_cidr("10.1.1.2").unwrap_err().message,
            "address \"10.1.1.2\" has no prefix length"
        );
        assert_eq!(
            parse_cidr("10.1.1.2/33").unwrap_err().message,
            "prefix /33 is out of range for an IPv4 address (0-32)"
        );
        assert!(parse_dst("10.1.1.5/24", false).is_err());
        assert_eq!(
            parse_host_cidr("0.0.0.0/0").unwrap_err().message,
            "\"0.0.0.0/0\" is not a host address: 0.0.0.0 is the unspecified address, which no link can hold"
        );
        for bad in ["::/64", "224.0.0.5/24", "ff02::1/64", "255.255.255.255/32"] {
            assert!(parse_host_cidr(bad).is_err(), "{bad}");
        }
        assert!(parse_host_cidr("10.1.1.2/24").is_ok());
        assert_eq!(
            parse_dst("default", false).unwrap().to_string(),
            "0.0.0.0/0"
        );
    }
}
