//! The checks a script runs (ping, exec) and its output, on the kernel.

use super::backend::Netlink;
use super::{exec, ping};
use crate::plan::{ExecOutput, PingMode, Print, Probe};
use crate::sys::{Failure, Netns};
use std::net::IpAddr;
use std::time::Duration;

impl Probe for Netlink {
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure> {
        // Bounded; echoes every 200 ms and the first reply ends it, so a first ARP lost while
        // bridge ports come up is retried. An expected reply may wait longer: on a bridge with
        // a thousand new ports, linkwatch takes seconds to bring their carriers up.
        let total = match mode {
            PingMode::ExpectNot => Duration::from_millis(1200),
            PingMode::Probe => Duration::from_millis(3000),
            PingMode::Expect => Duration::from_millis(10000),
            PingMode::Sweep => Duration::from_millis(2000),
        };
        ping::ping(ns.path().as_deref(), dst, total, Duration::from_millis(200))
            .map_err(|e| Failure::from_io(&e))
    }

    fn exec(&mut self, ns: &Netns, cmd: &str) -> Result<ExecOutput, Failure> {
        let o = exec::exec(
            ns.path().as_deref(),
            cmd,
            Duration::from_secs(60),
            &self.cancel,
        )
        .map_err(|e| Failure::from_io(&e))?;
        Ok(ExecOutput {
            code: o.code as i64,
            out: o.out,
            err: o.err,
            cut: o.cut,
        })
    }
}

impl Print for Netlink {
    fn echo(&mut self, text: &str) {
        println!("{text}");
    }
}
