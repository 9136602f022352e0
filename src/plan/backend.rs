//! The trait every backend implements: `Netlink` (src/net) applies to the kernel, `DryRun` renders
//! commands, `Record` stores ops for unit tests.

use super::netns::Netns;
use super::op::OpKind;
use super::view::NsView;
use crate::firewall::{Listed, Rule};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// "No such device (ENODEV)": the system's words and the errno's name, not "(os error 19)".
pub fn errno_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    match (s.find(" (os error"), e.raw_os_error()) {
        (Some(i), Some(n)) => format!("{} ({:?})", &s[..i], nix::errno::Errno::from_raw(n)),
        _ => s,
    }
}

/// A kernel (or system) error, with its errno when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub errno: Option<i32>,
    /// What to do, when the failing layer knows better than the errno (a missing program).
    pub help: Option<String>,
}

impl Failure {
    pub fn new(message: impl Into<String>, errno: Option<i32>) -> Self {
        Failure {
            message: message.into(),
            errno,
            help: None,
        }
    }

    /// "…: No such file or directory (ENOENT)": the system's words and the errno's name.
    pub fn from_io(e: &std::io::Error) -> Self {
        let s = errno_words(e);
        // A wrapped error keeps its kind but not its errno: recover the common ones.
        let errno = e.raw_os_error().or(match e.kind() {
            std::io::ErrorKind::NotFound => Some(2),
            std::io::ErrorKind::PermissionDenied => Some(13),
            std::io::ErrorKind::AlreadyExists => Some(17),
            _ => None,
        });
        Failure::new(s, errno)
    }
}

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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub code: i64,
    pub out: String,
    pub err: String,
}

pub trait Backend {
    /// Whether there is a kernel behind this backend (false for dry-run and record).
    fn is_live(&self) -> bool {
        true
    }
    /// The names in `/run/netns`.
    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure>;
    /// Links, addresses and routes of one namespace.
    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure>;
    /// A sysctl's value, `None` when it cannot be known (dry-run).
    fn read_sysctl(&mut self, ns: &Netns, key: &str) -> Result<Option<String>, Failure>;
    /// Apply judged steps in order; on failure, the index of the step that failed.
    fn apply(&mut self, steps: &[OpKind]) -> Result<(), (usize, Failure)>;
    /// Send echo requests from `ns` to `dst`, bounded in time, retried briefly.
    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure>;
    fn exec(&mut self, ns: &Netns, cmd: &str) -> Result<ExecOutput, Failure>;
    /// Whether exactly this firewall rule is in its chain.
    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure>;
    /// Every firewall rule of a namespace.
    fn rules(&mut self, ns: &Netns) -> Result<Vec<Listed>, Failure>;
    /// The FDB entries with a remote (dev, mac, dst) of a namespace's VXLAN devices.
    fn fdb(&mut self, ns: &Netns) -> Result<Vec<(String, String, IpAddr)>, Failure>;
    /// `print` from the script.
    fn echo(&mut self, text: &str);
    /// After a flush: the state the plan left, as judged. A backend without a kernel keeps it
    /// as its simulated kernel, so the next flush sees what this one made.
    /// `why`'s reads (src/why). `None`: no kernel to ask (a dry run).
    fn route_get(
        &mut self,
        _ns: &Netns,
        _dst: IpAddr,
    ) -> Result<Option<Result<crate::why::RouteGet, String>>, Failure> {
        Ok(None)
    }
    fn link_details(
        &mut self,
        _ns: &Netns,
    ) -> Result<Option<Vec<crate::why::LinkDetail>>, Failure> {
        Ok(None)
    }
    /// The neighbour (ARP) state of `ip` on `dev`: `REACHABLE`, `FAILED`, ...
    fn neighbour(
        &mut self,
        _ns: &Netns,
        _dev: &str,
        _ip: IpAddr,
    ) -> Result<Option<String>, Failure> {
        Ok(None)
    }
    fn chain(
        &mut self,
        _ns: &Netns,
        _table: &str,
        _chain: &str,
    ) -> Result<Option<crate::why::Chain>, Failure> {
        Ok(None)
    }
    fn remember(&mut self, _named: Option<BTreeSet<String>>, _views: HashMap<Netns, NsView>) {}
}

/// The reads of a backend without a kernel (`DryRun`, `Record`): from its `sim: Simulated`.
macro_rules! simulated_reads {
    () => {
        fn is_live(&self) -> bool {
            false
        }

        fn named_netns(&mut self) -> Result<std::collections::BTreeSet<String>, Failure> {
            Ok(self.sim.named.clone())
        }

        fn observe(&mut self, ns: &Netns) -> Result<super::view::NsView, Failure> {
            Ok(self.sim.observe(ns))
        }

        fn remember(
            &mut self,
            named: Option<std::collections::BTreeSet<String>>,
            views: std::collections::HashMap<Netns, super::view::NsView>,
        ) {
            self.sim.remember(named, views);
        }

        fn rule_exists(
            &mut self,
            ns: &Netns,
            rule: &crate::firewall::Rule,
        ) -> Result<bool, Failure> {
            Ok(self.sim.rule_exists(ns, rule))
        }

        fn rules(&mut self, ns: &Netns) -> Result<Vec<crate::firewall::Listed>, Failure> {
            Ok(self.sim.rules(ns))
        }

        fn fdb(&mut self, ns: &Netns) -> Result<Vec<(String, String, std::net::IpAddr)>, Failure> {
            Ok(self.sim.fdb.get(ns).cloned().unwrap_or_default())
        }

        /// Unknown without a kernel: a sysctl is always set.
        fn read_sysctl(&mut self, _ns: &Netns, _key: &str) -> Result<Option<String>, Failure> {
            Ok(None)
        }
    };
}
pub(crate) use simulated_reads;

/// The simulated kernel of the backends that have none: what earlier flushes made.
#[derive(Default)]
pub struct Simulated {
    pub named: BTreeSet<String>,
    pub views: HashMap<Netns, NsView>,
    /// Firewall rules the plan added, per namespace.
    pub rules: HashMap<Netns, Vec<Rule>>,
    pub fdb: HashMap<Netns, Vec<(String, String, IpAddr)>>,
}

impl Simulated {
    pub fn observe(&self, ns: &Netns) -> NsView {
        self.views.get(ns).cloned().unwrap_or_else(NsView::fresh)
    }

    pub fn apply(&mut self, steps: &[OpKind]) {
        for s in steps {
            match s {
                OpKind::RuleAdd { ns, rule } => {
                    self.rules.entry(ns.clone()).or_default().push(rule.clone())
                }
                OpKind::RuleDel { ns, rule } => {
                    if let Some(v) = self.rules.get_mut(ns) {
                        if let Some(i) = v.iter().position(|r| r == rule) {
                            v.remove(i);
                        }
                    }
                }
                OpKind::FdbAdd { ns, dev, mac, dst } => self
                    .fdb
                    .entry(ns.clone())
                    .or_default()
                    .push((dev.clone(), mac.clone(), *dst)),
                OpKind::FdbDel { ns, dev, mac, dst } => {
                    if let Some(v) = self.fdb.get_mut(ns) {
                        v.retain(|e| *e != (dev.clone(), mac.clone(), *dst));
                    }
                }
                OpKind::NetnsDel { name } => {
                    self.rules.remove(&Netns::Named(name.clone()));
                    self.fdb.remove(&Netns::Named(name.clone()));
                }
                _ => {}
            }
        }
    }

    pub fn rule_exists(&self, ns: &Netns, rule: &Rule) -> bool {
        self.rules.get(ns).is_some_and(|v| v.contains(rule))
    }

    pub fn rules(&self, ns: &Netns) -> Vec<Listed> {
        self.rules
            .get(ns)
            .map(|v| {
                v.iter()
                    .map(|r| Listed {
                        table: r.table.clone(),
                        chain: r.chain.clone(),
                        spec: r.spec(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn remember(&mut self, named: Option<BTreeSet<String>>, views: HashMap<Netns, NsView>) {
        if let Some(named) = named {
            self.named = named;
        }
        self.views.extend(views);
        let named = &self.named;
        self.views.retain(|ns, _| {
            matches!(ns, Netns::Root) || matches!(ns, Netns::Named(n) if named.contains(n))
        });
    }
}
