//! `Probe`: the checks a script runs against the lab (ping, exec), and `Print`, its output.

use crate::sys::{Failure, Netns};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingMode {
    /// `ping`: a read; true or false.
    Probe,
    /// `assert_ping`: must get through.
    Expect,
    /// `assert_no_ping`: must not get through.
    ExpectNot,
    /// `pingall`: a read, with a short bound (many pairs, some expected to fail).
    Sweep,
}

/// What `exec` keeps of each of a command's output streams; the rest is counted in `cut`.
pub const CAPTURE_LIMIT: usize = 16 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub code: i64,
    pub out: String,
    pub err: String,
    /// Bytes of stdout and stderr past [`CAPTURE_LIMIT`], read and dropped.
    pub cut: [u64; 2],
}

/// One row of a sweep: from `from` (whose own address is `back`) to each stack of `to`, at
/// its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepRow {
    pub from: Netns,
    pub back: Option<IpAddr>,
    pub to: Vec<(Netns, IpAddr)>,
}

pub trait Probe {
    /// Send echo requests from `ns` to `dst`, bounded in time, retried briefly.
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure>;
    fn exec(&mut self, ns: &Netns, cmd: &str) -> Result<ExecOutput, Failure>;
    /// Drop the neighbour entry `ns` keeps for `addr` on the link that reaches it directly,
    /// unless it is permanent. A sweep calls it after each pair: every namespace's entries
    /// share one kernel table, which holds 1024 entries younger than 5 s by default, so a
    /// matrix of every pair would fill it and leave later pairs unresolved. A backend without
    /// a kernel has nothing to drop.
    fn forget_neighbour(&mut self, _ns: &Netns, _addr: IpAddr) {}
    /// Before a sweep of `stacks`: wait, bounded, for their links still coming up (a backend
    /// without a kernel has none).
    fn settle(&mut self, _stacks: &[Netns]) {}
    /// Rows of a sweep, each with a sweep's bound, then the neighbour entries they made
    /// dropped (in each source and, for its `back` address, in each target). Which answered,
    /// row by row in the order of `to`. By default one pair after another; a kernel backend
    /// pings a row at once and the rows together.
    fn ping_rows(&mut self, rows: &[SweepRow]) -> Vec<Vec<bool>> {
        let mut out = vec![];
        for r in rows {
            let mut oks = vec![];
            for (to, a) in &r.to {
                oks.push(self.ping(&r.from, *a, PingMode::Sweep).unwrap_or(false));
                self.forget_neighbour(&r.from, *a);
                if let Some(b) = r.back {
                    self.forget_neighbour(to, b);
                }
            }
            out.push(oks);
        }
        out
    }
}

pub trait Print {
    /// `print` from the script.
    fn echo(&mut self, text: &str);
}
