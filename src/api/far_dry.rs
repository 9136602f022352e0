//! A far machine's part of a dry run: planned against a simulated kernel of its own, its bash
//! kept until the end of the run for a section of its own.

use crate::lab::Journal;
use crate::plan::dry_run::{dry_run_as, DryRun, Form};
use crate::plan::Print;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// A far machine's part of a dry run: its own simulated kernel, its bash kept for the end.
pub(crate) struct FarDry {
    pub(crate) sim: DryRun,
    pub(crate) journal: Journal,
    text: Rc<RefCell<Vec<u8>>>,
}

struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl FarDry {
    /// `machine`: the machine's name in the script.
    pub(crate) fn new(form: Form, machine: &str) -> Self {
        let text = Rc::new(RefCell::new(vec![]));
        FarDry {
            sim: dry_run_as(
                Box::new(Shared(text.clone())),
                form,
                Some(machine.to_string()),
            ),
            journal: Journal::in_memory("dry-run"),
            text,
        }
    }

    /// The bash, closed.
    pub(crate) fn end(mut self) -> String {
        self.sim.end();
        let body = String::from_utf8_lossy(&self.text.borrow()).to_string();
        body
    }
}
