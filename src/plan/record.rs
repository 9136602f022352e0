//! `Record`: stores what would be applied, for unit tests of the DSL without root.

use super::op::OpKind;
use super::probe::PingMode;
use super::render::render;
use super::simulated::{Output, Sim};
use crate::sys::Netns;
use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

/// The rendered steps, shared with the test that made the backend.
pub(crate) type Log = Rc<RefCell<Vec<String>>>;

pub(crate) type Record = Sim<Log>;

impl Output for Log {
    fn steps(&mut self, steps: &[OpKind]) {
        self.borrow_mut().extend(steps.iter().map(render));
    }

    fn ping(&mut self, ns: &Netns, dst: IpAddr, mode: PingMode) -> bool {
        self.borrow_mut()
            .push(format!("ping {dst} from {ns} ({mode:?})"));
        mode != PingMode::ExpectNot
    }

    fn exec(&mut self, ns: &Netns, cmd: &str) {
        self.borrow_mut().push(format!("exec on {ns}: {cmd}"));
    }

    fn echo(&mut self, text: &str) {
        self.borrow_mut().push(format!("print {text}"));
    }

    fn section(&mut self, title: &str) {
        self.borrow_mut().push(format!("step {title}"));
    }
}
