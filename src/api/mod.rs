//! The DSL: one file per object kind. Each validates its arguments, updates the script's model and
//! records `Op`s with the position of the call; nothing here talks to the kernel.

pub(crate) mod addr;
pub(crate) mod adopted;
pub mod backend;
pub(crate) mod cable;
pub(crate) mod check;
pub(crate) mod connect;
pub(crate) mod create;
pub(crate) mod disjoint;
pub(crate) mod doc;
pub(crate) mod doc_examples;
pub(crate) mod error;
pub(crate) mod far_check;
pub(crate) mod far_dry;
pub(crate) mod far_sweep;
pub(crate) mod far_why;
pub(crate) mod firewall;
pub(crate) mod fleet_flush;
pub(crate) mod iptables;
pub(crate) mod link;
pub(crate) mod machine;
pub(crate) mod model;
pub(crate) mod named;
pub(crate) mod names;
pub(crate) mod narration;
pub(crate) mod param;
pub(crate) mod pingall;
pub(crate) mod plain_text;
pub(crate) mod query;
pub(crate) mod route;
pub mod session;
pub(crate) mod shell;
pub(crate) mod stack;
pub(crate) mod step;
pub(crate) mod sysctl;
pub(crate) mod sysctl_range;
pub(crate) mod sysctl_read;
pub(crate) mod vxlan;
pub(crate) mod why;
pub(crate) mod wire;

pub(crate) use error::DslError;
pub use session::{Session, Shared};

/// Register every DSL function on the engine.
pub(crate) fn register(engine: &mut rhai::Engine, shared: &Shared) {
    stack::register(engine, shared);
    machine::register(engine, shared);
    link::register(engine, shared);
    create::register(engine, shared);
    route::register(engine, shared);
    sysctl::register(engine, shared);
    check::register(engine, shared);
    query::register(engine, shared);
    connect::register(engine, shared);
    param::register(engine, shared);
    disjoint::register(engine, shared);
    sysctl_read::register(engine, shared);
    firewall::register(engine, shared);
    wire::register(engine, shared);
    vxlan::register(engine, shared);
    why::register(engine, shared);
    step::register(engine, shared);
    pingall::register(engine, shared);
    shell::register(engine, shared);
}
