//! The links a tunnel's outer packets cross at each end: the near VTEP's way out toward its
//! remote, and the far link that holds the remote (a veth cable, when the two are wired).

use super::kernel::Kernel;
use super::report::Report;
use super::words::link_call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `false` (said in `r`) when `out` in `at` or `far_link` in `far` is down.
#[allow(clippy::too_many_arguments)]
pub(crate) fn underlay_up(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    name: &str,
    out: &str,
    remote: IpAddr,
    far: &Netns,
    far_link: &str,
) -> bool {
    let ends = [
        (
            at,
            out,
            format!("the way out of {name} in {at} toward its remote {remote}"),
        ),
        (far, far_link, format!("it holds {name}'s remote {remote}")),
    ];
    for (ns, link, role) in ends {
        let down = k.links(ns).iter().any(|l| l.name == link && !l.up);
        if down {
            r.block(
                ns,
                format!("{link} in {ns} ({role}) is down: the tunnel's underlay is cut"),
                Some(link_call(ns, link, "up()")),
            );
            return false;
        }
    }
    true
}
