//! `fwd to "dev"` in a netdev chain: the rule hands the frame to another device's transmit
//! queue, and the stack never sees it (nf_tables' fwd expression steals it). The device is an
//! ifindex an `immediate` loads into the register `fwd` reads.

use super::expr::Expr;
use super::foreign::ForeignChain;

// NFTA_FWD_SREG_DEV, NFTA_IMMEDIATE_DREG, NFTA_IMMEDIATE_DATA.
const FWD_SREG_DEV: u16 = 1;
const IMM_DREG: u16 = 1;
const IMM_DATA: u16 = 2;

/// The ifindex rule `exprs` forwards the frame to (a `fwd` rule), if it is one.
pub(crate) fn fwd_dev(exprs: &[Expr]) -> Option<u32> {
    let reg = exprs.iter().find(|e| e.name == "fwd")?.u32(FWD_SREG_DEV)?;
    let imm = exprs
        .iter()
        .rev()
        .find(|e| e.name == "immediate" && e.u32(IMM_DREG) == Some(reg))?;
    let v = imm.value(IMM_DATA)?;
    Some(u32::from_ne_bytes(v.get(..4)?.try_into().ok()?))
}

impl ForeignChain {
    /// The ifindex rule `handle` of this chain forwards the frame to, when it is a `fwd` rule.
    pub(crate) fn forwards_to(&self, handle: u64) -> Option<u32> {
        let (_, exprs) = self.listed.iter().find(|(h, _)| *h == handle)?;
        if !exprs.iter().any(|e| e.name == "fwd") {
            return None;
        }
        Some(fwd_dev(exprs).unwrap_or(0))
    }
}
