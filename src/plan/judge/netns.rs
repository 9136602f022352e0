//! Namespaces: `ns("a")` and its deletion.

use super::{in_place, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};
use crate::plan::view::NsView;
use crate::sys::Netns;

impl World<'_> {
    pub(super) fn judge_netns(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        match op {
            OpKind::NetnsAdd { name } => {
                if self.named()?.contains(name) {
                    return Ok(Judged::nothing(in_place(op, owned)));
                }
                self.named()?.insert(name.clone());
                let ns = Netns::Named(name.clone());
                self.views.insert(ns.clone(), NsView::fresh());
                self.fresh.insert(ns);
                Ok(Judged::apply(Verdict::Create, op))
            }
            OpKind::NetnsDel { name } => {
                if !self.named()?.remove(name) {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                self.views.remove(&Netns::Named(name.clone()));
                Ok(Judged::apply(Verdict::Change, op))
            }
            _ => unreachable!("judge sends only namespace ops here"),
        }
    }
}
