//! The checks a script runs (ping, exec) and its output, on the kernel.

use super::backend::Netlink;
use super::{exec, ping};
use crate::plan::{Echo, ExecOutput, PingMode, Print, Probe, SweepRow};
use crate::sys::{Failure, Netns};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long the first echo, sent once the first hop is ready, has to come back before every
/// hop of the path is made ready too.
const QUICK: Duration = Duration::from_millis(100);
/// How long a sweep waits, at most, for the links of its stacks still coming up.
const SETTLE: Duration = Duration::from_secs(10);
/// How far that walk goes.
const MAX_HOPS: usize = 8;

impl Probe for Netlink {
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure> {
        self.ping_as(ns, dst, mode, ping::fresh_id())
    }

    fn ping_echo(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<Echo, Failure> {
        self.ping_echo_as(ns, dst, mode, ping::fresh_id())
    }

    fn forget_neighbour(&mut self, ns: &Netns, addr: IpAddr) {
        if let IpAddr::V4(a) = addr {
            self.forget_neighbours(&[(ns.clone(), a)]);
        }
    }

    fn settle(&mut self, stacks: &[Netns]) {
        self.settle_links(stacks, Instant::now() + SETTLE);
    }

    fn ping_rows(&mut self, rows: &[SweepRow]) -> Vec<Vec<bool>> {
        self.sweep_rows(rows)
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

impl Netlink {
    /// `Probe::ping` with echo requests carrying identifier `id`: what a capture of the probe
    /// matches (`why`'s packet evidence).
    pub(crate) fn ping_as(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        mode: PingMode,
        id: u16,
    ) -> Result<bool, Failure> {
        self.ping_echo_as(ns, dst, mode, id).map(Echo::answered)
    }

    /// `ping_as`, with what the ping observed when no reply came.
    pub(crate) fn ping_echo_as(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        mode: PingMode,
        id: u16,
    ) -> Result<Echo, Failure> {
        // Bounded. Echoes go out every 200 ms until the first reply, so a reply lost on the way
        // is retried; but first the path is made ready (see `settle`), within three quarters
        // of the bound: its first hop before the first echo, every hop when that echo gets no
        // quick reply.
        let total = match mode {
            PingMode::ExpectNot => Duration::from_millis(1200),
            PingMode::Probe => Duration::from_millis(3000),
            PingMode::Expect => Duration::from_millis(10000),
            PingMode::Sweep => Duration::from_millis(2000),
        };
        let deadline = Instant::now() + total;
        let settle_by = deadline - total / 4;
        let IpAddr::V4(v4) = dst else {
            return self.echoes(ns, dst, deadline, id);
        };
        self.prepare_path(ns, v4, settle_by, 1);
        let quick = (Instant::now() + QUICK).min(deadline);
        if self.echoes(ns, dst, quick, id)? == Echo::Reply {
            return Ok(Echo::Reply);
        }
        self.prepare_path(ns, v4, settle_by, MAX_HOPS);
        self.echoes(ns, dst, deadline, id)
    }

    /// Echo requests every 200 ms until the first reply or `deadline`.
    fn echoes(
        &mut self,
        ns: &Netns,
        dst: IpAddr,
        deadline: Instant,
        id: u16,
    ) -> Result<Echo, Failure> {
        let left = deadline.saturating_duration_since(Instant::now());
        ping::ping_echo_as(
            ns.path().as_deref(),
            dst,
            left,
            Duration::from_millis(200),
            id,
        )
        .map_err(|e| Failure::from_io(&e))
    }
}

impl Print for Netlink {
    fn echo(&mut self, text: &str) {
        println!("{text}");
    }
}
