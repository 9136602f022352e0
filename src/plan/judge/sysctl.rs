//! Sysctls: set unless the kernel already holds the value.

use super::{in_place, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};
use crate::sys::Netns;

impl World<'_> {
    pub(super) fn judge_sysctl(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        let OpKind::Sysctl { ns, key, value } = op else {
            unreachable!("judge sends only sysctls here")
        };
        if self.fresh.contains(ns) {
            return Ok(Judged::apply(Verdict::Create, op));
        }
        if let Netns::Named(_) = ns {
            self.view(ns)?;
        }
        match self.backend.read_sysctl(ns, key)? {
            // The kernel reads and prints a many-number value with tabs: "20000\t30000".
            Some(v) if v.split_whitespace().eq(value.split_whitespace()) => {
                Ok(Judged::nothing(in_place(op, owned)))
            }
            _ => Ok(Judged::apply(Verdict::Create, op)),
        }
    }
}
