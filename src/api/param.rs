//! `param(name, default)`: script parameters from `-p KEY=VALUE`, parsed to the default's type;
//! and the address helpers that parameterised scripts need: `subnet_addr`, `ip_of`.

use super::addr::parse_cidr;
use super::error::{at, fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use crate::sys::At;
use ipnet::IpNet;
use rhai::{Dynamic, Engine, FuncRegistration, NativeCallContext};
use std::net::IpAddr;

impl Session {
    pub(crate) fn param(
        &mut self,
        name: &str,
        default: Dynamic,
        at: At,
    ) -> Result<Dynamic, DslError> {
        self.params_read.insert(name.to_string());
        self.params_at.entry(name.to_string()).or_insert(at);
        let Some(given) = self.params.get(name) else {
            return Ok(default);
        };
        let bad = |want: &str, example: &str| {
            DslError::new(
                "netsh::param",
                format!("parameter {name}: \"{given}\" is not {want} (the script's default is {default})"),
                format!("pass -p {name}={example}"),
            )
        };
        if default.is_int() {
            given
                .parse::<i64>()
                .map(Dynamic::from)
                .map_err(|_| bad("an integer", &default.to_string()))
        } else if default.is_float() {
            given
                .parse::<f64>()
                .map(Dynamic::from)
                .map_err(|_| bad("a number", &default.to_string()))
        } else if default.is_bool() {
            match given.as_str() {
                "true" | "1" | "yes" | "on" => Ok(true.into()),
                "false" | "0" | "no" | "off" => Ok(false.into()),
                _ => Err(bad("true or false", "true")),
            }
        } else if default.is_string() {
            let d = default.to_string();
            // A default that is a CIDR makes the parameter one: catch "10.9.0.0/33" here.
            if d.contains('/') && parse_cidr(&d).is_ok() {
                if let Err(e) = parse_cidr(given) {
                    return Err(DslError::new(
                        "netsh::param",
                        format!("parameter {name}: {}", e.message),
                        format!("pass an address with its prefix, like the default: -p {name}={d}"),
                    ));
                }
            }
            Ok(given.clone().into())
        } else {
            Ok(given.clone().into())
        }
    }
}

/// `subnet_addr("10.1.1.0/24", 2)` is `"10.1.1.2/24"`. An IPv4 subnet's first (network) and
/// last (broadcast) addresses are no host's: the kernel takes them on a link, and then refuses to
/// send to the broadcast one (EACCES), far from the mistake.
pub(crate) fn subnet_addr(subnet: &str, n: i64) -> Result<String, DslError> {
    let net = parse_cidr(subnet)?;
    let size: u128 = match net {
        IpNet::V4(_) => 1u128 << (32 - net.prefix_len()),
        IpNet::V6(_) => 1u128 << (128 - net.prefix_len()).min(127),
    };
    // /31 (point to point) and /32 have neither network nor broadcast address (RFC 3021).
    let ends = matches!(net, IpNet::V4(_)) && net.prefix_len() <= 30;
    if ends && (n == 0 || n as u128 == size - 1) {
        let what = if n == 0 { "network" } else { "broadcast" };
        return Err(DslError::new(
            "netsh::address",
            format!(
                "host number {n} of {} is its {what} address, not a host's",
                net.trunc()
            ),
            format!(
                "pick a number from 1 to {}, or pass a larger subnet",
                size - 2
            ),
        ));
    }
    if n < 0 || (n as u128) >= size {
        return Err(DslError::new(
            "netsh::address",
            format!(
                "host number {n} is outside {} ({size} addresses)",
                net.trunc()
            ),
            format!("pick a number from 1 to {}", size.saturating_sub(2).max(1)),
        ));
    }
    let ip = match net.network() {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a) + n as u32).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a) + n as u128).into()),
    };
    Ok(format!("{ip}/{}", net.prefix_len()))
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("param")
        .with_comments([
            "/// param(key, default) -> value",
            "/// a script parameter (-p key=value), of the default's type",
        ])
        .register_named(
            engine,
            ["key", "default"],
            move |ctx: NativeCallContext, name: &str, default: Dynamic| -> R<Dynamic> {
                let r = s.borrow_mut().param(name, default, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
    FuncRegistration::new("subnet_addr")
        .with_comments([
            "/// subnet_addr(subnet, n) -> string",
            "/// the n-th address of a subnet, with its prefix",
        ])
        .register_named(
            engine,
            ["subnet", "n"],
            |ctx: NativeCallContext, subnet: &str, n: i64| -> R<String> {
                subnet_addr(subnet, n).or_else(|e| fail(&ctx, e))
            },
        );
    FuncRegistration::new("ip_of")
        .with_comments([
            "/// ip_of(cidr) -> string",
            "/// the address of a CIDR, without its prefix",
        ])
        .register_named(
            engine,
            ["cidr"],
            |ctx: NativeCallContext, cidr: &str| -> R<String> {
                parse_cidr(cidr)
                    .map(|n| n.addr().to_string())
                    .or_else(|e| fail(&ctx, e))
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_addresses() {
        assert_eq!(subnet_addr("10.1.0.0/16", 257).unwrap(), "10.1.1.1/16");
        assert_eq!(subnet_addr("10.9.0.0/24", 2).unwrap(), "10.9.0.2/24");
        assert!(subnet_addr("10.9.0.0/24", 256).is_err());
        // The ends of an IPv4 subnet are no host's; a /31 has no ends.
        let e = subnet_addr("10.1.1.0/30", 3).unwrap_err();
        assert_eq!(
            e.message,
            "host number 3 of 10.1.1.0/30 is its broadcast address, not a host's"
        );
        assert!(subnet_addr("10.1.1.0/24", 0).is_err());
        assert_eq!(subnet_addr("10.1.1.0/31", 0).unwrap(), "10.1.1.0/31");
        assert_eq!(subnet_addr("fd00::/64", 0).unwrap(), "fd00::/64");
    }
}
