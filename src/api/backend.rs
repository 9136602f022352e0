//! `Backend`: what a script session drives — the plan's narrow traits (observe, apply, probe,
//! print) and, where there is a kernel, the reads `why` makes of it.

use crate::firewall::legacy::Driver;
use crate::net::Netlink;
use crate::plan::simulated::{Output, Sim};
use crate::plan::{Builder, Print, Probe};
use crate::sys::Netns;
use crate::why::Kernel;

pub trait Backend: Builder + Probe + Print {
    /// The kernel `why` analyses; `None` without one (a dry run: neither reads nor prints).
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel>;
    /// The driver a stack's firewall goes through; `None` without a kernel.
    fn firewall_driver(&mut self, _ns: &Netns) -> Option<Driver> {
        None
    }
}

impl Backend for Netlink {
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel> {
        Some(self)
    }

    fn firewall_driver(&mut self, ns: &Netns) -> Option<Driver> {
        Netlink::firewall_driver(self, ns)
    }
}

impl<O: Output> Backend for Sim<O> {
    fn why_kernel(&mut self) -> Option<&mut dyn Kernel> {
        None
    }
}
