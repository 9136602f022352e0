//! Routes of the main table: one per destination, through a gateway on an attached subnet.

use super::{in_place, refuse, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::render::dst_text;
use crate::plan::verdict::{Judged, Verdict};
use crate::plan::view::RouteView;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

impl World<'_> {
    pub(super) fn judge_route(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        match op {
            OpKind::RouteAdd { ns, dst, via, dev } => {
                self.judge_route_add(op, owned, ns, dst, via, dev)
            }
            OpKind::RouteDel { ns, dst, .. } => {
                let v = self.view(ns)?;
                let before = v.routes.len();
                v.routes.retain(|r| r.dst != *dst);
                if v.routes.len() == before {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                Ok(Judged::apply(Verdict::Change, op))
            }
            _ => unreachable!("judge sends only route ops here"),
        }
    }

    fn judge_route_add(
        &mut self,
        op: &OpKind,
        owned: Owned,
        ns: &Netns,
        dst: &IpNet,
        via: &Option<IpAddr>,
        dev: &Option<String>,
    ) -> Result<Judged, Problem> {
        if let Some(d) = dev {
            self.need_link(ns, d)?;
        }
        let v = self.view(ns)?;
        if let Some(gw) = via {
            if !v.on_link(*gw) {
                return Err(refuse(
                    format!("cannot add route {} via {gw} on {ns}: {gw} is on no subnet attached there", dst_text(dst)),
                    format!("give a link of {ns} an address in {gw}'s subnet first, or route via an address that is on one"),
                ));
            }
        }
        if let Some(r) = v.routes.iter().find(|r| r.dst == *dst) {
            let same = r.via == *via && (dev.is_none() || r.dev == *dev);
            if same {
                return Ok(Judged::nothing(in_place(op, owned)));
            }
            return Err(refuse(
                format!(
                    "cannot add route {} on {ns}: it already routes {} {}",
                    dst_text(dst),
                    dst_text(dst),
                    held_by(r)
                ),
                "delete the existing route first (.del_route(...)), or pick another destination"
                    .to_string(),
            ));
        }
        v.routes.push(RouteView {
            dst: *dst,
            via: *via,
            dev: dev.clone(),
        });
        Ok(Judged::apply(Verdict::Create, op))
    }
}

/// Where an existing route sends its destination, in the words of `ip route`.
fn held_by(r: &RouteView) -> String {
    match (&r.via, &r.dev) {
        (Some(g), _) => format!("via {g}"),
        (None, Some(d)) => format!("dev {d}"),
        _ => "elsewhere".to_string(),
    }
}
