//! The interactive shell: one engine and one scope for the whole session, each line flushed at
//! its end, with a rustyline editor that completes, hints, highlights and continues open blocks.

pub mod balance;
pub mod changes;
pub mod completion;
pub mod enter;
pub mod evaluator;
pub mod helper;
pub mod highlight;
pub mod history;
pub mod imports;
pub mod meta;
pub mod plan_mode;
pub mod shell;
pub mod show;

#[cfg(test)]
mod tests;
