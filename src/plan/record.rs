//! `Record`: stores what would be applied, for unit tests of the DSL without root.

use super::backend::{Backend, ExecOutput, Failure, PingMode, Simulated};
use super::netns::Netns;
use super::op::OpKind;
use super::render::render;
use std::cell::RefCell;
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
    super::backend::simulated_reads!();

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
