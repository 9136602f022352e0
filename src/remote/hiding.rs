//! The kernel as `why` across machines reads it on the controller: an unnamed namespace
//! (`pid:…`) that holds a machine's ssh address is that machine seen from here (the test
//! harness's machines, a machine in a container), not a stack of this one; it is left out,
//! so that the walk stops at the tunnel that leads to it and the machine itself goes on.

use crate::sys::Netns;
use crate::why::delegate::Delegate;
use crate::why::kernel::Kernel;
use std::net::IpAddr;

pub(crate) struct Hiding<'a> {
    pub(crate) inner: &'a mut dyn Kernel,
    /// The machines' addresses.
    pub(crate) machines: Vec<IpAddr>,
}

impl Hiding<'_> {
    fn hidden(&mut self, ns: &Netns) -> bool {
        if !matches!(ns, Netns::Adopted(_)) || self.machines.is_empty() {
            return false;
        }
        let machines = self.machines.clone();
        self.inner
            .view(ns)
            .is_some_and(|v| machines.iter().any(|m| v.addr_owner(*m).is_some()))
    }
}

impl Delegate for Hiding<'_> {
    fn inner(&mut self) -> &mut dyn Kernel {
        self.inner
    }
    fn shown(&mut self) -> Vec<Netns> {
        let all = self.inner.namespaces();
        all.into_iter().filter(|ns| !self.hidden(ns)).collect()
    }
}
