//! The agent's protocol: one JSON object a line on the agent's stdin (requests) and stdout
//! (replies). The agent speaks first, a `hello` with the protocol version; then each request
//! gets exactly one reply. The ops are the plan's own `Op`s.

use crate::lab::state::State;
use crate::plan::error::PlanError;
use crate::plan::flush::{Report, Tally};
use crate::plan::verdict::Verdict;
use crate::plan::{Echo, ExecOutput, Op, OpKind, PingMode, SweepRow};
use crate::sys::{At, Netns, ObjectKey};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Raised on any change a controller and an agent of the same version would not both read.
pub(crate) const PROTOCOL: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "req", rename_all = "snake_case")]
pub(crate) enum Request {
    /// The lab the requests that follow are about: its journal is opened (made) on the agent's
    /// machine, and what is applied from now on is what `rollback` undoes.
    Open {
        lab: String,
        script: Option<String>,
        /// The machine's name in the script (`h150`): what makes its bridges' MACs its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        machine: Option<String>,
    },
    /// Judge the ops against this machine; change nothing.
    Judge {
        ops: Vec<Op>,
    },
    /// Judge and apply the ops, journaled first as a local run does.
    Apply {
        ops: Vec<Op>,
    },
    /// Undo what was applied since `open`.
    Rollback,
    /// Remove everything the lab's journal here lists.
    Down,
    /// The lab's topology on this machine.
    Show,
    Bye,
    // Issue 15, part B: `show` and `why` across machines; both served without `open` (they
    // change nothing and take no lock).
    /// This machine's topology: the stacks `lab`'s journal here lists, or every stack.
    ShowLab {
        lab: Option<String>,
    },
    /// `why` continued on this machine: a frame from `src` to `dst` arriving over the VXLAN
    /// (VNI `vni`, UDP `port`) whose end here holds the underlay address `remote`.
    Why(FarWhy),
    /// A check from one of this machine's stacks: `Echo` answers.
    Ping {
        ns: Netns,
        dst: IpAddr,
        mode: PingMode,
    },
    /// `sh -c cmd` in one of this machine's stacks: `Ran` answers.
    Exec {
        ns: Netns,
        cmd: String,
    },
    // Issue 15, part E (protocol 2): `pingall` and `why` from a far machine's stacks.
    /// The address `pingall` pings each of these stacks at (its first IPv4 that is not
    /// loopback), read once their links have settled: `Addrs` answers.
    Addrs {
        stacks: Vec<Netns>,
    },
    /// Rows of a `pingall` whose sources are this machine's stacks: `Swept` answers.
    Sweep {
        rows: Vec<SweepRow>,
    },
    /// `why` started in one of this machine's stacks, served without `open`: `WhyFrom`
    /// answers.
    WhyFrom(WhyStart),
}

/// A `why` that starts on the agent's machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WhyStart {
    pub(crate) ns: Netns,
    pub(crate) dst: IpAddr,
    pub(crate) size: Option<usize>,
    /// The addresses of the lab's other machines (the controller's too): a stack seen here
    /// that holds one is that machine, not this one's (src/remote/hiding.rs).
    pub(crate) machines: Vec<IpAddr>,
}

/// This machine's part of a `why` that started here: its hops; where the packet left through
/// a tunnel to another machine (for the controller to go on there); the real probe's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WhyStarted {
    pub(crate) report: FarReport,
    pub(crate) other_way: Option<String>,
    pub(crate) tunnel: Option<FarWhy>,
    pub(crate) probe: bool,
}

/// Where the controller's walk left through a tunnel, and the packet in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FarWhy {
    pub(crate) remote: IpAddr,
    /// The controller's end of the underlay (the outer packets' source).
    pub(crate) from: IpAddr,
    pub(crate) vni: u32,
    pub(crate) port: u16,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub(crate) enum Reply {
    Hello {
        protocol: u32,
        version: String,
        arch: String,
    },
    /// The journal holds this many entries already (a replay when not 0).
    Opened {
        entries: usize,
    },
    Verdicts {
        verdicts: Vec<Judged>,
    },
    Applied(Applied),
    /// `owned` objects were undone; `failed`: what could not be, a line each.
    RolledBack {
        owned: usize,
        failed: Vec<String>,
    },
    Down {
        removed: usize,
        failed: Vec<String>,
    },
    Topology {
        state: State,
    },
    /// The plan was refused or failed in the kernel: a diagnostic at the op's call.
    Refused(WireError),
    /// The request could not be served (not understood, no lab opened, no journal).
    Failed {
        message: String,
    },
    Bye,
    // Issue 15, part B.
    /// The far part of a `why`: its hops, named as this machine names its stacks, and the
    /// broken step with its fix (in this machine's own DSL terms: `ns1.…`, `host()`).
    Why(FarReport),
    /// What a `ping` observed.
    Echo {
        echo: Echo,
    },
    /// What an `exec` printed, and its exit code.
    Ran {
        output: ExecOutput,
    },
    // Issue 15, part E.
    /// Each stack's address, in the order asked (`None`: it has none, or is not here).
    Addrs {
        addrs: Vec<Option<IpAddr>>,
    },
    /// Which targets of each row answered, row by row in the order of its targets.
    Swept {
        answers: Vec<Vec<bool>>,
    },
    WhyFrom(WhyStarted),
}

/// The far part of a `why` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FarReport {
    pub(crate) hops: Vec<FarHop>,
    pub(crate) broken: Option<String>,
    pub(crate) fix: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FarHop {
    pub(crate) at: String,
    pub(crate) text: String,
    pub(crate) ok: bool,
    #[serde(default)]
    pub(crate) unsure: bool,
    #[serde(default)]
    pub(crate) then: bool,
}

/// One coalesced op and what judging it decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Judged {
    pub(crate) op: OpKind,
    pub(crate) verdict: Verdict,
}

/// What a flush on the far machine did (`plan::flush::Report` less what stays there).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Applied {
    pub(crate) tally: Tally,
    pub(crate) created: Vec<ObjectKey>,
    pub(crate) unchanged: Vec<ObjectKey>,
    pub(crate) adopted: Vec<ObjectKey>,
    pub(crate) first_adopted: bool,
    pub(crate) steps: Vec<OpKind>,
}

impl From<Report> for Applied {
    fn from(r: Report) -> Self {
        Applied {
            tally: r.tally,
            created: r.created,
            unchanged: r.unchanged,
            adopted: r.adopted,
            first_adopted: r.first_adopted,
            steps: r.steps,
        }
    }
}

/// A `PlanError` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct WireError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) at: At,
}

impl From<PlanError> for WireError {
    fn from(e: PlanError) -> Self {
        WireError {
            code: e.code.to_string(),
            message: e.message,
            help: e.help,
            at: e.at,
        }
    }
}

impl From<WireError> for PlanError {
    fn from(w: WireError) -> Self {
        // The codes are static words; one this version does not know is the remote's own.
        let code = match w.code.as_str() {
            "netsh::conflict" => "netsh::conflict",
            "netsh::missing" => "netsh::missing",
            "netsh::kernel" => "netsh::kernel",
            "netsh::journal" => "netsh::journal",
            _ => "netsh::remote",
        };
        PlanError {
            code,
            message: w.message,
            help: w.help,
            at: w.at,
        }
    }
}

/// A message as one line (JSON never holds a raw newline).
pub(crate) fn line<T: Serialize>(msg: &T) -> String {
    let mut s = serde_json::to_string(msg).expect("protocol messages serialize");
    s.push('\n');
    s
}

/// This netsh's hello.
pub(crate) fn hello() -> Reply {
    Reply::Hello {
        protocol: PROTOCOL,
        version: env!("CARGO_PKG_VERSION").to_string(),
        arch: std::env::consts::ARCH.to_string(),
    }
}
