//! The fixes for a packet the reverse-path filter drops. With no route back to the source at
//! all, no rp_filter mode passes it (loose mode wants some route back): the fix is the route
//! back, through the neighbour on the link it came in by that leads to the source, and
//! rp_filter 0 only the other way (the reply would still find no route). With a route back by
//! another link, loose mode (2) passes it.

use super::kernel::Kernel;
use super::owner::owner;
use super::route_fix::route_add;
use super::toward::{subnet_of, toward};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// What `reverse_path` says and fixes: words added to the cause, the fix, the other way.
pub(crate) struct RpFix {
    pub(crate) words: String,
    pub(crate) fix: Option<String>,
    pub(crate) other: Option<String>,
}

/// The fixes at `at` for a packet from `src` to `dst` arriving on `iif`; `routed`: it has a
/// route back. A host's own way back by `iif`, in a table no rule looks up any more, is put
/// back by its rule, loose mode the other way.
pub(crate) fn rp_fix(
    k: &mut dyn Kernel,
    at: &Netns,
    (src, dst): (IpAddr, IpAddr),
    iif: &str,
    routed: bool,
) -> RpFix {
    let loose = call(at, "sysctl(\"net.ipv4.conf.all.rp_filter\", 2)");
    if let Some((words, rule)) = super::rp_table::unlooked_table(k, at, src, dst, iif) {
        // Loose mode passes it only while some route leads back.
        let other = if routed {
            Some(loose)
        } else {
            rp_off(k, at, iif)
        };
        return RpFix {
            words,
            fix: Some(rule),
            other,
        };
    }
    if routed {
        return RpFix {
            words: String::new(),
            fix: Some(loose),
            other: None,
        };
    }
    let off = rp_off(k, at, iif);
    match route_back(k, at, src, iif) {
        Some((words, fix)) => RpFix {
            words,
            fix: Some(fix),
            other: off,
        },
        None => RpFix {
            words: String::new(),
            fix: off,
            other: None,
        },
    }
}

/// `; n1 at 192.0.2.11 on ul routes 10.244.1.0/24` and the route through it: the neighbour on
/// `iif` closest to the namespace holding `src`.
fn route_back(k: &mut dyn Kernel, at: &Netns, src: IpAddr, iif: &str) -> Option<(String, String)> {
    let (holder, _) = owner(k, src)?;
    let net = subnet_of(k, &holder, src)?;
    let (n, gw) = toward(k, at, &holder, src.is_ipv4())?;
    let on_iif = k
        .view(at)?
        .addrs
        .iter()
        .any(|(l, a)| l == iif && a.contains(&gw));
    (on_iif && n != holder).then(|| {
        (
            format!("; {n} at {gw} on {iif} routes {net}"),
            route_add(at, &net, gw),
        )
    })
}

/// rp_filter 0 on `all` and on `iif`, each that is not 0 already (the kernel takes the larger).
fn rp_off(k: &mut dyn Kernel, at: &Netns, iif: &str) -> Option<String> {
    let fixes: Vec<String> = ["all", iif]
        .iter()
        .map(|w| format!("net.ipv4.conf.{w}.rp_filter"))
        .filter(|key| k.sysctl(at, key).is_some_and(|v| v.trim() != "0"))
        .map(|key| call(at, &format!("sysctl(\"{key}\", 0)")))
        .collect();
    (!fixes.is_empty()).then(|| fixes.join("; "))
}
