//! The analysis, then the real probe that confirms it (only to the address the user named).

use super::cached::Cached;
use super::kernel::Kernel;
use super::report::Report;
use super::walk::walk;
use crate::sys::Netns;
use std::net::IpAddr;

/// `why`: walk the path, then ping `dst` from `src` once (bounded). Without a kernel (a dry
/// run) the report is neutral: nothing evaluated, no probe.
pub(crate) fn why(
    kernel: Option<&mut dyn Kernel>,
    src: &Netns,
    dst: IpAddr,
    probe: bool,
) -> Report {
    let Some(kernel) = kernel else {
        return Report {
            src: src.to_string(),
            dst: dst.to_string(),
            ..Report::default()
        };
    };
    let mut live = Cached::new(kernel);
    let mut r = walk(&mut live, src, dst);
    if !probe {
        return r;
    }
    let before = super::counted::snapshot(&mut live, &r);
    let got = live.ping(src, dst);
    r.probe = Some(got);
    match (r.clear(), got) {
        (true, false) if super::counted::blame(&mut live, &mut r, &before) => {}
        (true, false) => {
            // After the probe, the neighbour table says which next hop never answered ARP.
            let hops = r.next_hops.clone();
            let silent = hops.into_iter().find_map(|(ns, dev, ip)| {
                let st = live.neighbour(&ns, &dev, ip)?;
                matches!(st.as_str(), "FAILED" | "INCOMPLETE").then_some((ns, dev, ip, st))
            });
            match silent {
                None if super::counted::suspect(&mut r) => {}
                Some((ns, dev, ip, st)) => r.block(
                    &ns,
                    format!("{ip} does not answer ARP on {dev} in {ns} (neighbour {st})"),
                    None,
                ),
                None => r.block(
                    src,
                    format!(
                        "the probe got no reply from {dst}, though every step above looks clear"
                    ),
                    None,
                ),
            }
        }
        (false, true) => {
            // The packet is the truth: what looked broken is not on this path.
            let thought = r.broken.take().unwrap_or_default();
            r.hop(
                src,
                format!("the probe got through nonetheless (the analysis thought: {thought})"),
            );
            r.fix = None;
            r.other_way = None;
        }
        _ => {}
    }
    r
}
