//! `Backend`: what a script session drives — the plan's narrow traits (observe, apply, probe,
//! print) and, where there is a kernel, the reads `why` makes of it.

use crate::net::Netlink;
use crate::plan::simulated::{Output, Sim};
use crate::plan::{Builder, Print, Probe};
use crate::why::Kernel;

pub trait Backend: Builder + Probe + Print {
    /// The kernel `why` analyses; `None` without one (a dry run: neither reads nor prints).
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel>;
}

impl Backend for Netlink {
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel> {
        Some(self)
    }
}

impl<O: Output> Backend for Sim<O> {
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel> {
        None
    }
}
