//! A netdev chain's `fwd to "dev"` rule (a capture or mirror tool's leftover, meant as `dup`):
//! the frame is handed to another device and never reaches the stack. Named by the device it
//! goes to; its rule is the break (`nft_early` gives the fix: the rule deleted).

use super::kernel::Kernel;
use crate::firewall::nft::foreign::ForeignChain;
use crate::sys::Netns;

/// The device rule `by` of `c` forwards the frame to, in words (`cap0`), when it is a `fwd`.
pub(crate) fn fwd_to(
    k: &mut dyn Kernel,
    ns: &Netns,
    c: &ForeignChain,
    by: Option<u64>,
) -> Option<String> {
    let index = c.forwards_to(by?)?;
    let name = k
        .links(ns)
        .into_iter()
        .find(|l| l.index == index)
        .map(|l| l.name);
    Some(name.unwrap_or_else(|| format!("the device of ifindex {index}")))
}
