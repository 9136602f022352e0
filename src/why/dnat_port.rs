//! A port forward to a port nothing listens on: the DNAT sent the SYN to `ADDR:PORT`, the
//! host answered with a RST, and a socket there listens on another port. The rule is the
//! fault, replaced in place with the port that serves.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use std::net::IpAddr;

/// Blames the TCP probe's DNAT (said in `r`) when it sent the SYN to `served` on `to` (held
/// in `at`) and `ports` are what listens there; false when there is no such DNAT.
pub(crate) fn wrong(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, to, served): (&str, IpAddr, u16),
    ports: &[u16],
) -> bool {
    let Some((ns, rule, old, new)) = r.dnat_by.clone() else {
        return false;
    };
    if new != served || ports.is_empty() || ports.contains(&served) {
        return false;
    }
    // The port asked for, if it serves; else the one port that does.
    let right = match ports {
        _ if ports.contains(&old) => Some(old),
        [one] => Some(*one),
        _ => None,
    };
    let fix = right.and_then(|p| replaced(k, &ns, &rule, &format!("{to}:{p}")));
    r.block(
        &ns,
        format!(
            "{ns}'s DNAT rule `{}` sends TCP port {old} on to {to}:{new}, but nothing listens on port {new} in {at} (it listens on TCP {}): {at} answers the SYN with a RST",
            rule.text(),
            list(ports)
        ),
        fix,
    );
    true
}

/// `80, 443`.
pub(crate) fn list(ports: &[u16]) -> String {
    let v: Vec<String> = ports.iter().map(u16::to_string).collect();
    v.join(", ")
}

/// The rule replaced in place (`iptables -R CHAIN N`) with `--to-destination TO`.
pub(crate) fn replaced(
    k: &mut dyn Kernel,
    ns: &crate::sys::Netns,
    rule: &super::traverse::At,
    to: &str,
) -> Option<String> {
    let ch = k.chain(ns, &rule.table, &rule.chain)?;
    let n = ch.rules.iter().position(|s| *s == rule.spec)? + 1;
    let mut w: Vec<String> = rule.spec.split_whitespace().map(String::from).collect();
    let i = w.iter().position(|x| x == "--to-destination")?;
    *w.get_mut(i + 1)? = to.to_string();
    let t = match rule.table.as_str() {
        "filter" => String::new(),
        t => format!("-t {t} "),
    };
    let cmd = format!("iptables {t}-R {} {n} {}", rule.chain, w.join(" "));
    Some(call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\""))))
}
