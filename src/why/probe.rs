//! The analysis, then the real probe that confirms it (only to the address the user named).

use super::live::Live;
use super::{walk, Report};
use crate::plan::{Backend, Netns, PingMode};
use std::net::IpAddr;

/// `why`: walk the path, then ping `dst` from `src` once (bounded). Without a kernel (a dry
/// run) the report is neutral: nothing evaluated, no probe.
pub fn why(backend: &mut dyn Backend, src: &Netns, dst: IpAddr, probe: bool) -> Report {
    let mut live = Live::new(backend);
    if !live.evaluates() {
        return Report {
            src: src.to_string(),
            dst: dst.to_string(),
            ..Report::default()
        };
    }
    let mut r = walk(&mut live, src, dst);
    if !probe {
        return r;
    }
    let got = live
        .backend
        .ping(src, dst, PingMode::Probe)
        .unwrap_or(false);
    r.probe = Some(got);
    match (r.clear(), got) {
        (true, false) => {
            // After the probe, the neighbour table says which next hop never answered ARP.
            let hops = r.next_hops.clone();
            let silent = hops.into_iter().find_map(|(ns, dev, ip)| {
                let st = live.backend.neighbour(&ns, &dev, ip).ok().flatten()?;
                matches!(st.as_str(), "FAILED" | "INCOMPLETE").then_some((ns, dev, ip, st))
            });
            match silent {
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
        }
        _ => {}
    }
    r
}
