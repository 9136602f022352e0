//! `IndentOnEnter`: Enter on an unfinished statement opens a new line indented by the depth of
//! its open blocks, so that the continuation shows; on a finished one it submits.

use super::balance::Balance;
use rustyline::{Cmd, ConditionalEventHandler, Event, EventContext, RepeatCount};

pub(crate) struct IndentOnEnter;

impl ConditionalEventHandler for IndentOnEnter {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let line = ctx.line();
        if line.trim_start().starts_with(':') || ctx.pos() < line.trim_end().len() {
            return None;
        }
        let b = Balance::of(line);
        if b.complete() {
            return None;
        }
        Some(Cmd::Insert(1, format!("\n{}", "    ".repeat(b.depth))))
    }
}
