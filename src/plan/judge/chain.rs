//! Firewall chains: a built-in chain's policy (set unless the kernel already has it) and user
//! chains (made, or adopted when one of the name is there).

use super::{in_place, Owned, Problem, World};
use crate::plan::op::OpKind;
use crate::plan::verdict::{Judged, Verdict};
use crate::sys::Netns;

impl World<'_> {
    pub(super) fn judge_chain(&mut self, op: &OpKind, owned: Owned) -> Result<Judged, Problem> {
        match op {
            OpKind::Policy {
                ns,
                table,
                chain,
                policy,
            } => self.judge_policy(op, owned, ns, (table, chain), policy),
            OpKind::ChainAdd { ns, table, chain } => {
                let made = op.object_key().is_some_and(|k| self.made.contains(&k));
                if made {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                if self.fresh.contains(ns) {
                    return Ok(Judged::apply(Verdict::Create, op));
                }
                self.need_named(ns)?;
                if self.backend.fw_chain(ns, table, chain)?.is_some() {
                    return Ok(Judged::nothing(in_place(op, owned)));
                }
                Ok(Judged::apply(Verdict::Create, op))
            }
            OpKind::ChainDel { ns, table, chain } => {
                if self.fresh.contains(ns) || !self.has_named(ns)? {
                    return Ok(Judged::nothing(Verdict::Unchanged));
                }
                match self.backend.fw_chain(ns, table, chain)? {
                    Some(_) => Ok(Judged::apply(Verdict::Change, op)),
                    None => Ok(Judged::nothing(Verdict::Unchanged)),
                }
            }
            _ => unreachable!("judge sends only policies and chains here"),
        }
    }

    fn judge_policy(
        &mut self,
        op: &OpKind,
        owned: Owned,
        ns: &Netns,
        (table, chain): (&str, &str),
        policy: &str,
    ) -> Result<Judged, Problem> {
        let key = (ns.clone(), table.to_string(), chain.to_string());
        // What this plan set before wins over what the kernel has now.
        let now = match self.policies.insert(key, policy.to_string()) {
            Some(p) if p == policy => return Ok(Judged::nothing(Verdict::Unchanged)),
            Some(_) => None,
            None if self.fresh.contains(ns) => None,
            None => {
                self.need_named(ns)?;
                let c = self.backend.fw_chain(ns, table, chain)?;
                c.and_then(|c| c.policy)
            }
        };
        if now.as_deref() == Some(policy) {
            return Ok(Judged::nothing(in_place(op, owned)));
        }
        Ok(Judged::apply(Verdict::Create, op))
    }
}
