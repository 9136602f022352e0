//! netsh: build Linux network labs from Rhai scripts. The binary (src/main.rs) is a thin shell
//! over this library; benches and tools use the same code paths.
//!
//! Data flows one way: script → api (validates, records `Op`s) → plan (coalesce, judge) →
//! backend (`net::Netlink` applies, `plan::dry_run::DryRun` renders) → lab journal.

pub mod api;
pub mod cli;
pub mod firewall;
pub mod lab;
pub mod net;
pub mod plan;
pub(crate) mod remote;
pub mod repl;
pub mod script;
pub mod sys;
pub(crate) mod web;
pub mod why;
