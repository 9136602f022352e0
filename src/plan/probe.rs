//! `Probe`: the checks a script runs against the lab (ping, exec), and `Print`, its output.

use crate::sys::{Failure, Netns};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecOutput {
    pub code: i64,
    pub out: String,
    pub err: String,
    /// Bytes of stdout and stderr past [`CAPTURE_LIMIT`], read and dropped.
    pub cut: [u64; 2],
}

/// One row of a sweep: from `from` (whose own address is `back`) to each stack of `to`, at
/// its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRow {
    pub from: Netns,
    pub back: Option<IpAddr>,
    pub to: Vec<(Netns, IpAddr)>,
}

/// What a ping observed: a reply, or why none came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Echo {
    Reply,
    /// The send was refused: ENETUNREACH (no route).
    NoRoute,
    /// The send was refused: EHOSTUNREACH (no neighbour answered ARP, or an unreachable route).
    HostUnreachable,
    /// An ICMP destination-unreachable for one of its echoes, from `from`, with its code.
    Unreachable {
        from: std::net::Ipv4Addr,
        code: u8,
    },
    /// Nothing came back within the bound.
    NoReply,
}

impl Echo {
    pub fn answered(self) -> bool {
        self == Echo::Reply
    }

    /// What the ping saw, in words (`no route`, `no reply`, …).
    pub fn words(self) -> String {
        match self {
            Echo::Reply => "a reply".into(),
            Echo::NoRoute => "no route".into(),
            Echo::HostUnreachable => "host unreachable".into(),
            Echo::Unreachable { from, code } => {
                let what = match code {
                    0 => "network unreachable",
                    1 => "host unreachable",
                    3 => "port unreachable",
                    9 | 10 | 13 => "administratively prohibited",
                    _ => "destination unreachable",
                };
                format!("{what} (ICMP from {from})")
            }
            Echo::NoReply => "no reply".into(),
        }
    }
}

pub trait Probe {
    /// Send echo requests from `ns` to `dst`, bounded in time, retried briefly.
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure>;
    /// `ping`, with what it observed when no reply came (a backend that cannot tell says
    /// `NoReply`).
    fn ping_echo(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<Echo, Failure> {
        let got = self.ping(ns, dst, mode)?;
        Ok(if got { Echo::Reply } else { Echo::NoReply })
    }
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
    /// `step("…")`: a section of the script begins (a dry run writes it as a comment).
    fn section(&mut self, _title: &str) {}
    /// The run is over: a dry run closes its script (before the summary is printed).
    fn end(&mut self) {}
}
