//! FDB entries with a remote, on a VXLAN device: head-end replication.

use super::{in_place, kind_words, refuse, Fdb, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};
use crate::sys::LinkKind;
use crate::sys::Netns;

impl World<'_> {
    pub(super) fn judge_fdb(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        match op {
            OpKind::FdbAdd { ns, dev, mac, dst } => {
                let l = self.need_link(ns, dev)?;
                if l.kind != Some(LinkKind::Vxlan) {
                    return Err(refuse(
                        format!("{dev} on {ns} is {}, not a vxlan: fdb entries with a dst are a VXLAN's", kind_words(&l)),
                        "pass the vxlan device, e.g. fdb(vxlan(\"vxlan1\", ...), #{ mac: \"00:00:00:00:00:00\", dst: \"172.31.131.150\" })",
                    ));
                }
                let entry = (dev.clone(), mac.clone(), *dst);
                let have = self.fdb_of(ns)?;
                if have.contains(&entry) {
                    return Ok(Judged::nothing(in_place(op, owned)));
                }
                have.push(entry);
                Ok(Judged::apply(Verdict::Create, op))
            }
            OpKind::FdbDel { ns, dev, mac, dst } => {
                let entry = (dev.clone(), mac.clone(), *dst);
                let have = self.fdb_of(ns)?;
                match have.iter().position(|e| *e == entry) {
                    Some(i) => {
                        have.remove(i);
                        Ok(Judged::apply(Verdict::Change, op))
                    }
                    None => Ok(Judged::nothing(Verdict::Unchanged)),
                }
            }
            _ => unreachable!("judge sends only fdb ops here"),
        }
    }

    /// The FDB entries of a namespace, read once per flush (none in a namespace it creates).
    pub(super) fn fdb_of(&mut self, ns: &Netns) -> Result<&mut Vec<Fdb>, Problem> {
        if !self.fdb.contains_key(ns) {
            let known = if self.fresh.contains(ns) {
                vec![]
            } else {
                self.backend.fdb(ns)?
            };
            self.fdb.insert(ns.clone(), known);
        }
        Ok(self.fdb.get_mut(ns).unwrap())
    }
}
