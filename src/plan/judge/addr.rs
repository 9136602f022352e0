//! Addresses: one IP is held by one link of a namespace.

use super::{in_place, refuse, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};

impl World<'_> {
    pub(super) fn judge_addr(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        match op {
            OpKind::AddrAdd { ns, link, addr } => {
                self.need_link(ns, link)?;
                let v = self.view(ns)?;
                if let Some((owner, held)) = v.addr_owner(addr.addr()) {
                    if owner == link && held == addr {
                        return Ok(Judged::nothing(in_place(op, owned)));
                    }
                    return Err(refuse(
                        format!("cannot add {addr} to {link} on {ns}: {owner} already holds {held}"),
                        format!("pick another address, or remove it from {owner} first (.del_addr(\"{held}\"))"),
                    ));
                }
                v.addrs.push((link.clone(), *addr));
                Ok(Judged::apply(Verdict::Create, op))
            }
            OpKind::AddrDel { ns, link, addr } => {
                let v = self.view(ns)?;
                let before = v.addrs.len();
                v.addrs.retain(|(l, a)| !(l == link && a == addr));
                if v.addrs.len() == before {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                Ok(Judged::apply(Verdict::Change, op))
            }
            _ => unreachable!("judge sends only address ops here"),
        }
    }
}
