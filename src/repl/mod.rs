//! The interactive shell: one engine and one scope for the whole session, each line flushed at
//! its end, with a rustyline editor that completes, hints, highlights and continues open blocks.

pub(crate) mod balance;
pub(crate) mod call;
pub(crate) mod changes;
pub(crate) mod completion;
pub(crate) mod enter;
pub(crate) mod evaluator;
pub(crate) mod helper;
pub(crate) mod highlight;
pub(crate) mod hint;
pub(crate) mod history;
pub(crate) mod imports;
pub(crate) mod meta;
pub(crate) mod plan_mode;
pub(crate) mod save;
pub(crate) mod shell;
pub(crate) mod show;
pub(crate) mod value;

#[cfg(test)]
mod tests;
