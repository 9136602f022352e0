//! `disjoint(#{ subnet, lan, internet, ... })`: a script declares which of its ranges (and single
//! addresses) must not overlap. Parameters are read one at a time, so only the script knows which
//! belong together; two that overlap would give duplicate addresses on one segment, or a check
//! that passes by the wrong path. The conflict points at the param() call of the value given
//! with -p, before anything is built.

use super::addr::{parse_cidr, parse_ip};
use super::error::{at, fail, DslError, R};
use super::named::Named;
use super::session::{Session, Shared};
use crate::sys::At;
use ipnet::IpNet;
use rhai::{Engine, FuncRegistration, Map, NativeCallContext};

/// A range, or an address as the one-address range it is.
fn range(name: &str, value: &str) -> Result<(IpNet, bool), DslError> {
    let named = |e: DslError| DslError {
        message: format!("{name}: {}", e.message),
        ..e
    };
    if value.contains('/') {
        return parse_cidr(value).map(|n| (n.trunc(), true)).map_err(named);
    }
    let ip = parse_ip(value, "address").map_err(named)?;
    Ok((IpNet::from(ip), false))
}

fn overlap(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

impl Session {
    pub(crate) fn disjoint(&self, ranges: &Map, call: At) -> Result<(), DslError> {
        let mut seen: Vec<(String, String, IpNet, bool)> = vec![];
        for (name, value) in ranges {
            let value = value.to_string();
            let (net, is_range) = range(name, &value)?;
            for (other, other_value, other_net, other_is_range) in &seen {
                if !overlap(&net, other_net) {
                    continue;
                }
                return Err(self.conflict(
                    (name, &value, is_range),
                    (other, other_value, *other_is_range),
                    call,
                ));
            }
            seen.push((name.to_string(), value, net, is_range));
        }
        Ok(())
    }

    /// The two that overlap, told from the side of the one given with -p (the one the user
    /// can change), at its param() call.
    fn conflict(&self, a: (&str, &str, bool), b: (&str, &str, bool), call: At) -> DslError {
        let given = |n: &str| self.params.contains_key(n);
        let (mine, theirs) = if given(b.0) && !given(a.0) {
            (b, a)
        } else {
            (a, b)
        };
        let (name, value, is_range) = mine;
        let (other, other_value, other_is_range) = theirs;
        let message = match (is_range, other_is_range) {
            (true, true) => format!("{name} {value} overlaps {other} {other_value}"),
            (false, true) => format!("{name} {value} is inside {other} {other_value}"),
            (true, false) => format!("{name} {value} holds {other} {other_value}"),
            (false, false) => format!("{name} and {other} are the same address, {value}"),
        };
        let pick = if is_range { "a range" } else { "an address" };
        DslError {
            code: "netsh::param",
            message: format!("{message}: the script needs them apart"),
            help: Some(format!(
                "pass -p {name}=… with {pick} outside {other} (and apart from the script's other ranges)"
            )),
            at: Some(self.params_at.get(name).copied().unwrap_or(call)),
        }
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("disjoint")
        .with_comments([
            "/// disjoint(#{ name: cidr_or_address, ... })",
            "/// fail unless no two of these ranges or addresses overlap (a parameter's at its param() call)",
        ])
        .register_named(
            engine,
            ["ranges"],
            move |ctx: NativeCallContext, ranges: Map| -> R<()> {
                let r = s.borrow().disjoint(&ranges, at(&ctx));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        range("x", s).unwrap().0
    }

    #[test]
    fn ranges_and_addresses_overlap_as_sets() {
        assert!(overlap(&net("10.1.0.0/16"), &net("10.1.1.0/24")));
        assert!(overlap(&net("10.1.1.0/24"), &net("10.1.0.0/16")));
        assert!(overlap(&net("10.1.1.7"), &net("10.1.1.0/24")));
        assert!(!overlap(&net("10.1.2.0/24"), &net("10.1.1.0/24")));
        // A host address with its prefix stands for its subnet.
        assert!(overlap(&net("10.1.1.9/24"), &net("10.1.1.0/25")));
    }
}
