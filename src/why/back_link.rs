//! The reply's layer 2 to its next hop: the link it leaves by and the one it arrives on, each
//! up and with its veth's other end up (a link going down also took its routes with it, so
//! the way there may avoid it while the way back still leads through it).

use super::dead_peer::cut_off;
use super::kernel::Kernel;
use super::report::Report;
use super::words::link_call;
use crate::sys::Netns;

/// `false` (said in `r`) when the reply cannot cross from `dev` in `cur` to `nlink` in `nns`.
pub(crate) fn carries(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    nns: &Netns,
    nlink: &str,
) -> bool {
    for (ns, link) in [(cur, dev), (nns, nlink)] {
        if k.links(ns).iter().any(|l| l.name == link && !l.up) {
            r.block(
                ns,
                format!("{link} in {ns} is down, so the reply cannot cross it"),
                Some(link_call(ns, link, "up()")),
            );
            return false;
        }
        let what = format!("the reply crosses {link} in {ns}");
        if cut_off(k, r, ns, link, &what) {
            return false;
        }
    }
    true
}
