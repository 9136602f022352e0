//! Macvlan links (Docker's macvlan driver): a child sends through its parent. Children of one
//! parent talk to each other only in bridge mode (private never; VEPA through the switch's
//! hairpin), and never to the parent's own addresses.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_find::{find, peer};
use super::report::Report;
use super::words::{call, link_call};
use crate::sys::Netns;

/// The parent of `l` (a macvlan in `ns`): (namespace, link).
pub(crate) fn parent(
    k: &mut dyn Kernel,
    ns: &Netns,
    l: &LinkDetail,
) -> Option<(Netns, LinkDetail)> {
    l.macvlan_mode.as_ref()?;
    peer(k, ns, l)
}

/// A frame from the macvlan `d` in `at` toward `to_link` in `to`: `Err(ok)` when settled
/// here (said in `r`), `Ok((ns, parent))` when it goes on out of the parent.
pub(crate) fn out_of(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, d): (&Netns, &LinkDetail),
    to: &Netns,
    to_link: &str,
) -> Result<(Netns, String), bool> {
    let Some((pns, p)) = parent(k, at, d) else {
        r.hop(
            at,
            format!(
                "{}: a macvlan whose parent is not here, not followed",
                d.name
            ),
        );
        return Err(true);
    };
    if !p.up {
        r.block(
            &pns,
            format!(
                "{} in {pns}, the parent of the macvlan {} in {at}, is down",
                p.name, d.name
            ),
            Some(link_call(&pns, &p.name, "up()")),
        );
        return Err(false);
    }
    if pns == *to && p.name == to_link {
        return Err(to_parent(k, r, (at, d), (&pns, &p)));
    }
    let sibling = find(k, to, to_link)
        .filter(|t| parent(k, to, t).is_some_and(|(n, x)| n == pns && x.index == p.index));
    let Some(t) = sibling else {
        if super::macvlan_parent::wrong_parent(k, r, (at, d), (&pns, &p), (to, to_link)) {
            return Err(false);
        }
        r.hop(
            at,
            format!("{} is a macvlan of {} in {pns}", d.name, p.name),
        );
        return Ok((pns, p.name));
    };
    // A VEPA child's frames come back from a switch port that hairpins.
    let hairpin = switch_hairpins(k, &pns, &p);
    let apart: Vec<(&Netns, &LinkDetail, String)> = [(at, d), (to, &t)]
        .into_iter()
        .map(|(n, l)| (n, l, l.macvlan_mode.clone().unwrap_or_default()))
        .filter(|(_, _, m)| m == "private" || (m == "vepa" && !hairpin))
        .collect();
    if let Some((ns, _, mode)) = apart.first() {
        let how = if mode == "private" {
            "a private macvlan talks to none of its siblings"
        } else {
            "a VEPA macvlan reaches its siblings only through a switch that sends frames back (hairpin)"
        };
        let who: Vec<String> = apart
            .iter()
            .map(|(n, l, _)| format!("{} in {n}", l.name))
            .collect();
        let (is, modes) = match apart.as_slice() {
            [(_, _, m)] => ("is a macvlan", format!("{m} mode")),
            [(_, _, a), (_, _, b)] if a == b => ("are macvlans", format!("{a} mode")),
            [(_, _, a), (_, _, b)] => ("are macvlans", format!("{a} and {b} modes")),
            _ => ("are macvlans", String::new()),
        };
        // Every child that keeps the frame from its sibling goes to bridge mode.
        let fix: Vec<String> = apart
            .iter()
            .map(|(n, l, _)| {
                call(
                    n,
                    &format!("sh(\"ip link set {} type macvlan mode bridge\")", l.name),
                )
            })
            .collect();
        r.block(
            *ns,
            format!(
                "{} {is} of {} in {pns} in {modes}: {how}",
                who.join(" and "),
                p.name
            ),
            Some(fix.join("; ")),
        );
        return Err(false);
    }
    let how = match hairpin {
        true => "their frames come back through the switch port, which hairpins",
        false => "in bridge mode",
    };
    r.hop(
        at,
        format!(
            "{} and {to_link} in {to} are macvlans of {} in {pns} {how}",
            d.name, p.name
        ),
    );
    Err(true)
}

/// Whether the parent `p` is a veth whose other end is a bridge port that hairpins.
pub(crate) fn switch_hairpins(k: &mut dyn Kernel, pns: &Netns, p: &LinkDetail) -> bool {
    let Some((sns, s)) = peer(k, pns, p) else {
        return false;
    };
    s.master.is_some()
        && k.l2(&sns)
            .iter()
            .any(|l| l.name == s.name && l.port_hairpin)
}

/// The macvlan `d` sends to an address of its own parent `p`: never delivered.
fn to_parent(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, d): (&Netns, &LinkDetail),
    (pns, p): (&Netns, &LinkDetail),
) -> bool {
    // The parent's addresses belong on a macvlan of its own (a shim), in bridge mode.
    let addr = k.view(pns).and_then(|v| {
        v.addrs
            .iter()
            .find(|(l, a)| *l == p.name && a.addr().is_ipv4())
            .map(|(_, a)| format!("{}/{}", a.addr(), a.prefix_len()))
    });
    let shim = k.links(pns).into_iter().find(|l| {
        l.macvlan_mode.as_deref() == Some("bridge")
            && l.peer_index == Some(p.index)
            && l.peer_ns.is_none()
    });
    let fix = addr.map(|a| {
        let (make, name) = match &shim {
            Some(s) => (String::new(), s.name.clone()),
            None => (
                format!("ip link add shim0 link {} type macvlan mode bridge && ", p.name),
                "shim0".to_string(),
            ),
        };
        call(
            pns,
            &format!(
                "sh(\"ip addr del {a} dev {} && {make}ip addr add {a} dev {name} && ip link set {name} up\")",
                p.name
            ),
        )
    });
    r.block(
        pns,
        format!(
            "the address is on {} in {pns}, the parent of the macvlan {} in {at}: a macvlan \
             never reaches its parent's own addresses (give them to a macvlan of the parent)",
            p.name, d.name
        ),
        fix,
    );
    false
}
