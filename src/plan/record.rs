//! `Record`: stores what would be applied, for unit tests of the DSL without root.

use super::backend::{Backend, ExecOutput, Failure, PingMode, Simulated};
use super::netns::Netns;
use super::op::OpKind;
use super::render::render;
use super::view::NsView;
use crate::firewall::{Listed, Rule};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::rc::Rc;

/// The rendered steps, shared with the test that made the backend.
pub type Log = Rc<RefCell<Vec<String>>>;

#[derive(Default)]
pub struct Record {
    pub log: Log,
    sim: Simulated,
}

impl Backend for Record {
    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure> {
        Ok(self.sim.named.clone())
    }

    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure> {
        Ok(self.sim.observe(ns))
    }

    fn remember(&mut self, named: Option<BTreeSet<String>>, views: HashMap<Netns, NsView>) {
        self.sim.remember(named, views);
    }

    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure> {
        Ok(self.sim.rule_exists(ns, rule))
    }

    fn rules(&mut self, ns: &Netns) -> Result<Vec<Listed>, Failure> {
        Ok(self.sim.rules(ns))
    }

    fn fdb(&mut self, ns: &Netns) -> Result<Vec<(String, String, IpAddr)>, Failure> {
        Ok(self.sim.fdb.get(ns).cloned().unwrap_or_default())
    }

    fn read_sysctl(&mut self, _ns: &Netns, _key: &str) -> Result<Option<String>, Failure> {
        Ok(None)
    }

    fn apply(&mut self, steps: &[OpKind]) -> Result<(), (usize, Failure)> {
        self.log.borrow_mut().extend(steps.iter().map(render));
        self.sim.apply(steps);
        Ok(())
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> Result<bool, Failure> {
        self.log
            .borrow_mut()
            .push(format!("ping {dst} from {ns} ({mode:?})"));
        Ok(mode != PingMode::ExpectNot)
    }

    fn exec(&mut self, ns: &Netns, cmd: &str) -> Result<ExecOutput, Failure> {
        self.log.borrow_mut().push(format!("exec on {ns}: {cmd}"));
        Ok(ExecOutput::default())
    }

    fn echo(&mut self, text: &str) {
        self.log.borrow_mut().push(format!("print {text}"));
    }
}
