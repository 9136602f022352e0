//! Judging a plan without applying it: what a far machine answers before any machine changes
//! anything (a run across machines judges everywhere first, then applies everywhere).

use super::coalesce::coalesce;
use super::error::PlanError;
use super::flush::problem_at;
use super::judge::World;
use super::ledger::Ledger;
use super::observe::Observe;
use super::op::{Op, OpKind};
use super::verdict::Verdict;

/// Each coalesced op with its verdict, or the first refusal (at the call that asked for it).
pub(crate) fn judge_only(
    ops: Vec<Op>,
    backend: &mut dyn Observe,
    ledger: &dyn Ledger,
) -> Result<Vec<(OpKind, Verdict)>, PlanError> {
    let ops = coalesce(ops);
    let mut world = World::new(backend).tagged(ledger.tag());
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let judged = world
            .judge(&op, &|k| ledger.made(k))
            .map_err(|p| problem_at(&op, p))?;
        out.push((op.kind, judged.verdict));
    }
    Ok(out)
}
